//! The few browser globals the SDK reads directly, and wrappers over the JS helpers. No import
//! may throw into the wasm (an exception unwinding through it would skip destructors and leave
//! the SDK's state borrowed for ever): what can throw is called from our own JS helpers
//! (hooks.js, transport.js), which catch it and answer undefined or false. (localStorage is
//! reached through transport.rs, which holds its helper.) (A `catch` import
//! would cost a wrapper in the glue and an exception check in the wasm at every call.)

use alloc::string::String;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `globalThis` (js_sys::global() also probes `self`, `window` and `global`: four imports
    /// where every browser since 2019 needs one).
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL: Object;

    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn date_now() -> f64;

    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    pub fn console_warn(msg: &str);
}

pub fn global() -> Object {
    GLOBAL.with(Object::clone)
}

// Reading the page property by property: the SDK asks `fact` instead; the browser tests use these.

/// `obj[key]`, or `undefined` when reading it throws (getters can).
#[inline(never)]
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_undefined() || obj.is_null() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[inline(never)]
pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// `globalThis.a.b.c`, undefined if any step is missing.
#[inline(never)]
pub fn global_path(path: &[&str]) -> JsValue {
    let mut v: JsValue = global().into();
    for k in path {
        v = get(&v, k);
    }
    v
}

/// The facts `hooks.js` `fact` reads (its `FACTS`, in this order).
#[derive(Clone, Copy)]
pub enum Fact {
    Href,
    Origin,
    Referrer,
    Visibility,
    EffectiveType,
    /// `persisted` of a pageshow event.
    Persisted,
}

/// A fact about the page as text ("" when missing or not a string).
#[inline(never)]
pub fn fact_str(f: Fact) -> String {
    super::hooks::fact(f as u32, &JsValue::UNDEFINED).as_string().unwrap_or_default()
}

/// Whether an event's or the page's fact is truthy.
pub fn fact_of(f: Fact, e: &JsValue) -> bool {
    super::hooks::fact(f as u32, e).is_truthy()
}

pub fn location_href() -> String {
    fact_str(Fact::Href)
}

/// `url` made absolute against the page (as the hooks see request URLs).
pub fn absolute_url(url: &str) -> String {
    super::hooks::absolute(url).as_string().unwrap_or_default()
}
