//! Connection hygiene with real sockets that stall (issue 17, finding 4: 1,200 requests that sent
//! their headers and 2 bytes of a declared 100 KB body were all still open 40 s later).
//! Deadlines below are upper bounds for a loaded machine, not speed assertions.

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const FLAGS: &[&str] = &["--header-timeout", "2", "--body-timeout", "1", "--idle-timeout", "2"];
/// Longest we wait for the server to act on a 1-2 s deadline.
const PATIENCE: Duration = Duration::from_secs(20);

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s
}

/// Headers and 2 bytes of a declared 100 KB body, then nothing.
fn stalled_body(addr: &str) -> TcpStream {
    let mut s = connect(addr);
    let head = format!("POST /collect HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100000\r\n\r\n{{\"");
    s.write_all(head.as_bytes()).unwrap();
    s
}

/// Everything until the server closes; `None` if it kept the connection past `PATIENCE`.
fn read_until_closed(s: &mut TcpStream) -> Option<String> {
    let start = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(String::from_utf8_lossy(&out).into_owned())
            }
            Err(_) => return None,
        }
        if start.elapsed() > PATIENCE {
            return None;
        }
    }
}

fn status(resp: &str) -> Option<u16> {
    resp.split(' ').nth(1)?.parse().ok()
}

#[test]
fn stalled_bodies_get_408_and_are_closed() {
    let s = Server::start(FLAGS);
    let mut conns: Vec<TcpStream> = (0..40).map(|_| stalled_body(&s.addr)).collect();
    for (i, c) in conns.iter_mut().enumerate() {
        let resp = read_until_closed(c).unwrap_or_else(|| panic!("connection {i} still held"));
        assert_eq!(status(&resp), Some(408), "connection {i}: {resp:?}");
        assert!(resp.contains("not received in time"), "{resp}");
    }
    s.alive();
    assert_eq!(s.get_json("/api/sessions")["total"], 0);
}

#[test]
fn stalled_headers_and_idle_connections_are_closed() {
    let s = Server::start(FLAGS);
    // Half a request line and a header, then nothing.
    let mut partial = connect(&s.addr);
    partial.write_all(b"POST /collect HTTP/1.1\r\nHost: x\r\n").unwrap();
    // Connected, nothing sent at all.
    let mut silent = connect(&s.addr);
    // A finished request on a kept-alive connection, then silence.
    let mut idle = connect(&s.addr);
    idle.write_all(format!("GET /api/health HTTP/1.1\r\nHost: {}\r\n\r\n", s.addr).as_bytes()).unwrap();
    // A slow drip of header bytes keeps the connection busy, but the header deadline still ends it.
    let addr = s.addr.clone();
    let drip = std::thread::spawn(move || {
        let mut c = connect(&addr);
        let start = Instant::now();
        for b in b"GET /api/health HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if c.write_all(&[*b]).is_err() {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        None
    });
    assert!(read_until_closed(&mut partial).is_some(), "a request without its headers' end is held");
    assert_eq!(read_until_closed(&mut silent).as_deref(), Some(""), "a silent connection is held");
    let resp = read_until_closed(&mut idle).expect("an idle kept-alive connection is held");
    assert_eq!(status(&resp), Some(200), "{resp}");
    assert!(drip.join().unwrap().is_some(), "a header sent one byte at a time is held for ever");
    s.alive();
}

#[test]
fn connection_caps_answer_503() {
    let s = Server::start(&["--body-timeout", "3", "--max-connections-per-client", "10"]);
    let mut held: Vec<TcpStream> = (0..10).map(|_| stalled_body(&s.addr)).collect();
    // The server counts a connection once it accepted it: wait until the ten are in.
    std::thread::sleep(Duration::from_millis(300));
    let mut extra = connect(&s.addr);
    extra.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let resp = read_until_closed(&mut extra).expect("answered");
    assert_eq!(status(&resp), Some(503), "{resp}");
    assert!(resp.contains("from your address"), "{resp}");
    assert!(resp.to_ascii_lowercase().contains("retry-after"), "{resp}");
    // The held ones end with 408 and give their places back.
    for c in &mut held {
        assert_eq!(read_until_closed(c).as_deref().and_then(status), Some(408));
    }
    s.alive();

    let s = Server::start(&["--body-timeout", "3", "--max-connections", "5"]);
    let mut held: Vec<TcpStream> = (0..5).map(|_| stalled_body(&s.addr)).collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut extra = connect(&s.addr);
    let resp = read_until_closed(&mut extra).expect("answered");
    assert_eq!(status(&resp), Some(503), "{resp}");
    assert!(resp.contains("too many open connections"), "{resp}");
    for c in &mut held {
        assert_eq!(read_until_closed(c).as_deref().and_then(status), Some(408));
    }
    s.alive();
}

#[test]
fn bad_limit_flags_are_refused() {
    for args in [["--body-timeout", "0"], ["--max-connections", "many"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rum-collector")).args(args).output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(args[0]), "{err}");
    }
}
