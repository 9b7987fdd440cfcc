//! The user's callbacks and RegExps. The facade replaces each function in the config with
//! `{"$fn": n}` and keeps the functions in one JS array, shared with us; RegExps arrive as
//! source + flags and are compiled here once.

use alloc::string::String;
use super::js::{self, JsRegExp};
use crate::core::filter::MatchHost;
use alloc::vec::Vec;
use core::cell::RefCell;
use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

pub struct Fns {
    table: Array,
    regexes: RefCell<Vec<(String, String, Option<JsRegExp>)>>,
}

impl Fns {
    pub fn new(table: Array) -> Fns {
        Fns { table, regexes: RefCell::new(Vec::new()) }
    }

    /// Calls function `f` with `arg`. A throw is returned as `Err`, never propagated.
    pub fn call(&self, f: u32, arg: &JsValue) -> Result<JsValue, JsValue> {
        let func: Function = self.table.get(f).dyn_into()?;
        func.call1(&JsValue::NULL, arg)
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
                let re = JsRegExp::new_regexp(source, &clean).ok();
                if re.is_none() {
                    js::console_warn(&crate::core::text::cat(&["[rum-wasm] invalid RegExp in filters: /", source, "/; it matches nothing"]));
                }
                cache.push((String::from(source), String::from(flags), re));
                cache.len() - 1
            }
        };
        cache.get(i).and_then(|(_, _, re)| re.as_ref()).is_some_and(|re| re.test(value).unwrap_or(false))
    }

    fn func_test(&self, f: u32, value: &str) -> bool {
        self.call(f, &JsValue::from_str(value)).is_ok_and(|r| r.is_truthy())
    }
}
