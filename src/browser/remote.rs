//! Remote configuration in the core page: the remote-first hold and its timeout, the signal to
//! fetch, and applying what arrives. The rules (the cache, the URL, the field-by-field merge)
//! are in `core::remote_config`, run by the lazy remote-config wasm (`src/remote_api.rs`, loaded
//! by `remote.js` only on pages whose config has `remoteConfig`): the facade starts the SDK on
//! the config already merged with a fresh cached one.

use super::runtime::Runtime;
use crate::core::config::{from_value, RemoteMode};
use crate::core::json;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/remote.js")]
extern "C" {
    /// Loads the remote-config file if need be, fetches the remote config, and answers through
    /// the hub (`REMOTE`): the merged config's text, or nothing. Never throws.
    #[wasm_bindgen(js_name = remoteFetch)]
    fn remote_fetch(sampled: bool);
}

/// Starts the fetch (and, in remote-first mode, the hold) once the agent runs.
pub fn begin(rt: &mut Runtime) {
    let cfg = &rt.agent.cfg;
    if !cfg.remote.enable || rt.agent.opted_out() {
        return;
    }
    if cfg.remote.mode == RemoteMode::RemoteFirst {
        rt.agent.hold = true;
        super::hooks::set_timer(super::kinds::RELEASE, cfg.remote.timeout as f64);
    }
    remote_fetch(rt.agent.sampled());
}

/// The fetch is over: `merged` is the local config merged with the fetched one (a string), or
/// not a string when there is none (no URL, a failed fetch, a body that is not a JSON object,
/// an unsampled session that keeps its cached config). Sending starts now either way, with
/// the fresh config, else the cached one, else the local one.
pub fn arrived(rt: &mut Runtime, merged: Option<alloc::string::String>) {
    if let Some(cfg) = merged.and_then(|t| json::parse(&t)).and_then(|v| from_value(&v, &mut Vec::new()).ok()) {
        super::runtime::apply_config(rt, cfg);
    }
    rt.agent.release(&mut rt.host);
}
