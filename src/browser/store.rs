//! The session store: localStorage, a cookie, or (when both fail) memory.
//!
//! Storage can be disabled (privacy modes, sandboxed iframes), full (quota) or throw on access.
//! Each failure switches this page to memory once, with one console message; the SDK goes on.

use alloc::string::String;
use super::js;
use crate::core::session::Store;
use crate::core::text::cat;
use alloc::vec::Vec;
use wasm_bindgen::JsValue;

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
    !js::get(&js::global(), "document").is_undefined()
        && js::global_path(&["navigator", "cookieEnabled"]).as_bool() != Some(false)
}

impl BrowserStore {
    pub fn new(kind: crate::core::config::StorageKind, domain: Option<String>) -> BrowserStore {
        use crate::core::config::StorageKind;
        let backend = match kind {
            StorageKind::LocalStorage if local_usable() => Backend::Local,
            StorageKind::Cookie if cookie_usable() => Backend::Cookie,
            StorageKind::Auto if local_usable() => Backend::Local,
            StorageKind::Auto if cookie_usable() => Backend::Cookie,
            _ => Backend::Memory,
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

    fn cookie_get(&self, key: &str) -> Option<String> {
        let all = js::global_path(&["document", "cookie"]).as_string()?;
        let prefix = cat(&[key, "="]);
        let mut rest = all.as_str();
        while !rest.is_empty() {
            let (c, tail) = crate::core::text::split_byte(rest, b';').unwrap_or((rest, ""));
            if let Some(raw) = c.trim_start_matches(' ').strip_prefix(prefix.as_str()) {
                return js_sys::decode_uri_component(raw).ok().map(String::from);
            }
            rest = tail;
        }
        None
    }

    fn cookie_set(&self, key: &str, value: &str, max_age: &str) -> bool {
        let encoded: String = js_sys::encode_uri_component(value).into();
        let mut c = cat(&[key, "=", &encoded, "; max-age=", max_age, "; path=/; SameSite=Lax"]);
        if let Some(d) = &self.domain {
            c.push_str("; domain=");
            c.push_str(d);
        }
        let doc = js::get(&js::global(), "document");
        js_sys::Reflect::set(&doc, &JsValue::from_str("cookie"), &JsValue::from_str(&c)).is_ok()
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
            Backend::Cookie => self.cookie_get(key),
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
