//! The session store for the browser: localStorage, a cookie, or (when both fail) memory. The
//! mechanics, the fall-back to memory and its one console message are in `store.js`; this is
//! the `Store` the core's session logic reads and writes.

use crate::core::config::StorageKind;
use crate::core::session::Store;
use alloc::string::String;
use wasm_bindgen::prelude::*;

// Not `catch`: store.js never throws.
#[wasm_bindgen(module = "/src/browser/store.js")]
extern "C" {
    #[wasm_bindgen(js_name = storeOpen)]
    fn store_open(kind: u32, domain: Option<&str>) -> u32;
    #[wasm_bindgen(js_name = storeBackend)]
    fn store_backend() -> u32;
    /// op 0: get (a string, or undefined), 1: set (false when the store refused), 2: remove.
    /// One import for the three: each import costs its own glue in the page.
    fn store(op: u32, key: &str, value: &str) -> JsValue;
    /// The page's one storage message (shared with the outbox's persistence).
    #[wasm_bindgen(js_name = storageWarning)]
    pub fn storage_warning();
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Backend {
    Local,
    Cookie,
    Memory,
}

/// The page's store (store.js holds its state: there is one per page).
pub struct BrowserStore;

impl BrowserStore {
    pub fn new(kind: StorageKind, domain: Option<String>) -> BrowserStore {
        store_open(kind as u32, domain.as_deref());
        BrowserStore
    }

    /// Where values go now: it becomes `Memory` after a failed write.
    pub fn backend(&self) -> Backend {
        match store_backend() {
            0 => Backend::Local,
            1 => Backend::Cookie,
            _ => Backend::Memory,
        }
    }
}

impl Store for BrowserStore {
    fn get(&self, key: &str) -> Option<String> {
        store(0, key, "").as_string()
    }

    fn set(&mut self, key: &str, value: &str) -> bool {
        store(1, key, value).is_truthy()
    }

    fn remove(&mut self, key: &str) {
        store(2, key, "");
    }
}
