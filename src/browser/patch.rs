//! Patching a global function (fetch, XHR methods, history methods, console.error) with a
//! wrapper, and the handle that restores it.
//!
//! Rules, learned from other SDKs' bugs: patch only after `init`; the wrapper passes every
//! argument through untouched and returns the original's very result; when it is not ours any
//! more (another library patched over us), restoring leaves theirs in place.

use super::js;
use js_sys::{Function, Reflect};
use wasm_bindgen::JsValue;

pub struct Patch {
    owner: JsValue,
    name: &'static str,
    original: JsValue,
    wrapper: JsValue,
}

impl Patch {
    /// Replaces `owner[name]` with `wrapper`, returning the handle and the original.
    pub fn install(owner: &JsValue, name: &'static str, wrapper: &Function) -> Option<(Patch, Function)> {
        let original = js::get(owner, name);
        let f: Function = wasm_bindgen::JsCast::dyn_into(original.clone()).ok()?;
        Reflect::set(owner, &JsValue::from_str(name), wrapper).ok()?;
        Some((Patch { owner: owner.clone(), name, original, wrapper: wrapper.into() }, f))
    }
}

impl Drop for Patch {
    fn drop(&mut self) {
        if js::get(&self.owner, self.name) == self.wrapper {
            let _ = Reflect::set(&self.owner, &JsValue::from_str(self.name), &self.original);
        }
    }
}
