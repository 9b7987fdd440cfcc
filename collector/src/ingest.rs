//! Turns a raw `/collect` request body into validated rows: decoding (gzip, UTF-8), JSON with a
//! nesting limit, bundle checks (a bad bundle is refused whole) and per-event checks (a bad event
//! is refused alone, its siblings are kept). No I/O here: `http.rs` calls it, `store` stores it.
//!
//! Wire format: ARMS bundle `{app, user, session, net, view, events[], properties, _v, ...}`
//! (shared/anchors/arms-sdk.md §4-5). Each event inherits `session.id` and `view {id, name}` from
//! the bundle unless it carries its own `session_id` / `view` (ARMS drops them when equal).

use crate::store::{EventRow, SessionFacts};
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::Read;

pub const EVENT_TYPES: &[&str] = &["view", "resource", "exception", "longTask", "action", "custom"];

/// A page load slower than this is "slow" when the SDK did not say (`slow` absent).
pub const SLOW_LOAD_MS: f64 = 3000.0;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Applies to the body as received and again after gzip decoding (no zip bombs).
    pub max_body_bytes: usize,
    pub max_depth: usize,
    pub max_events: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_body_bytes: 1024 * 1024, max_depth: 32, max_events: 1000 }
    }
}

/// Why a whole request was refused; `status()` is its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestError {
    TooLarge(usize),
    TooManyEvents(usize),
    UnsupportedEncoding(String),
    BadCompression(String),
    NotUtf8,
    TooDeep(usize),
    NotJson(String),
    Invalid(String),
}

impl IngestError {
    pub fn status(&self) -> u16 {
        match self {
            IngestError::TooLarge(_) | IngestError::TooManyEvents(_) => 413,
            IngestError::UnsupportedEncoding(_) => 415,
            _ => 400,
        }
    }
}

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IngestError::TooLarge(n) => write!(f, "body larger than {n} bytes"),
            IngestError::TooManyEvents(n) => write!(f, "more than {n} events in one bundle"),
            IngestError::UnsupportedEncoding(e) => {
                write!(f, "unsupported Content-Encoding `{e}` (use gzip, deflate or none)")
            }
            IngestError::BadCompression(e) => write!(f, "body is not valid compressed data: {e}"),
            IngestError::NotUtf8 => write!(f, "body is not valid UTF-8"),
            IngestError::TooDeep(n) => write!(f, "JSON nested deeper than {n} levels"),
            IngestError::NotJson(e) => write!(f, "body is not valid JSON: {e}"),
            IngestError::Invalid(e) => write!(f, "{e}"),
        }
    }
}

/// Decodes `Content-Encoding` and checks UTF-8. Sizes are checked by the caller for the raw body.
pub fn decode_body(raw: &[u8], encoding: Option<&str>, limits: &Limits) -> Result<String, IngestError> {
    if raw.len() > limits.max_body_bytes {
        return Err(IngestError::TooLarge(limits.max_body_bytes));
    }
    let enc = encoding.map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
    let bytes: Vec<u8> = match enc.as_str() {
        "" | "identity" => raw.to_vec(),
        "gzip" | "x-gzip" => inflate(flate2::read::GzDecoder::new(raw), limits)?,
        "deflate" => inflate(flate2::read::ZlibDecoder::new(raw), limits)?,
        other => return Err(IngestError::UnsupportedEncoding(other.to_string())),
    };
    String::from_utf8(bytes).map_err(|_| IngestError::NotUtf8)
}

fn inflate(reader: impl Read, limits: &Limits) -> Result<Vec<u8>, IngestError> {
    let mut out = Vec::new();
    // One byte over the limit is enough to know it is too large.
    reader
        .take(limits.max_body_bytes as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| IngestError::BadCompression(e.to_string()))?;
    if out.len() > limits.max_body_bytes {
        return Err(IngestError::TooLarge(limits.max_body_bytes));
    }
    Ok(out)
}

