//! Over ClickHouse, a bundle answered with 2xx survives `kill -9` of the collector: while it
//! ingests into the cluster, and while ClickHouse cannot be reached (the bundles wait in the
//! spool and are forwarded after the restart). Every acknowledged event is then stored once.
//!
//! Needs `RUM_TEST_CLICKHOUSE` (a store URL with `cluster=` and `shards=`, set by scripts/test.sh);
//! without it the tests say so and pass, unless `RUM_REQUIRE_CLICKHOUSE=1`.
//! "ClickHouse is stopped" is played by a TCP relay in front of each shard that the test closes:
//! the collector sees refused connections exactly as if the servers were down, and the cluster
//! that the other tests share keeps running.

mod common;
use common::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn cluster_url() -> Option<String> {
    match std::env::var("RUM_TEST_CLICKHOUSE").ok().filter(|u| !u.is_empty()) {
        Some(u) => Some(u),
        None if std::env::var("RUM_REQUIRE_CLICKHOUSE").as_deref() == Ok("1") => {
            panic!("RUM_TEST_CLICKHOUSE is not set but RUM_REQUIRE_CLICKHOUSE=1")
        }
        None => {
            eprintln!(
                "clickhouse_durability: RUM_TEST_CLICKHOUSE is not set (scripts/test.sh starts a cluster): not run"
            );
            None
        }
    }
}

/// Shard HTTP addresses from the URL's `shards=`.
fn shards(url: &str) -> Vec<String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .find_map(|p| p.strip_prefix("shards="))
        .expect("RUM_TEST_CLICKHOUSE needs shards=H:P,H:P")
        .split(',')
        .map(str::to_string)
        .collect()
}

/// A loopback TCP relay to `target` that can be switched off (refuses and drops connections).
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
}

impl Relay {
    fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let up2 = up.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                if !up2.load(Ordering::SeqCst) {
                    drop(client); // closed at once: the collector sees a dead server
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pipe(client, server));
                std::thread::spawn(move || pipe(s2, c2));
            }
        });
        Relay { port, up }
    }
    fn set(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// The store URL of a fresh database on the cluster, through relays; and the relays.
fn store_url(case: &str, spool: &std::path::Path) -> Option<(String, Vec<Relay>)> {
    let url = cluster_url()?;
    let relays: Vec<Relay> = shards(&url).into_iter().map(Relay::start).collect();
    let list = relays.iter().map(|r| format!("127.0.0.1:{}", r.port)).collect::<Vec<_>>().join(",");
    let first = relays.first().map(|r| r.port).unwrap();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let db = format!("rum_kill_{case}_{}_{:x}", std::process::id(), nanos % (1 << 32));
    let u =
        format!("clickhouse+http://127.0.0.1:{first}/{db}?cluster=rum_cluster&shards={list}&spool={}", spool.display());
    Some((u, relays))
}

/// Sends numbered bundles from several threads until `stop`; returns the acknowledged event ids
/// per session. Every third bundle repeats the previous one (an SDK retry).
fn send_until(addr: &str, stop: Arc<AtomicBool>, tag: &str) -> HashMap<String, HashSet<String>> {
    let acked: Arc<Mutex<HashMap<String, HashSet<String>>>> = Arc::default();
    let t = now_ms();
    let threads: Vec<_> = (0..4)
        .map(|w| {
            let (addr, stop, acked, tag) = (addr.to_string(), stop.clone(), acked.clone(), tag.to_string());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) && i < 2000 {
                    let n = if i % 3 == 2 { i - 1 } else { i };
                    let sid = format!("{tag}-{w}-{}", n / 10);
                    let ids = [format!("{tag}-{w}-{n}-a"), format!("{tag}-{w}-{n}-b")];
                    let body = bundle(
                        &sid,
                        "u",
                        json!([pv(t + n, &ids[0]), {"event_type": "exception", "type": "error", "timestamp": t + n, "message": "m", "event_id": ids[1]}]),
                    );
                    let stream = TcpStream::connect(&addr);
                    if stream.is_err() {
                        break; // the collector is gone
                    }
                    drop(stream);
                    let r = std::panic::catch_unwind(|| request(&addr, "POST", "/collect", &[], &body));
                    match r {
                        Ok(r) if r.status == 200 => {
                            acked.lock().unwrap().entry(sid).or_default().extend(ids);
                        }
                        Ok(r) => panic!("collect answered {}: {}", r.status, String::from_utf8_lossy(&r.body)),
                        Err(_) => break, // killed mid-request: not acknowledged
                    }
                    i += 1;
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    Arc::try_unwrap(acked).unwrap().into_inner().unwrap()
}

fn stored_ids(s: &Server, sid: &str) -> (Vec<String>, Option<u64>) {
    let r = s.get(&format!("/api/sessions/{sid}"));
    if r.status != 200 {
        return (Vec::new(), None);
    }
    let v = r.json();
    let ids = v["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["events"].as_array().cloned().unwrap_or_default())
        .filter_map(|e: Value| e["body"]["event_id"].as_str().map(str::to_string))
        .collect();
    (ids, v["session"]["events"].as_u64())
}

fn spool_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "spool")).count())
        .unwrap_or(0)
}

