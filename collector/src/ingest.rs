//! Turns a raw `/collect` request body into typed per-session batches: decoding (gzip, UTF-8),
//! JSON with a nesting limit, bundle checks (a bad bundle is refused whole), per-event checks (a
//! bad event is refused alone, its siblings are kept), caps and type checks of every field
//! (`caps`), and the grouping by session: the bundle's metadata goes with its own session only,
//! and one bundle writes at most `MAX_SESSIONS_PER_BUNDLE` sessions. No I/O here: `http.rs`
//! calls `ingest`, `store` stores the batches.
//!
//! Wire format: ARMS bundle `{app, user, session, net, view, events[], properties, _v, ...}`
//! (shared/anchors/arms-sdk.md §4-5). Each event inherits `session.id` and `view {id, name}` from
//! the bundle unless it carries its own `session_id` / `view` (ARMS drops them when equal).

use crate::caps::{self, Problems};
use crate::store::{EventRow, IngestBatch, SessionFacts};
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

impl std::error::Error for IngestError {}

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

/// A validated bundle: session facts as the SDK sent them (enrichment fills the gaps later), the
/// accepted events (each knows its session) and the problems found.
#[derive(Debug, Clone)]
pub struct ParsedBundle {
    pub facts: SessionFacts,
    /// SDK-sent `geo`/`net`/`device`/`os`, kept to know what enrichment must not override.
    pub sent: SentFields,
    pub events: Vec<EventRow>,
    pub problems: Problems,
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

/// What one request becomes: one batch per session (the bundle's own first, carrying the bundle
/// metadata; the others only their events and the small session facts) and the problems.
#[derive(Debug)]
pub struct Ingested {
    pub batches: Vec<IngestBatch>,
    pub problems: Problems,
}

/// The whole of ingest for one request body: decode, parse, cap, enrich (by the caller's
/// enricher, which sees the SDK-sent fields), then group into per-session batches.
pub fn ingest(
    raw: &[u8],
    encoding: Option<&str>,
    limits: &Limits,
    received_ms: i64,
    enrich: impl FnOnce(&mut SessionFacts, &SentFields),
) -> Result<Ingested, IngestError> {
    let text = decode_body(raw, encoding, limits)?;
    let mut bundle = parse_bundle(&text, limits, received_ms)?;
    enrich(&mut bundle.facts, &bundle.sent);
    cap_facts(&mut bundle.facts);
    Ok(bundle.into_batches())
}

impl ParsedBundle {
    /// Groups events by session. Events naming another session (the SDK's own case: the tail of
    /// the previous session after a renewal) become batches of their own without a copy of the
    /// bundle metadata; `parse_bundle` already refused events beyond `MAX_SESSIONS_PER_BUNDLE`.
    pub fn into_batches(self) -> Ingested {
        // The facts other sessions get: the bundle's small, capped ones, without its metadata.
        let shared = SessionFacts { bundle_meta: None, ..self.facts.clone() };
        let mut own = IngestBatch { session: self.facts, events: Vec::new() };
        let mut others: Vec<IngestBatch> = Vec::new();
        for ev in self.events {
            if ev.session_id == own.session.session_id {
                own.events.push(ev);
                continue;
            }
            match others.iter_mut().find(|b| b.session.session_id == ev.session_id) {
                Some(b) => b.events.push(ev),
                None => {
                    let session = SessionFacts { session_id: ev.session_id.clone(), ..shared.clone() };
                    others.push(IngestBatch { session, events: vec![ev] });
                }
            }
        }
        let mut batches = vec![own];
        batches.extend(others);
        Ingested { batches, problems: self.problems }
    }
}

/// Sessions one bundle may write: its own and the tails of a few earlier ones.
pub const MAX_SESSIONS_PER_BUNDLE: usize = 4;
/// Texts of the session row (ids, versions, user name, user agent).
pub const FACT_TEXT_CHARS: usize = 256;
pub const USER_AGENT_CHARS: usize = 512;
/// The stored bundle metadata (without events) is at most this many bytes of JSON.
pub const MAX_META_BYTES: usize = 64 * 1024;

fn cap_facts(f: &mut SessionFacts) {
    for t in [
        &mut f.app_version,
        &mut f.env,
        &mut f.user_id,
        &mut f.user_name,
        &mut f.ip,
        &mut f.browser,
        &mut f.browser_version,
        &mut f.os,
        &mut f.device_type,
        &mut f.connection,
        &mut f.country,
        &mut f.region,
        &mut f.city,
        &mut f.sdk_version,
    ]
    .into_iter()
    .flatten()
    {
        caps::cut(t, FACT_TEXT_CHARS);
    }
    if let Some(ua) = &mut f.user_agent {
        caps::cut(ua, USER_AGENT_CHARS);
    }
}

/// The bundle without its events, capped: descriptive objects keep scalars, `properties` follow
/// ARMS's rules, other top-level keys are kept only when small.
fn bundle_meta(bundle: &mut Map<String, Value>, problems: &mut Problems) -> String {
    let keys: Vec<String> = bundle.keys().cloned().collect();
    for (n, key) in keys.into_iter().enumerate() {
        let Some(v) = bundle.get_mut(&key) else { continue };
        let verdict: Result<(), String> = match (key.as_str(), v) {
            ("properties", v) => match caps::properties(v) {
                Ok(0) => Ok(()),
                Ok(d) => {
                    problems.dropped(None, "properties", format!("{d} entries dropped (ARMS keeps ≤ {} string or number values, keys ≤ {} characters, values ≤ {} characters)", caps::PROPERTIES_MAX_KEYS, caps::PROPERTIES_MAX_KEY_CHARS, caps::PROPERTIES_MAX_VALUE_CHARS));
                    Ok(())
                }
                Err(e) => Err(e),
            },
            (_, _) if n >= caps::META_MAX_KEYS || key.chars().count() > caps::KEY_CHARS => {
                Err("is beyond what a bundle may carry".to_string())
            }
            (_, Value::Object(m)) => {
                caps::meta_object(&key, m, problems);
                Ok(())
            }
            (_, Value::String(s)) => {
                caps::cut(s, caps::META_TEXT_CHARS);
                Ok(())
            }
            (_, Value::Number(_) | Value::Bool(_) | Value::Null) => Ok(()),
            (_, Value::Array(_)) => Err("must not be an array".to_string()),
        };
        if let Err(e) = verdict {
            bundle.remove(&key);
            let shown = caps::cut_owned(key, caps::KEY_CHARS);
            problems.dropped(None, &shown, format!("bundle `{shown}` {e}; dropped"));
        }
    }
    let meta = serde_json::to_string(&*bundle).unwrap_or_else(|_| "{}".to_string());
    // Unreachable with the caps above (32 keys of capped scalars), but the bound is what counts.
    if meta.len() > MAX_META_BYTES {
        problems.dropped(None, "bundle", format!("metadata over {MAX_META_BYTES} bytes; not stored"));
        return "{}".to_string();
    }
    meta
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
    let bundle_view = match bundle.get("view") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_view(v).map_err(|e| invalid(&format!("bundle `view`: {e}")))?),
    };
    for key in ["user", "net", "geo", "device", "os", "isp", "properties"] {
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
    let mut problems = Problems::default();
    let meta = bundle_meta(&mut bundle, &mut problems);

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
        app_version: text_of(sub("app"), "version"),
        env: text_of(sub("app"), "env"),
        user_id: text_of(sub("user"), "id"),
        user_name: text_of(sub("user"), "name"),
        sdk_version: scalar_text(bundle.get("_v")),
        bundle_meta: Some(meta),
        received_ms,
        ..SessionFacts::default()
    };

    let mut rows = Vec::with_capacity(events.len());
    let mut others: Vec<String> = Vec::new();
    for (index, ev) in events.into_iter().enumerate() {
        let row = match parse_event(ev, index, &session_id, bundle_view.as_ref(), &mut problems) {
            Ok(row) => row,
            Err(error) => {
                problems.refused(index, error);
                continue;
            }
        };
        if row.session_id != session_id && !others.contains(&row.session_id) {
            if others.len() + 1 >= MAX_SESSIONS_PER_BUNDLE {
                problems.refused(
                    index,
                    format!(
                        "`session_id` names one session too many: a bundle carries events of at most {MAX_SESSIONS_PER_BUNDLE} sessions"
                    ),
                );
                continue;
            }
            others.push(row.session_id.clone());
        }
        rows.push(row);
    }
    Ok(ParsedBundle { facts, sent, events: rows, problems })
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

