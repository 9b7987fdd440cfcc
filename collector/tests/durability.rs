//! Data answered with 2xx survives `kill -9` of the collector.

mod common;
use common::*;
use serde_json::json;
use std::sync::Arc;

#[test]
fn accepted_bundles_survive_kill_9() {
    let s = Server::start(&[]);
    let addr = Arc::new(s.addr.clone());
    let t = now_ms();
    // Concurrent senders so the writer groups bundles into shared transactions.
    let handles: Vec<_> = (0..8)
        .map(|w| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut ok = 0;
                for i in 0..25 {
                    let sid = format!("kill-{w}-{i}");
                    let body = bundle(&sid, "u", json!([pv(t + i, &format!("e{w}-{i}")), {"event_type": "exception", "type": "error", "timestamp": t + i + 1, "message": "m", "event_id": format!("x{w}-{i}")}]));
                    let r = request(&addr, "POST", "/collect", &[], &body);
                    assert_eq!(r.status, 200);
                    ok += 1;
                }
                ok
            })
        })
        .collect();
    let acked: i64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    // SIGKILL right after the last 2xx: no graceful shutdown, no checkpoint.
    let dir = s.dir.clone();
    let tmp = s.kill9();
    let s2 = Server::start_in(&dir, &[]);
    let list = s2.get_json("/api/sessions?limit=1");
    assert_eq!(list["total"], acked);
    let d = s2.get_json("/api/sessions/kill-7-24");
    assert_eq!(d["session"]["pvs"], 1);
    assert_eq!(d["session"]["js_errors"], 1);
    drop(s2);
    drop(tmp);
}