/// Depth of `[`/`{` nesting outside strings. serde_json has its own limit (128), but ours is
/// lower and gives a clear message; it also stops a deep body before any allocation.
fn check_depth(text: &str, max: usize) -> Result<(), IngestError> {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for b in text.bytes() {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Err(IngestError::TooDeep(max));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rejected {
    pub index: usize,
    pub error: String,
}

/// A validated bundle: session facts as the SDK sent them (enrichment fills the gaps later) and
/// events grouped per session (an event may carry a `session_id` other than the bundle's).
#[derive(Debug, Clone)]
pub struct ParsedBundle {
    pub facts: SessionFacts,
    /// SDK-sent `geo`/`net`/`device`/`os`, kept to know what enrichment must not override.
    pub sent: SentFields,
    pub events: Vec<EventRow>,
    pub rejected: Vec<Rejected>,
}

#[derive(Debug, Clone, Default)]
pub struct SentFields {
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub connection: Option<String>,
    pub device_type: Option<String>,
    pub os: Option<String>,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
}

pub fn parse_bundle(text: &str, limits: &Limits, received_ms: i64) -> Result<ParsedBundle, IngestError> {
    check_depth(text, limits.max_depth)?;
    let value: Value = serde_json::from_str(text).map_err(|e| IngestError::NotJson(e.to_string()))?;
    let Value::Object(mut bundle) = value else {
        return Err(IngestError::Invalid("bundle must be a JSON object".into()));
    };
    let events = bundle.remove("events");
    let app = object_field(&bundle, "app")?.ok_or_else(|| invalid("missing `app` object"))?;
    let app_id = required_id(app, "app.id", 256)?;
    let session = object_field(&bundle, "session")?.ok_or_else(|| invalid("missing `session` object"))?;
    let session_id = required_id(session, "session.id", 128)?;
    let user = object_field(&bundle, "user")?;
    let bundle_view = match bundle.get("view") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_view(v).map_err(|e| invalid(&format!("bundle `view`: {e}")))?),
    };
    for key in ["net", "geo", "device", "os", "isp", "properties"] {
        object_field(&bundle, key)?;
    }
    let events = match events {
        Some(Value::Array(a)) => a,
        None => return Err(invalid("missing `events` array")),
        Some(_) => return Err(invalid("`events` must be an array")),
    };
    if events.len() > limits.max_events {
        return Err(IngestError::TooManyEvents(limits.max_events));
    }

    let text_of = |obj: Option<&Map<String, Value>>, key: &str| obj.and_then(|o| scalar_text(o.get(key)));
    let sub = |key: &str| bundle.get(key).and_then(Value::as_object);
    let sent = SentFields {
        country: text_of(sub("geo"), "country").or_else(|| text_of(sub("geo"), "country_code")),
        region: text_of(sub("geo"), "region").or_else(|| text_of(sub("geo"), "province")),
        city: text_of(sub("geo"), "city"),
        connection: text_of(sub("net"), "model").or_else(|| text_of(sub("net"), "type")),
        device_type: text_of(sub("device"), "type").or_else(|| text_of(sub("device"), "category")),
        os: text_of(sub("os"), "name"),
        browser: text_of(sub("browser"), "name"),
        browser_version: text_of(sub("browser"), "version"),
    };
    let facts = SessionFacts {
        session_id: session_id.clone(),
        app_id,
        app_version: text_of(Some(app), "version"),
        env: text_of(Some(app), "env"),
        user_id: text_of(user, "id"),
        user_name: text_of(user, "name"),
        sdk_version: scalar_text(bundle.get("_v")),
        bundle_meta: Value::Object(bundle.clone()).to_string(),
        received_ms,
        ..SessionFacts::default()
    };

    let mut rows = Vec::with_capacity(events.len());
    let mut rejected = Vec::new();
    for (index, ev) in events.into_iter().enumerate() {
        match parse_event(ev, &session_id, bundle_view.as_ref()) {
            Ok(row) => rows.push(row),
            Err(error) => rejected.push(Rejected { index, error }),
        }
    }
    Ok(ParsedBundle { facts, sent, events: rows, rejected })
}

