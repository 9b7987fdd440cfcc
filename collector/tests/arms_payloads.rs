//! Every captured real ARMS SDK payload goes through the real server; sessions, counts and the
//! session path must match what the capture contains.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// session id → (pvs, js errors, api calls, api failures, page names in order)
fn expected() -> BTreeMap<&'static str, (i64, i64, i64, i64, Vec<&'static str>)> {
    BTreeMap::from([
        // npm-main / dist-umd: 3 errors (console.error, onError, rejection) + 1 sendException;
        // fetch ok/500/instrument/network error + 2 XHR; 500 and network error fail.
        ("c3cb81d94e784897ba2a92e9e4fdd85a", (2, 4, 6, 2, vec!["/app/home", "/app/cart"])),
        ("b8036f16d4a04336a841b800f9040fba", (2, 4, 6, 2, vec!["/app/home", "/app/cart"])),
        ("c8d688fdf59e4f6497bee04adfe49ee3", (1, 0, 0, 0, vec!["/app/home"])),
        // remote-config: a reload gives a second view with the same name.
        ("8fa4bed6ae2c471cbd6e3cf111bb92b0", (2, 0, 0, 0, vec!["/app/home", "/app/home"])),
        ("aaaabbbbccccddddeeeeffff00001111", (1, 0, 0, 0, vec!["/app/home"])),
        ("3194d48ccc9a449185842d4f575057cd", (2, 0, 0, 0, vec!["/app/home", "/app/home"])),
    ])
}

fn post_all(s: &Server) -> (usize, usize) {
    let (mut sent, mut accepted) = (0, 0);
    for scenario in scenarios() {
        for (name, body, ua) in payloads(&scenario) {
            let events = serde_json::from_slice::<Value>(&body).unwrap()["events"].as_array().unwrap().len();
            let mut h = vec![("Content-Type", "text/plain;charset=UTF-8"), ("Origin", "http://127.0.0.1:45321")];
            if let Some(ua) = ua.as_deref() {
                h.push(("User-Agent", ua));
            }
            let r = s.request("POST", "/collect", &h, &body);
            assert_eq!(r.status, 200, "{scenario}/{name}: {}", String::from_utf8_lossy(&r.body));
            let j = r.json();
            assert_eq!(j["rejected"], 0, "{scenario}/{name}: {j}");
            sent += events;
            accepted += j["accepted"].as_u64().unwrap() as usize;
        }
    }
    (sent, accepted)
}

#[test]
fn all_captured_payloads_are_stored_with_right_counts_and_path() {
    let s = Server::start(&[]);
    let (sent, accepted) = post_all(&s);
    assert!(sent > 60, "expected all scenarios, got {sent} events");
    assert_eq!(sent, accepted);

    let list = s.get_json("/api/sessions?limit=200");
    let want = expected();
    assert_eq!(list["total"], want.len() as i64, "{list}");
    for (sid, (pvs, errors, apis, fails, pages)) in &want {
        let d = s.get_json(&format!("/api/sessions/{sid}"));
        let sum = &d["session"];
        assert_eq!(
            (
                sum["pvs"].as_i64().unwrap(),
                sum["js_errors"].as_i64().unwrap(),
                sum["api_calls"].as_i64().unwrap(),
                sum["api_failures"].as_i64().unwrap()
            ),
            (*pvs, *errors, *apis, *fails),
            "counts of {sid}"
        );
        let names: Vec<&str> =
            d["pages"].as_array().unwrap().iter().map(|p| p["view_name"].as_str().unwrap()).collect();
        assert_eq!(&names, pages, "pages of {sid}");
        // Pages and the events inside each page are in time order.
        let mut last_page = 0;
        for p in d["pages"].as_array().unwrap() {
            let t = p["ts"].as_i64().unwrap();
            assert!(t >= last_page);
            last_page = t;
            let ts: Vec<i64> = p["events"].as_array().unwrap().iter().map(|e| e["ts"].as_i64().unwrap()).collect();
            assert!(ts.windows(2).all(|w| w[0] <= w[1]), "events of {sid} out of order: {ts:?}");
        }
    }

    // The route change page of npm-main: its events in the order the user did them.
    let d = s.get_json("/api/sessions/c3cb81d94e784897ba2a92e9e4fdd85a");
    let cart = &d["pages"][1];
    assert_eq!(cart["url"], "http://127.0.0.1:45321/app/cart?step=2");
    assert_eq!(cart["loading_type"], "route_change");
    let kinds: Vec<String> = cart["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}/{}", e["event_type"].as_str().unwrap(), e["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        ["view/pv", "custom/biz", "exception/custom", "resource/custom", "view/custom", "action/click", "custom/biz"]
    );
    // Events that carried their own `view` (sent after the route change) stay on /app/home.
    let home = &d["pages"][0];
    assert!(home["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event_type"] == "exception" && e["message"] == "harness boom"));
    // The full event JSON is kept for the details panel.
    let err = home["events"].as_array().unwrap().iter().find(|e| e["message"] == "harness boom").unwrap();
    assert!(err["body"]["stack"].as_str().unwrap().starts_with("Error: harness boom"));

    let sum = &d["session"];
    assert_eq!(sum["user_name"], "Bob", "latest user name wins");
    assert_eq!(sum["user_id"], "uid_djql8tefthpqbd2g");
    assert_eq!(sum["app_version"], "1.2.3");
    assert_eq!(sum["env"], "local");
    assert_eq!(sum["connection"], "4g");
    assert_eq!(sum["ip"], "127.0.0.1");
    assert_eq!(sum["os"], "Linux");
    assert_eq!(sum["device_type"], "desktop");
    assert_eq!(sum["bundle"]["properties"]["tenant"], "acme");

    // A retried bundle (same event ids) does not double-count.
    let (_, again) = post_all(&s);
    assert_eq!(again, 0);
    let d = s.get_json("/api/sessions/c3cb81d94e784897ba2a92e9e4fdd85a");
    assert_eq!(d["session"]["js_errors"], 4);
}

