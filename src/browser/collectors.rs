//! The collectors the config switches on: installs the hooks and observers it asks for (a
//! collector that is off registers nothing), and reads their reports. Below the runtime, which
//! holds them; what becomes of a report is decided in `collect.rs`.

use crate::core::config::Config;
use crate::core::manual::Spec;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::hooks::*;

/// The installed collectors; dropping this uninstalls every hook, listener and observer.
pub struct Collectors(Installed);

// The bits of `hooks.js` `install`.
const API: u32 = 1;
const SPA: u32 = 2;
const CONSOLE: u32 = 4;
const RESOURCES: u32 = 8;
const LONG_TASKS: u32 = 16;
const VITALS: u32 = 32;
const PERF: u32 = 64;
const ERRORS: u32 = 128;
const CLICKS: u32 = 256;

impl Collectors {
    /// Installs what `cfg` switches on. `first_load` is false on a re-install (setConfig,
    /// remote config), so page-load-once collectors do not report twice.
    pub fn install(cfg: &Config, fns: &super::fns::Fns, first_load: bool) -> Collectors {
        let on = &cfg.collectors;
        configure_fields(cfg, fns);
        let bit = |on: bool, b: u32| if on { b } else { 0 };
        let mask = bit(on.api, API)
            | bit(cfg.spa_mode != crate::core::config::SpaMode::Off, SPA)
            | bit(on.console_error, CONSOLE)
            | bit(on.static_resource, RESOURCES)
            | bit(on.longtask, LONG_TASKS)
            | bit(on.web_vitals && first_load, VITALS)
            | bit(on.perf && first_load, PERF)
            | bit(on.js_error, ERRORS)
            | bit(on.action, CLICKS);
        let evaluate = cfg.evaluate_api.map_or(JsValue::UNDEFINED, |f| fns.get(f));
        Collectors(Installed(install(mask, &evaluate)))
    }

    /// The page is being hidden or left: web vitals are final now (sent once per load).
    pub fn finish_vitals(&mut self) -> Option<Spec> {
        spec_of(&final_vitals(&self.0 .0))
    }
}

/// `parseResourceName` and the slow thresholds, for `fields.js` (again after each setConfig).
pub fn configure_fields(cfg: &Config, fns: &super::fns::Fns) {
    let name = cfg.parse_resource_name.map_or(JsValue::UNDEFINED, |f| fns.get(f));
    configure(&name, cfg.slow_resource, cfg.slow_load, cfg.tracing.sample, cfg.tracing.enable);
}

/// A report of `fields.js` (`[event type, body, merge key, timestamp, view id, view name,
/// subject...]`) as an event to stamp.
pub fn spec_of(r: &JsValue) -> Option<Spec> {
    // Reports are arrays or null (nothing to report): no Array.isArray import for that.
    if !r.is_truthy() {
        return None;
    }
    let r: &Array = r.unchecked_ref();
    let s = |i: u32| r.get(i).as_string();
    let mut spec = Spec::new(&s(0)?, s(1)?);
    spec.merge_key = s(2);
    spec.timestamp = r.get(3).as_f64().map(|t| t as u64);
    if let (Some(id), Some(name)) = (s(4), s(5)) {
        spec.view = Some(crate::core::event::ViewRef { id, name });
    }
    Some(spec)
}
