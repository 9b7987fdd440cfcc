//! Figures of the console's queries on a large store (issue 17, finding 5). Not a test: it
//! prints timings and asserts nothing about them.
//!
//!   cargo run --profile collector -p rum-collector --example console_bench -- [--events 1000000]
//!
//! Fills a fresh SQLite store through the real ingest path (bundles of 1,000 events: page views,
//! resources, clicks, 10% errors over 20,000 distinct messages, API failures over 2,000 URLs,
//! page loads), then times each console query (best of 3) and, on the same data, the error-group
//! SQL the collector ran before (a correlated subquery per group, no group index).

use rum_collector::ingest::{self, Limits};
use rum_collector::store::sqlite::{SqliteStore, Synchronous};
use rum_collector::store::{SessionFilter, Store, TimeRange};
use std::time::{Duration, Instant};

const OLD_ERROR_GROUPS: &str = "
    SELECT coalesce(message, ''), max(name), count(*), count(DISTINCT session_id), max(ts),
        (SELECT group_concat(sid) FROM (SELECT DISTINCT e2.session_id AS sid FROM events e2
            WHERE e2.is_error = 1 AND coalesce(e2.message, '') = coalesce(e.message, '')
            ORDER BY e2.ts DESC LIMIT 20))
    FROM events e NOT INDEXED WHERE is_error = 1
    GROUP BY coalesce(message, '') ORDER BY count(*) DESC, max(ts) DESC LIMIT 50";

fn bundle(b: usize, per: usize, t0: i64) -> String {
    let sid = format!("{:032x}", 0xbe4c_0000_0000u128 + b as u128);
    let mut events = Vec::with_capacity(per);
    for i in 0..per {
        let n = b * per + i;
        let ts = t0 + n as i64;
        let id = format!("00-{sid}-{i:016x}");
        events.push(match n % 20 {
            0 => format!(r#"{{"event_type":"view","type":"pv","timestamp":{ts},"event_id":"{id}","name":"/p/{}","url":"https://shop.test/p/{}","loading_type":"route_change"}}"#, n % 500, n % 500),
            1 => format!(r#"{{"event_type":"view","type":"perf","timestamp":{ts},"event_id":"{id}","url":"https://shop.test/p","load_event":{}}}"#, 200 + n % 7000),
            2 | 3 => format!(r#"{{"event_type":"exception","type":"error","timestamp":{ts},"event_id":"{id}","name":"TypeError","message":"failure number {}","stack":"at f (app.js:1:{})"}}"#, (n / 10) % 20_000, n % 100),
            4 => format!(r#"{{"event_type":"resource","type":"fetch","timestamp":{ts},"event_id":"{id}","url":"https://api.test/v1/item/{}?q={n}","method":"GET","status_code":503,"success":0,"duration":80}}"#, n % 2000),
            5..=9 => format!(r#"{{"event_type":"action","type":"click","timestamp":{ts},"event_id":"{id}","name":"click on button: Buy {}","target_name":"//*[@id=\"b\"]"}}"#, n % 50),
            _ => format!(r#"{{"event_type":"resource","type":"script","timestamp":{ts},"event_id":"{id}","url":"https://cdn.test/a{}.js","name":"/a.js","status_code":200,"success":1,"duration":12.5}}"#, n % 300),
        });
    }
    format!(
        r#"{{"app":{{"id":"bench","env":"prod"}},"user":{{"id":"u{}","name":"user {}"}},"session":{{"id":"{sid}"}},"view":{{"id":"v","name":"/p"}},"events":[{}],"_v":"bench"}}"#,
        b % 5000,
        b % 5000,
        events.join(",")
    )
}

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("n > 0"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut total: usize = 1_000_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--events" => total = args.next().ok_or("--events needs a number")?.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let per = 1000;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("bench.db");
    let store = SqliteStore::open(&db, Synchronous::Normal)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let t0 = 1_700_000_000_000i64;
    let limits = Limits::default();
    let start = Instant::now();
    let mut decoded = 0usize;
    rt.block_on(async {
        for b in 0..total.div_ceil(per) {
            let body = bundle(b, per, t0);
            decoded += body.len();
            let ingested = ingest::ingest(body.as_bytes(), None, &limits, t0, |_, _| {})?;
            for batch in ingested.batches {
                store.write(batch).await?;
            }
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    let fill = start.elapsed();
    let size: u64 = ["bench.db", "bench.db-wal"]
        .iter()
        .map(|f| std::fs::metadata(dir.path().join(f)).map(|m| m.len()).unwrap_or(0))
        .sum();
    println!("events:            {total} in {} sessions", total.div_ceil(per));
    println!(
        "ingest:            {:.1} s ({:.0} events/s), {} MB decoded -> store {} MB ({:.2}x)",
        fill.as_secs_f64(),
        total as f64 / fill.as_secs_f64(),
        decoded / 1_000_000,
        size / 1_000_000,
        size as f64 / decoded as f64
    );

    let all = TimeRange::default();
    let last_day = TimeRange { from_ms: Some(t0 + total as i64 - 100_000), to_ms: None };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (d, g) = best_of(3, || store.error_groups(all, 50));
    let g = g?;
    println!(
        "error groups:      {:8.1} ms  (all time, {} groups listed, top count {})",
        ms(d),
        g.len(),
        g.first().map_or(0, |x| x.count)
    );
    let (d, _) = best_of(3, || store.error_groups(last_day, 50));
    println!("error groups:      {:8.1} ms  (last 100,000 events' range)", ms(d));
    let (d, f) = best_of(3, || store.api_failure_groups(all, 50));
    println!("api-failure groups:{:8.1} ms  (all time, {} groups listed)", ms(d), f?.len());
    let (d, _) = best_of(3, || store.slow_loads(all, 20));
    println!("slow loads:        {:8.1} ms", ms(d));
    let (d, p) = best_of(3, || store.list_sessions(&SessionFilter { limit: 50, ..Default::default() }));
    println!("session list:      {:8.1} ms  (all time, total {})", ms(d), p?.total);
    let recent = SessionFilter { limit: 50, from_ms: last_day.from_ms, ..Default::default() };
    let (d, _) = best_of(3, || store.list_sessions(&recent));
    println!("session list:      {:8.1} ms  (range)", ms(d));

    // The SQL before can take very long here: it is interrupted after `CAP`.
    const CAP: Duration = Duration::from_secs(120);
    let conn = rusqlite::Connection::open(&db)?;
    let interrupt = conn.get_interrupt_handle();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if stopped.recv_timeout(CAP).is_err() {
            interrupt.interrupt();
        }
    });
    let t = Instant::now();
    let rows: Result<Vec<()>, _> = conn.prepare(OLD_ERROR_GROUPS)?.query_map([], |_| Ok(()))?.collect();
    let _ = stop.send(());
    let _ = watchdog.join();
    match rows {
        Ok(r) => println!("error groups, the SQL before (same data): {:.1} ms ({} groups)", ms(t.elapsed()), r.len()),
        Err(_) => println!("error groups, the SQL before (same data): interrupted after {} s", CAP.as_secs()),
    }
    Ok(())
}
