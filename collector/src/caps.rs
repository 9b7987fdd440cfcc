//! Caps and type checks of what a page sends, applied at ingest before anything is stored.
//!
//! Why: a bundle comes from any browser (or anyone with curl). Every text the store keeps has a
//! length cap, every field the console reads has its type checked (a wrong one is dropped and
//! reported, the event is kept), and bundle `properties` follow ARMS's own limits (at most 20
//! keys, keys ≤ 50 characters, strings ≤ 2000, only strings and numbers; anchors/arms-sdk.md).
//! Caps only shrink values, so what is stored stays a small multiple of what was received.

use serde::Serialize;
use serde_json::{Map, Value};

/// ARMS `properties`: at most 20 keys of ≤ 50 characters, string values ≤ 2000 characters.
pub const PROPERTIES_MAX_KEYS: usize = 20;
pub const PROPERTIES_MAX_KEY_CHARS: usize = 50;
pub const PROPERTIES_MAX_VALUE_CHARS: usize = 2000;
/// Texts of the bundle's descriptive objects (`app`, `user`, `net`, `device`, ...).
pub const META_TEXT_CHARS: usize = 256;
/// Keys kept per bundle object, and unknown top-level bundle keys kept.
pub const META_MAX_KEYS: usize = 32;
/// A field of an event that this table does not name: text cap, and the serialized size cap of
/// any other value.
pub const OTHER_FIELD_CHARS: usize = 1000;
pub const EVENT_MAX_KEYS: usize = 64;
pub const KEY_CHARS: usize = 64;
/// Field problems listed in a response (refused events are always listed, one per event).
pub const MAX_LISTED_FIELD_PROBLEMS: usize = 1000;

/// What a field must be. `Text(n)`: a string, cut to n characters. `Num`: a finite number.
/// `Json(n)`: a string cut to n characters, or any value whose JSON is at most n bytes.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Text(usize),
    Num,
    Json(usize),
    Properties,
}

/// Fields of an event the collector indexes or the console reads, with their types and caps
/// (ARMS caps where it has them: name/message 1000, snapshots 5000, trace id 100).
pub const EVENT_FIELDS: &[(&str, Ty)] = &[
    ("event_id", Ty::Text(128)),
    ("type", Ty::Text(64)),
    ("name", Ty::Text(1000)),
    ("message", Ty::Text(1000)),
    ("url", Ty::Text(2048)),
    ("referrer", Ty::Text(2048)),
    ("loading_type", Ty::Text(32)),
    ("method", Ty::Text(16)),
    ("source", Ty::Text(64)),
    ("stack", Ty::Text(8000)),
    ("file", Ty::Text(2048)),
    ("target_name", Ty::Text(1000)),
    ("trace_id", Ty::Text(100)),
    ("group", Ty::Text(256)),
    ("status_code", Ty::Num),
    ("success", Ty::Num),
    ("duration", Ty::Num),
    ("times", Ty::Num),
    ("fps", Ty::Num),
    ("line", Ty::Num),
    ("column", Ty::Num),
    ("slow", Ty::Num),
    ("load_event", Ty::Num),
    ("dom_interactive", Ty::Num),
    ("dom_content_loaded", Ty::Num),
    ("dom_complete", Ty::Num),
    ("first_paint", Ty::Num),
    ("first_contentful_paint", Ty::Num),
    ("largest_contentful_paint", Ty::Num),
    ("first_input_delay", Ty::Num),
    ("first_input_time", Ty::Num),
    ("cumulative_layout_shift", Ty::Num),
    ("interaction_to_next_paint", Ty::Num),
    ("dns_duration", Ty::Num),
    ("connect_duration", Ty::Num),
    ("ssl_duration", Ty::Num),
    ("redirect_duration", Ty::Num),
    ("first_byte_duration", Ty::Num),
    ("download_duration", Ty::Num),
    ("size", Ty::Num),
    ("transfer_size", Ty::Num),
    ("t1", Ty::Num),
    ("t2", Ty::Num),
    ("t3", Ty::Num),
    ("snapshots", Ty::Json(5000)),
    ("timing_data", Ty::Json(5000)),
    ("trace_data", Ty::Json(2000)),
    ("binary_images", Ty::Json(2000)),
    ("value", Ty::Json(1000)),
    ("properties", Ty::Properties),
];

