//! The user's callbacks and RegExps. The facade replaces each function in the config with
//! `{"$fn": n}` and keeps the functions in one JS array, shared with us; RegExps arrive as
//! source + flags and are compiled here once.

use alloc::string::String;
use super::hooks::{regex, regex_test, user_call};
use super::js;
use crate::core::filter::MatchHost;
use alloc::vec::Vec;
use core::cell::RefCell;
use js_sys::Array;
use wasm_bindgen::JsValue;

pub struct Fns {
    table: Array,
    regexes: RefCell<Vec<(String, String, Option<JsValue>)>>,
}

impl Fns {
    pub fn new(table: Array) -> Fns {
        Fns { table, regexes: RefCell::new(Vec::new()) }
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
        let Ok(mut cache) = self.regexes.try_borrow_mut() else { return false };
        let i = match cache.iter().position(|(s, f, _)| s == source && f == flags) {
            Some(i) => i,
            None => {
                // 'g'/'y' make test() stateful (lastIndex): matching must not depend on history.
                // Flags are ASCII (checked when the config was read).
                let mut clean = String::new();
                for &b in flags.as_bytes() {
                    if b != b'g' && b != b'y' {
                        clean.push(b as char);
                    }
                }
                let re = Some(regex(source, &clean)).filter(|r| !r.is_undefined());
                if re.is_none() {
                    js::console_warn(&crate::core::text::cat(&["[rum-wasm] invalid RegExp in filters: /", source, "/; it matches nothing"]));
                }
                cache.push((String::from(source), String::from(flags), re));
                cache.len() - 1
            }
        };
        cache.get(i).and_then(|(_, _, re)| re.as_ref()).is_some_and(|re| regex_test(re, value).is_truthy())
    }

    fn func_test(&self, f: u32, value: &str) -> bool {
        self.call(f, &JsValue::from_str(value)).is_truthy()
    }
}
