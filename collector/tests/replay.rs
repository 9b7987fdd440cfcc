//! `POST /replay` and the replay read side against the real collector binary and SQLite:
//! storage and read-back order, de-duplication, refusals (400/413/415), the per-session cap,
//! the session list's `has_replay`, retention, privacy export and delete.

mod common;
use common::*;
use serde_json::{json, Value};

const SID: &str = "0123456789abcdef0123456789abcdef";

/// A segment of the replay contract; records at `t0`, `t0 + 10`, ... (a full snapshot first
/// when `full`).
fn segment(sid: &str, seg: &str, seq: u32, t0: i64, n: usize, full: bool) -> Value {
    let mut records = Vec::new();
    for i in 0..n {
        let ts = t0 + 10 * i as i64;
        records.push(if i == 0 && full {
            json!({"type": 2, "data": {"node": {"type": 0, "childNodes": [], "id": 1}, "initialOffset": {"left": 0, "top": 0}}, "timestamp": ts})
        } else {
            json!({"type": 3, "data": {"source": 2, "type": 2, "id": 1, "x": i, "y": seq}, "timestamp": ts})
        });
    }
    json!({"pid": "test-app", "session_id": sid, "view_id": "v-main", "segment_id": seg, "seq": seq,
           "start": t0, "end": t0 + 10 * (n as i64 - 1), "count": n, "has_full_snapshot": full,
           "source": "sampled", "records": records})
}

fn post(s: &Server, body: &[u8], headers: &[(&str, &str)]) -> Resp {
    let mut h = vec![("Content-Type", "text/plain;charset=UTF-8")];
    h.extend_from_slice(headers);
    s.request("POST", "/replay", &h, body)
}

fn post_json(s: &Server, v: &Value) -> Resp {
    post(s, v.to_string().as_bytes(), &[])
}

fn seed_session(s: &Server, sid: &str, user: &str) {
    let t = now_ms();
    assert_eq!(s.collect(&bundle(sid, user, json!([pv(t, &format!("{sid}-pv"))]))).status, 200);
}

fn replay(s: &Server, sid: &str) -> Value {
    s.get_json(&format!("/api/sessions/{sid}/replay"))
}