/// One problem of a request: a refused event (`index`, no `field`), a dropped field of a kept
/// event (`index` and `field`), or a dropped part of the bundle (`field` only).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub error: String,
}

/// The problems of one request, bounded: field problems beyond `MAX_LISTED_FIELD_PROBLEMS` are
/// only counted (a hostile bundle must not make the answer larger than the question).
#[derive(Debug, Clone, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
    pub omitted: usize,
    listed_fields: usize,
}

impl Problems {
    pub fn refused(&mut self, index: usize, error: String) {
        self.list.push(Problem { index: Some(index), field: None, error });
    }

    pub fn dropped(&mut self, index: Option<usize>, field: &str, error: String) {
        if self.listed_fields >= MAX_LISTED_FIELD_PROBLEMS {
            self.omitted += 1;
            return;
        }
        self.listed_fields += 1;
        self.list.push(Problem { index, field: Some(field.to_string()), error });
    }

    pub fn refused_count(&self) -> usize {
        self.list.iter().filter(|p| p.field.is_none() && p.index.is_some()).count()
    }
}

/// Cuts `s` to at most `max` characters (on a character boundary).
pub fn cut(s: &mut String, max: usize) {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
    }
}

pub fn cut_owned(mut s: String, max: usize) -> String {
    cut(&mut s, max);
    s
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_len(v: &Value) -> usize {
    serde_json::to_string(v).map(|s| s.len()).unwrap_or(usize::MAX)
}

/// Checks one value against its type; `Err` says why it is dropped.
fn check(v: &mut Value, ty: Ty) -> Result<(), String> {
    match (ty, v) {
        (_, Value::Null) => Ok(()),
        (Ty::Text(n) | Ty::Json(n), Value::String(s)) => {
            cut(s, n);
            Ok(())
        }
        (Ty::Text(_), other) => Err(format!("must be a string, got {}", type_name(other))),
        (Ty::Num, Value::Number(x)) if x.as_f64().is_some_and(f64::is_finite) => Ok(()),
        (Ty::Num, other) => Err(format!("must be a number, got {}", type_name(other))),
        (Ty::Json(n), other) => match json_len(other) {
            len if len <= n => Ok(()),
            len => Err(format!("is {len} bytes of JSON, more than {n}")),
        },
        (Ty::Properties, v) => properties(v).map(|_| ()),
    }
}

/// ARMS's `properties` rules, in place. Returns how many keys were dropped; `Err` if it is not
/// an object at all.
pub fn properties(v: &mut Value) -> Result<usize, String> {
    let Value::Object(m) = v else { return Err(format!("must be an object, got {}", type_name(v))) };
    let before = m.len();
    let kept: Map<String, Value> = std::mem::take(m)
        .into_iter()
        .filter(|(k, _)| k.chars().count() <= PROPERTIES_MAX_KEY_CHARS)
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, Value::String(cut_owned(s, PROPERTIES_MAX_VALUE_CHARS)))),
            Value::Number(_) => Some((k, v)),
            _ => None,
        })
        .take(PROPERTIES_MAX_KEYS)
        .collect();
    *m = kept;
    Ok(before - m.len())
}

