//! A minimal blocking client for ClickHouse's HTTP interface: one POST per statement, plain
//! HTTP/1.1 over a loopback or LAN socket. ClickHouse needs nothing more (no TLS here: run it on
//! a private network), and this avoids a second HTTP stack in the collector's build (see
//! collector/README.md for the measurement).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Answers larger than this are refused: an export or a page never needs more.
const MAX_RESPONSE: usize = 256 << 20;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const IO_TIMEOUT: Duration = Duration::from_secs(120);

/// One ClickHouse server's HTTP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// `Authorization` header value (HTTP Basic) when the store URL names a user.
    pub auth: Option<String>,
}

/// HTTP Basic credentials: `Basic base64(user:password)`.
pub fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let raw = format!("{user}:{password}");
    let mut out = String::from("Basic ");
    for chunk in raw.as_bytes().chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                let sextet = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ALPHABET.get(sextet).copied().unwrap_or(b'=')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Runs `query` (in the URL) with `body` (data of an INSERT, or the query itself when `query` is
/// empty) and returns the response body, or the server's error text.
pub fn post(ep: &Endpoint, params: &[(&str, &str)], body: &[u8]) -> Result<Vec<u8>, String> {
    let mut path = String::from("/?");
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            path.push('&');
        }
        path.push_str(k);
        path.push('=');
        path.push_str(&percent_encode(v));
    }
    let addr = (ep.host.as_str(), ep.port)
        .to_socket_addrs()
        .map_err(|e| format!("clickhouse {ep}: {e}"))?
        .next()
        .ok_or_else(|| format!("clickhouse {ep}: no address"))?;
    let mut sock = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).map_err(|e| format!("clickhouse {ep}: {e}"))?;
    sock.set_read_timeout(Some(IO_TIMEOUT)).map_err(|e| e.to_string())?;
    sock.set_write_timeout(Some(IO_TIMEOUT)).map_err(|e| e.to_string())?;
    sock.set_nodelay(true).map_err(|e| e.to_string())?;
    let auth = ep.auth.as_deref().map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {ep}\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    sock.write_all(head.as_bytes()).map_err(|e| format!("clickhouse {ep}: {e}"))?;
    sock.write_all(body).map_err(|e| format!("clickhouse {ep}: {e}"))?;
    let mut r = BufReader::new(sock);
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| format!("clickhouse {ep}: {e}"))?;
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    if status == 0 {
        return Err(format!("clickhouse {ep}: connection closed without an answer"));
    }
    let (mut length, mut chunked) = (None, false);
    loop {
        line.clear();
        if r.read_line(&mut line).map_err(|e| format!("clickhouse {ep}: {e}"))? == 0 {
            break;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let v = v.trim();
            if k.eq_ignore_ascii_case("content-length") {
                length = v.parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    let body = if chunked {
        read_chunked(&mut r).map_err(|e| format!("clickhouse {ep}: {e}"))?
    } else {
        let mut out = Vec::new();
        let limit = length.unwrap_or(MAX_RESPONSE).min(MAX_RESPONSE) as u64 + 1;
        r.take(limit).read_to_end(&mut out).map_err(|e| format!("clickhouse {ep}: {e}"))?;
        if out.len() > MAX_RESPONSE {
            return Err(format!("clickhouse {ep}: answer larger than {MAX_RESPONSE} bytes"));
        }
        out
    };
    if status == 200 {
        Ok(body)
    } else {
        let text = String::from_utf8_lossy(&body);
        let text: String = text.trim().chars().take(500).collect();
        Err(format!("clickhouse {ep}: HTTP {status}: {text}"))
    }
}

fn read_chunked(r: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).map_err(|e| e.to_string())?;
        let size_text = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_text, 16).map_err(|_| format!("bad chunk size `{size_text}`"))?;
        if size == 0 {
            return Ok(out);
        }
        if out.len() + size > MAX_RESPONSE {
            return Err(format!("answer larger than {MAX_RESPONSE} bytes"));
        }
        let start = out.len();
        out.resize(start + size, 0);
        r.read_exact(out.get_mut(start..).unwrap_or_default()).map_err(|e| e.to_string())?;
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf).map_err(|e| e.to_string())?;
    }
}

/// A ClickHouse string literal: quotes and backslashes escaped, so a value can never end it.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_cannot_be_escaped() {
        assert_eq!(quote("a'b\\c"), "'a\\'b\\\\c'");
        assert_eq!(quote("x\\'; DROP TABLE t --"), "'x\\\\\\'; DROP TABLE t --'");
    }

    #[test]
    fn basic_auth_is_base64() {
        assert_eq!(basic_auth("rum", "s3cret"), "Basic cnVtOnMzY3JldA==");
        assert_eq!(basic_auth("ab", "c"), "Basic YWI6Yw==");
        assert_eq!(basic_auth("a", "bc"), "Basic YTpiYw==");
    }

    #[test]
    fn chunked_answer_is_joined() {
        let mut r = std::io::Cursor::new(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".to_vec());
        assert_eq!(read_chunked(&mut r).unwrap(), b"abcde");
    }
}