#[test]
fn segments_are_stored_and_read_back_in_time_order() {
    let s = Server::start(&[]);
    seed_session(&s, SID, "alice");
    seed_session(&s, "other-session", "bob");
    let t = now_ms();
    // Second segment first; one plain, one gzip with its header, one gzip by magic bytes only
    // (what sendBeacon sends).
    let second = segment(SID, "b2", 1, t + 100, 3, false);
    let first = segment(SID, "a1", 0, t, 4, true);
    let third = segment(SID, "c3", 2, t + 200, 2, false);
    let r = post_json(&s, &second);
    assert_eq!((r.status, r.json()), (200, json!({"ok": true})));
    let r = post(&s, &gzip(first.to_string().as_bytes()), &[("Content-Encoding", "gzip")]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = post(&s, &gzip(third.to_string().as_bytes()), &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    let got = replay(&s, SID);
    assert_eq!(got["session_id"], SID);
    let segs: Vec<&str> =
        got["segments"].as_array().unwrap().iter().map(|x| x["segment_id"].as_str().unwrap()).collect();
    assert_eq!(segs, ["a1", "b2", "c3"]);
    assert_eq!(
        got["segments"][0],
        json!({"view_id": "v-main", "segment_id": "a1", "seq": 0, "start": t, "end": t + 30, "count": 4,
               "has_full_snapshot": true, "source": "sampled"})
    );
    let records = got["records"].as_array().unwrap();
    assert_eq!(records.len(), 9);
    let stamps: Vec<i64> = records.iter().map(|r| r["timestamp"].as_i64().unwrap()).collect();
    let mut sorted = stamps.clone();
    sorted.sort();
    assert_eq!(stamps, sorted, "records in time order");
    assert_eq!(records[0]["type"], 2, "the full snapshot comes first");
    // Records come back exactly as sent.
    assert_eq!(records[4], second["records"][0]);

    // The session list marks it and filters on it.
    let all = s.get_json("/api/sessions");
    let flag = |id: &str| {
        all["sessions"].as_array().unwrap().iter().find(|x| x["session_id"] == id).unwrap()["has_replay"].clone()
    };
    assert_eq!((flag(SID), flag("other-session")), (json!(true), json!(false)));
    let only = s.get_json("/api/sessions?has_replay=1");
    assert_eq!((only["total"].as_i64(), only["sessions"][0]["session_id"].as_str()), (Some(1), Some(SID)));
    assert_eq!(s.get_json("/api/sessions?has_replay=0")["sessions"][0]["session_id"], "other-session");
    assert_eq!(s.get_json(&format!("/api/sessions/{SID}"))["session"]["has_replay"], true);
    assert_eq!(s.get("/api/sessions?has_replay=maybe").status, 400);
    assert_eq!(s.get("/api/sessions/other-session/replay").status, 404);
}

#[test]
fn a_session_with_only_a_recording_is_listed_with_its_replay_and_its_first_bundle_fills_it_in() {
    let s = Server::start(&[]);
    seed_session(&s, "other-session", "bob");
    let t = now_ms();
    assert_eq!(post_json(&s, &segment(SID, "a1", 0, t, 3, true)).status, 200);
    let row = |list: &Value| list["sessions"].as_array().unwrap().iter().find(|x| x["session_id"] == SID).cloned();
    let listed = row(&s.get_json("/api/sessions")).expect("the replay-only session is in the list");
    assert_eq!(listed["has_replay"], true);
    assert_eq!((listed["pvs"].as_i64(), listed["app_id"].as_str()), (Some(0), Some("test-app")), "{listed}");
    let only = s.get_json("/api/sessions?has_replay=1");
    assert_eq!((only["total"].as_i64(), only["sessions"][0]["session_id"].as_str()), (Some(1), Some(SID)));
    assert_eq!(s.get_json(&format!("/api/sessions/{SID}"))["session"]["has_replay"], true);
    // A later segment extends it; the session's first bundle fills in user and counts, one row.
    assert_eq!(post_json(&s, &segment(SID, "b2", 1, t + 5000, 2, false)).status, 200);
    assert_eq!(s.collect(&bundle(SID, "carol", json!([pv(t + 10, "carol-pv")]))).status, 200);
    let all = s.get_json("/api/sessions");
    let rows: Vec<&Value> = all["sessions"].as_array().unwrap().iter().filter(|x| x["session_id"] == SID).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0]["pvs"].as_i64(), rows[0]["has_replay"].as_bool()), (Some(1), Some(true)), "{}", rows[0]);
    assert_eq!(rows[0]["start_ms"].as_i64(), Some(t), "{}", rows[0]);
    assert!(rows[0]["end_ms"].as_i64().unwrap() >= t + 5010, "{}", rows[0]);
    assert_eq!(replay(&s, SID)["segments"].as_array().unwrap().len(), 2);
}

#[test]
fn a_retried_segment_is_stored_once() {
    let s = Server::start(&[]);
    let seg = segment(SID, "a1", 0, now_ms(), 5, true);
    assert_eq!(post_json(&s, &seg).json(), json!({"ok": true}));
    let r = post(&s, &gzip(seg.to_string().as_bytes()), &[]);
    assert_eq!((r.status, r.json()), (200, json!({"ok": true, "duplicate": true})));
    let got = replay(&s, SID);
    assert_eq!(got["segments"].as_array().unwrap().len(), 1);
    assert_eq!(got["records"].as_array().unwrap().len(), 5);
}

