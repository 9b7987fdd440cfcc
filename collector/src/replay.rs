//! Turns a raw `POST /replay` body into one validated replay segment: decoding (gzip by header or
//! by its magic bytes, since `sendBeacon` cannot set `Content-Encoding`), size caps, then field
//! checks. A bad segment is refused whole with a message naming the field; nothing else of the
//! session is touched. No I/O here: `http.rs` calls it, `store` stores it.
//!
//! Wire contract (one segment per request): `{pid, session_id, view_id, segment_id, seq, start,
//! end, count, has_full_snapshot, source, records: [{type, data, timestamp}, ...]}`; records are
//! rrweb events. Records are kept as the JSON text they arrived in (never re-serialised), so a
//! deep DOM snapshot costs no recursion here: serde_json skips nested values iteratively.
//!
//! What the records themselves say wins over the summary fields: `start`/`end` are stored as the
//! records' first and last timestamps and `has_full_snapshot` as whether one is a full snapshot
//! (type 2), and records need not be in order (the read side sorts them). A sender's slip in
//! those fields costs nothing; a `count` that does not match says the body was cut, and is 400.

use crate::ingest::{self, IngestError};
use crate::store::replay::NewSegment;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Replay caps. The SDK cuts segments at ~60 KB; these leave room for a large full snapshot.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Request body as received (compressed or not).
    pub max_wire_bytes: usize,
    /// One segment after decoding.
    pub max_segment_bytes: usize,
    /// All segments of one session together (decoded bytes); past it, segments get 413.
    pub max_session_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_wire_bytes: 256 * 1024, max_segment_bytes: 1024 * 1024, max_session_bytes: 20 * 1024 * 1024 }
    }
}

const MAX_ID: usize = 128;
/// rrweb event types: 0 DomContentLoaded .. 6 Plugin.
const MAX_RECORD_TYPE: u8 = 6;
const FULL_SNAPSHOT: u8 = 2;
pub const SOURCES: &[&str] = &["sampled", "forced", "buffer"];

/// Why a segment was refused; `status()` is its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayError {
    /// 413: body or decoded segment over its cap.
    TooLarge(String),
    /// 415: a Content-Encoding we do not decode.
    Encoding(String),
    /// 400: not JSON, or a field is missing or wrong.
    Invalid(String),
}

impl ReplayError {
    pub fn status(&self) -> u16 {
        match self {
            ReplayError::TooLarge(_) => 413,
            ReplayError::Encoding(_) => 415,
            ReplayError::Invalid(_) => 400,
        }
    }
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::TooLarge(m) | ReplayError::Encoding(m) | ReplayError::Invalid(m) => f.write_str(m),
        }
    }
}

fn invalid(msg: impl Into<String>) -> ReplayError {
    ReplayError::Invalid(msg.into())
}

/// gzip by `Content-Encoding`, or by the magic bytes `1f 8b` when no encoding was declared.
pub fn decode(raw: &[u8], encoding: Option<&str>, limits: &Limits) -> Result<String, ReplayError> {
    if raw.len() > limits.max_wire_bytes {
        return Err(ReplayError::TooLarge(format!("replay body larger than {} bytes", limits.max_wire_bytes)));
    }
    let declared = encoding.map(str::trim).filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("identity"));
    let encoding = declared.or(if raw.starts_with(&[0x1f, 0x8b]) { Some("gzip") } else { None });
    let decoded = ingest::Limits { max_body_bytes: limits.max_segment_bytes, ..ingest::Limits::default() };
    ingest::decode_body(raw, encoding, &decoded).map_err(|e| match e {
        IngestError::TooLarge(n) => ReplayError::TooLarge(format!("replay segment larger than {n} bytes decoded")),
        IngestError::UnsupportedEncoding(_) => ReplayError::Encoding(e.to_string()),
        other => invalid(other.to_string()),
    })
}