/// View ids are ours (32 hex) and names are paths: both capped.
const VIEW_ID_CHARS: usize = 128;
const VIEW_NAME_CHARS: usize = 1000;

fn parse_view(v: &Value) -> Result<(String, Option<String>), String> {
    let o = v.as_object().ok_or("`view` must be an object")?;
    let id = match o.get("id") {
        Some(Value::String(s)) if !s.is_empty() => caps::cut_owned(s.clone(), VIEW_ID_CHARS),
        Some(Value::String(_)) | None => return Err("`view.id` is missing".into()),
        Some(_) => return Err("`view.id` must be a string".into()),
    };
    let name = match o.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(caps::cut_owned(s.clone(), VIEW_NAME_CHARS)),
        Some(_) => return Err("`view.name` must be a string".into()),
    };
    Ok((id, name))
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key).and_then(Value::as_str).map(str::to_string)
}

fn num(o: &Map<String, Value>, key: &str) -> Option<f64> {
    o.get(key).and_then(Value::as_f64).filter(|f| f.is_finite())
}

/// One event: `event_type` and `timestamp` must be right or the event is refused; every other
/// field is capped and type-checked by `caps::event` (a wrong one is dropped, the event kept).
fn parse_event(
    ev: Value,
    index: usize,
    bundle_session: &str,
    bundle_view: Option<&(String, Option<String>)>,
    problems: &mut Problems,
) -> Result<EventRow, String> {
    let Value::Object(mut o) = ev else {
        return Err("event must be an object".into());
    };
    let event_type = match o.get("event_type") {
        Some(Value::String(s)) if EVENT_TYPES.contains(&s.as_str()) => s.clone(),
        Some(Value::String(s)) => return Err(format!("unknown `event_type` `{}`", caps::cut_owned(s.clone(), 64))),
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
    // An event's session decides where it is stored: a wrong one refuses the event.
    let session_id = match o.get("session_id") {
        None | Some(Value::Null) => bundle_session.to_string(),
        Some(Value::String(s)) if s.is_empty() => bundle_session.to_string(),
        Some(Value::String(s)) if s.len() > 128 => return Err("`session_id` longer than 128 characters".into()),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("`session_id` must be a string".into()),
    };
    let view = match o.get("view") {
        None | Some(Value::Null) => bundle_view.cloned(),
        Some(v) => match parse_view(v) {
            Ok(view) => Some(view),
            Err(e) => {
                o.remove("view");
                problems.dropped(Some(index), "view", format!("{e}; dropped (the bundle's view is used)"));
                bundle_view.cloned()
            }
        },
    };
    caps::event(&mut o, index, problems);

    let kind = text(&o, "type");
    let event_id = text(&o, "event_id");
    let name = text(&o, "name");
    let url = text(&o, "url");
    let message = text(&o, "message");
    let status_code = num(&o, "status_code").map(|f| f as i64);
    let success = num(&o, "success").map(|f| f as i64);
    let duration = num(&o, "duration");
    let load_event = num(&o, "load_event");
    let slow_flag = num(&o, "slow");

    let kind_is = |k: &str| kind.as_deref() == Some(k);
    let is_perf = event_type == "view" && kind_is("perf");
    let is_api = event_type == "resource" && (kind_is("fetch") || kind_is("xmlhttprequest"));
    let is_slow = is_perf
        && match slow_flag {
            Some(f) => f == 1.0,
            None => load_event.is_some_and(|l| l > SLOW_LOAD_MS),
        };
    let is_error = event_type == "exception";
    let group_key = if is_error {
        Some(message.clone().unwrap_or_default())
    } else if is_api {
        // The same call with another query string or fragment is the same group.
        let u = url.as_deref().or(name.as_deref()).unwrap_or_default();
        Some(u.split(['?', '#']).next().unwrap_or_default().to_string())
    } else {
        None
    };
    Ok(EventRow {
        event_id,
        group_key,
        method: if is_api { text(&o, "method") } else { None },
        is_pv: event_type == "view" && kind_is("pv"),
        is_error,
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
        body: Value::Object(o).to_string(),
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
        assert_eq!(b.problems.list.iter().map(|r| r.index).collect::<Vec<_>>(), [Some(1), Some(2), Some(3)]);
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
