//! One way in from the browser. Every listener, observer, hook, timer and network answer calls
//! one JS function, `hub(kind, data)`, and this module runs the matching handler on the runtime;
//! so does the facade for every API call but `init` (flush, sendCustom, setConfig, ...).
//!
//! One closure instead of one per callback: each wasm-bindgen closure type costs its own glue
//! and shims (kilobytes in every user's page), and a single entry point is also the single
//! place where re-entrancy and "the SDK is off" are handled.

use super::collect;
use super::js;
use super::runtime::{page_exit, run, Runtime};
use crate::api;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// Kinds. The JS side uses the numbers (src/browser/hooks.js, transport.js).
/// A collector's report, built by `fields.js`.
pub const REPORT: u32 = 1;
pub const ROUTE: u32 = 2;
pub const VISIBILITY: u32 = 20;
pub const PAGE_HIDE: u32 = 21;
pub const PAGE_SHOW: u32 = 22;
pub const ACTIVITY: u32 = 23;
pub const TIMER: u32 = 30;
pub const RELEASE: u32 = 31;
pub const SENT: u32 = 40;
pub const ADOPT: u32 = 41;
pub const REMOTE: u32 = 50;
// The facade's API calls (js/facade.js).
pub const EARLY: u32 = 3;
pub const FLUSH: u32 = 70;
pub const OPT_OUT: u32 = 71;
pub const OPT_IN: u32 = 72;
pub const SET_CONFIG: u32 = 73;
/// `stopSessionReplayRecording` (74), `startSessionReplayRecording()` (75), with force (76).
pub const REPLAY: u32 = 74;
/// `send(kind, payload)`: SEND + the manual kind (0..=4), the payload's JSON text as data.
pub const SEND: u32 = 80;
/// Synchronous: the config's JSON text (or undefined).
pub const GET_CONFIG: u32 = 61;
/// Synchronous: the session id (empty when off, opted out or not sampled).
pub const SESSION_ID: u32 = 62;
/// Synchronous: a request is starting (data: its URL); the answer is the JSON text of
/// `[trace headers | null, view id, view name]`, or undefined.
pub const TRACE: u32 = 60;

/// Activity is acted on at most this often: scroll fires at frame rate.
const ACTIVITY_THROTTLE_MS: f64 = 1000.0;

/// The hub: an export, which the facade hands back to `start` as a JS function for the hooks.
/// (A wasm-bindgen `Closure` would do the same with a closure table, its shims and a
/// FinalizationRegistry in every page, for a function that lives as long as the page anyway.)
#[wasm_bindgen]
pub fn hub(kind: u32, data: JsValue) -> JsValue {
    run(kind, data)
}

/// Kinds that answer at once (and are dropped, not deferred, when the runtime is busy).
pub fn is_sync(kind: u32) -> bool {
    (TRACE..=SESSION_ID).contains(&kind)
}

/// Runs one hub call on the runtime (see `runtime::run`); the answer of a synchronous kind.
pub fn dispatch(rt: &mut Runtime, kind: u32, d: JsValue) -> JsValue {
    match kind {
        TRACE => return collect::trace(rt, &d),
        GET_CONFIG => return api::get_config(rt),
        SESSION_ID => return api::session_id(rt),
        EARLY => collect::capture_early(rt, d),
        FLUSH => api::flush(rt),
        OPT_OUT => api::opt_out(rt),
        OPT_IN => api::opt_in(rt),
        SET_CONFIG => api::set_config(rt, &d.as_string().unwrap_or_default()),
        REPLAY..=76 => super::replay::api(rt, kind - REPLAY),
        SEND..=84 => api::send(rt, (kind - SEND) as u8, &d.as_string().unwrap_or_default()),
        _ => events(rt, kind, d),
    }
    super::replay::sync(rt);
    JsValue::UNDEFINED
}

fn events(rt: &mut Runtime, kind: u32, d: JsValue) {
    match kind {
        VISIBILITY => {
            if js::fact_str(js::Fact::Visibility) == "hidden" {
                page_exit(rt, false);
            }
        }
        PAGE_HIDE => page_exit(rt, true),
        PAGE_SHOW => {
            if js::fact_of(js::Fact::Persisted, &d) {
                rt.agent.navigate(&mut rt.host, &js::location_href(), true);
            }
        }
        ACTIVITY => {
            // Only real input: script-dispatched events and visibility never extend a session.
            let now = js::date_now();
            if js::fact_of(js::Fact::Trusted, &d) && now - rt.last_activity >= ACTIVITY_THROTTLE_MS {
                rt.last_activity = now;
                rt.agent.activity(&mut rt.host);
            }
        }
        TIMER => {
            rt.host.timer_fired();
            rt.agent.on_timer(&mut rt.host);
        }
        RELEASE => rt.agent.release(&mut rt.host),
        SENT => {
            let d: &js_sys::Array = d.unchecked_ref();
            let n = |i: u32| d.get(i).as_f64().unwrap_or(0.0);
            let ra = n(2);
            rt.agent.on_sent(&mut rt.host, n(0) as u32, n(1) as u16, (ra > 0.0).then_some(ra as u64));
        }
        ADOPT => {
            if let Some(text) = d.as_string() {
                rt.agent.adopt(&mut rt.host, &text);
            }
        }
        REMOTE => {
            let d: &js_sys::Array = d.unchecked_ref();
            let status = d.get(0).as_f64().unwrap_or(0.0) as u16;
            let text = d.get(1).as_string().unwrap_or_default();
            super::remote::arrived(rt, status, &text);
        }
        _ => collect::dispatch(rt, kind, d),
    }
}