fn invalid(msg: &str) -> IngestError {
    IngestError::Invalid(msg.to_string())
}

fn object_field<'a>(o: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Map<String, Value>>, IngestError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(invalid(&format!("`{key}` must be an object"))),
    }
}

fn required_id(o: &Map<String, Value>, name: &str, max: usize) -> Result<String, IngestError> {
    let key = name.rsplit('.').next().unwrap_or(name);
    match o.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= max => Ok(s.clone()),
        Some(Value::String(s)) if s.len() > max => Err(invalid(&format!("`{name}` longer than {max} characters"))),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(invalid(&format!("missing `{name}`"))),
        Some(_) => Err(invalid(&format!("`{name}` must be a string"))),
    }
}

/// Strings and numbers as text (ARMS copies both kinds from config); anything else is ignored.
fn scalar_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_view(v: &Value) -> Result<(String, Option<String>), String> {
    let o = v.as_object().ok_or("`view` must be an object")?;
    let id = match o.get("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) | None => return Err("`view.id` is missing".into()),
        Some(_) => return Err("`view.id` must be a string".into()),
    };
    let name = match o.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("`view.name` must be a string".into()),
    };
    Ok((id, name))
}

fn opt_str(o: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

fn opt_num(o: &Map<String, Value>, key: &str) -> Result<Option<f64>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            n.as_f64().filter(|f| f.is_finite()).map(Some).ok_or_else(|| format!("`{key}` is out of range"))
        }
        Some(_) => Err(format!("`{key}` must be a number")),
    }
}

