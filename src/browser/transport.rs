//! Sends bundles: `fetch` while the page lives (so failures are seen), `sendBeacon` when it is
//! going away (its return value checked; `false` falls back to `fetch` with `keepalive`).
//!
//! The page's `fetch` is captured before any hook is installed, so the SDK's own traffic is
//! never reported as an API call and never loops through another library's patch of ours.

use alloc::string::String;
use super::js;
use crate::core::agent::MAX_BODY;
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub struct Transport {
    pub endpoint: String,
    fetch: Option<Function>,
    ignore: Closure<dyn FnMut(JsValue)>,
}

impl Transport {
    pub fn new(endpoint: String) -> Transport {
        let fetch = js::get(&js::global(), "fetch").dyn_into::<Function>().ok();
        Transport { endpoint: js::absolute_url(&endpoint), fetch, ignore: Closure::new(|_: JsValue| {}) }
    }

    pub fn send(&mut self, body: String, exit: bool) {
        let small = body.len() < MAX_BODY;
        if exit && small && js::send_beacon(&self.endpoint, &body) == Ok(true) {
            return;
        }
        let Some(fetch) = &self.fetch else { return };
        let init: JsValue = Object::new().into();
        js::set(&init, "method", &JsValue::from_str("POST"));
        js::set(&init, "body", &JsValue::from_str(&body));
        if exit && small {
            js::set(&init, "keepalive", &JsValue::TRUE);
        }
        if let Ok(p) = fetch.call2(&js::global(), &JsValue::from_str(&self.endpoint), &init) {
            // A failed send must not become an unhandled rejection in the page's console.
            let _ = p.unchecked_into::<Promise>().catch(&self.ignore);
        }
    }
}
