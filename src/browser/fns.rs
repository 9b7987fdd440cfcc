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

    /// Calls function `f` with `args`. A throw is returned as `Err`, never propagated.
    pub fn call(&self, f: u32, args: &[&JsValue]) -> Result<JsValue, JsValue> {
        let func: Function = self.table.get(f).dyn_into()?;
        match args {
            [] => func.call0(&JsValue::NULL),
            [a] => func.call1(&JsValue::NULL, a),
            [a, b] => func.call2(&JsValue::NULL, a, b),
            [a, b, c] => func.call3(&JsValue::NULL, a, b, c),
            _ => func.call4(&JsValue::NULL, args[0], args[1], args[2], args[3]),
        }
    }
}

impl Fns {
    /// The function itself, to hand to a hook.
    pub fn get(&self, f: u32) -> JsValue {
        self.table.get(f)
    }
}

/// A flat JS object of strings and numbers (evaluateApi's `properties`) as a `Value`.
pub fn to_value(v: &JsValue) -> crate::core::json::Value {
    use crate::core::json::Value;
    let mut out = Vec::new();
    if v.is_object() {
        for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            let Some(k) = pair.get(0).as_string() else { continue };
            let val = pair.get(1);
            if let Some(s) = val.as_string() {
                out.push((k, Value::Str(s)));
            } else if let Some(n) = val.as_f64() {
                out.push((k, Value::Num(n)));
            }
        }
    }
    Value::Obj(out)
}

impl MatchHost for Fns {
    fn regex_test(&self, source: &str, flags: &str, value: &str) -> bool {
        let Ok(mut cache) = self.regexes.try_borrow_mut() else { return false };
        let i = match cache.iter().position(|(s, f, _)| s == source && f == flags) {
            Some(i) => i,
            None => {
                // 'g'/'y' make test() stateful (lastIndex): matching must not depend on history.
                let clean: String = flags.chars().filter(|c| *c != 'g' && *c != 'y').collect();
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
        self.call(f, &[&JsValue::from_str(value)]).is_ok_and(|r| r.is_truthy())
    }
}
