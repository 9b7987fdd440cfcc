//! The user's callbacks and RegExps. The facade replaces each function in the config with
//! `{"$fn": n}` and keeps the functions in one JS array, shared with us; RegExps arrive as
//! source + flags and are compiled once, in hooks.js.

use super::hooks::{re_test, user_call};
use crate::core::filter::MatchHost;
use js_sys::Array;
use wasm_bindgen::JsValue;

pub struct Fns {
    table: Array,
}

impl Fns {
    pub fn new(table: Array) -> Fns {
        Fns { table }
    }

    /// Calls function `f` with `arg` (`this` null). A throw (or no function) gives undefined,
    /// never propagated.
    pub fn call(&self, f: u32, arg: &JsValue) -> JsValue {
        user_call(&self.table.get(f), arg)
    }
}

impl Fns {
    /// The function itself, to hand to a hook.
    pub fn get(&self, f: u32) -> JsValue {
        self.table.get(f)
    }
}

impl MatchHost for Fns {
    fn regex_test(&self, source: &str, flags: &str, value: &str) -> bool {
        re_test(source, flags, value)
    }

    fn func_test(&self, f: u32, value: &str) -> bool {
        self.call(f, &JsValue::from_str(value)).is_truthy()
    }
}