#[test]
fn search_filters_sort_and_ways_in() {
    let s = Server::start(&[]);
    post_all(&s);
    let ids = |q: &str| -> Vec<String> {
        let j = s.get_json(&format!("/api/sessions?{q}"));
        let mut v: Vec<String> =
            j["sessions"].as_array().unwrap().iter().map(|x| x["session_id"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(ids("q=bob"), ["b8036f16d4a04336a841b800f9040fba", "c3cb81d94e784897ba2a92e9e4fdd85a"]);
    assert_eq!(ids("q=uid_knownuser12345"), ["aaaabbbbccccddddeeeeffff00001111"]);
    assert_eq!(ids("errors=%3E0").len(), 2);
    assert_eq!(ids("errors=0").len(), 4);
    assert_eq!(ids("errors=%3E4").len(), 0);
    assert_eq!(ids("session_id=c8d688fdf59e4f6497bee04adfe49ee3"), ["c8d688fdf59e4f6497bee04adfe49ee3"]);
    assert_eq!(ids("url=app/cart").len(), 2);
    assert_eq!(ids("connection=4g&os=Linux&device=desktop&ip=127.0.0.1").len(), 6);
    assert_eq!(ids("app_version=1.2.3&env=local").len(), 2);
    assert_eq!(ids("connection=3g").len(), 0);
    assert_eq!(ids("min_duration=10000").len(), 2);
    // Sort by errors, paging.
    let j = s.get_json("/api/sessions?sort=errors&limit=1");
    assert_eq!(j["total"], 6);
    assert_eq!(j["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(j["sessions"][0]["js_errors"], 4);
    let j = s.get_json("/api/sessions?sort=errors&order=asc&limit=2&offset=4");
    assert!(j["sessions"].as_array().unwrap().iter().all(|x| x["js_errors"] == 4));
    assert_eq!(s.get("/api/sessions?sort=bogus").status, 400);
    assert_eq!(s.get("/api/sessions?errors=lots").status, 400);
    assert_eq!(s.get("/api/sessions/nope").status, 404);

    let errors = s.get_json("/api/ways/errors");
    let boom = errors.as_array().unwrap().iter().find(|g| g["message"] == "harness boom").unwrap();
    assert_eq!(boom["count"], 2);
    assert_eq!(boom["session_ids"].as_array().unwrap().len(), 2);
    let fails = s.get_json("/api/ways/api-failures");
    let f500 = fails.as_array().unwrap().iter().find(|g| g["status_code"] == 500).unwrap();
    assert_eq!(f500["url"], "http://127.0.0.1:45321/api/fail");
    assert_eq!(f500["count"], 2);
    let slow = s.get_json("/api/ways/slow-loads");
    let loads: Vec<f64> = slow.as_array().unwrap().iter().map(|x| x["load_ms"].as_f64().unwrap()).collect();
    // Only loads over the slow threshold (3 s) are "slow": the captured loads are all faster
    // (tests/e2e/console-depth.test.mjs drives a slow one).
    assert!(loads.is_empty(), "{loads:?}");
    // Captured timestamps are in 2026: a window around them holds all sessions and errors.
    let ts = s.get_json("/api/timeseries?from=1795389000000&to=1795392000000");
    let buckets = ts["buckets"].as_array().unwrap();
    let total_sessions: i64 = buckets.iter().map(|b| b["sessions"].as_i64().unwrap()).sum();
    let total_errors: i64 = buckets.iter().map(|b| b["errors"].as_i64().unwrap()).sum();
    assert_eq!((total_sessions, total_errors), (6, 8));
}
