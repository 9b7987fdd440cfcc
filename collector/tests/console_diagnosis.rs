//! The console's KPI, diagnosis and geography routes over the captured real ARMS payloads (and
//! two hand-made bundles for a user switch), through the real server: their figures agree with
//! the session list and the "ways in" groups, and bad parameters get a 400 naming them.

mod common;
use common::*;
use serde_json::{json, Value};

fn post_captured(s: &Server) {
    for scenario in scenarios() {
        for (name, body, _) in payloads(&scenario) {
            let r = s.request("POST", "/collect", &[("Content-Type", "text/plain")], &body);
            assert_eq!(r.status, 200, "{scenario}/{name}");
        }
    }
}

#[test]
fn kpis_and_diagnosis_agree_with_the_list_and_ways_in() {
    let s = Server::start(&[]);
    post_captured(&s);
    let list = s.get_json("/api/sessions?limit=200");
    let total = list["total"].as_i64().unwrap();
    let k = s.get_json("/api/kpis");
    assert_eq!(k["current"]["sessions"].as_i64(), Some(total));
    assert_eq!(k["previous"], Value::Null, "no previous range for all time");
    let with_errors = list["sessions"].as_array().unwrap().iter().filter(|x| x["js_errors"].as_i64() > Some(0)).count();
    let rate = k["current"]["error_rate"].as_f64().unwrap();
    assert!((rate - with_errors as f64 / total as f64).abs() < 1e-9, "{rate}");

    // Error groups: the same counts as the ways-in groups, with users, first/last seen and refs.
    let ways = s.get_json("/api/ways/errors");
    let diag = s.get_json("/api/diagnosis/errors");
    for g in ways.as_array().unwrap() {
        let d = diag.as_array().unwrap().iter().find(|d| d["message"] == g["message"]).unwrap();
        assert_eq!(
            (d["count"].clone(), d["sessions"].clone()),
            (g["count"].clone(), g["sessions"].clone()),
            "{}",
            g["message"]
        );
        assert!(d["first_ts"].as_i64() <= d["last_ts"].as_i64());
        assert!(!d["recent"].as_array().unwrap().is_empty());
    }
    // API details: the failing calls of ways-in are failures here, by method and URL.
    let apis = s.get_json("/api/diagnosis/apis");
    let fail = apis.as_array().unwrap().iter().find(|a| a["url"] == "http://127.0.0.1:45321/api/fail").unwrap();
    assert_eq!(fail["failures"], 2);
    assert!(fail["by_status"].as_array().unwrap().iter().any(|s| s[0] == 500 && s[1] == 2), "{fail}");
    // Page speed: every measured page, p75 ≤ p95, slow ≤ loads.
    for p in s.get_json("/api/diagnosis/speed").as_array().unwrap() {
        assert!(p["p75_ms"].as_f64() <= p["p95_ms"].as_f64() && p["slow"].as_i64() <= p["loads"].as_i64(), "{p}");
    }
    // Geography: no database in this server, every session from a loopback address.
    let g = s.get_json("/api/geo");
    assert_eq!((g["country_db"].clone(), g["unknown"].as_i64()), (json!(false), Some(total)));
}

#[test]
fn bad_parameters_are_named() {
    let s = Server::start(&[]);
    for path in [
        "/api/kpis?range=soon",
        "/api/diagnosis/speed?range=soon",
        "/api/geo?errors=many",
        "/api/diagnosis/custom?from=x",
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 400, "{path}");
        assert!(r.json()["error"].as_str().unwrap().contains('`'), "{path}: {}", r.json());
    }
    let long = "x".repeat(201);
    let r = s.get(&format!("/api/sessions?text={long}"));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("200 characters"));
    assert_eq!(s.get(&format!("/api/diagnosis/custom?text={long}")).status, 400);
}

#[test]
fn web_vitals_sent_after_a_user_switch_stay_with_the_first_user() {
    let s = Server::start(&[]);
    let t = now_ms();
    let bundle = |sid: &str, name: &str, view: &str, events: Value| {
        json!({"app": {"id": "p"}, "user": {"id": "uid_one_browser", "name": name}, "session": {"id": sid},
               "view": {"id": view, "name": "/home"}, "events": events})
        .to_string()
    };
    let a = bundle("sessiona00000001", "alice", "va", json!([{"event_type": "view", "type": "pv", "timestamp": t}]));
    // Bob's session holds his page view and, stamped with Alice's view, her page's final vitals.
    let b = bundle(
        "sessionb00000001",
        "bob",
        "vb",
        json!([{"event_type": "view", "type": "pv", "timestamp": t + 10},
               {"event_type": "view", "type": "webvitals", "timestamp": t + 20, "view": {"id": "va", "name": "/home"},
                "largest_contentful_paint": 900}]),
    );
    assert_eq!(s.collect(a.as_bytes()).status, 200);
    assert_eq!(s.collect(b.as_bytes()).status, 200);
    let pages = |sid: &str| s.get_json(&format!("/api/sessions/{sid}"))["pages"].as_array().unwrap().clone();
    let bob = pages("sessionb00000001");
    assert_eq!(bob.len(), 1, "no page without a page view: {bob:?}");
    assert_eq!(bob[0]["view_id"], "vb");
    let alice = pages("sessiona00000001");
    let types: Vec<&str> = alice[0]["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["pv", "webvitals"]);
    // Another visitor's session never lends its events.
    let c = json!({"app": {"id": "p"}, "user": {"id": "uid_other"}, "session": {"id": "sessionc00000001"}, "view": {"id": "vc"},
                   "events": [{"event_type": "view", "type": "webvitals", "timestamp": t, "view": {"id": "va"}}]});
    assert_eq!(s.collect(c.to_string().as_bytes()).status, 200);
    assert_eq!(pages("sessionc00000001").len(), 1);
    assert_eq!(pages("sessiona00000001")[0]["events"].as_array().unwrap().len(), 2);
}
