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
