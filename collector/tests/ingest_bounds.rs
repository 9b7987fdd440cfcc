//! What one request may cost the store: a hostile bundle (issue 17, finding 3) and the caps and
//! type checks of ingest, against the real binary and its SQLite file.

mod common;
use common::*;
use serde_json::{json, Value};

/// The stated write amplification: the store's files (database + WAL) grow by at most this many
/// times the decoded body, plus a fixed allowance per request for page granularity (a 200-byte
/// bundle still touches a 4 KiB page of each table and index it writes: 32 pages).
pub const MAX_AMPLIFICATION: u64 = 4;
pub const PER_REQUEST_ALLOWANCE: u64 = 128 * 1024;

fn disk_bytes(s: &Server) -> u64 {
    ["rum.db", "rum.db-wal"].iter().map(|f| std::fs::metadata(s.dir.join(f)).map(|m| m.len()).unwrap_or(0)).sum()
}

/// 1,000 events, each naming its own session, and 860 KB of bundle `properties`: 10 KB gzip.
fn hostile_bundle() -> Vec<u8> {
    let t = 1_700_000_000_000i64;
    let events: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"event_type": "custom", "type": "x", "timestamp": t + i, "event_id": format!("e{i}"),
                   "session_id": format!("{i:032x}"), "name": "n"})
        })
        .collect();
    let properties: serde_json::Map<String, Value> =
        (0..860).map(|i| (format!("p{i}"), Value::String("x".repeat(1000)))).collect();
    json!({"app": {"id": "p", "env": "prod"}, "user": {"id": "u"}, "session": {"id": "a".repeat(32)},
           "view": {"id": "v", "name": "/"}, "events": events, "properties": properties, "_v": "x"})
    .to_string()
    .into_bytes()
}

#[test]
fn one_hostile_bundle_writes_one_sessions_metadata_once() {
    let s = Server::start(&[]);
    let body = hostile_bundle();
    let gz = gzip(&body);
    assert!(gz.len() < 16 * 1024, "the attack is small on the wire: {} bytes", gz.len());
    let before = disk_bytes(&s);
    let r = s.request("POST", "/collect", &[("Content-Encoding", "gzip")], &gz);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let grown = disk_bytes(&s) - before;
    let j = r.json();
    eprintln!(
        "hostile bundle: {} B decoded, {} B gzip, store grew {} B ({:.2}x)",
        body.len(),
        gz.len(),
        grown,
        grown as f64 / body.len() as f64
    );
    assert!(
        grown <= MAX_AMPLIFICATION * body.len() as u64 + PER_REQUEST_ALLOWANCE,
        "store grew {grown} B for a {} B body",
        body.len()
    );
    // A few sessions per bundle are accepted (the SDK's renewal tail); the rest are refused one by one.
    let accepted = j["accepted"].as_u64().unwrap();
    assert!((1..=4).contains(&accepted), "{j}");
    assert_eq!(j["rejected"].as_u64().unwrap() + accepted, 1000, "{j}");
    let errors = j["errors"].as_array().unwrap();
    let session_errors: Vec<&Value> = errors.iter().filter(|e| e["index"].is_u64() && e["field"].is_null()).collect();
    assert_eq!(session_errors.len() as u64, 1000 - accepted);
    assert!(session_errors[0]["error"].as_str().unwrap().contains("sessions"), "{}", session_errors[0]);
    // The properties beyond ARMS's 20 keys were dropped, and said so.
    assert!(errors.iter().any(|e| e["field"] == "properties"), "{j}");
    let list = s.get_json("/api/sessions?limit=200");
    assert!(list["total"].as_i64().unwrap() <= 4, "{list}");
    // The bundle's metadata is stored with the bundle's own session only.
    let own = s.get_json(&format!("/api/sessions/{}", "a".repeat(32)));
    let props = own["session"]["bundle"]["properties"].as_object().unwrap();
    assert_eq!(props.len(), 20);
    assert!(props.values().all(|v| v.as_str().unwrap().len() <= 2000));
    for sess in list["sessions"].as_array().unwrap() {
        if sess["session_id"] != "a".repeat(32) {
            assert!(sess["bundle"].get("properties").is_none(), "copied metadata: {sess}");
        }
    }
    s.alive();
}

#[test]
fn stored_text_is_capped_and_wrong_types_are_dropped_not_the_event() {
    let s = Server::start(&[]);
    let t = 1_700_000_000_000i64;
    let events = json!([
        {"event_type": "view", "type": "pv", "timestamp": t, "event_id": "e1", "loading_type": 5, "name": "n".repeat(100_000 / 2),
         "url": "https://x.test/".to_string() + &"u".repeat(30_000)},
        {"event_type": "resource", "type": "fetch", "timestamp": t + 1, "event_id": "e2", "status_code": "500", "method": {"a": 1},
         "success": 0, "url": "https://x.test/api"},
        {"event_type": "exception", "type": "error", "timestamp": t + 2, "event_id": "e3", "message": ["not", "text"], "stack": 7},
        {"event_type": "custom", "type": "x", "timestamp": t + 3, "event_id": "e4", "properties": {"ok": "yes", "deep": {"a": 1}, "k".repeat(80): "v"}}
    ]);
    let r = s.collect(&bundle("sess-types", "u1", events));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    assert_eq!(j["accepted"], 4, "{j}");
    assert_eq!(j["rejected"], 0, "{j}");
    let dropped: Vec<(u64, String)> = j["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| Some((e["index"].as_u64()?, e["field"].as_str()?.to_string())))
        .collect();
    for want in
        [(0, "loading_type"), (1, "status_code"), (1, "method"), (2, "message"), (2, "stack"), (3, "properties")]
    {
        assert!(dropped.contains(&(want.0, want.1.to_string())), "{want:?} not reported: {j}");
    }
    let d = s.get_json("/api/sessions/sess-types");
    let evs: Vec<&Value> =
        d["pages"].as_array().unwrap().iter().flat_map(|p| p["events"].as_array().unwrap()).collect();
    assert_eq!(evs.len(), 4);
    let pv = evs.iter().find(|e| e["body"]["event_id"] == "e1").unwrap();
    assert!(pv["body"].get("loading_type").is_none());
    assert!(pv["name"].as_str().unwrap().chars().count() <= 1000);
    assert!(pv["url"].as_str().unwrap().len() <= 4096);
    assert!(pv["body"].to_string().len() < 16 * 1024, "the stored body is capped too");
    let api = evs.iter().find(|e| e["body"]["event_id"] == "e2").unwrap();
    assert!(api["status_code"].is_null() && api["body"].get("method").is_none());
    assert_eq!(api["is_api_failure"], true, "the event keeps its other fields");
    let custom = evs.iter().find(|e| e["body"]["event_id"] == "e4").unwrap();
    let props = custom["body"]["properties"].as_object().unwrap();
    assert_eq!(props.len(), 1, "nested values and over-long keys dropped as ARMS does: {props:?}");
}
