//! Event listeners as owned handles: dropping one removes it (gloo's RAII pattern), so turning
//! a collector off or opting out leaves nothing registered.

use super::js::{self, EventTarget};
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[must_use = "a listener is removed when dropped"]
pub struct Listener {
    target: EventTarget,
    ty: &'static str,
    capture: bool,
    closure: Closure<dyn FnMut(JsValue)>,
}

/// `{capture, passive: true}`: the SDK never calls preventDefault, and passive listeners do
/// not delay scrolling.
fn options(capture: bool) -> JsValue {
    let o: JsValue = js_sys::Object::new().into();
    js::set(&o, "capture", &JsValue::from_bool(capture));
    js::set(&o, "passive", &JsValue::TRUE);
    o
}

impl Listener {
    pub fn new(target: EventTarget, ty: &'static str, capture: bool, f: impl FnMut(JsValue) + 'static) -> Option<Listener> {
        let closure = Closure::<dyn FnMut(JsValue)>::new(f);
        let func: &Function = closure.as_ref().unchecked_ref();
        target.add_listener(ty, func, &options(capture)).ok()?;
        Some(Listener { target, ty, capture, closure })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let func: &Function = self.closure.as_ref().unchecked_ref();
        let _ = self.target.remove_listener(self.ty, func, &JsValue::from_bool(self.capture));
    }
}
