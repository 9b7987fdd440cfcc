//! Clicks as ARMS `action` events.

use super::Fields;
use crate::core::json::write_str;
use crate::core::text::{cat, truncate_chars};
use alloc::string::String;

/// What the DOM said about the clicked element; no handle to it is kept.
pub struct Click {
    pub tag: String,
    pub type_attr: String,
    pub text: String,
    pub id: String,
    pub name: String,
    pub class: String,
    pub href: String,
    pub src: String,
    pub xpath: String,
    pub duration: f64,
}

impl Click {
    /// ARMS: `"click on " + [type attr + "-"] + tag + ": " + innerText (≤ 20 chars + "...")`.
    pub fn name(&self) -> String {
        let mut s = String::from("click on ");
        if !self.type_attr.is_empty() {
            s.push_str(&self.type_attr);
            s.push('-');
        }
        s.push_str(&self.tag);
        let text = self.text.trim();
        if !text.is_empty() {
            s.push_str(": ");
            let cut = truncate_chars(text, 20);
            s.push_str(cut);
            if cut.len() < text.len() {
                s.push_str("...");
            }
        }
        s
    }

    /// ARMS `snapshots`: a JSON string of the non-empty identifying attributes (≤ 1000 chars).
    pub fn snapshots(&self) -> String {
        let mut out = String::from("{");
        for (k, v) in [("id", &self.id), ("name", &self.name), ("className", &self.class), ("href", &self.href), ("src", &self.src)] {
            if v.is_empty() {
                continue;
            }
            if out.len() > 1 {
                out.push(',');
            }
            write_str(k, &mut out);
            out.push(':');
            write_str(truncate_chars(v, 300), &mut out);
        }
        out.push('}');
        String::from(truncate_chars(&out, 1000))
    }

    pub fn fields(&self) -> String {
        let mut f = Fields::new();
        f.str("type", "click").str("name", &self.name()).str("target_name", &self.xpath);
        f.pos("duration", Some(self.duration));
        f.str("snapshots", &self.snapshots());
        f.take()
    }

    pub fn merge_key(&self) -> String {
        cat(&["click\n", &self.xpath])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click() -> Click {
        Click {
            tag: String::from("button"),
            type_attr: String::from("button"),
            text: String::from("Buy now"),
            id: String::from("buy"),
            name: String::from("buyBtn"),
            class: String::from("btn primary"),
            href: String::new(),
            src: String::new(),
            xpath: String::from("//*[@id=\"buy\"]"),
            duration: 2.799,
        }
    }

    #[test]
    fn names_and_snapshots_like_arms() {
        let c = click();
        assert_eq!(c.name(), "click on button-button: Buy now");
        assert_eq!(c.snapshots(), r#"{"id":"buy","name":"buyBtn","className":"btn primary"}"#);
        let a = Click { tag: String::from("a"), type_attr: String::new(), text: String::from("A link"), ..click() };
        assert_eq!(a.name(), "click on a: A link");
        let long = Click { text: String::from("A very long button label here"), ..click() };
        assert_eq!(long.name(), "click on button-button: A very long button l...");
        assert_eq!(
            crate::core::collect::obj(&c.fields()),
            r#"{"type":"click","name":"click on button-button: Buy now","target_name":"//*[@id=\"buy\"]","duration":2.799,"snapshots":"{\"id\":\"buy\",\"name\":\"buyBtn\",\"className\":\"btn primary\"}"}"#
        );
    }
}