/// Caps and type-checks one event object in place; field problems go to `problems`.
pub fn event(o: &mut Map<String, Value>, index: usize, problems: &mut Problems) {
    let mut extra = 0usize;
    let keys: Vec<String> = o.keys().cloned().collect();
    for key in keys {
        // Handled by the caller (required fields, session and view).
        if matches!(key.as_str(), "event_type" | "timestamp" | "session_id" | "view") {
            continue;
        }
        let Some(v) = o.get_mut(&key) else { continue };
        let ty = EVENT_FIELDS.iter().find(|(k, _)| *k == key).map(|(_, t)| *t);
        let verdict = match ty {
            Some(Ty::Properties) => match properties(v) {
                Ok(0) => Ok(()),
                Ok(n) => {
                    problems.dropped(
                        Some(index),
                        &key,
                        format!("{n} entries dropped (ARMS keeps ≤ 20 string or number values, keys ≤ 50 characters)"),
                    );
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Some(ty) => check(v, ty),
            None if key.chars().count() > KEY_CHARS => Err(format!("field names are at most {KEY_CHARS} characters")),
            None => {
                extra += 1;
                if extra > EVENT_MAX_KEYS {
                    Err(format!("more than {EVENT_MAX_KEYS} other fields"))
                } else {
                    check(v, Ty::Json(OTHER_FIELD_CHARS))
                }
            }
        };
        if let Err(e) = verdict {
            o.remove(&key);
            let shown = cut_owned(key, KEY_CHARS);
            problems.dropped(Some(index), &shown, format!("`{shown}` {e}; dropped"));
        }
    }
}

/// A descriptive bundle object (`app`, `user`, `net`, ...): scalar values only, texts capped.
pub fn meta_object(name: &str, m: &mut Map<String, Value>, problems: &mut Problems) {
    let before = m.len();
    let mut nested = 0usize;
    let kept: Map<String, Value> = std::mem::take(m)
        .into_iter()
        .filter(|(k, _)| k.chars().count() <= KEY_CHARS)
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, Value::String(cut_owned(s, META_TEXT_CHARS)))),
            Value::Number(_) | Value::Bool(_) | Value::Null => Some((k, v)),
            _ => {
                nested += 1;
                None
            }
        })
        .take(META_MAX_KEYS)
        .collect();
    *m = kept;
    let dropped = before - m.len();
    if dropped > 0 {
        problems.dropped(
            None,
            name,
            format!("{dropped} entries dropped ({nested} not text, number or boolean; at most {META_MAX_KEYS} kept)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cut_respects_characters() {
        let mut s = "héllo".to_string();
        cut(&mut s, 2);
        assert_eq!(s, "hé");
        let mut s = "ab".to_string();
        cut(&mut s, 5);
        assert_eq!(s, "ab");
    }

    #[test]
    fn properties_follow_arms() {
        let mut v = json!({"a": "x".repeat(3000), "b": 2, "c": {"d": 1}, "k".repeat(51): "v", "e": [1]});
        assert_eq!(properties(&mut v), Ok(3));
        assert_eq!(v["a"].as_str().unwrap().len(), 2000);
        assert_eq!(v["b"], 2);
        let mut many: Value = Value::Object((0..30).map(|i| (format!("k{i}"), json!(i))).collect());
        assert_eq!(properties(&mut many), Ok(10));
        assert!(properties(&mut json!("no")).is_err());
    }

    #[test]
    fn event_fields_dropped_and_reported() {
        let mut o = json!({"event_type": "view", "loading_type": 5, "name": "n".repeat(2000), "duration": "1",
                           "snapshots": {"a": "b"}, "value": "x".repeat(2000), "z".repeat(70): 1})
        .as_object()
        .cloned()
        .unwrap();
        let mut p = Problems::default();
        event(&mut o, 3, &mut p);
        assert!(o.get("loading_type").is_none() && o.get("duration").is_none());
        assert_eq!(o["name"].as_str().unwrap().len(), 1000);
        assert_eq!(o["value"].as_str().unwrap().len(), 1000);
        assert_eq!(o["snapshots"], json!({"a": "b"}));
        let mut fields: Vec<&str> = p.list.iter().filter_map(|x| x.field.as_deref()).collect();
        fields.sort();
        assert_eq!(fields, ["duration", "loading_type", &"z".repeat(64)]);
        assert!(p.list.iter().all(|x| x.index == Some(3)));
    }

    #[test]
    fn listed_problems_are_bounded() {
        let mut p = Problems::default();
        for i in 0..(MAX_LISTED_FIELD_PROBLEMS + 5) {
            p.dropped(Some(i), "f", "x".into());
        }
        p.refused(1, "r".into());
        assert_eq!(p.list.len(), MAX_LISTED_FIELD_PROBLEMS + 1);
        assert_eq!(p.omitted, 5);
        assert_eq!(p.refused_count(), 1);
    }
}
