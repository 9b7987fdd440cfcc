//! Bad input gets the right status and a reason, stores nothing of the bad part, and the server
//! keeps serving.

mod common;
use common::*;
use serde_json::json;

fn stored_sessions(s: &Server) -> i64 {
    s.get_json("/api/sessions")["total"].as_i64().unwrap()
}

#[test]
fn bad_bundles_are_refused_whole() {
    let s = Server::start(&["--max-body-bytes", "65536"]);
    let good_events = json!([pv(1_700_000_000_000, "e1")]);
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let deep_bundle = String::from_utf8(bundle("s-deep", "u", good_events.clone()))
        .unwrap()
        .replace("\"_v\":\"test\"", &format!("\"_v\":\"test\",\"x\":{deep}"));
    let mut invalid_utf8 = bundle("s-utf8", "u", good_events.clone());
    let pos = invalid_utf8.windows(4).position(|w| w == b"/mai").unwrap();
    invalid_utf8[pos + 1] = 0xff;
    let huge = bundle(
        "s-huge",
        "u",
        json!([{"event_type": "custom", "type": "x", "timestamp": 1, "name": "x".repeat(70_000)}]),
    );
    let bomb = gzip(&vec![b' '; 200_000]);
    // (name, body, extra headers, expected status, expected reason)
    type Case<'a> = (&'a str, Vec<u8>, Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("not json", b"hello".to_vec(), vec![], 400, "not valid JSON"),
        ("empty", b"".to_vec(), vec![], 400, "not valid JSON"),
        ("array", b"[1,2]".to_vec(), vec![], 400, "must be a JSON object"),
        ("truncated", bundle("s-trunc", "u", good_events.clone())[..40].to_vec(), vec![], 400, "not valid JSON"),
        ("missing app.id", br#"{"app":{},"session":{"id":"s"},"events":[]}"#.to_vec(), vec![], 400, "missing `app.id`"),
        ("missing app", br#"{"session":{"id":"s"},"events":[]}"#.to_vec(), vec![], 400, "missing `app` object"),
        (
            "missing session.id",
            br#"{"app":{"id":"p"},"session":{"id":""},"events":[]}"#.to_vec(),
            vec![],
            400,
            "missing `session.id`",
        ),
        (
            "session.id number",
            br#"{"app":{"id":"p"},"session":{"id":7},"events":[]}"#.to_vec(),
            vec![],
            400,
            "`session.id` must be a string",
        ),
        (
            "events object",
            br#"{"app":{"id":"p"},"session":{"id":"s"},"events":{}}"#.to_vec(),
            vec![],
            400,
            "`events` must be an array",
        ),
        (
            "user string",
            br#"{"app":{"id":"p"},"session":{"id":"s"},"user":"bob","events":[]}"#.to_vec(),
            vec![],
            400,
            "`user` must be an object",
        ),
        (
            "view without id",
            br#"{"app":{"id":"p"},"session":{"id":"s"},"view":{"name":"/"},"events":[]}"#.to_vec(),
            vec![],
            400,
            "view.id",
        ),
        ("deep nesting", deep_bundle.into_bytes(), vec![], 400, "nested deeper"),
        ("invalid utf-8", invalid_utf8, vec![], 400, "not valid UTF-8"),
        ("huge body", huge, vec![], 413, "larger than 65536"),
        ("gzip bomb", bomb, vec![("Content-Encoding", "gzip")], 413, "larger than 65536"),
        ("not gzip", b"plain".to_vec(), vec![("Content-Encoding", "gzip")], 400, "compressed"),
        ("brotli", b"x".to_vec(), vec![("Content-Encoding", "br")], 415, "Content-Encoding"),
    ];
    for (name, body, extra, status, reason) in cases {
        let mut h = vec![("Content-Type", "text/plain;charset=UTF-8")];
        h.extend(extra);
        let r = s.request("POST", "/collect", &h, &body);
        assert_eq!(r.status, status, "{name}: {}", String::from_utf8_lossy(&r.body));
        let err = r.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(err.contains(reason), "{name}: error {err:?} should mention {reason:?}");
        s.alive();
    }
    assert_eq!(stored_sessions(&s), 0, "nothing may be stored from refused bundles");
}

#[test]
fn bad_event_in_good_bundle_is_rejected_alone() {
    let s = Server::start(&[]);
    let t = 1_700_000_000_000i64;
    let events = json!([
        pv(t, "e1"),
        {"event_type": "exception", "type": "error", "timestamp": "yesterday", "message": "bad ts", "event_id": "e2"},
        {"event_type": "resource", "type": "fetch", "timestamp": t + 1, "success": 0, "status_code": 503, "url": "https://x.test/a", "event_id": "e3"},
        {"event_type": "teleport", "timestamp": t + 2, "event_id": "e4"},
        {"event_type": "action", "type": "click", "timestamp": t + 3, "view": "not an object", "event_id": "e5"},
        42,
        {"event_type": "exception", "type": "error", "timestamp": t + 4, "message": "real", "event_id": "e7", "slow": 1, "tab_id": "t1"},
        {"event_type": "view", "type": "perf", "timestamp": t + 5, "load_event": "slow", "event_id": "e8"}
    ]);
    let r = s.collect(&bundle("sess-1", "u1", events));
    assert_eq!(r.status, 200);
    let j = r.json();
    // A wrong event_type or timestamp refuses the event; a wrong field (view, load_event) is
    // dropped and reported, and the event kept.
    assert_eq!(j["accepted"], 5, "{j}");
    assert_eq!(j["rejected"], 3, "{j}");
    let idx: Vec<i64> = j["errors"].as_array().unwrap().iter().map(|e| e["index"].as_i64().unwrap()).collect();
    assert_eq!(idx, [1, 3, 4, 5, 7]);
    assert!(j["errors"][0]["error"].as_str().unwrap().contains("timestamp"));
    assert_eq!(j["errors"][2]["field"], "view");
    assert_eq!(j["errors"][4]["field"], "load_event");
    let d = s.get_json("/api/sessions/sess-1");
    assert_eq!(d["session"]["events"], 5);
    assert_eq!(d["session"]["js_errors"], 1);
    assert_eq!(d["session"]["api_failures"], 1);
    assert_eq!(d["session"]["slow_loads"], 0, "a perf event without a usable load time is not slow");
    let stored: Vec<&str> =
        d["pages"][0]["events"].as_array().unwrap().iter().map(|e| e["body"]["event_id"].as_str().unwrap()).collect();
    assert_eq!(stored, ["e1", "e3", "e5", "e7", "e8"]);
    // Unknown fields are kept in the event JSON.
    assert_eq!(d["pages"][0]["events"][3]["body"]["tab_id"], "t1");
}

#[test]
fn gzip_json_and_cors() {
    let s = Server::start(&[]);
    let body = bundle("sess-gz", "u1", json!([pv(1_700_000_000_000, "g1")]));
    let r = s.request(
        "POST",
        "/collect",
        &[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
        &gzip(&body),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["accepted"], 1);
    // Any POST /collect/* (e.g. an endpoint with a path suffix) is the same ingest.
    let body = bundle("sess-sub", "u1", json!([pv(1_700_000_000_000, "g2")]));
    assert_eq!(s.request("POST", "/collect/v2/rum", &[], &body).status, 200);
    assert_eq!(s.get_json("/api/sessions")["total"], 2);

    let pre = s.request(
        "OPTIONS",
        "/collect",
        &[
            ("Origin", "http://shop.example"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        b"",
    );
    assert!(pre.status == 200 || pre.status == 204, "preflight status {}", pre.status);
    assert_eq!(pre.header("access-control-allow-origin"), Some("http://shop.example"));
    assert!(pre.header("access-control-allow-methods").unwrap_or_default().contains("POST"));
    let r = s.request("POST", "/collect", &[("Origin", "http://shop.example")], &bundle("sess-cors", "u", json!([])));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("http://shop.example"));
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
}
