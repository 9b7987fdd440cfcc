//! Bindings to `hooks.js`: the JS mechanics of hooks, listeners, observers and timers that the
//! collectors (`collectors/`) share, the page lifecycle, and the app's callbacks. None is
//! `catch`: each of these JS functions catches everything itself and never throws (a `catch`
//! import costs a wrapper in the glue and a check in the wasm at every call).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/fields.js")]
extern "C" {
    pub fn configure(parse_resource_name: &JsValue, slow_resource: f64, slow_load: f64, sample: f64, trace: bool);
}

#[wasm_bindgen(module = "/src/browser/pending.js")]
extern "C" {
    /// The reports the hooks queued, built now (at page exit also the API calls still waiting
    /// for their timing entry), as an array (`collect::reports`).
    pub fn take(exit: bool) -> JsValue;
    /// The view calls and long tasks are stamped with as they start.
    #[wasm_bindgen(js_name = setView)]
    pub fn set_view(id: &str, name: &str);
}

#[wasm_bindgen(module = "/src/browser/hooks.js")]
extern "C" {
    #[wasm_bindgen(js_name = watchLifecycle)]
    pub fn watch_lifecycle() -> JsValue;
    /// Stops a collectors' or lifecycle handle, or clears a timer (`setTimer`'s id).
    pub fn stop(handle: &JsValue);
    /// `url` made absolute against the page, as the hooks see request URLs (`url` itself
    /// when that fails).
    pub fn absolute(url: &str) -> JsValue;
    /// `f.call(null, arg)`; undefined when it throws (or `f` is not a function).
    #[wasm_bindgen(js_name = userCall)]
    pub fn user_call(f: &JsValue, arg: &JsValue) -> JsValue;
    /// `re.test(s)` with `new RegExp(source, flags)` compiled once per pair ('g' and 'y'
    /// dropped); false for an invalid RegExp, which is reported once.
    #[wasm_bindgen(js_name = reTest)]
    pub fn re_test(source: &str, flags: &str, s: &str) -> bool;
    /// The app's `beforeReport` `f` on a bundle: the new bundle's text, 0 (drop it) or 1 (it threw).
    #[wasm_bindgen(js_name = beforeReport)]
    pub fn before_report(f: &JsValue, bundle: &str) -> JsValue;
    /// Fills `buf` with random bytes (Web Crypto, else Math.random).
    #[wasm_bindgen(js_name = fillRandom)]
    pub fn fill_random(buf: &mut [u8]);
    /// A browser fact by number (see `js::Fact`), of event `e` for the event ones.
    pub fn fact(n: u32, e: &JsValue) -> JsValue;
    /// `setTimeout(() => hub(kind), ms)`; returns the timer id.
    #[wasm_bindgen(js_name = setTimer)]
    pub fn set_timer(kind: u32, ms: f64) -> JsValue;
}

/// What `install` or `watch_lifecycle` started; dropping it stops it all.
pub struct Installed(pub JsValue);

impl Drop for Installed {
    fn drop(&mut self) {
        stop(&self.0);
    }
}
