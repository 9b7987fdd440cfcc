//! The manual reporting API (`sendCustom`, `sendException`, `sendResource`, `sendView`,
//! `sendEvent`) with ARMS's validation: required fields, or one warning and nothing sent.

use super::fields::Fields;
use super::config::clean_properties;
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

/// Copies the caller's fields: scalars as they are, `properties` cleaned as ARMS cleans them,
/// anything else (functions, nested objects, event_type overrides) left out.
fn copy_fields(v: &Value, skip: &[&str], f: &mut Fields) {
    for (k, val) in v.as_obj().unwrap_or(&[]) {
        if skip.contains(&k.as_str()) || k == "event_type" || k == "event_id" || k == "timestamp" {
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

fn copied(v: &Value, skip: &[&str]) -> String {
    let mut f = Fields::new();
    copy_fields(v, skip, &mut f);
    f.take()
}

fn invalid(api: &str, need: &str) -> String {
    cat(&["[rum-wasm] ", api, ": ", need, "; nothing was sent"])
}

pub fn custom(v: &Value) -> Result<Spec, String> {
    if need_str(v, "type").is_none() || need_str(v, "name").is_none() {
        return Err(invalid("sendCustom", "'type' and 'name' are required strings"));
    }
    let mut s = Spec::new("custom", copied(v, &[]));
    s.times = false;
    Ok(s)
}

pub fn exception(v: &Value) -> Result<Spec, String> {
    let (Some(name), Some(message)) = (need_str(v, "name"), need_str(v, "message")) else {
        return Err(invalid("sendException", "'name' and 'message' are required strings"));
    };
    let stack = v.get("stack").and_then(Value::as_str).unwrap_or("");
    let key = cat(&[name, "\n", message, "\n", stack]);
    let mut f = Fields::new();
    copy_fields(v, &["type", "source"], &mut f);
    f.str("type", "custom").str("source", "custom");
    let mut s = Spec::new("exception", f.take());
    s.merge_key = Some(key);
    Ok(s)
}

pub fn resource(v: &Value) -> Result<Spec, String> {
    if need_str(v, "name").is_none() || need_str(v, "type").is_none() || v.get("duration").and_then(Value::as_f64).is_none() {
        return Err(invalid("sendResource", "'name', 'type' (strings) and 'duration' (number) are required"));
    }
    Ok(Spec::new("resource", copied(v, &[])))
}

pub fn view(v: &Value) -> Result<Spec, String> {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("custom");
    let mut f = Fields::new();
    f.str("type", kind);
    if kind == "custom" {
        // Non-numeric t1..t3 are dropped; a custom view without any is ignored (as ARMS).
        let mut any = false;
        for k in ["t1", "t2", "t3"] {
            if let Some(n) = v.get(k).and_then(Value::as_f64) {
                f.num(k, n);
                any = true;
            }
        }
        if !any {
            return Err(invalid("sendView", "a custom view needs a numeric t1, t2 or t3"));
        }
        copy_fields(v, &["type", "t1", "t2", "t3"], &mut f);
    } else {
        copy_fields(v, &["type"], &mut f);
    }
    Ok(Spec::new("view", f.take()))
}

pub fn raw(v: &Value) -> Result<Spec, String> {
    let Some(et) = need_str(v, "event_type") else {
        return Err(invalid("sendEvent", "'event_type' is a required string"));
    };
    let mut s = Spec::new(et, copied(v, &["times"]));
    s.times = et != "custom";
    Ok(s)
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
        let s = custom(&parse(r#"{"type":"biz","name":"checkout","group":"g1","value":42,"properties":{"k":"v","o":{}},"f":{}}"#).unwrap()).unwrap();
        assert_eq!(s.event_type, "custom");
        assert!(!s.times);
        assert_eq!(body(&s), r#"{"type":"biz","name":"checkout","group":"g1","value":42,"properties":{"k":"v"}}"#);
        assert!(custom(&parse(r#"{"type":"biz"}"#).unwrap()).unwrap_err().contains("sendCustom"));
    }

    #[test]
    fn send_exception() {
        let s = exception(&parse(r#"{"name":"CustomError","message":"custom exception msg","stack":"custom stack"}"#).unwrap()).unwrap();
        assert_eq!(body(&s), r#"{"name":"CustomError","message":"custom exception msg","stack":"custom stack","type":"custom","source":"custom"}"#);
        assert!(s.times && s.merge_key.is_some());
        assert!(exception(&parse(r#"{"name":"E"}"#).unwrap()).is_err());
    }

    #[test]
    fn send_resource() {
        let s = resource(&parse(r#"{"name":"custom-res","type":"custom","duration":123,"url":"https://example.invalid/r","status_code":200,"success":1}"#).unwrap()).unwrap();
        assert_eq!(s.event_type, "resource");
        assert_eq!(body(&s), r#"{"name":"custom-res","type":"custom","duration":123,"url":"https://example.invalid/r","status_code":200,"success":1}"#);
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
    fn send_event() {
        let s = raw(&parse(r#"{"event_type":"action","type":"tap","name":"n","event_id":"x"}"#).unwrap()).unwrap();
        assert_eq!((s.event_type.as_str(), s.times), ("action", true));
        assert_eq!(body(&s), r#"{"type":"tap","name":"n"}"#);
        assert!(raw(&parse(r#"{"type":"x"}"#).unwrap()).is_err());
        assert!(raw(&Value::Null).is_err());
    }
}
