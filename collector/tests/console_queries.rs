//! The console's grouping queries over many distinct groups (issue 17, finding 5: 20,000
//! distinct error messages took 8.9 s with a correlated subquery per group). This test times
//! nothing: it checks the answers; the query plans are asserted in `store::sqlite`'s tests and
//! the figures at 1 million events come from `examples/console_bench.rs`.

mod common;
use common::*;
use serde_json::{json, Value};

#[test]
fn twenty_thousand_distinct_errors_are_grouped_correctly() {
    let s = Server::start(&[]);
    let t = now_ms() - 60_000;
    // 20,000 errors with distinct messages, 1,000 per bundle, one session per bundle.
    for b in 0..20 {
        let events: Vec<Value> = (0..1000)
            .map(|i| {
                let n = b * 1000 + i;
                json!({"event_type": "exception", "type": "error", "timestamp": t + n, "event_id": format!("d{n}"),
                       "name": "TypeError", "message": format!("distinct failure #{n}")})
            })
            .collect();
        let r = s.collect(&bundle(&format!("distinct-{b:02}"), "u", json!(events)));
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["accepted"], 1000);
    }
    // One message repeated 30 times over 25 sessions, and a failing API call with varying queries.
    for k in 0..25 {
        let mut events = vec![json!({"event_type": "exception", "type": "error", "timestamp": t + 30_000 + k,
            "event_id": "r0", "name": "Error", "message": "checkout exploded"})];
        if k < 5 {
            events.push(json!({"event_type": "exception", "type": "error", "timestamp": t + 30_100 + k,
                "event_id": "r1", "name": "Error", "message": "checkout exploded"}));
        }
        events.push(json!({"event_type": "resource", "type": "fetch", "timestamp": t + 30_200 + k, "event_id": "f0",
            "url": format!("https://api.test/cart?id={k}#x"), "method": "POST", "status_code": 503, "success": 0}));
        assert_eq!(s.collect(&bundle(&format!("repeat-{k:02}"), "u", json!(events))).status, 200);
    }

    let groups = s.get_json("/api/ways/errors?limit=200");
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 200);
    assert_eq!(groups[0]["message"], "checkout exploded");
    assert_eq!(groups[0]["count"], 30);
    assert_eq!(groups[0]["sessions"], 25);
    let ids: Vec<&str> = groups[0]["session_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(ids.len(), 20, "at most 20 sessions listed");
    // Most recent first: the five sessions with a second, later error, then the others by time.
    assert_eq!(ids[..6], ["repeat-04", "repeat-03", "repeat-02", "repeat-01", "repeat-00", "repeat-24"]);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), 20, "listed once each");
    // The rest are single errors, the most recent first among equal counts.
    assert!(groups[1..].iter().all(|g| g["count"] == 1 && g["sessions"] == 1), "{:?}", &groups[1]);
    assert_eq!(groups[1]["message"], "distinct failure #19999");
    assert_eq!(groups[1]["session_ids"], json!(["distinct-19"]));
    assert_eq!(groups[1]["name"], "TypeError");

    // With a range (the console's default), only errors of the range count.
    let recent = s.get_json(&format!("/api/ways/errors?from={}&limit=5", t + 19_990));
    let recent = recent.as_array().unwrap();
    assert_eq!(recent[0]["message"], "checkout exploded");
    assert_eq!(recent.len(), 5);
    assert_eq!(recent[1]["message"], "distinct failure #19999");

    let fails = s.get_json("/api/ways/api-failures");
    assert_eq!(fails.as_array().unwrap().len(), 1, "{fails}");
    assert_eq!(fails[0]["url"], "https://api.test/cart");
    assert_eq!(fails[0]["status_code"], 503);
    assert_eq!(fails[0]["method"], "POST");
    assert_eq!(fails[0]["count"], 25);
    assert_eq!(fails[0]["session_ids"].as_array().unwrap().len(), 20);

    let list = s.get_json(&format!("/api/sessions?from={}&limit=200", t));
    assert_eq!(list["total"], 45);
    assert_eq!(s.get_json("/api/sessions?errors=%3E999&limit=5")["total"], 20);
}
