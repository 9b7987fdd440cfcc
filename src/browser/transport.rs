//! Sends bundles and reports back: `fetch` while the page lives (so failures are seen and
//! retried), `fetch` with `keepalive` when it is hidden, `sendBeacon` (its return value
//! checked, `false` falls back to `fetch`) when it is going away.
//!
//! The page's `fetch` is captured before any hook is installed, so the SDK's own traffic is
//! never reported as an API call and never loops through a hook of ours.

use alloc::string::String;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/browser/transport.js")]
extern "C" {
    #[wasm_bindgen(js_name = captureFetch, catch)]
    fn capture_fetch() -> Result<bool, JsValue>;
    #[wasm_bindgen(js_name = send, catch)]
    fn js_send(url: &str, body: &str, mode: u32, compress: bool, id: u32, done: &Function) -> Result<bool, JsValue>;
    #[wasm_bindgen(js_name = getText, catch)]
    fn js_get_text(url: &str, done: &Function) -> Result<(), JsValue>;
    #[wasm_bindgen(js_name = holdTab, catch)]
    fn hold_tab(key: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_name = claimOrphans, catch)]
    fn claim_orphans(prefix: &str, mine: &str, cb: &Function) -> Result<(), JsValue>;
}

/// Where a tab keeps its unacknowledged bundles (suffixed with the tab's id).
pub const OUTBOX_PREFIX: &str = "_rum_wasm_outbox:";

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Live = 0,
    Hidden = 1,
    Leaving = 2,
}

pub struct Transport {
    pub endpoint: String,
    pub compress: bool,
    done: Closure<dyn FnMut(u32, u16, f64)>,
    /// This tab's outbox key.
    pub outbox_key: String,
    adopt: Closure<dyn FnMut(String)>,
}

impl Transport {
    pub fn new(endpoint: String, compress: bool, tab: &str, on_done: fn(u32, u16, f64), on_adopt: fn(String)) -> Transport {
        let _ = capture_fetch();
        let outbox_key = crate::core::text::cat(&[OUTBOX_PREFIX, tab]);
        let _ = hold_tab(&outbox_key);
        Transport { endpoint: super::js::absolute_url(&endpoint), compress, done: Closure::new(on_done), outbox_key, adopt: Closure::new(on_adopt) }
    }

    /// Takes over the bundles of tabs that are gone (each exactly once, see transport.js).
    pub fn claim_orphans(&self) {
        let _ = claim_orphans(OUTBOX_PREFIX, &self.outbox_key, self.adopt.as_ref().unchecked_ref());
    }

    pub fn persist(&self, bundles: &str) -> bool {
        if bundles.is_empty() {
            super::js::ls_remove(&self.outbox_key).is_ok()
        } else {
            super::js::ls_set(&self.outbox_key, bundles).is_ok()
        }
    }

    /// Returns true when the browser took the bundle for good (a beacon): no answer will come.
    pub fn send(&self, id: u32, body: &str, mode: Mode) -> bool {
        let done: &Function = self.done.as_ref().unchecked_ref();
        match js_send(&self.endpoint, body, mode as u32, self.compress, id, done) {
            Ok(taken) => taken,
            // The send itself threw: report it as a network failure so it is retried.
            Err(_) => {
                let _ = done.call3(&JsValue::NULL, &JsValue::from(id), &JsValue::from(0), &JsValue::from(0));
                false
            }
        }
    }

    pub fn get_text(url: &str, done: &Function) {
        let _ = js_get_text(url, done);
    }
}
