//! Test harness: runs the real `rum-collector` binary on an ephemeral loopback port with a
//! temporary database, and speaks HTTP/1.1 over a plain socket (so tests can send anything,
//! including bodies a well-behaved client would refuse to build).
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn payload_dir() -> PathBuf {
    repo_root().join("tests/data/arms-payloads")
}

/// All captured `NNN-collect.json` bodies of a scenario, in capture order, with their User-Agent.
pub fn payloads(scenario: &str) -> Vec<(String, Vec<u8>, Option<String>)> {
    let dir = payload_dir().join(scenario);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().ends_with("-collect.json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let body = std::fs::read(&p).unwrap();
            let headers = p.with_file_name(p.file_name().unwrap().to_str().unwrap().replace(".json", ".headers.json"));
            let ua = std::fs::read(&headers)
                .ok()
                .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
                .and_then(|h| h["headers"]["user-agent"].as_str().map(str::to_string));
            (p.file_name().unwrap().to_string_lossy().into_owned(), body, ua)
        })
        .collect()
}

pub fn scenarios() -> Vec<String> {
    let mut s: Vec<String> = std::fs::read_dir(payload_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    s.sort();
    s
}

pub struct Server {
    pub addr: String,
    pub dir: PathBuf,
    child: Child,
    _tmp: Option<tempfile::TempDir>,
    /// What a server started with access control printed on stderr (first-start password).
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Server {
    /// Starts a server on a fresh temp dir (db, remote configs, dist), with `--no-auth` (the
    /// tests of what the collector stores and answers; access control is tested with `secure`).
    pub fn start(extra: &[&str]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut s = Server::start_in(&dir, extra);
        s._tmp = Some(tmp);
        s
    }

    /// Starts a server on an existing dir (restarts keep the same database), with `--no-auth` and
    /// without the ingest rate limits (these tests send from one address as fast as they can;
    /// `extra` comes later on the command line, so a test can still set them).
    pub fn start_in(dir: &Path, extra: &[&str]) -> Server {
        let mut args = vec!["--no-auth", "--ingest-rate-ip", "off", "--ingest-rate-pid", "off"];
        args.extend_from_slice(extra);
        Server::spawn(dir, &args)
    }

    /// Starts a server with its access control on (as a user's first start).
    pub fn secure(extra: &[&str]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut s = Server::spawn(&dir, extra);
        s._tmp = Some(tmp);
        s
    }

    /// `secure` on an existing dir.
    pub fn secure_in(dir: &Path, extra: &[&str]) -> Server {
        Server::spawn(dir, extra)
    }

    fn spawn(dir: &Path, extra: &[&str]) -> Server {
        let mut args: Vec<String> = vec![
            "--addr".into(),
            "127.0.0.1:0".into(),
            "--db".into(),
            dir.join("rum.db").to_string_lossy().into_owned(),
            "--www".into(),
            repo_root().join("www").to_string_lossy().into_owned(),
            "--dist".into(),
            dir.join("dist").to_string_lossy().into_owned(),
            "--config-dir".into(),
            dir.join("remote-config").to_string_lossy().into_owned(),
        ];
        if !extra.contains(&"--geo-db") {
            args.extend(["--geo-db".into(), "none".into()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_rum-collector"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rum-collector");
        // Kept for the test and passed on, so failures still show the server's log.
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (err, sink) = (child.stderr.take().unwrap(), log.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                eprintln!("{line}");
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { addr, dir: dir.to_path_buf(), child, _tmp: None, stderr: log }
    }

    /// SIGKILL: no graceful shutdown, no flush.
    pub fn kill9(mut self) -> Option<tempfile::TempDir> {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self._tmp.take()
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        request(&self.addr, method, path, headers, body)
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], b"")
    }

    pub fn get_json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status, 200, "GET {path}: {}", String::from_utf8_lossy(&r.body));
        r.json()
    }

    pub fn collect(&self, body: &[u8]) -> Resp {
        self.request("POST", "/collect", &[("Content-Type", "text/plain;charset=UTF-8")], body)
    }

    /// The one-time admin password a first start prints (waits for stderr, at most 10 s).
    pub fn first_password(&self) -> Option<String> {
        for _ in 0..100 {
            let text = self.stderr.lock().unwrap().clone();
            if let Some(i) = text.find("shown only this once:") {
                // The banner's lines arrive one by one: wait for the password's.
                let pw = text[i..].lines().nth(2).map(|l| l.trim().to_string()).filter(|l| !l.is_empty());
                if pw.is_some() {
                    return pw;
                }
            } else if text.contains("console: http") {
                // Printed after the banner: there is none.
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    pub fn alive(&self) {
        assert_eq!(self.get("/api/health").status, 200, "server stopped serving");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) and close before reading a huge body: ignore write errors.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head: {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16).unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[nl + 2 + size + 2..];
        }
        body = out;
    }
    Resp { status, headers, body }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A minimal valid bundle with `n` pv events at `ts`.
pub fn bundle(session: &str, user: &str, events: Value) -> Vec<u8> {
    serde_json::json!({
        "app": {"id": "test-app", "env": "prod", "version": "9.9.9", "type": "browser"},
        "user": {"id": user, "name": format!("name-{user}")},
        "session": {"id": session},
        "net": {"model": "wifi"},
        "view": {"id": "v-main", "name": "/main"},
        "events": events,
        "_v": "test"
    })
    .to_string()
    .into_bytes()
}

pub fn pv(ts: i64, id: &str) -> Value {
    serde_json::json!({"event_type": "view", "type": "pv", "timestamp": ts, "event_id": id, "name": "/main", "url": "https://example.test/main", "times": 1})
}
