//! One way in from the browser. Every listener, observer, hook, timer and network answer calls
//! one JS function, `hub(kind, data)`, and this module runs the matching handler on the runtime;
//! so does the facade for every API call but `init` (flush, sendCustom, setConfig, ...).
//!
//! One closure instead of one per callback: each wasm-bindgen closure type costs its own glue
//! and shims (kilobytes in every user's page), and a single entry point is also the single
//! place where re-entrancy and "the SDK is off" are handled.

use super::collect;
use super::js;
pub use super::kinds::*;
use super::runtime::{page_exit, Runtime, DEFERRED, RT};
use crate::api;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The hub: an export, which the facade hands back to `start` as a JS function for the hooks.
/// (A wasm-bindgen `Closure` would do the same with a closure table, its shims and a
/// FinalizationRegistry in every page, for a function that lives as long as the page anyway.)
#[wasm_bindgen]
pub fn hub(kind: u32, data: JsValue) -> JsValue {
    run(kind, data)
}

/// The one queue. Runs hub call `kind` on the runtime now, or right after the call in progress when
/// re-entered; returns the answer of a synchronous kind (undefined when busy or not started).
/// The deferred work is data, not closures: no boxed closure and vtable per call site.
pub fn run(kind: u32, data: JsValue) -> JsValue {
    let mut data = Some(data);
    let mut out = JsValue::UNDEFINED;
    let ran = RT.with(|c| match c.try_borrow_mut() {
        Ok(mut slot) => {
            if let (Some(rt), Some(d)) = (slot.as_mut(), data.take()) {
                out = dispatch(rt, kind, d);
            }
            true
        }
        Err(_) => false,
    });
    if !ran {
        // Synchronous kinds need their answer now: busy, they get none (and are not queued).
        if let (Some(d), false) = (data, is_sync(kind)) {
            DEFERRED.with(|q| {
                if let Ok(mut q) = q.try_borrow_mut() {
                    // Bounded: a callback storm while busy must not grow memory without limit.
                    if q.len() < 256 {
                        q.push((kind, d));
                    }
                }
            });
        }
        return out;
    }
    drain();
    out
}

fn drain() {
    loop {
        let next = DEFERRED.with(|d| d.try_borrow_mut().ok().and_then(|mut q| (!q.is_empty()).then(|| q.remove(0))));
        let Some((kind, d)) = next else { return };
        RT.with(|c| {
            if let Ok(mut slot) = c.try_borrow_mut() {
                if let Some(rt) = slot.as_mut() {
                    dispatch(rt, kind, d);
                }
            }
        });
    }
}

/// Kinds that answer at once (and are dropped, not deferred, when the runtime is busy).
pub fn is_sync(kind: u32) -> bool {
    (TRACE..=REDACT).contains(&kind)
}

/// Runs one hub call on the runtime (see `runtime::run`); the answer of a synchronous kind.
pub fn dispatch(rt: &mut Runtime, kind: u32, d: JsValue) -> JsValue {
    if kind != REPORT {
        collect::pending(rt, kind == PAGE_HIDE || kind == VISIBILITY);
    }
    let out = answer(rt, kind, d);
    super::replay::sync(rt);
    collect::sync_view(rt);
    out
}

fn answer(rt: &mut Runtime, kind: u32, d: JsValue) -> JsValue {
    match kind {
        TRACE => return collect::trace(rt, &d),
        GET_CONFIG => return api::get_config(rt),
        SESSION_ID => return api::session_id(rt),
        // The replay recorder's URLs, by the bundles' rule (the JSON form: a URL the recorder
        // made absolute has no quote left) and the config as it is now.
        REDACT => return JsValue::from(crate::core::agent::redacted(&rt.agent.cfg, d.as_string().unwrap_or_default())),
        EARLY => collect::capture_early(rt, d),
        FLUSH => api::flush(rt),
        OPT_OUT => api::opt_out(rt),
        OPT_IN => api::opt_in(rt),
        SET_CONFIG => api::set_config(rt, &d.as_string().unwrap_or_default()),
        REPLAY..=76 => rt.replay.api(kind - REPLAY),
        SEND..=84 => api::send(rt, (kind - SEND) as u8, &d.as_string().unwrap_or_default()),
        _ => events(rt, kind, d),
    }
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
        // Real input (the listener keeps out script-dispatched events, at most one a second).
        ACTIVITY => rt.agent.activity(&mut rt.host),
        TIMER => {
            rt.host.timer_fired();
            rt.agent.on_timer(&mut rt.host);
        }
        RELEASE => rt.agent.release(&mut rt.host),
        SENT => {
            let d: &js_sys::Array = d.unchecked_ref();
            let n = |i: u32| d.get(i).unchecked_into_f64();
            let ra = n(2);
            rt.agent.on_sent(&mut rt.host, n(0) as u32, n(1) as u16, (ra > 0.0).then_some(ra as u64));
        }
        ADOPT => {
            if let Some(text) = d.as_string() {
                rt.agent.adopt(&mut rt.host, &text);
            }
        }
        REMOTE => super::remote::arrived(rt, d.as_string()),
        _ => collect::dispatch(rt, kind, d),
    }
}
