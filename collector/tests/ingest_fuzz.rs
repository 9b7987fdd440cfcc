//! Generated bundles against the real collector: whatever the shape (wrong types, deep values,
//! huge strings, markup, many sessions, gzip or not), the answer is a 2xx or a 4xx with a reason,
//! never a 5xx or a dropped connection, and the store never grows by more than the stated write
//! amplification. A bounded generator of our own (seeded, reproducible): no new dependency.

mod common;
use common::*;
use serde_json::{json, Map, Value};

/// The same bound as `ingest_bounds.rs` states: at most 4x the decoded body + 128 KiB a request.
const MAX_AMPLIFICATION: u64 = 4;
const PER_REQUEST_ALLOWANCE: u64 = 128 * 1024;

/// xorshift64*: reproducible without a crate; the seed is printed on failure.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }

    fn text(&mut self) -> String {
        let pieces = ["a", "é", "<img src=x onerror=alert(1)>", "\"", "\\", "\u{0}", "😀", "/page?token=s3cret", " "];
        let len = match self.below(40) {
            0 => self.below(3000),
            1..=12 => 0,
            _ => self.below(40),
        };
        (0..len).map(|_| self.pick(&pieces)).collect()
    }

    fn value(&mut self, depth: u32) -> Value {
        match self.below(if depth > 3 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => json!(self.chance(50)),
            2 => json!(self.next() as i64),
            3 => json!((self.next() as f64) / 1e3 - 9e15),
            4 => json!(self.text()),
            5 => Value::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            _ => Value::Object((0..self.below(5)).map(|_| (self.key(), self.value(depth + 1))).collect()),
        }
    }

    fn key(&mut self) -> String {
        let known = [
            "name",
            "message",
            "url",
            "type",
            "loading_type",
            "method",
            "status_code",
            "success",
            "duration",
            "load_event",
            "slow",
            "times",
            "stack",
            "snapshots",
            "timing_data",
            "properties",
            "view",
            "session_id",
            "event_id",
            "fps",
            "value",
            "trace_id",
        ];
        if self.chance(70) {
            self.pick(&known).to_string()
        } else {
            self.text()
        }
    }

    fn event(&mut self, sessions: &[String], t: i64) -> Value {
        if self.chance(3) {
            return self.value(0);
        }
        let mut o = Map::new();
        let types = ["view", "resource", "exception", "longTask", "action", "custom", "bogus"];
        o.insert("event_type".into(), if self.chance(95) { json!(self.pick(&types)) } else { self.value(1) });
        o.insert(
            "timestamp".into(),
            if self.chance(95) { json!(t + self.below(100_000) as i64) } else { self.value(1) },
        );
        o.insert("event_id".into(), json!(format!("e{}", self.below(400))));
        if self.chance(20) {
            let s = sessions[self.below(sessions.len() as u64) as usize].clone();
            o.insert("session_id".into(), json!(s));
        }
        for _ in 0..self.below(10) {
            let k = self.key();
            let v = self.value(1);
            o.insert(k, v);
        }
        Value::Object(o)
    }

    fn bundle(&mut self, t: i64) -> Value {
        let sessions: Vec<String> = (0..1 + self.below(12)).map(|i| format!("fz{:x}{i}", self.next())).collect();
        let n = match self.below(10) {
            0 => self.below(400),
            _ => self.below(20),
        };
        let events: Vec<Value> = (0..n).map(|_| self.event(&sessions, t)).collect();
        let mut b = json!({"app": {"id": "fuzz", "env": self.text()}, "session": {"id": sessions[0]},
                            "user": {"id": format!("u{}", self.below(5)), "name": self.text()},
                            "view": {"id": "v", "name": self.text()}, "events": events, "_v": "fz"});
        if self.chance(40) {
            let props: Map<String, Value> = (0..self.below(60)).map(|_| (self.text(), self.value(2))).collect();
            b["properties"] = Value::Object(props);
        }
        for _ in 0..self.below(4) {
            let (k, v) = (self.key(), self.value(1));
            if !matches!(k.as_str(), "app" | "session" | "events") {
                b[k] = v;
            }
        }
        b
    }
}

fn disk_bytes(s: &Server) -> u64 {
    ["rum.db", "rum.db-wal"].iter().map(|f| std::fs::metadata(s.dir.join(f)).map(|m| m.len()).unwrap_or(0)).sum()
}

#[test]
fn generated_bundles_never_break_ingest_nor_exceed_the_write_bound() {
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_1234_abcd_0001);
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(150);
    let mut rng = Rng(seed);
    let s = Server::start(&[]);
    let t = 1_700_000_000_000i64;
    let (mut decoded_total, mut ok, mut refused) = (0u64, 0usize, 0usize);
    let start = disk_bytes(&s);
    for case in 0..cases {
        let body = rng.bundle(t).to_string().into_bytes();
        let gz = rng.chance(30);
        let r = if gz {
            s.request("POST", "/collect", &[("Content-Encoding", "gzip")], &gzip(&body))
        } else {
            s.collect(&body)
        };
        let ctx =
            || format!("seed {seed:#x} case {case}: {}", String::from_utf8_lossy(&r.body[..r.body.len().min(300)]));
        assert!(r.status == 200 || (400..500).contains(&r.status), "status {} {}", r.status, ctx());
        let j = r.json();
        if r.status == 200 {
            ok += 1;
            assert!(j["errors"].is_array(), "{}", ctx());
        } else {
            refused += 1;
            assert!(j["error"].is_string(), "{}", ctx());
        }
        // Checked cumulatively: a WAL checkpoint copies earlier requests' pages into the database
        // file, so one request's growth alone says little; the running total is what fills a disk.
        decoded_total += body.len() as u64;
        let grown = disk_bytes(&s).saturating_sub(start);
        assert!(
            grown <= MAX_AMPLIFICATION * decoded_total + PER_REQUEST_ALLOWANCE * (case as u64 + 1),
            "store grew {grown} B for {decoded_total} B decoded in {} requests; {}",
            case + 1,
            ctx()
        );
    }
    s.alive();
    let grown = disk_bytes(&s) - start;
    eprintln!(
        "fuzz: {cases} bundles ({ok} stored, {refused} refused), {decoded_total} B decoded, store grew {grown} B ({:.2}x)",
        grown as f64 / decoded_total as f64
    );
    assert!(grown <= MAX_AMPLIFICATION * decoded_total + PER_REQUEST_ALLOWANCE * cases as u64);
    assert!(ok > cases / 2, "the generator must mostly produce bundles that are stored ({ok}/{cases})");
    // Everything stored can be read back by the console's routes.
    let list = s.get_json("/api/sessions?limit=200");
    for sess in list["sessions"].as_array().unwrap() {
        let id = sess["session_id"].as_str().unwrap();
        let path = format!("/api/sessions/{}", id.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
        assert_eq!(s.get(&path).status, 200, "session {id:?}");
    }
    for route in ["/api/ways/errors", "/api/ways/api-failures", "/api/ways/slow-loads"] {
        s.get_json(route);
    }
}
