//! An event's fields, written as JSON in wire order.

use super::json::{write_num, write_str, write_value, Value};
use alloc::string::String;

/// An event's body, written straight to JSON in wire order (`"k":v,"k2":v2`, no braces).
/// Building JSON once, here, instead of a tree of `Value`s that is serialized later, keeps
/// allocations off the hot path and kilobytes out of the wasm.
#[derive(Default)]
pub struct Fields(pub String);

impl Fields {
    pub fn new() -> Fields {
        Fields(String::with_capacity(256))
    }

    fn key(&mut self, k: &str) -> &mut String {
        if !self.0.is_empty() {
            self.0.push(',');
        }
        write_str(k, &mut self.0);
        self.0.push(':');
        &mut self.0
    }

    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        write_str(v, self.key(k));
        self
    }

    pub fn num(&mut self, k: &str, v: f64) -> &mut Self {
        write_num(v, self.key(k));
        self
    }

    pub fn value(&mut self, k: &str, v: &Value) -> &mut Self {
        write_value(v, self.key(k));
        self
    }

    /// A duration or size: kept only when it is a real, non-negative number.
    pub fn pos(&mut self, k: &str, v: Option<f64>) -> &mut Self {
        if let Some(v) = v.filter(|v| v.is_finite() && *v >= 0.0) {
            self.num(k, v);
        }
        self
    }

    pub fn take(&mut self) -> String {
        core::mem::take(&mut self.0)
    }
}

/// `{body}`: a body as a JSON object (tests and `beforeReport` views).
pub fn obj(body: &str) -> String {
    super::text::cat(&["{", body, "}"])
}
