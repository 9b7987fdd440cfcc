//! Data minimisation at ingest, before anything is stored: the values of secret-looking URL
//! parameters become `[redacted]` (the SDK's own list, `rum_wasm::core::redact`, plus the
//! operator's names), and the visitor's address is kept whole, truncated or not at all.

use crate::store::{EventRow, SessionFacts};
use rum_wasm::core::redact::redact_url;
use serde_json::Value;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpStorage {
    #[default]
    Full,
    /// IPv4 to its /24, IPv6 to its /48: enough for a network, not a household.
    Truncated,
    Off,
}

impl IpStorage {
    pub fn parse(s: &str) -> Result<IpStorage, String> {
        match s {
            "full" => Ok(IpStorage::Full),
            "truncated" => Ok(IpStorage::Truncated),
            "off" => Ok(IpStorage::Off),
            _ => Err(format!("--ip-storage is full, truncated or off, got `{s}`")),
        }
    }

    pub fn apply(self, ip: IpAddr) -> Option<String> {
        match (self, ip) {
            (IpStorage::Full, ip) => Some(ip.to_string()),
            (IpStorage::Off, _) => None,
            (IpStorage::Truncated, IpAddr::V4(v4)) => {
                let [a, b, c, _] = v4.octets();
                Some(std::net::Ipv4Addr::new(a, b, c, 0).to_string())
            }
            (IpStorage::Truncated, IpAddr::V6(v6)) => {
                let [a, b, c, ..] = v6.segments();
                Some(std::net::Ipv6Addr::new(a, b, c, 0, 0, 0, 0, 0).to_string())
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Minimise {
    /// Parameter names to redact besides the built-in list (exact, case-insensitive).
    pub extra_secret_params: Vec<String>,
    pub ip: IpStorage,
}

impl Minimise {
    fn url(&self, s: &mut String) -> bool {
        match redact_url(s, &self.extra_secret_params) {
            Some(r) => {
                *s = r;
                true
            }
            None => false,
        }
    }

    /// Redacts every string in a JSON document that looks like a URL (absolute, or a path).
    fn json_text(&self, text: &mut String) {
        if !text.contains('?') && !text.contains('#') {
            return;
        }
        let Ok(mut v) = serde_json::from_str::<Value>(text) else { return };
        if self.walk(&mut v) {
            if let Ok(t) = serde_json::to_string(&v) {
                *text = t;
            }
        }
    }

    fn walk(&self, v: &mut Value) -> bool {
        match v {
            Value::String(s) if looks_like_url(s) => self.url(s),
            Value::Array(a) => a.iter_mut().fold(false, |changed, x| self.walk(x) | changed),
            Value::Object(o) => o.values_mut().fold(false, |changed, x| self.walk(x) | changed),
            _ => false,
        }
    }

    pub fn session(&self, facts: &mut SessionFacts, ip: IpAddr) {
        facts.ip = self.ip.apply(ip);
        if let Some(meta) = &mut facts.bundle_meta {
            self.json_text(meta);
        }
    }

    pub fn event(&self, ev: &mut EventRow) {
        for s in [&mut ev.url, &mut ev.name, &mut ev.view_name, &mut ev.message].into_iter().flatten() {
            if looks_like_url(s) {
                self.url(s);
            }
        }
        self.json_text(&mut ev.body);
    }
}

fn looks_like_url(s: &str) -> bool {
    (s.contains("://") || s.starts_with('/')) && (s.contains('?') || s.contains('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_event_urls_and_bodies_are_redacted() {
        let m = Minimise { extra_secret_params: vec!["ticket".into()], ip: IpStorage::Full };
        let mut ev = EventRow {
            url: Some("https://a.io/p?token=abc&q=shoes".into()),
            name: Some("https://api.io/x?ticket=T1".into()),
            body:
                r#"{"url":"https://a.io/p?token=abc&q=shoes","nested":[{"u":"/cb#access_token=zz"}],"t":"a?token=b"}"#
                    .into(),
            ..EventRow::default()
        };
        m.event(&mut ev);
        assert_eq!(ev.url.as_deref(), Some("https://a.io/p?token=[redacted]&q=shoes"));
        assert_eq!(ev.name.as_deref(), Some("https://api.io/x?ticket=[redacted]"));
        let body: Value = serde_json::from_str(&ev.body).unwrap();
        assert_eq!(body["url"], "https://a.io/p?token=[redacted]&q=shoes");
        assert_eq!(body["nested"][0]["u"], "/cb#access_token=[redacted]");
        assert_eq!(body["t"], "a?token=b", "plain text is not a URL");
    }

    #[test]
    fn addresses_are_kept_truncated_or_dropped() {
        let v4: IpAddr = "203.0.113.77".parse().unwrap();
        let v6: IpAddr = "2001:db8:abcd:12:1:2:3:4".parse().unwrap();
        assert_eq!(IpStorage::Full.apply(v4).as_deref(), Some("203.0.113.77"));
        assert_eq!(IpStorage::Truncated.apply(v4).as_deref(), Some("203.0.113.0"));
        assert_eq!(IpStorage::Truncated.apply(v6).as_deref(), Some("2001:db8:abcd::"));
        assert_eq!(IpStorage::Off.apply(v6), None);
    }
}
