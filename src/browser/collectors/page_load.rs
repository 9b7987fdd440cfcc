//! Page load timing: on with `collectors.perf()`, once per page load.

use crate::core::config::Config;
use wasm_bindgen::prelude::*;

// Ships `page_load.js` (its hook and its report builder): wasm-bindgen copies the JS files that a
// declaration names, used or not (an unused one costs nothing in the page).
#[wasm_bindgen(module = "/src/browser/collectors/page_load.js")]
extern "C" {
    #[allow(dead_code)]
    fn install(c: &JsValue);
}

pub fn on(cfg: &Config, first_load: bool) -> bool {
    cfg.collectors.perf() && first_load
}
