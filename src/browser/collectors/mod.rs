//! The collectors the config switches on: installs the hooks and observers it asks for (a
//! collector that is off registers nothing), and reads their reports. Below the runtime, which
//! holds them; what becomes of a report is decided in `collect.rs`.
//!
//! One collector, one capability: its JS file (`collectors/<name>.js`: the hook and its report
//! builder) and its Rust part (`<name>.rs`: when it is on, and the link that ships its file).
//! The registry is the list in `mask` below; `scripts/gen-shared.mjs` writes the JS side of it
//! (`registry.js`) from that list, in the same order, so bit i is the i-th collector.

mod api;
mod clicks;
mod console_errors;
pub mod errors;
mod long_tasks;
mod page_load;
mod resources;
mod spa;
mod vitals;

use crate::core::config::Config;
use crate::core::json::{parse, Value};
use crate::core::manual::Spec;
use crate::core::text::{cut_at, split_byte};
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

use super::hooks::{configure, Installed};

#[wasm_bindgen(module = "/src/browser/collectors/install.js")]
extern "C" {
    /// Installs the collectors whose bits are set in `on` (see `mask`); returns the handle for
    /// `hooks::stop` and `final_vitals`.
    fn install(on: u32, evaluate: &JsValue) -> JsValue;
    /// The web vitals report (once), from an `install` handle, as a batch of one (see
    /// `reports`; undefined when install failed).
    #[wasm_bindgen(js_name = finalVitals)]
    fn final_vitals(handle: &JsValue) -> JsValue;
}

// The JS side of the registry (generated): named so that wasm-bindgen ships it (never called).
#[wasm_bindgen(module = "/src/browser/collectors/registry.js")]
extern "C" {
    #[allow(dead_code)]
    #[wasm_bindgen(js_name = ALL)]
    fn all();
}

/// The registry: which collectors `cfg` switches on, bit i for the i-th. `first_load` is false
/// on a re-install (setConfig, remote config), so page-load-once collectors do not report twice.
fn mask(cfg: &Config, first_load: bool) -> u32 {
    // registry:start (scripts/gen-shared.mjs reads the names in this order)
    let on = [
        api::on(cfg),
        spa::on(cfg),
        console_errors::on(cfg),
        resources::on(cfg),
        long_tasks::on(cfg),
        vitals::on(cfg, first_load),
        page_load::on(cfg, first_load),
        errors::on(cfg),
        clicks::on(cfg),
    ];
    // registry:end
    on.iter().rev().fold(0, |m, &b| m << 1 | b as u32)
}

/// The installed collectors; dropping this uninstalls every hook, listener and observer.
pub struct Collectors(Installed);

impl Collectors {
    /// Installs what `cfg` switches on (see `mask`).
    pub fn install(cfg: &Config, fns: &super::fns::Fns, first_load: bool) -> Collectors {
        configure_fields(cfg, fns);
        let evaluate = cfg.evaluate_api.map_or(JsValue::UNDEFINED, |f| fns.get(f));
        Collectors(Installed(install(mask(cfg, first_load), &evaluate)))
    }

    /// The page is being hidden or left: web vitals are final now (sent once per load).
    pub fn finish_vitals(&mut self) -> Option<Spec> {
        reports(&final_vitals(&self.0 .0)).first_mut().and_then(spec_of)
    }
}

/// `parseResourceName` and the slow thresholds, for `fields.js` (again after each setConfig).
pub fn configure_fields(cfg: &Config, fns: &super::fns::Fns) {
    let name = cfg.parse_resource_name.map_or(JsValue::UNDEFINED, |f| fns.get(f));
    configure(&name, cfg.slow_resource, cfg.slow_load, cfg.tracing.sample, cfg.tracing.enable);
}

/// A batch of reports as `pending.js` sends it: the JSON text of an array of reports (see
/// `spec_of`), then, each after a 0x01, the bodies of those reports in order, which take their
/// place (a batch without them keeps the bodies it has); empty for anything else.
pub fn reports(text: &JsValue) -> Vec<Value> {
    let t = text.as_string().unwrap_or_default();
    let (head, mut bodies) = cut_at(&t, 1);
    let Some(Value::Arr(mut list)) = parse(head) else { return Vec::new() };
    for r in list.iter_mut() {
        let Some((_, rest)) = split_byte(bodies, 1) else { break };
        let (body, next) = cut_at(rest, 1);
        if let Value::Arr(r) = r {
            if let Some(slot) = r.get_mut(1) {
                *slot = Value::Str(body.into());
            }
        }
        bodies = next;
    }
    list
}

/// A report of `fields.js` (`[event type, body, merge key, timestamp, view id, view name,
/// subject...]`) as an event to stamp; its strings are moved out, the subjects stay for the
/// filters. None for anything else (a builder that had nothing to report gives null).
pub fn spec_of(r: &mut Value) -> Option<Spec> {
    let Value::Arr(r) = r else { return None };
    let mut s = |i: usize| match r.get_mut(i) {
        Some(Value::Str(v)) => Some(core::mem::take(v)),
        _ => None,
    };
    let mut spec = Spec::new(&s(0)?, s(1)?);
    spec.merge_key = s(2);
    if let (Some(id), Some(name)) = (s(4), s(5)) {
        spec.view = Some(crate::core::event::ViewRef { id, name });
    }
    spec.timestamp = r.get(3).and_then(Value::as_f64).map(|t| t as u64);
    Some(spec)
}
