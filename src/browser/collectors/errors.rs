//! JavaScript errors and unhandled rejections: on with `collectors.jsError`.

use crate::core::config::Config;
use wasm_bindgen::prelude::*;

// `errors.js`: its hook and its report builder.
#[wasm_bindgen(module = "/src/browser/collectors/errors.js")]
extern "C" {
    /// Queues an error or rejection the facade buffered, as the hooks queue theirs.
    #[wasm_bindgen(js_name = earlyReport)]
    pub fn early_report(ev: &JsValue);
}

pub fn on(cfg: &Config) -> bool {
    cfg.collectors.js_error()
}
