//! Remote configuration in the page: the cached copy at start, the background fetch, the
//! remote-first hold and its timeout. The rules themselves are in `core::remote_config`.

use super::js;
use super::runtime::Runtime;
use super::transport::{self, Transport};
use crate::core::agent::Host;
use crate::core::config::{from_value, Config, RemoteMode};
use crate::core::json::{self, Value};
use crate::core::remote_config::{apply, cache_entry, cached, url, CACHE_KEY};
use alloc::vec::Vec;

/// The local config merged with a fresh cached remote config, when remote config is on.
pub fn with_cache(local: &Value, cfg: &Config, now: u64) -> Option<Value> {
    if !cfg.remote.enable {
        return None;
    }
    let text = transport::ls_get(CACHE_KEY).ok().flatten();
    let remote = cached(text.as_deref(), &cfg.pid, now, cfg.remote.cache_timeout)?;
    let mut warnings = Vec::new();
    let merged = apply(local, &remote, &mut warnings);
    for w in &warnings {
        js::console_warn(w);
    }
    Some(merged)
}

/// Starts the fetch (and, in remote-first mode, the hold) once the agent runs.
pub fn begin(rt: &mut Runtime) {
    let cfg = &rt.agent.cfg;
    if !cfg.remote.enable || rt.agent.opted_out() {
        return;
    }
    // An unsampled session sends nothing: no fetch beyond the first one ever made.
    let has_cache = transport::ls_get(CACHE_KEY).ok().flatten().is_some();
    if !rt.agent.sampled() && has_cache {
        return;
    }
    let Some(u) = url(cfg, rt.host.now()) else { return };
    if cfg.remote.mode == RemoteMode::RemoteFirst {
        rt.agent.hold = true;
        super::hooks::set_timer(super::kinds::RELEASE, cfg.remote.timeout as f64);
    }
    Transport::get_text(&u);
}

/// The fetched config (or its failure), through the hub.
pub fn arrived(rt: &mut Runtime, status: u16, text: &str) {
    if (200..300).contains(&status) {
        match json::parse(text) {
            Some(remote @ Value::Obj(_)) => {
                let now = rt.host.now();
                // Cached as received: RegExps keep their `/source/flags` form.
                let _ = transport::ls_set(CACHE_KEY, &cache_entry(&rt.agent.cfg.pid, now, &remote));
                let mut warnings = Vec::new();
                let merged = apply(&rt.local, &remote, &mut warnings);
                for w in &warnings {
                    rt.host.warn_once(w);
                }
                if let Ok(cfg) = from_value(&merged, &mut Vec::new()) {
                    super::runtime::apply_config(rt, cfg);
                }
            }
            _ => rt.host.warn_once(crate::core::remote_config::NOT_AN_OBJECT),
        }
    }
    // Fresh, else cached, else local: start sending with what is there.
    rt.agent.release(&mut rt.host);
}
