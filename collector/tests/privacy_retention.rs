//! Privacy export/delete by user id (HTTP and CLI) and the retention task.

mod common;
use common::*;
use serde_json::{json, Value};
use std::process::Command;

fn seed(s: &Server) {
    let t = now_ms();
    for (sid, user) in [("a1", "alice"), ("a2", "alice"), ("b1", "bob")] {
        let body = bundle(
            sid,
            user,
            json!([pv(t, &format!("{sid}-pv")), {"event_type": "action", "type": "click", "timestamp": t + 5, "event_id": format!("{sid}-c")}]),
        );
        assert_eq!(s.collect(&body).status, 200);
    }
}

fn cli(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_rum-collector")).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn export_and_delete_over_http() {
    let s = Server::start(&[]);
    seed(&s);
    let e = s.get_json("/api/users/alice");
    assert_eq!(e["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(e["events"].as_array().unwrap().len(), 4);
    let r = s.request("DELETE", "/api/users/alice", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"sessions": 2, "events": 4, "replay_segments": 0}));
    assert_eq!(s.get_json("/api/users/alice")["sessions"], json!([]));
    assert_eq!(s.get_json("/api/sessions")["total"], 1, "bob stays");
    assert_eq!(s.get("/api/sessions/a1").status, 404);
}

#[test]
fn export_and_delete_from_the_command_line() {
    let s = Server::start(&[]);
    seed(&s);
    let db = s.dir.join("rum.db");
    let db = db.to_str().unwrap();
    let e = cli(&["export-user", "--db", db, "bob"]);
    assert_eq!(e["sessions"][0]["session_id"], "b1");
    assert_eq!(e["events"].as_array().unwrap().len(), 2);
    let d = cli(&["delete-user", "--db", db, "bob"]);
    assert_eq!(d["deleted"], json!({"sessions": 1, "events": 2, "replay_segments": 0}));
    // The running server sees the deletion (same database file).
    assert_eq!(s.get("/api/sessions/b1").status, 404);
    assert_eq!(s.get_json("/api/sessions")["total"], 2);
}

#[test]
fn admin_token_guards_privacy_routes() {
    // The former single admin token still works: it is now an admin API token.
    let s = Server::secure(&["--admin-token", "s3cret"]);
    seed(&s);
    assert_eq!(s.get("/api/users/alice").status, 401);
    assert_eq!(s.request("DELETE", "/api/users/alice", &[], b"").status, 401);
    let r = s.request("GET", "/api/users/alice", &[("Authorization", "Bearer s3cret")], b"");
    assert_eq!(r.status, 200);
}

#[test]
fn retention_deletes_old_sessions_only() {
    let s = Server::start(&[]);
    seed(&s);
    let dir = s.dir.clone();
    let tmp = s.kill9();
    {
        // Make session a1 look 40 days old (retention uses the server's receive time).
        let c = rusqlite::Connection::open(dir.join("rum.db")).unwrap();
        let n = c
            .execute(
                "UPDATE sessions SET last_received_ms = last_received_ms - 40 * 86400000 WHERE session_id = 'a1'",
                [],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    let s = Server::start_in(&dir, &["--retention-days", "30"]);
    let mut left = 3;
    for _ in 0..50 {
        left = s.get_json("/api/sessions")["total"].as_i64().unwrap();
        if left == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(left, 2);
    assert_eq!(s.get("/api/sessions/a1").status, 404);
    assert_eq!(s.get_json("/api/users/alice")["events"].as_array().unwrap().len(), 2, "a1's events are gone too");
    drop(s);
    drop(tmp);
}

/// Issue 17 finding 8: a large privacy delete held the one writer for seconds. It now runs in
/// chunks on the writer's queue, so bundles sent during it are stored (and answered) between
/// chunks instead of after the whole delete.
#[test]
fn a_large_delete_lets_ingest_through() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let s = Server::start(&[]);
    let t = now_ms();
    for b in 0..60 {
        let events: Vec<Value> = (0..1000)
            .map(|i| json!({"event_type": "custom", "type": "x", "timestamp": t + i, "event_id": format!("c{i}"), "name": "n"}))
            .collect();
        assert_eq!(s.collect(&bundle(&format!("big-{b}"), "carol", json!(events))).status, 200);
    }
    let done = Arc::new(AtomicBool::new(false));
    let deleter = {
        let (addr, done) = (s.addr.clone(), done.clone());
        std::thread::spawn(move || {
            let r = request(&addr, "DELETE", "/api/users/carol", &[], b"");
            done.store(true, Ordering::SeqCst);
            r
        })
    };
    let mut acked_during_delete = 0;
    let mut n = 0;
    while !done.load(Ordering::SeqCst) {
        let r = s.collect(&bundle("dave-1", "dave", json!([pv(t, &format!("d{n}"))])));
        assert_eq!(r.status, 200);
        n += 1;
        if !done.load(Ordering::SeqCst) {
            acked_during_delete += 1;
        }
    }
    let r = deleter.join().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"sessions": 60, "events": 60_000, "replay_segments": 0}));
    eprintln!("bundles acknowledged while 60,000 events were deleted: {acked_during_delete}");
    assert!(acked_during_delete >= 3, "ingest waited for the whole delete ({acked_during_delete} acknowledged)");
    assert_eq!(s.get_json("/api/sessions/dave-1")["session"]["events"], n);
}