fn parse_event(
    ev: Value,
    bundle_session: &str,
    bundle_view: Option<&(String, Option<String>)>,
) -> Result<EventRow, String> {
    let Value::Object(o) = &ev else {
        return Err("event must be an object".into());
    };
    let event_type = match o.get("event_type") {
        Some(Value::String(s)) if EVENT_TYPES.contains(&s.as_str()) => s.clone(),
        Some(Value::String(s)) => return Err(format!("unknown `event_type` `{s}`")),
        None => return Err("missing `event_type`".into()),
        Some(_) => return Err("`event_type` must be a string".into()),
    };
    let ts = match o.get("timestamp") {
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) if i >= 0 => i,
            (None, Some(f)) if f >= 0.0 && f.fract() == 0.0 && f < 9.0e15 => f as i64,
            _ => return Err("`timestamp` must be a non-negative integer (ms since epoch)".into()),
        },
        None => return Err("missing `timestamp`".into()),
        Some(_) => return Err("`timestamp` must be a number".into()),
    };
    let kind = opt_str(o, "type")?;
    let session_id = match opt_str(o, "session_id")? {
        Some(s) if !s.is_empty() => s,
        _ => bundle_session.to_string(),
    };
    if session_id.len() > 128 {
        return Err("`session_id` longer than 128 characters".into());
    }
    let view = match o.get("view") {
        None | Some(Value::Null) => bundle_view.cloned(),
        Some(v) => Some(parse_view(v)?),
    };
    let event_id = opt_str(o, "event_id")?;
    let name = opt_str(o, "name")?;
    let url = opt_str(o, "url")?;
    // `message` of a custom event may be anything the app sent; index it only when it is text.
    let message = match o.get("message") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let status_code = opt_num(o, "status_code")?.map(|f| f as i64);
    let success = opt_num(o, "success")?.map(|f| f as i64);
    let duration = opt_num(o, "duration")?;
    let load_event = opt_num(o, "load_event")?;
    let slow_flag = opt_num(o, "slow")?;

    let kind_is = |k: &str| kind.as_deref() == Some(k);
    let is_perf = event_type == "view" && kind_is("perf");
    let is_api = event_type == "resource" && (kind_is("fetch") || kind_is("xmlhttprequest"));
    let is_slow = is_perf
        && match slow_flag {
            Some(f) => f == 1.0,
            None => load_event.is_some_and(|l| l > SLOW_LOAD_MS),
        };
    Ok(EventRow {
        event_id,
        is_pv: event_type == "view" && kind_is("pv"),
        is_error: event_type == "exception",
        is_api,
        is_api_failure: is_api && success == Some(0),
        is_slow,
        load_ms: if is_perf { load_event } else { None },
        session_id,
        ts,
        view_id: view.as_ref().map(|v| v.0.clone()),
        view_name: view.and_then(|v| v.1),
        kind,
        name,
        url,
        message,
        status_code,
        success,
        duration,
        event_type,
        body: ev.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(events: &str) -> String {
        format!(r#"{{"app":{{"id":"p"}},"session":{{"id":"s1"}},"view":{{"id":"v1","name":"/a"}},"events":{events}}}"#)
    }

    #[test]
    fn events_inherit_bundle_view_unless_they_carry_one() {
        let b = parse_bundle(
            &bundle(
                r#"[{"event_type":"view","type":"pv","timestamp":1},
                       {"event_type":"action","type":"click","timestamp":2,"view":{"id":"v0","name":"/z"}}]"#,
            ),
            &Limits::default(),
            0,
        )
        .unwrap();
        assert_eq!(b.events[0].view_id.as_deref(), Some("v1"));
        assert_eq!(b.events[0].view_name.as_deref(), Some("/a"));
        assert_eq!(b.events[1].view_id.as_deref(), Some("v0"));
        assert_eq!(b.events[1].view_name.as_deref(), Some("/z"));
    }

    #[test]
    fn slow_load_uses_flag_first_then_threshold() {
        let b = parse_bundle(
            &bundle(
                r#"[{"event_type":"view","type":"perf","timestamp":1,"load_event":3001},
                       {"event_type":"view","type":"perf","timestamp":1,"load_event":9000,"slow":0},
                       {"event_type":"view","type":"perf","timestamp":1,"load_event":10,"slow":1},
                       {"event_type":"view","type":"perf","timestamp":1,"load_event":3000}]"#,
            ),
            &Limits::default(),
            0,
        )
        .unwrap();
        let slow: Vec<bool> = b.events.iter().map(|e| e.is_slow).collect();
        assert_eq!(slow, [true, false, true, false]);
    }

    #[test]
    fn bad_event_is_rejected_alone() {
        let b = parse_bundle(
            &bundle(
                r#"[{"event_type":"view","type":"pv","timestamp":1},
                       {"event_type":"view","type":"pv","timestamp":"x"},
                       {"event_type":"nope","timestamp":1}, 5,
                       {"event_type":"resource","type":"fetch","timestamp":3,"success":0}]"#,
            ),
            &Limits::default(),
            0,
        )
        .unwrap();
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.rejected.iter().map(|r| r.index).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(b.events[1].is_api_failure);
    }

    #[test]
    fn depth_check_ignores_brackets_in_strings() {
        assert!(check_depth(r#"{"a":"[[[[[[[[[[[[[["}"#, 3).is_ok());
        assert_eq!(check_depth("[[[[", 3), Err(IngestError::TooDeep(3)));
    }

    #[test]
    fn bundle_errors_name_the_field() {
        let l = Limits::default();
        let e = parse_bundle(r#"{"app":{"id":"p"},"session":{},"events":[]}"#, &l, 0).unwrap_err();
        assert_eq!(e.to_string(), "missing `session.id`");
        let e = parse_bundle(r#"{"app":{"id":5},"session":{"id":"s"},"events":[]}"#, &l, 0).unwrap_err();
        assert_eq!(e.to_string(), "`app.id` must be a string");
        let e = parse_bundle(r#"{"app":{"id":"p"},"session":{"id":"s"},"events":{}}"#, &l, 0).unwrap_err();
        assert_eq!(e.to_string(), "`events` must be an array");
    }
}