#[derive(Deserialize)]
struct Wire<'a> {
    pid: String,
    session_id: String,
    view_id: String,
    segment_id: String,
    seq: u32,
    start: i64,
    end: i64,
    count: u64,
    /// Required and type-checked (the contract); what is stored comes from the records.
    #[serde(rename = "has_full_snapshot")]
    _has_full_snapshot: bool,
    source: String,
    #[serde(borrow)]
    records: Vec<&'a RawValue>,
}

/// The part of an rrweb event checked here; `data` is kept as sent.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "type")]
    kind: u8,
    timestamp: i64,
    #[serde(borrow)]
    data: &'a RawValue,
}

fn id(name: &str, v: &str) -> Result<(), ReplayError> {
    if v.is_empty() {
        return Err(invalid(format!("`{name}` is empty")));
    }
    if v.len() > MAX_ID {
        return Err(invalid(format!("`{name}` longer than {MAX_ID} characters")));
    }
    if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid(format!("`{name}` contains spaces or control characters")));
    }
    Ok(())
}

/// Parses and checks one segment. `received_ms` is the server clock (retention uses it).
pub fn parse(text: &str, received_ms: i64) -> Result<NewSegment, ReplayError> {
    let w: Wire = serde_json::from_str(text).map_err(|e| invalid(format!("replay segment: {e}")))?;
    for (name, v) in
        [("pid", &w.pid), ("session_id", &w.session_id), ("view_id", &w.view_id), ("segment_id", &w.segment_id)]
    {
        id(name, v)?;
    }
    if !SOURCES.contains(&w.source.as_str()) {
        return Err(invalid(format!("`source` must be one of {}, got `{}`", SOURCES.join(", "), w.source)));
    }
    if w.records.is_empty() {
        return Err(invalid("`records` is empty"));
    }
    if w.count != w.records.len() as u64 {
        return Err(invalid(format!("`count` is {} but `records` holds {}", w.count, w.records.len())));
    }
    if w.start <= 0 || w.end < w.start {
        return Err(invalid(format!(
            "`start` ({}) and `end` ({}) must be ms since epoch, start <= end",
            w.start, w.end
        )));
    }
    let mut full = false;
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for (i, raw) in w.records.iter().enumerate() {
        let r: Record = serde_json::from_str(raw.get())
            .map_err(|e| invalid(format!("`records[{i}]` is not an rrweb event: {e}")))?;
        if r.kind > MAX_RECORD_TYPE {
            return Err(invalid(format!("`records[{i}].type` {} is not an rrweb event type (0-6)", r.kind)));
        }
        if r.timestamp <= 0 {
            return Err(invalid(format!("`records[{i}].timestamp` {} is not ms since epoch", r.timestamp)));
        }
        first = first.min(r.timestamp);
        last = last.max(r.timestamp);
        // A data-less record would crash the player later; refuse it now.
        if !r.data.get().starts_with('{') {
            return Err(invalid(format!("`records[{i}].data` must be an object")));
        }
        full |= r.kind == FULL_SNAPSHOT;
    }
    let records = format!("[{}]", w.records.iter().map(|r| r.get()).collect::<Vec<_>>().join(","));
    Ok(NewSegment {
        pid: w.pid,
        session_id: w.session_id,
        view_id: w.view_id,
        segment_id: w.segment_id,
        seq: w.seq,
        start_ms: first,
        end_ms: last,
        count: w.count,
        has_full_snapshot: full,
        source: w.source,
        bytes: text.len() as u64,
        received_ms,
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seg(records: serde_json::Value) -> serde_json::Value {
        let n = records.as_array().map_or(0, Vec::len);
        json!({"pid": "p", "session_id": "s1", "view_id": "v1", "segment_id": "a1", "seq": 0, "start": 1000,
               "end": 2000, "count": n, "has_full_snapshot": true, "source": "sampled", "records": records})
    }

    fn full() -> serde_json::Value {
        json!([{"type": 4, "data": {"href": "x", "width": 1, "height": 1}, "timestamp": 1000},
               {"type": 2, "data": {"node": {}}, "timestamp": 1500}])
    }

    #[test]
    fn a_good_segment_keeps_its_records_as_sent() {
        let s = parse(&seg(full()).to_string(), 5).unwrap();
        assert_eq!((s.count, s.has_full_snapshot, s.received_ms), (2, true, 5));
        let back: serde_json::Value = serde_json::from_str(&s.records).unwrap();
        assert_eq!(back, full());
    }

    fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
        let mut v = seg(full());
        v[field] = value;
        v
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(serde_json::Value, &str)> = vec![
            (with("count", json!(3)), "`count` is 3"),
            (with("source", json!("x")), "`source`"),
            (with("session_id", json!("")), "`session_id` is empty"),
            (with("view_id", json!("a b")), "`view_id` contains spaces"),
            (with("segment_id", json!("x".repeat(129))), "`segment_id` longer"),
            (with("seq", json!(-1)), "replay segment"),
            (with("end", json!(999)), "start <= end"),
            (seg(json!([{"type": 9, "data": {}, "timestamp": 1000}])), "rrweb event type"),
            (seg(json!([{"type": 2, "data": 1, "timestamp": 1000}])), "must be an object"),
            (seg(json!([{"type": 2, "data": {}, "timestamp": 0}])), "not ms since epoch"),
            (seg(json!([{"type": 2, "timestamp": 1000}])), "`records[0]`"),
            (seg(json!([])), "empty"),
        ];
        for (body, needle) in cases {
            let e = parse(&body.to_string(), 0).unwrap_err();
            assert_eq!(e.status(), 400);
            assert!(e.to_string().contains(needle), "{e} should mention {needle}");
        }
    }

    #[test]
    fn the_records_win_over_the_summary_fields() {
        // Claims no full snapshot and a span of 1000..2000; the records hold one, out of order,
        // from 1000 to 1500. Stored as the records say, nothing refused.
        let mut v = with("has_full_snapshot", json!(false));
        v["records"] = json!([full()[1], full()[0]]);
        let s = parse(&v.to_string(), 0).unwrap();
        assert_eq!((s.has_full_snapshot, s.start_ms, s.end_ms), (true, 1000, 1500));
        let v = seg(json!([{"type": 3, "data": {}, "timestamp": 1200}]));
        assert!(!parse(&v.to_string(), 0).unwrap().has_full_snapshot);
    }

    #[test]
    fn gzip_is_recognised_without_a_header_and_bombs_stop_at_the_cap() {
        use std::io::Write;
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(seg(full()).to_string().as_bytes()).unwrap();
        let gz = z.finish().unwrap();
        let l = Limits::default();
        assert!(parse(&decode(&gz, None, &l).unwrap(), 0).is_ok());
        let small = Limits { max_segment_bytes: 50, ..l };
        assert_eq!(decode(&gz, None, &small).unwrap_err().status(), 413);
        assert_eq!(decode(b"{}", Some("br"), &l).unwrap_err().status(), 415);
    }

    #[test]
    fn a_deep_dom_snapshot_is_not_a_recursion_problem() {
        // 2,000 nested elements (4,000 JSON levels), built as text: serde_json's Value would
        // hit its own 128-level limit, which is the point of keeping records raw.
        let open = r#"{"type":2,"tagName":"div","id":1,"childNodes":["#.repeat(2000);
        let node = format!(r#"{open}{{"type":3,"textContent":"leaf","id":0}}{}"#, "]}".repeat(2000));
        let body = seg(json!([{"type": 2, "data": {"node": 0}, "timestamp": 1000}])).to_string();
        let body = body.replace(r#"{"node":0}"#, &format!(r#"{{"node":{node}}}"#));
        assert!(body.len() > 90_000);
        let s = parse(&body, 0).unwrap();
        assert!(s.records.contains("leaf"));
    }
}
