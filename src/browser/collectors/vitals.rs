//! Web vitals: on with `collectors.webVitals`, once per page load.

use crate::core::config::Config;
use wasm_bindgen::prelude::*;

// Ships `vitals.js` (its hook and its report builder): wasm-bindgen copies the JS files that a
// declaration names, used or not (an unused one costs nothing in the page).
#[wasm_bindgen(module = "/src/browser/collectors/vitals.js")]
extern "C" {
    #[allow(dead_code)]
    fn install(c: &JsValue);
}

pub fn on(cfg: &Config, first_load: bool) -> bool {
    cfg.collectors.web_vitals() && first_load
}
