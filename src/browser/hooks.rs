//! Bindings to `hooks.js`: the JS mechanics of hooks, listeners, observers and timers. Every
//! import is `catch`, so nothing thrown there can unwind through the wasm.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/fields.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    pub fn configure(parse_resource_name: &JsValue, slow_resource: f64, slow_load: f64) -> Result<(), JsValue>;
}

#[wasm_bindgen(module = "/src/browser/hooks.js")]
extern "C" {
    /// Installs the collectors whose bits are set in `on` (see `collect::Collectors`); returns
    /// the handle for `stop` and `final_vitals`.
    #[wasm_bindgen(catch)]
    pub fn install(hub: &Function, on: u32, evaluate: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = watchLifecycle, catch)]
    pub fn watch_lifecycle(hub: &Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    pub fn stop(handle: &JsValue) -> Result<(), JsValue>;
    /// The web vitals report (once), from an `install` handle.
    #[wasm_bindgen(method, catch)]
    pub fn vitals(handle: &Handle) -> Result<JsValue, JsValue>;
    pub type Handle;
    /// An error or rejection the facade buffered, as a report (see `fields.js`).
    #[wasm_bindgen(js_name = earlyReport, catch)]
    pub fn early_report(ev: &JsValue) -> Result<JsValue, JsValue>;
    /// `setTimeout(() => hub(kind), ms)`; returns the timer id.
    #[wasm_bindgen(js_name = setTimer, catch)]
    pub fn set_timer(hub: &Function, kind: u32, ms: f64) -> Result<JsValue, JsValue>;
}

/// What `install` or `watch_lifecycle` started; dropping it stops it all.
pub struct Installed(pub JsValue);

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = stop(&self.0);
    }
}
