//! Remote config: PUT then GET by full pid and by the ARMS URL shape (region + pid suffix).

mod common;
use common::*;
use serde_json::json;

#[test]
fn put_and_get_remote_config() {
    let s = Server::start(&[]);
    assert_eq!(s.get("/config/cn-hangzhou/abc123").status, 404);
    let cfg = json!({"reportConfig": {"flushTime": 1000}, "properties": {"from": "remote"}});
    let r = s.request(
        "PUT",
        "/config/harness-pid@abc123",
        &[("Content-Type", "application/json")],
        cfg.to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(s.get_json("/config/cn-hangzhou/abc123?t=1795390471044"), cfg);
    assert_eq!(s.get_json("/config/harness-pid@abc123"), cfg);
    // The SDK fetches it cross-origin.
    let r = s.request("GET", "/config/cn-shanghai/abc123", &[("Origin", "http://app.example")], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("http://app.example"));
    // Bad input.
    assert_eq!(s.request("PUT", "/config/p1", &[], b"{nope").status, 400);
    assert_eq!(s.request("PUT", "/config/p1", &[], b"[1]").status, 400);
    assert_eq!(s.get("/config/..%2F..%2Fetc%2Fpasswd").status, 400);
    assert!(!s.dir.join("remote-config/p1.json").exists());
}

fn put(s: &Server, pid: &str, cfg: &serde_json::Value, auth: &[(&str, &str)]) -> Resp {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(auth);
    s.request("PUT", &format!("/config/{pid}"), &h, cfg.to_string().as_bytes())
}

/// Issue 17, finding 6: unknown keys, wrong types, a regex that backtracks exponentially in every
/// visitor's browser and trace headers for any URL were all stored.
#[test]
fn bad_remote_configs_are_refused_with_the_field_named() {
    let s = Server::start(&[]);
    let cases = [
        (json!({"reportConfig": {"flushTime": 1000}, "bogus": 1}), "bogus: unknown key"),
        (json!({"reportConfig": {"flushTime": "1s"}}), "reportConfig.flushTime: must be a number"),
        (json!({"reportConfig": {"maxEventCount": 5000}}), "reportConfig.maxEventCount"),
        (json!({"sessionConfig": {"storage": "indexedDB"}}), "sessionConfig.storage: must be one of"),
        (json!({"filters": {"resource": ["/^(a+)+$/"]}}), "filters.resource[0]: nested quantifiers"),
        (json!({"filters": {"exception": "/(x|x?)+y/"}}), "filters.exception: a repeated group"),
        (json!({"filters": {"resource": "/a(b/"}}), "filters.resource: not a valid JavaScript RegExp"),
        (json!({"tracing": {"enable": true, "allowedUrls": ["https://"]}}), "tracing.allowedUrls[0]: a tracing prefix"),
        (json!({"tracing": {"allowedUrls": [{"match": "/.*/"}]}}), "tracing.allowedUrls[0].match: a tracing RegExp"),
        (json!({"endpoint": "https://evil.example/collect"}), "endpoint: stays local"),
        (json!({"beforeReport": {"$fn": 0}}), "beforeReport: functions cannot"),
        (json!({"properties": {"k": "v".repeat(3000)}}), "properties.k: at most 2000 characters"),
        (json!([1]), "config must be a JSON object"),
    ];
    for (cfg, want) in cases {
        let r = put(&s, "p1", &cfg, &[]);
        assert_eq!(r.status, 400, "{cfg}: {}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        let all: Vec<&str> =
            j["errors"].as_array().map(|a| a.iter().filter_map(|e| e.as_str()).collect()).unwrap_or_default();
        let error = j["error"].as_str().unwrap();
        assert!(error.starts_with(want) || all.iter().any(|e| e.starts_with(want)), "{cfg}: want {want:?}, got {j}");
    }
    assert_eq!(s.request("PUT", "/config/p1", &[], b"{nope").status, 400);
    assert!(!s.dir.join("remote-config/p1.json").exists(), "nothing refused is stored");
    assert_eq!(s.get("/config/p1").status, 404);
}

#[test]
fn earlier_versions_are_kept_and_one_can_be_restored() {
    // Access control on (the harness default is --no-auth): the token is an admin API token.
    let s = Server::secure(&["--admin-token", "t0ken"]);
    let auth = [("Authorization", "Bearer t0ken")];
    for t in [1000, 2000, 3000] {
        let r = put(&s, "p2", &json!({"reportConfig": {"flushTime": t}}), &auth);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    // Versions and restore need credentials like every non-ingest route.
    assert_eq!(s.get("/api/config/p2/versions").status, 401);
    assert_eq!(s.request("POST", "/api/config/p2/versions/1/restore", &[], b"").status, 401);
    let v = s.request("GET", "/api/config/p2/versions", &auth, b"").json();
    assert_eq!(v["current"]["reportConfig"]["flushTime"], 3000);
    let versions: Vec<u64> = v["versions"].as_array().unwrap().iter().map(|x| x["version"].as_u64().unwrap()).collect();
    assert_eq!(versions, [2, 1]);
    let r = s.request("POST", "/api/config/p2/versions/1/restore", &auth, b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(s.get_json("/config/cn-hangzhou/p2")["reportConfig"]["flushTime"], 1000);
    let v = s.request("GET", "/api/config/p2/versions", &auth, b"").json();
    assert_eq!(v["versions"].as_array().unwrap().len(), 3, "the replaced config is kept as well");
    assert_eq!(s.request("POST", "/api/config/p2/versions/77/restore", &auth, b"").status, 404);
    assert_eq!(s.request("POST", "/api/config/p2/versions/x/restore", &auth, b"").status, 400);
}
