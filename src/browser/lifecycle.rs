//! Page lifecycle: flush when the page is hidden or left, a new view when it comes back from
//! the back/forward cache, and user activity that keeps the session alive.
//!
//! Only `visibilitychange`, `pagehide` and `pageshow`: `unload`/`beforeunload` listeners keep
//! pages out of the bfcache.

use super::js;
use super::listener::Listener;
use super::runtime::{page_exit, with_rt};
use core::cell::Cell;
use wasm_bindgen::JsValue;

/// Activity is acted on at most this often: scroll fires at frame rate.
const ACTIVITY_THROTTLE_MS: f64 = 1000.0;

pub fn install(out: &mut alloc::vec::Vec<Listener>) {
    let win = js::window_target;
    if let Some(doc) = js::document_target() {
        out.extend(Listener::new(doc, "visibilitychange", false, |_| {
            if js::is_hidden() {
                with_rt(|rt| page_exit(rt, false));
            }
        }));
    }
    out.extend(Listener::new(win(), "pagehide", false, |_| {
        with_rt(|rt| page_exit(rt, true));
    }));
    out.extend(Listener::new(win(), "pageshow", false, |ev: JsValue| {
        if js::get(&ev, "persisted").is_truthy() {
            with_rt(|rt| rt.agent.navigate(&mut rt.host, &js::location_href(), true));
        }
    }));
    let last = alloc::rc::Rc::new(Cell::new(0f64));
    for ty in ["click", "keydown", "scroll", "touchstart"] {
        let last = last.clone();
        let Some(doc) = js::document_target() else { break };
        out.extend(Listener::new(doc, ty, true, move |ev: JsValue| {
            // Only real input: script-dispatched events and visibility never extend a session.
            if !js::get(&ev, "isTrusted").is_truthy() {
                return;
            }
            let now = js::date_now();
            if now - last.get() < ACTIVITY_THROTTLE_MS {
                return;
            }
            last.set(now);
            with_rt(|rt| rt.agent.activity(&mut rt.host));
        }));
    }
}