/// Waits until the spool is forwarded and every acknowledged event is visible, then checks
/// that each is there exactly once, in the event list and in the session's counters.
fn assert_all_once(s: &Server, spool: &std::path::Path, acked: &HashMap<String, HashSet<String>>) {
    let total: usize = acked.values().map(|v| v.len()).sum();
    assert!(total > 0, "nothing was acknowledged");
    let deadline = Instant::now() + Duration::from_secs(60);
    while spool_files(spool) > 0 {
        assert!(Instant::now() < deadline, "the spool was not forwarded within 60 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    for (sid, ids) in acked {
        let (stored, counted) = stored_ids(s, sid);
        let unique: HashSet<&String> = stored.iter().collect();
        let missing: Vec<&String> = ids.iter().filter(|id| !unique.contains(id)).collect();
        assert!(missing.is_empty(), "{sid}: acknowledged events missing: {missing:?}");
        assert_eq!(unique.len(), stored.len(), "{sid}: an event is stored twice: {stored:?}");
        assert_eq!(counted, Some(stored.len() as u64), "{sid}: the session's counter counts each event once");
    }
    eprintln!("{total} acknowledged events in {} sessions, each stored once", acked.len());
}

#[test]
fn kill_9_while_ingesting_into_clickhouse() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((url, _relays)) = store_url("ingest", &tmp.path().join("spool")) else { return };
    let s = Server::start_in(tmp.path(), &["--store", &url]);
    let stop = Arc::new(AtomicBool::new(false));
    let addr = s.addr.clone();
    let stop2 = stop.clone();
    let sender = std::thread::spawn(move || send_until(&addr, stop2, "live"));
    std::thread::sleep(Duration::from_millis(1500));
    let s = {
        // SIGKILL while the senders are mid-stream.
        let dir = s.dir.clone();
        s.kill9();
        stop.store(true, Ordering::SeqCst);
        dir
    };
    let acked = sender.join().unwrap();
    let s2 = Server::start_in(&s, &["--store", &url]);
    assert_all_once(&s2, &tmp.path().join("spool"), &acked);
}

#[test]
fn kill_9_while_clickhouse_is_down() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((url, relays)) = store_url("down", &tmp.path().join("spool")) else { return };
    let s = Server::start_in(tmp.path(), &["--store", &url]);
    for r in &relays {
        r.set(false);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let addr = s.addr.clone();
    let stop2 = stop.clone();
    let sender = std::thread::spawn(move || send_until(&addr, stop2, "down"));
    std::thread::sleep(Duration::from_millis(1500));
    let spooled = std::fs::read_dir(tmp.path().join("spool"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "spool"))
        .count();
    assert!(spooled > 0, "with ClickHouse down, acknowledged bundles must be in the spool");
    let dir = s.dir.clone();
    s.kill9();
    stop.store(true, Ordering::SeqCst);
    let acked = sender.join().unwrap();
    for r in &relays {
        r.set(true);
    }
    let s2 = Server::start_in(&dir, &["--store", &url]);
    assert_all_once(&s2, &tmp.path().join("spool"), &acked);
}

#[test]
fn full_spool_answers_503_and_the_retry_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((url, relays)) = store_url("full", &tmp.path().join("spool")) else { return };
    // A spool of 0 bytes: while ClickHouse is down nothing can be kept, so nothing is acknowledged.
    let s = Server::start_in(tmp.path(), &["--store", &format!("{url}&spool_max_mb=0")]);
    for r in &relays {
        r.set(false);
    }
    let body = bundle("full-1", "u", json!([pv(now_ms(), "full-a")]));
    let r = s.collect(&body);
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.json()["error"].as_str().unwrap().contains("spool is full"), "{}", String::from_utf8_lossy(&r.body));
    for r in &relays {
        r.set(true);
    }
    // The SDK retries a 503: this time ClickHouse takes it.
    let r = s.collect(&body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let (ids, counted) = stored_ids(&s, "full-1");
    assert_eq!((ids, counted), (vec!["full-a".to_string()], Some(1)));
}
