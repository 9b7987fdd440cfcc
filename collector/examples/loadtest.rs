//! Load generator for the collector (run by scripts/loadtest-collector.sh).
//!
//! Simulates `--sessions` concurrent browser sessions, each on its own keep-alive connection,
//! each sending `--bundles` ARMS-shaped bundles of `--events` events, with a short think time.
//! Bounded: stops sending at `--max-seconds`. Loopback only: refuses a non-127.0.0.1 target.
//! Prints accepted bundles/s, events/s and ingest latency percentiles (request sent → response read).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Args {
    addr: String,
    sessions: usize,
    bundles: usize,
    events: usize,
    think_ms: u64,
    max_seconds: u64,
}

fn args() -> Result<Args, String> {
    let mut a = Args { addr: String::new(), sessions: 2000, bundles: 5, events: 10, think_ms: 3000, max_seconds: 60 };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or(format!("{k} needs a value"))?;
        let num = || v.parse::<usize>().map_err(|_| format!("{k}: not a number: {v}"));
        match k.as_str() {
            "--addr" => a.addr = v.clone(),
            "--sessions" => a.sessions = num()?,
            "--bundles" => a.bundles = num()?,
            "--events" => a.events = num()?,
            "--think-ms" => a.think_ms = num()? as u64,
            "--max-seconds" => a.max_seconds = num()? as u64,
            _ => return Err(format!("unknown option {k}")),
        }
    }
    if !a.addr.starts_with("127.0.0.1:") {
        return Err("--addr must be 127.0.0.1:<port> (loopback only)".into());
    }
    Ok(a)
}

/// A bundle shaped like the captured ARMS ones: a pv, a perf, resources, API calls, an error.
fn bundle(session: usize, n: usize, events: usize, now: u128) -> String {
    let sid = format!("{:032x}", 0x10ad_0000_0000u128 + session as u128);
    let mut evs = Vec::with_capacity(events);
    for i in 0..events {
        let ts = now + i as u128;
        let id = format!("00-{sid}-{n:08x}{i:08x}");
        let e = match i % 10 {
            0 => format!(
                r#"{{"event_type":"view","type":"pv","timestamp":{ts},"event_id":"{id}","times":1,"name":"/page/{n}","url":"http://127.0.0.1/page/{n}?x=1","referrer":"","loading_type":"route_change"}}"#
            ),
            1 => format!(
                r#"{{"event_type":"view","type":"perf","timestamp":{ts},"event_id":"{id}","times":1,"url":"http://127.0.0.1/page/{n}","dom_interactive":240,"dom_content_loaded":242,"dom_complete":289,"load_event":{}}}"#,
                200 + (session * 7 + n * 13) % 4000
            ),
            2 | 6 => format!(
                r#"{{"event_type":"resource","type":"fetch","timestamp":{ts},"event_id":"{id}","times":1,"url":"http://127.0.0.1/api/item?id={i}","name":"/api/item","method":"GET","status_code":200,"success":1,"duration":6.2,"first_byte_duration":0.7,"download_duration":1.1}}"#
            ),
            3 => format!(
                r#"{{"event_type":"resource","type":"xmlhttprequest","timestamp":{ts},"event_id":"{id}","times":1,"url":"http://127.0.0.1/api/fail","name":"/api/fail","method":"POST","status_code":500,"success":0,"message":"Internal Server Error","duration":4.8}}"#
            ),
            4 => format!(
                r#"{{"event_type":"exception","type":"error","timestamp":{ts},"event_id":"{id}","times":1,"source":"onError","name":"Error","message":"boom {}","stack":"Error: boom\n    at f (app.js:1:2)","file":"app.js","line":1,"column":2}}"#,
                session % 20
            ),
            5 => format!(
                r#"{{"event_type":"action","type":"click","timestamp":{ts},"event_id":"{id}","times":1,"name":"click on button: Buy","target_name":"//*[@id=\"buy\"]","duration":2.1}}"#
            ),
            _ => format!(
                r#"{{"event_type":"resource","type":"image","timestamp":{ts},"event_id":"{id}","times":1,"url":"http://127.0.0.1/static/{i}.png","name":"/static/{i}.png","method":"GET","status_code":200,"success":1,"duration":30.5,"size":2048}}"#
            ),
        };
        evs.push(e);
    }
    format!(
        r#"{{"app":{{"id":"load-test","env":"prod","version":"1.0.0","type":"browser"}},"user":{{"id":"uid_load{session:012}","name":"load-{session}"}},"session":{{"id":"{sid}"}},"net":{{"model":"4g"}},"view":{{"id":"{sid}{n}","name":"/page/{n}"}},"events":[{}],"_v":"loadtest"}}"#,
        evs.join(",")
    )
}

async fn post(stream: &mut BufReader<TcpStream>, addr: &str, body: &str) -> std::io::Result<u16> {
    let head = format!(
        "POST /collect HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\r\n\r\n",
        body.len()
    );
    let s = stream.get_mut();
    s.write_all(head.as_bytes()).await?;
    s.write_all(body.as_bytes()).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).await?;
    Ok(status)
}

#[tokio::main]
async fn main() {
    let a = match args() {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(a.max_seconds);
    let mut tasks = Vec::with_capacity(a.sessions);
    for s in 0..a.sessions {
        let (a, ok, failed) = (a.clone(), ok.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(a.bundles);
            let mut rng: u64 = 0x9e37_79b9_7f4a_7c15 ^ s as u64;
            // Spread session starts over the first second, like real arrivals.
            tokio::time::sleep(Duration::from_millis((s as u64 * 1000) / a.sessions.max(1) as u64)).await;
            let mut conn = match TcpStream::connect(&a.addr).await {
                Ok(c) => BufReader::new(c),
                Err(_) => {
                    failed.fetch_add(a.bundles as u64, Ordering::Relaxed);
                    return lat;
                }
            };
            for n in 0..a.bundles {
                if Instant::now() > deadline {
                    break;
                }
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                let body = bundle(s, n, a.events, now);
                let t = Instant::now();
                match post(&mut conn, &a.addr, &body).await {
                    Ok(200) => {
                        lat.push(t.elapsed());
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        match TcpStream::connect(&a.addr).await {
                            Ok(c) => conn = BufReader::new(c),
                            Err(_) => break,
                        }
                    }
                }
                // Jitter (50%..150%) so sessions do not move in lock-step waves.
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let jitter = 500 + (rng >> 33) % 1000;
                tokio::time::sleep(Duration::from_millis(a.think_ms * jitter / 1000)).await;
            }
            lat
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        if let Ok(l) = t.await {
            lat.extend(l);
        }
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    let okn = ok.load(Ordering::Relaxed);
    println!("sessions (concurrent): {}", a.sessions);
    println!("bundles accepted:      {okn} ({} failed), {} events each", failed.load(Ordering::Relaxed), a.events);
    println!("wall time:             {wall:.2} s (think time {} ms between a session's bundles)", a.think_ms);
    println!("accepted bundles/s:    {:.0}", okn as f64 / wall);
    println!("accepted events/s:     {:.0}", (okn as usize * a.events) as f64 / wall);
    println!(
        "ingest latency ms:     p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
}
