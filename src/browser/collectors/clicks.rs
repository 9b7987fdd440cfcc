//! User actions (clicks, inputs, scrolls): on with `collectors.action()`.

use crate::core::config::Config;
use wasm_bindgen::prelude::*;

// Ships `clicks.js` (its hook and its report builder): wasm-bindgen copies the JS files that a
// declaration names, used or not (an unused one costs nothing in the page).
#[wasm_bindgen(module = "/src/browser/collectors/clicks.js")]
extern "C" {
    #[allow(dead_code)]
    fn install(c: &JsValue);
}

pub fn on(cfg: &Config) -> bool {
    cfg.collectors.action()
}
