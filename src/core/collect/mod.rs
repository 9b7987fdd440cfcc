//! Automatic collection, the pure half: raw facts (numbers and strings read from the browser)
//! in, ARMS event fields out. The browser half (`browser::collect`) only reads and hands over.

pub mod action;
pub mod api;
pub mod exception;
pub mod long_task;
pub mod page;
pub mod timing;

use super::json::Value;
use alloc::string::String;
use alloc::vec::Vec;

/// An event's fields, in wire order.
#[derive(Default)]
pub struct Fields(pub Vec<(String, Value)>);

impl Fields {
    pub fn new() -> Fields {
        Fields(Vec::with_capacity(12))
    }

    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.0.push((String::from(k), Value::str(v)));
        self
    }

    pub fn num(&mut self, k: &str, v: f64) -> &mut Self {
        self.0.push((String::from(k), Value::Num(v)));
        self
    }

    /// A duration or size: kept only when it is a real, non-negative number.
    pub fn pos(&mut self, k: &str, v: Option<f64>) -> &mut Self {
        if let Some(v) = v.filter(|v| v.is_finite() && *v >= 0.0) {
            self.num(k, v);
        }
        self
    }

    pub fn take(&mut self) -> Vec<(String, Value)> {
        core::mem::take(&mut self.0)
    }
}
