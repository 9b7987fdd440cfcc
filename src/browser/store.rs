//! The session store: localStorage, a cookie, or (when both fail) memory.
//!
//! Storage can be disabled (privacy modes, sandboxed iframes), full (quota) or throw on access.
//! Each failure switches this page to memory once, with one console message; the SDK goes on.

use alloc::string::String;
use super::js;
use crate::core::session::Store;
use alloc::vec::Vec;

#[derive(Clone, Copy, PartialEq)]
pub enum Backend {
    Local,
    Cookie,
    Memory,
}

pub struct BrowserStore {
    pub backend: Backend,
    domain: Option<String>,
    /// Mirror of everything written, so reads still work after a fall-back to memory.
    mem: Vec<(String, String)>,
    /// One message per page about storage, whoever hits the problem first.
    pub warned: bool,
}

pub const STORAGE_WARNING: &str =
    "[rum-wasm] storage is not available (disabled, blocked or full): the session and unsent data are kept in memory for this page";

/// A cookie lives a year, as ARMS's do.
const COOKIE_MAX_AGE: &str = "31536000";

fn local_usable() -> bool {
    const PROBE: &str = "_rum_wasm_probe";
    js::ls_set(PROBE, "1").is_ok() && js::ls_remove(PROBE).is_ok()
}

fn cookie_usable() -> bool {
    js::fact_of(js::Fact::Cookies, &wasm_bindgen::JsValue::UNDEFINED)
}

impl BrowserStore {
    pub fn new(kind: crate::core::config::StorageKind, domain: Option<String>) -> BrowserStore {
        use crate::core::config::StorageKind;
        // localStorage when asked for (or Auto) and usable; else a cookie likewise; else memory.
        let backend = if kind != StorageKind::Cookie && local_usable() {
            Backend::Local
        } else if kind != StorageKind::LocalStorage && cookie_usable() {
            Backend::Cookie
        } else {
            Backend::Memory
        };
        let mut s = BrowserStore { backend, domain, mem: Vec::new(), warned: false };
        if backend == Backend::Memory {
            s.degrade();
        }
        s
    }

    fn degrade(&mut self) {
        self.backend = Backend::Memory;
        if !self.warned {
            self.warned = true;
            js::console_warn(STORAGE_WARNING);
        }
    }

    fn mem_get(&self, key: &str) -> Option<String> {
        self.mem.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    fn cookie_set(&self, key: &str, value: &str, max_age: &str) -> bool {
        super::transport::cookie_set(key, value, max_age, self.domain.as_deref())
    }
}

impl Store for BrowserStore {
    fn get(&self, key: &str) -> Option<String> {
        match self.backend {
            // The store, not the mirror, is the truth: another tab may have changed it.
            Backend::Local => match js::ls_get(key) {
                Ok(v) => v,
                Err(_) => self.mem_get(key),
            },
            Backend::Cookie => super::transport::cookie_get(key).as_string(),
            Backend::Memory => self.mem_get(key),
        }
    }

    fn set(&mut self, key: &str, value: &str) -> bool {
        self.mem.retain(|(k, _)| k != key);
        self.mem.push((String::from(key), String::from(value)));
        let ok = match self.backend {
            Backend::Local => js::ls_set(key, value).is_ok(),
            Backend::Cookie => self.cookie_set(key, value, COOKIE_MAX_AGE),
            Backend::Memory => return true,
        };
        if !ok {
            self.degrade();
        }
        ok
    }

    fn remove(&mut self, key: &str) {
        self.mem.retain(|(k, _)| k != key);
        match self.backend {
            Backend::Local => {
                let _ = js::ls_remove(key);
            }
            Backend::Cookie => {
                self.cookie_set(key, "", "0");
            }
            Backend::Memory => {}
        }
    }
}
