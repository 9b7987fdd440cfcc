//! Who may send to ingest, and how much: an optional allowlist of page origins and of pids, and
//! token-bucket rate limits per client address and per pid (429 with `Retry-After`, which the
//! SDK honours). Ingest stays open to any origin unless an allowlist is given.

use crate::rate_limit::{retry_after_secs, Limiter, Rate};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::net::IpAddr;

/// Defaults: generous for one office behind one address, and for one app's whole traffic on
/// one collector; both configurable (`--ingest-rate-ip`, `--ingest-rate-pid`, `off`).
pub const DEFAULT_RATE_IP: &str = "50/s,burst=500";
pub const DEFAULT_RATE_PID: &str = "1000/s,burst=10000";

#[derive(Default)]
pub struct IngestGuard {
    /// `None`: any origin. Entries are full origins (`https://shop.example.com`).
    pub allow_origins: Option<Vec<String>>,
    /// `None`: any pid.
    pub allow_pids: Option<Vec<String>>,
    pub per_ip: Option<Limiter>,
    pub per_pid: Option<Limiter>,
}

fn too_many(what: &str, wait: std::time::Duration) -> Response {
    let secs = retry_after_secs(wait);
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({ "error": format!("too many requests from this {what}; retry in {secs} s") })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

impl IngestGuard {
    pub fn new(
        allow_origins: Option<Vec<String>>,
        allow_pids: Option<Vec<String>>,
        rate_ip: Option<Rate>,
        rate_pid: Option<Rate>,
    ) -> Self {
        IngestGuard {
            allow_origins,
            allow_pids,
            per_ip: rate_ip.map(Limiter::new),
            per_pid: rate_pid.map(Limiter::new),
        }
    }

    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allow_origins.as_ref().is_none_or(|list| list.iter().any(|o| o.eq_ignore_ascii_case(origin)))
    }

    pub fn admit_ip(&self, ip: IpAddr) -> Result<(), Response> {
        match &self.per_ip {
            Some(l) => l.take(&ip.to_string()).map_err(|w| too_many("address", w)),
            None => Ok(()),
        }
    }

    /// After the bundle is read: its app must be allowed, and within its rate.
    pub fn admit_pid(&self, pid: &str) -> Result<(), Response> {
        if self.allow_pids.as_ref().is_some_and(|list| !list.iter().any(|p| p == pid)) {
            return Err((
                StatusCode::FORBIDDEN,
                Json(json!({ "error": format!("pid `{pid}` may not send to this collector") })),
            )
                .into_response());
        }
        match &self.per_pid {
            // A long pid is keyed by its start and length: the table's memory stays bounded.
            Some(l) if pid.len() > 128 => {
                let key: String = pid.chars().take(64).chain(format!("…{}", pid.len()).chars()).collect();
                l.take(&key).map_err(|w| too_many("app", w))
            }
            Some(l) => l.take(pid).map_err(|w| too_many("app", w)),
            None => Ok(()),
        }
    }
}

/// `off`, or a rate (`20/s`, `600/m,burst=50`).
pub fn parse_rate(s: &str) -> Result<Option<Rate>, String> {
    if s.eq_ignore_ascii_case("off") {
        Ok(None)
    } else {
        Rate::parse(s).map(Some)
    }
}
