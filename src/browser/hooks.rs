//! Bindings to `hooks.js`: the JS mechanics of hooks, listeners, observers and timers. Every
//! import is `catch`, so nothing thrown there can unwind through the wasm.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/hooks.js")]
extern "C" {
    #[wasm_bindgen(js_name = hookFetch, catch)]
    pub fn hook_fetch(hub: &Function, evaluate: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = hookXhr, catch)]
    pub fn hook_xhr(hub: &Function, evaluate: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = hookHistory, catch)]
    pub fn hook_history(hub: &Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = hookConsole, catch)]
    pub fn hook_console(hub: &Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    pub fn unhook(list: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(js_name = describeClick, catch)]
    pub fn describe_click(ev: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = observeResources, catch)]
    pub fn observe_resources(hub: &Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = observeLongTasks, catch)]
    pub fn observe_long_tasks(hub: &Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = observeVitals, catch)]
    pub fn observe_vitals() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = afterLoad, catch)]
    pub fn after_load(hub: &Function) -> Result<(), JsValue>;
    #[wasm_bindgen(js_name = pageTiming, catch)]
    pub fn page_timing() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    pub fn disconnect(o: &JsValue) -> Result<(), JsValue>;
    /// `target.addEventListener(type, e => hub(kind, e), {capture, passive: true})`; returns a
    /// handle for `unlisten`.
    #[wasm_bindgen(catch)]
    pub fn listen(hub: &Function, on_document: bool, ty: &str, capture: bool, kind: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    pub fn unlisten(handle: &JsValue) -> Result<(), JsValue>;
    /// `setTimeout(() => hub(kind), ms)`; returns the timer id.
    #[wasm_bindgen(js_name = setTimer, catch)]
    pub fn set_timer(hub: &Function, kind: u32, ms: f64) -> Result<JsValue, JsValue>;
}

/// Listeners owned as handles: dropping the list unregisters them all.
#[derive(Default)]
pub struct Listeners(alloc::vec::Vec<JsValue>);

impl Listeners {
    pub fn add(&mut self, hub: &Function, on_document: bool, ty: &str, capture: bool, kind: u32) {
        if let Ok(h) = listen(hub, on_document, ty, capture, kind) {
            self.0.push(h);
        }
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for h in &self.0 {
            let _ = unlisten(h);
        }
    }
}