#[test]
fn malformed_segments_get_400_and_store_nothing() {
    let s = Server::start(&[]);
    let t = now_ms();
    let good = segment(SID, "a1", 0, t, 3, true);
    let mut cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{not json".to_vec(), "replay segment"),
        (b"[]".to_vec(), "replay segment"),
        (vec![0x1f, 0x8b, 0, 1, 2, 3], "compressed"),
    ];
    for (field, value, needle) in [
        ("session_id", json!(""), "`session_id` is empty"),
        ("count", json!(7), "`count` is 7"),
        ("source", json!("everyone"), "`source` must be one of"),
        (
            "records",
            json!([{"type": 3, "timestamp": t}, {"type": 3, "data": {}, "timestamp": t}, {"type": 3, "data": {}, "timestamp": t}]),
            "`records[0]`",
        ),
        ("seq", json!(-1), "replay segment"),
    ] {
        let mut v = good.clone();
        v[field] = value;
        cases.push((v.to_string().into_bytes(), needle));
    }
    let mut no_view = good.clone();
    no_view.as_object_mut().unwrap().remove("view_id");
    cases.push((no_view.to_string().into_bytes(), "missing field `view_id`"));
    for (body, needle) in cases {
        let r = post(&s, &body, &[]);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&body));
        let msg = r.json()["error"].as_str().unwrap().to_string();
        assert!(msg.contains(needle), "`{msg}` should contain `{needle}`");
    }
    let r = post(&s, good.to_string().as_bytes(), &[("Content-Encoding", "br")]);
    assert_eq!(r.status, 415);
    assert_eq!(s.get(&format!("/api/sessions/{SID}/replay")).status, 404, "nothing was stored");
    // The same session still takes a good segment afterwards.
    assert_eq!(post_json(&s, &good).status, 200);
}

#[test]
fn oversized_segments_get_413() {
    let s = Server::start(&[]);
    let t = now_ms();
    // Over 256 KiB on the wire (incompressible text sent plain).
    let mut big = segment(SID, "a1", 0, t, 1, true);
    let noise: String =
        (0..300_000u32).map(|i| char::from(b'a' + ((i.wrapping_mul(2654435761) >> 7) % 26) as u8)).collect();
    big["records"][0]["data"]["node"]["textContent"] = json!(noise);
    let r = post_json(&s, &big);
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].as_str().unwrap().contains("262144"), "{}", r.json());
    // Small on the wire, over 1 MiB decoded (a gzip bomb stops at the cap).
    let mut bomb = segment(SID, "b2", 0, t, 1, true);
    bomb["records"][0]["data"]["node"]["textContent"] = json!("a".repeat(2 * 1024 * 1024));
    let gz = gzip(bomb.to_string().as_bytes());
    assert!(gz.len() < 64 * 1024);
    let r = post(&s, &gz, &[("Content-Encoding", "gzip")]);
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].as_str().unwrap().contains("1048576 bytes decoded"), "{}", r.json());
    assert_eq!(s.get(&format!("/api/sessions/{SID}/replay")).status, 404);
}

#[test]
fn the_session_cap_refuses_more_and_loses_nothing_else() {
    let s = Server::start(&[]);
    seed_session(&s, SID, "alice");
    let t = now_ms();
    // 1,000,000 decoded bytes each (compressible, so small on the wire): 20 fit in the default
    // 20 MiB (20,971,520), the 21st does not.
    let sized = |seg: &str, seq: u32| {
        let mut v = segment(SID, seg, seq, t + seq as i64 * 1000, 1, true);
        let base = v.to_string().len();
        v["records"][0]["data"]["node"]["textContent"] = json!("x".repeat(1_000_000 - base - 17));
        assert_eq!(v.to_string().len(), 1_000_000);
        gzip(v.to_string().as_bytes())
    };
    for seq in 0..20 {
        let r = post(&s, &sized(&format!("s{seq}"), seq), &[]);
        assert_eq!(r.status, 200, "segment {seq}: {}", String::from_utf8_lossy(&r.body));
    }
    let r = post(&s, &sized("s20", 20), &[]);
    assert_eq!(r.status, 413);
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("20000000 of 20971520 bytes"), "{msg}");
    // Earlier segments, the session's events and other sessions are unaffected.
    assert_eq!(replay(&s, SID)["segments"].as_array().unwrap().len(), 20);
    let later = bundle(SID, "alice", json!([pv(now_ms(), "later-pv")]));
    assert_eq!(s.collect(&later).json()["accepted"], 1);
    assert_eq!(post_json(&s, &segment("another-session", "a1", 0, t, 2, true)).status, 200);
    // A retry of a stored segment is still a duplicate, not a cap refusal.
    assert_eq!(post(&s, &sized("s3", 3), &[]).json()["duplicate"], true);
}

