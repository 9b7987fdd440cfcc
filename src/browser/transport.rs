//! Sends bundles and reports back: `fetch` while the page lives (so failures are seen and
//! retried), `fetch` with `keepalive` when it is hidden, `sendBeacon` (its return value
//! checked, `false` falls back to `fetch`) when it is going away.
//!
//! The page's `fetch` is captured before any hook is installed, so the SDK's own traffic is
//! never reported as an API call and never loops through a hook of ours.

use alloc::string::String;
use js_sys::Function;
use wasm_bindgen::prelude::*;

// Not `catch`: every function of transport.js catches what it calls and never throws.
#[wasm_bindgen(module = "/src/browser/transport.js")]
extern "C" {
    #[wasm_bindgen(js_name = captureFetch)]
    fn capture_fetch(hub: &Function);
    #[wasm_bindgen(js_name = claimOrphans)]
    fn claim_orphans(prefix: &str, mine: &str);
    /// localStorage: see transport.js `ls` (op 0 get, 1 set, 2 remove, 3 the other
    /// tabs' outbox bytes).
    pub fn ls(op: u32, key: &str, value: &str) -> JsValue;
}

// Not `catch` either: it falls back to transport.js `post`, which catches what it calls.
#[wasm_bindgen(module = "/src/browser/send_worker.js")]
extern "C" {
    #[wasm_bindgen(js_name = sendBundle)]
    fn js_send(url: &str, body: &str, mode: u32, compress: bool, id: u32) -> bool;
}

/// localStorage threw: disabled, blocked or full.
#[derive(Debug)]
pub struct StorageFailed;

/// `localStorage.getItem`: `Err` when it threw (storage disabled or blocked).
pub fn ls_get(key: &str) -> Result<Option<String>, StorageFailed> {
    // A string, null (no such key), or 1 when it threw.
    let v = ls(0, key, "");
    match v.as_string() {
        None if v.is_truthy() => Err(StorageFailed),
        s => Ok(s),
    }
}

/// `localStorage.setItem`: `Err` when it threw (disabled, blocked or full).
pub fn ls_set(key: &str, value: &str) -> Result<(), StorageFailed> {
    ls(1, key, value).is_truthy().then_some(()).ok_or(StorageFailed)
}

/// `localStorage.removeItem`: `Err` when it threw.
pub fn ls_remove(key: &str) -> Result<(), StorageFailed> {
    ls(2, key, "").is_truthy().then_some(()).ok_or(StorageFailed)
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
    /// This tab's outbox key.
    pub outbox_key: String,
}

impl Transport {
    /// `endpoint` is absolute (`js::absolute_url`). `hub` is kept by transport.js for every JS
    /// report to come (answers, hooks, timers).
    pub fn new(endpoint: String, compress: bool, tab: &str, hub: &Function) -> Transport {
        capture_fetch(hub);
        let outbox_key = crate::core::text::cat(&[OUTBOX_PREFIX, tab]);
        Transport { endpoint, compress, outbox_key }
    }

    /// Holds this tab's outbox for its life, and takes over the bundles of tabs that are gone
    /// (each exactly once, see transport.js); they arrive through the hub.
    pub fn claim_orphans(&self) {
        claim_orphans(OUTBOX_PREFIX, &self.outbox_key);
    }

    /// What the other tabs' outbox keys hold (UTF-16 units, near enough to bytes for a bound).
    pub fn persisted_elsewhere(&self) -> usize {
        ls(3, OUTBOX_PREFIX, &self.outbox_key).unchecked_into_f64() as usize
    }

    pub fn persist(&self, bundles: &str) -> bool {
        if bundles.is_empty() {
            ls_remove(&self.outbox_key).is_ok()
        } else {
            ls_set(&self.outbox_key, bundles).is_ok()
        }
    }

    /// Returns true when the browser took the bundle for good (a beacon): no answer will come.
    /// A send that throws is never true, and its bundle is retried at the next timer.
    pub fn send(&self, id: u32, body: &str, mode: Mode) -> bool {
        js_send(&self.endpoint, body, mode as u32, self.compress, id)
    }
}
