//! The API the JS facade calls: `start` is an export, the rest arrive through the `hub` export
//! (one kind each, see `browser::hub`): an export costs a glue function and a wasm stub each.
//! Thin: parse, call the core, return. Nothing here throws into the page: bad input gets one
//! console message.

use crate::browser::collectors::Collectors;
use crate::browser::fns::Fns;
use crate::browser::host::BrowserHost;
use crate::browser::js;
use crate::browser::runtime::{self, apply_config, Runtime};
use crate::browser::store::BrowserStore;
use crate::browser::transport::Transport;
use crate::core::agent::Agent;
use crate::core::config::{self, Config};
use crate::core::json::{self, Value};
use crate::core::manual;
use alloc::vec::Vec;
use js_sys::Array;
use wasm_bindgen::prelude::*;

fn parse_config(text: &str) -> Option<Config> {
    let Some(v) = json::parse(text) else {
        js::console_warn("[rum-wasm] the config could not be read; the SDK stays off");
        return None;
    };
    let mut warnings = Vec::new();
    let cfg = config::from_value(&v, &mut warnings);
    for w in &warnings {
        js::console_warn(w);
    }
    match cfg {
        Ok(c) => Some(c),
        Err(e) => {
            js::console_warn(&e);
            None
        }
    }
}

/// `armsRum.init(config)`. `fns` is the facade's table of the config's functions; `hub` is
/// the `hub` export as a JS function, for the JS side (transport.js keeps it) to report through.
#[wasm_bindgen]
pub fn start(config: JsValue, fns: Array, hub: js_sys::Function) -> bool {
    // A second call is ignored. (The facade calls this once; its `init` says so to the app.)
    if runtime::is_started() {
        return false;
    }
    // The config's JSON text as a JS string, read like the hub's data (no string-argument
    // conversion of its own in the wasm).
    // With remote config on, the facade has merged a fresh cached remote config into it.
    let Some(cfg) = parse_config(&config.as_string().unwrap_or_default()) else { return false };
    let store = BrowserStore::new(cfg.storage, cfg.domain.clone());
    let tab = crate::core::ids::hex(&mut crate::browser::host::CryptoRandom, 8);
    let transport = Transport::new(js::absolute_url(&cfg.endpoint), cfg.delivery.compress, &tab, &hub);
    let mut host = BrowserHost::new(store, Fns::new(fns), transport);
    let mut agent = Agent::new(cfg, &mut host);
    agent.start(&mut host, &js::location_href(), &js::fact_str(js::Fact::Referrer));
    let collectors = (!agent.opted_out()).then(|| Collectors::install(&agent.cfg, &host.fns, true));
    let lifecycle = crate::browser::lifecycle::install();
    let mut rt =
        Runtime { agent, host, lifecycle, view_id: Default::default(), collectors, replay: Default::default() };
    rt.host.transport.claim_orphans();
    crate::browser::remote::begin(&mut rt);
    crate::browser::replay::sync(&mut rt);
    crate::browser::collect::sync_view(&mut rt);
    runtime::install(rt);
    true
}

// The calls below arrive through the hub (`browser::hub::dispatch`), on the runtime.

/// The config as JSON text. (A JS string, not a `String`: returning one of those through an
/// export costs a multi-value shim in the wasm and a copy-and-free in the glue.)
pub fn get_config(rt: &mut Runtime) -> JsValue {
    JsValue::from_str(&rt.agent.cfg.raw.to_json())
}

/// `setConfig`: the facade sends the whole new config (it applies the key/value form itself).
pub fn set_config(rt: &mut Runtime, config: &str) {
    let Some(cfg) = parse_config(config) else { return };
    apply_config(rt, cfg);
}

/// `sendCustom` (0), `sendException` (1), `sendResource` (2), `sendView` (3), `sendEvent` (4).
pub fn send(rt: &mut Runtime, kind: u8, payload: &str) {
    let v = json::parse(payload).unwrap_or(Value::Null);
    match manual::build(kind, &v) {
        Ok(spec) => rt.agent.emit(&mut rt.host, spec),
        Err(msg) => js::console_warn(&msg),
    }
}

pub fn flush(rt: &mut Runtime) {
    rt.agent.flush(&mut rt.host, crate::core::agent::Exit::No);
}

/// The user declines tracking: stop collecting and sending, delete stored ids, remember it.
pub fn opt_out(rt: &mut Runtime) {
    rt.agent.opt_out(&mut rt.host);
    rt.host.cancel_timer();
    // Nothing stays registered: hooks restored, observers disconnected.
    rt.collectors = None;
}

pub fn opt_in(rt: &mut Runtime) {
    rt.agent.opt_in(&mut rt.host);
    if rt.collectors.is_none() {
        rt.collectors = Some(Collectors::install(&rt.agent.cfg, &rt.host.fns, false));
    }
}

/// The current session id (empty when off, opted out or not sampled), for support links.
pub fn session_id(rt: &mut Runtime) -> JsValue {
    let id = if rt.agent.sampled() { rt.agent.sessions.current.as_ref().map(|s| s.id.as_str()) } else { None };
    JsValue::from_str(id.unwrap_or_default())
}
