//! The manual reporting API (`sendCustom`, `sendException`, `sendResource`, `sendView`,
//! `sendEvent`) with ARMS's validation: required fields, or one warning and nothing sent.

use super::config::clean_properties;
use super::fields::Fields;
use super::json::Value;
use super::text::cat;
use alloc::string::String;

/// An event ready to be stamped: type, fields, whether it has `times`, and its merge key.
#[cfg_attr(test, derive(Debug))]
pub struct Spec {
    pub event_type: String,
    /// The fields as a JSON body (see `fields::Fields`).
    pub body: String,
    pub times: bool,
    pub merge_key: Option<String>,
    /// When it happened, if not now (clicks use the DOM event's time).
    pub timestamp: Option<u64>,
    /// The view it belongs to, if not the current one (an API call started on a page the
    /// user has left by the time it ends).
    pub view: Option<super::event::ViewRef>,
}

impl Spec {
    pub fn new(event_type: &str, body: String) -> Spec {
        Spec { event_type: String::from(event_type), body, times: true, merge_key: None, timestamp: None, view: None }
    }
}

fn need_str<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Fields no API copies: the event type and id, and the time, are the SDK's.
const OWN: [&str; 3] = ["event_type", "event_id", "timestamp"];

/// Copies the caller's fields: scalars as they are, `properties` cleaned as ARMS cleans them,
/// anything else (functions, nested objects, event_type overrides) left out.
fn copy_fields(v: &Value, skip: &[&str], f: &mut Fields) {
    for (k, val) in v.as_obj().unwrap_or(&[]) {
        let k = k.as_str();
        if skip.contains(&k) || OWN.contains(&k) {
            continue;
        }
        match val {
            Value::Str(_) | Value::Num(_) | Value::Bool(_) => {
                f.value(k, val);
            }
            Value::Obj(_) if k == "properties" => {
                f.value(k, &Value::Obj(clean_properties(Some(val))));
            }
            _ => {}
        }
    }
}

/// Per API (the `kind` of `build`): its name and what its warning says is required.
const APIS: [(&str, &str); 5] = [
    ("sendCustom", "'type' and 'name' are required strings"),
    ("sendException", "'name' and 'message' are required strings"),
    ("sendResource", "'name', 'type' (strings) and 'duration' (number) are required"),
    ("sendView", "a custom view needs a numeric t1, t2 or t3"),
    ("sendEvent", "'event_type' is a required string"),
];

/// `sendCustom` (0), `sendException` (1), `sendResource` (2), `sendView` (3), `sendEvent` (4
/// and anything above): the event, or the one warning when a required field is missing.
/// One path for all five keeps the manual API small in the wasm.
#[inline(never)]
pub fn build(kind: u8, v: &Value) -> Result<Spec, String> {
    let kind = kind.min(4);
    let mut f = Fields::new();
    let mut skip: &[&str] = &[];
    let mut times = true;
    let mut merge_key = None;
    let mut event_type = "";
    let ok = match kind {
        0 => {
            times = false;
            event_type = "custom";
            need_str(v, "type").is_some() && need_str(v, "name").is_some()
        }
        1 => {
            event_type = "exception";
            skip = &["type", "source"];
            match (need_str(v, "name"), need_str(v, "message")) {
                (Some(name), Some(message)) => {
                    let stack = v.get("stack").and_then(Value::as_str).unwrap_or("");
                    merge_key = Some(cat(&[name, "\n", message, "\n", stack]));
                    true
                }
                _ => false,
            }
        }
        2 => {
            event_type = "resource";
            need_str(v, "name").is_some()
                && need_str(v, "type").is_some()
                && v.get("duration").and_then(Value::as_f64).is_some()
        }
        3 => {
            event_type = "view";
            let kind = v.get("type").and_then(Value::as_str).unwrap_or("custom");
            f.str("type", kind);
            skip = &["type"];
            if kind == "custom" {
                // Non-numeric t1..t3 are dropped; a custom view without any is ignored (as ARMS).
                skip = &["type", "t1", "t2", "t3"];
                let mut any = false;
                for &k in &["t1", "t2", "t3"] {
                    if let Some(n) = v.get(k).and_then(Value::as_f64) {
                        f.num(k, n);
                        any = true;
                    }
                }
                any
            } else {
                true
            }
        }
        _ => {
            skip = &["times"];
            match need_str(v, "event_type") {
                Some(et) => {
                    event_type = et;
                    times = et != "custom";
                    true
                }
                None => false,
            }
        }
    };
    if !ok {
        let (api, need) = APIS[usize::from(kind)];
        return Err(cat(&["[rum-wasm] ", api, ": ", need, "; nothing was sent"]));
    }
    copy_fields(v, skip, &mut f);
    if kind == 1 {
        f.str("type", "custom").str("source", "custom");
    }
    let mut s = Spec::new(event_type, f.0);
    s.times = times;
    s.merge_key = merge_key;
    Ok(s)
}

pub fn custom(v: &Value) -> Result<Spec, String> {
    build(0, v)
}

pub fn exception(v: &Value) -> Result<Spec, String> {
    build(1, v)
}

pub fn resource(v: &Value) -> Result<Spec, String> {
    build(2, v)
}

pub fn view(v: &Value) -> Result<Spec, String> {
    build(3, v)
}

