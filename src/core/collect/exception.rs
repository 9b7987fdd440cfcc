//! JS errors as ARMS `exception` events: uncaught errors, unhandled rejections, console.error.
//!
//! Unlike ARMS, a rejection with a plain string and `console.error('text')` are reported too:
//! users want those (ARMS drops anything without `name` and `message`).

use super::Fields;
use crate::core::json::Value;
use crate::core::text::cat;
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Clone, Copy, PartialEq)]
pub enum Source {
    OnError,
    OnUnhandledRejection,
    ConsoleError,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::OnError => "onError",
            Source::OnUnhandledRejection => "onUnhandledRejection",
            Source::ConsoleError => "console.error",
        }
    }
}

pub struct JsError {
    pub source: Source,
    pub name: String,
    pub message: String,
    pub stack: String,
    /// file, line, column: `onError` only.
    pub location: Option<(String, f64, f64)>,
}

/// Longest stack kept: deep recursion stacks are mostly repetition.
const MAX_STACK: usize = 4000;
const MAX_MESSAGE: usize = 1000;

impl JsError {
    /// Pending duplicates merge on this (ARMS: message + stack).
    pub fn merge_key(&self) -> String {
        cat(&[self.source.as_str(), "\n", &self.message, "\n", &self.stack])
    }

    pub fn fields(&self) -> String {
        let mut f = Fields::new();
        f.str("type", "error")
            .str("source", self.source.as_str())
            .str("name", &self.name)
            .str("message", crate::core::text::truncate_chars(&self.message, MAX_MESSAGE))
            .str("stack", crate::core::text::truncate_chars(&self.stack, MAX_STACK));
        if let Some((file, line, col)) = &self.location {
            f.str("file", file).num("line", *line).num("column", *col);
        }
        f.value("binary_images", &Value::Obj(Vec::new()));
        f.take()
    }
}

/// Name for a thrown/rejected value that is not an Error (a string, a number, an object).
pub fn non_error_name(source: Source) -> &'static str {
    match source {
        Source::OnUnhandledRejection => "UnhandledRejection",
        Source::ConsoleError => "ConsoleError",
        Source::OnError => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_the_arms_shape() {
        let e = JsError {
            source: Source::OnError,
            name: String::from("Error"),
            message: String::from("harness boom"),
            stack: String::from("Error: harness boom\n    at eval"),
            location: Some((String::from(""), 2.0, 30.0)),
        };
        assert_eq!(
            crate::core::collect::obj(&e.fields()),
            r#"{"type":"error","source":"onError","name":"Error","message":"harness boom","stack":"Error: harness boom\n    at eval","file":"","line":2,"column":30,"binary_images":{}}"#
        );
        let r = JsError { source: Source::OnUnhandledRejection, location: None, ..e };
        assert!(!crate::core::collect::obj(&r.fields()).contains("line"));
        assert_ne!(r.merge_key(), JsError { source: Source::ConsoleError, ..r }.merge_key());
    }

    #[test]
    fn huge_messages_and_stacks_are_cut() {
        let e = JsError {
            source: Source::ConsoleError,
            name: String::from(non_error_name(Source::ConsoleError)),
            message: "m".repeat(5000),
            stack: "s".repeat(50_000),
            location: None,
        };
        let j = crate::core::collect::obj(&e.fields());
        assert!(j.len() < 5200, "{}", j.len());
    }
}