#[test]
fn the_caps_are_set_from_the_command_line() {
    let t = now_ms();
    let (a, b, c) = (
        segment(SID, "a1", 0, t, 3, true),
        segment(SID, "b2", 1, t + 100, 3, false),
        segment(SID, "c3", 2, t + 200, 3, false),
    );
    // Room for exactly the first two.
    let cap = (a.to_string().len() + b.to_string().len()).to_string();
    let s = Server::start(&["--replay-max-session-bytes", &cap, "--replay-max-wire-bytes", "1500"]);
    assert_eq!(post_json(&s, &a).status, 200);
    assert_eq!(post_json(&s, &b).status, 200);
    let r = post_json(&s, &c);
    assert_eq!(r.status, 413, "the session holds {cap} bytes at most");
    assert!(r.json()["error"].as_str().unwrap().contains(&format!("({cap} of {cap} bytes stored)")), "{}", r.json());
    let big = segment("other", "a1", 0, t, 20, true);
    assert!(big.to_string().len() > 1500);
    let r = post_json(&s, &big);
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].as_str().unwrap().contains("larger than 1500 bytes"), "{}", r.json());
}

#[test]
fn privacy_export_and_delete_cover_replays() {
    let s = Server::start(&[]);
    seed_session(&s, SID, "alice");
    seed_session(&s, "bob-session", "bob");
    let t = now_ms();
    assert_eq!(post_json(&s, &segment(SID, "a1", 0, t, 3, true)).status, 200);
    assert_eq!(post_json(&s, &segment("bob-session", "b1", 0, t, 2, true)).status, 200);
    let e = s.get_json("/api/users/alice");
    let segs = e["replay_segments"].as_array().unwrap();
    assert_eq!(segs.len(), 1);
    assert_eq!((segs[0]["session_id"].as_str(), segs[0]["segment_id"].as_str()), (Some(SID), Some("a1")));
    assert_eq!(segs[0]["records"].as_array().unwrap().len(), 3);
    let r = s.request("DELETE", "/api/users/alice", &[], b"");
    assert_eq!(r.json(), json!({"sessions": 1, "events": 1, "replay_segments": 1}));
    assert_eq!(s.get(&format!("/api/sessions/{SID}/replay")).status, 404);
    assert_eq!(replay(&s, "bob-session")["segments"].as_array().unwrap().len(), 1, "bob keeps his");
}

#[test]
fn retention_removes_old_replays() {
    let s = Server::start(&[]);
    seed_session(&s, "old", "alice");
    seed_session(&s, "new", "bob");
    let t = now_ms();
    for sid in ["old", "new", "orphan-old", "orphan-new"] {
        assert_eq!(post_json(&s, &segment(sid, "a1", 0, t, 2, true)).status, 200);
    }
    let dir = s.dir.clone();
    let tmp = s.kill9();
    {
        // Retention counts the server's receive time: age "old" and "orphan-old" by 40 days.
        let c = rusqlite::Connection::open(dir.join("rum.db")).unwrap();
        let age = "- 40 * 86400000";
        c.execute(
            &format!("UPDATE sessions SET last_received_ms = last_received_ms {age} WHERE session_id = 'old'"),
            [],
        )
        .unwrap();
        c.execute(
            &format!("UPDATE replay_segments SET received_ms = received_ms {age} WHERE session_id = 'orphan-old'"),
            [],
        )
        .unwrap();
        // A replay-only session has its row too (made by its first segment): age it with it.
        c.execute(
            &format!("UPDATE sessions SET last_received_ms = last_received_ms {age} WHERE session_id = 'orphan-old'"),
            [],
        )
        .unwrap();
    }
    let s = Server::start_in(&dir, &["--retention-days", "30"]);
    let gone = |sid: &str| s.get(&format!("/api/sessions/{sid}/replay")).status == 404;
    for _ in 0..50 {
        if gone("old") && gone("orphan-old") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(gone("old") && gone("orphan-old"), "old replays deleted");
    assert!(!gone("new") && !gone("orphan-new"), "recent replays kept");
    drop(s);
    drop(tmp);
}