pub fn raw(v: &Value) -> Result<Spec, String> {
    build(4, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn body(s: &Spec) -> String {
        crate::core::fields::obj(&s.body)
    }

    #[test]
    fn send_custom() {
        let s = custom(
            &parse(r#"{"type":"biz","name":"checkout","group":"g1","value":42,"properties":{"k":"v","o":{}},"f":{}}"#)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(s.event_type, "custom");
        assert!(!s.times);
        assert_eq!(body(&s), r#"{"type":"biz","name":"checkout","group":"g1","value":42,"properties":{"k":"v"}}"#);
        assert!(custom(&parse(r#"{"type":"biz"}"#).unwrap()).unwrap_err().contains("sendCustom"));
    }

    #[test]
    fn send_exception() {
        let s = exception(
            &parse(r#"{"name":"CustomError","message":"custom exception msg","stack":"custom stack"}"#).unwrap(),
        )
        .unwrap();
        assert_eq!(
            body(&s),
            r#"{"name":"CustomError","message":"custom exception msg","stack":"custom stack","type":"custom","source":"custom"}"#
        );
        assert!(s.times && s.merge_key.is_some());
        assert!(exception(&parse(r#"{"name":"E"}"#).unwrap()).is_err());
    }

    #[test]
    fn send_resource() {
        let s = resource(&parse(r#"{"name":"custom-res","type":"custom","duration":123,"url":"https://example.invalid/r","status_code":200,"success":1}"#).unwrap()).unwrap();
        assert_eq!(s.event_type, "resource");
        assert_eq!(
            body(&s),
            r#"{"name":"custom-res","type":"custom","duration":123,"url":"https://example.invalid/r","status_code":200,"success":1}"#
        );
        assert!(resource(&parse(r#"{"name":"r","type":"t","duration":"1"}"#).unwrap()).is_err());
    }

    #[test]
    fn send_view() {
        let s = view(&parse(r#"{"t1":100,"t2":250.5,"t3":"x"}"#).unwrap()).unwrap();
        assert_eq!(body(&s), r#"{"type":"custom","t1":100,"t2":250.5}"#);
        assert!(view(&parse(r#"{"t1":"a"}"#).unwrap()).is_err());
        let s = view(&parse(r#"{"type":"perf","load_event":5}"#).unwrap()).unwrap();
        assert_eq!(body(&s), r#"{"type":"perf","load_event":5}"#);
    }

    #[test]
    fn warnings_are_unchanged() {
        let w = |k: u8| build(k, &Value::Null).unwrap_err();
        assert_eq!(w(0), "[rum-wasm] sendCustom: 'type' and 'name' are required strings; nothing was sent");
        assert_eq!(w(1), "[rum-wasm] sendException: 'name' and 'message' are required strings; nothing was sent");
        assert_eq!(
            w(2),
            "[rum-wasm] sendResource: 'name', 'type' (strings) and 'duration' (number) are required; nothing was sent"
        );
        assert_eq!(w(3), "[rum-wasm] sendView: a custom view needs a numeric t1, t2 or t3; nothing was sent");
        assert_eq!(w(4), "[rum-wasm] sendEvent: 'event_type' is a required string; nothing was sent");
        assert_eq!(w(9), w(4));
        assert!(build(1, &parse(r#"{"name":"","message":"m"}"#).unwrap()).is_err());
    }

    #[test]
    fn skipped_fields_per_api() {
        let v = parse(r#"{"type":"t","name":"n","message":"m","source":"s","event_type":"x","event_id":"i","timestamp":1,"times":3,"t1":5,"duration":2,"o":{},"a":[1]}"#).unwrap();
        assert_eq!(
            body(&build(0, &v).unwrap()),
            r#"{"type":"t","name":"n","message":"m","source":"s","times":3,"t1":5,"duration":2}"#
        );
        let e = build(1, &v).unwrap();
        assert_eq!(
            body(&e),
            r#"{"name":"n","message":"m","times":3,"t1":5,"duration":2,"type":"custom","source":"custom"}"#
        );
        assert_eq!(e.merge_key.as_deref(), Some("n\nm\n"));
        assert_eq!(
            body(&build(2, &v).unwrap()),
            r#"{"type":"t","name":"n","message":"m","source":"s","times":3,"t1":5,"duration":2}"#
        );
        assert_eq!(
            body(&build(3, &v).unwrap()),
            r#"{"type":"t","name":"n","message":"m","source":"s","times":3,"t1":5,"duration":2}"#
        );
        let r = build(4, &v).unwrap();
        assert_eq!((r.event_type.as_str(), r.times), ("x", true));
        assert_eq!(body(&r), r#"{"type":"t","name":"n","message":"m","source":"s","t1":5,"duration":2}"#);
        let c = build(3, &parse(r#"{"t3":1,"source":"s","t1":"no"}"#).unwrap()).unwrap();
        assert_eq!(body(&c), r#"{"type":"custom","t3":1,"source":"s"}"#);
        let raw_custom = build(4, &parse(r#"{"event_type":"custom","times":1}"#).unwrap()).unwrap();
        assert!(!raw_custom.times && raw_custom.merge_key.is_none());
    }

    #[test]
    fn send_event() {
        let s = raw(&parse(r#"{"event_type":"action","type":"tap","name":"n","event_id":"x"}"#).unwrap()).unwrap();
        assert_eq!((s.event_type.as_str(), s.times), ("action", true));
        assert_eq!(body(&s), r#"{"type":"tap","name":"n"}"#);
        assert!(raw(&parse(r#"{"type":"x"}"#).unwrap()).is_err());
        assert!(raw(&Value::Null).is_err());
    }
}
