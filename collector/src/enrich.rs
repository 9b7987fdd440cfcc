//! Ingest-time enrichment: visitor IP, User-Agent → browser/OS/device, IP → geography.
//! Values the SDK sent (`geo`, `net`, `device`, `os` bundle fields) always win over guesses.

use crate::ingest::SentFields;
use crate::store::SessionFacts;
use serde_json::Value;
use std::net::IpAddr;
use std::path::Path;

pub struct Enricher {
    ua: woothee::parser::Parser,
    country_db: Option<maxminddb::Reader<Vec<u8>>>,
    city_db: Option<maxminddb::Reader<Vec<u8>>>,
    trusted_proxies: Vec<IpAddr>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Geo {
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UaInfo {
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub device_type: Option<String>,
}

impl Enricher {
    pub fn new(trusted_proxies: Vec<IpAddr>) -> Self {
        Enricher { ua: woothee::parser::Parser::new(), country_db: None, city_db: None, trusted_proxies }
    }

    /// Loads an MMDB file. Both the MaxMind layout (`country.iso_code`, `subdivisions`, `city.names`)
    /// and the flat `@ip-location-db` layout (`country_code`, `state1`, `city`) are understood.
    pub fn with_country_db(mut self, path: &Path) -> Result<Self, String> {
        self.country_db = Some(open_mmdb(path)?);
        Ok(self)
    }

    pub fn with_city_db(mut self, path: &Path) -> Result<Self, String> {
        self.city_db = Some(open_mmdb(path)?);
        Ok(self)
    }

    /// The visitor's address: the socket peer, or the `X-Forwarded-For` hop just before our
    /// trusted proxies when the peer is one of them. XFF from anyone else is ignored (spoofable).
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusted_proxies.contains(&canonical(peer)) {
            return canonical(peer);
        }
        let Some(xff) = forwarded_for else { return canonical(peer) };
        let hops: Vec<IpAddr> = xff.split(',').filter_map(|h| h.trim().parse().ok()).map(canonical).collect();
        hops.iter().rev().find(|ip| !self.trusted_proxies.contains(ip)).copied().unwrap_or(canonical(peer))
    }

    pub fn user_agent(&self, ua: &str) -> UaInfo {
        let Some(r) = self.ua.parse(ua) else { return UaInfo::default() };
        let known = |s: &str| (!s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN).then(|| s.to_string());
        let device = match r.category {
            "pc" => Some("desktop"),
            "smartphone" if r.os == "iPad" || ua.contains("Tablet") => Some("tablet"),
            "smartphone" | "mobilephone" => Some("mobile"),
            "crawler" => Some("bot"),
            "appliance" | "misc" => Some("other"),
            _ => None,
        };
        UaInfo {
            browser: known(r.name),
            browser_version: known(r.version),
            os: known(r.os),
            device_type: device.map(str::to_string),
        }
    }

    /// Whether a country and a city database are loaded (the console says why geography is empty).
    pub fn databases(&self) -> (bool, bool) {
        (self.country_db.is_some(), self.city_db.is_some())
    }

    pub fn geo(&self, ip: IpAddr) -> Geo {
        if !is_public(ip) {
            return Geo::default();
        }
        let mut geo = Geo::default();
        // The city DB is more precise; the country DB fills what it lacks.
        for db in [&self.city_db, &self.country_db].into_iter().flatten() {
            if let Ok(Some(rec)) = db.lookup::<Value>(ip) {
                let g = geo_from_record(&rec);
                geo.country = geo.country.or(g.country);
                geo.region = geo.region.or(g.region);
                geo.city = geo.city.or(g.city);
            }
        }
        geo
    }

    pub fn enrich(&self, facts: &mut SessionFacts, sent: &SentFields, ip: IpAddr, ua: Option<&str>) {
        facts.ip = Some(ip.to_string());
        let ua_info = ua.map(|u| self.user_agent(u)).unwrap_or_default();
        facts.user_agent = ua.map(str::to_string);
        facts.browser = sent.browser.clone().or(ua_info.browser);
        facts.browser_version = sent.browser_version.clone().or(ua_info.browser_version);
        facts.os = sent.os.clone().or(ua_info.os);
        facts.device_type = sent.device_type.clone().or(ua_info.device_type);
        facts.connection = sent.connection.clone();
        // Any SDK-sent geo field means the app knows better: take its geo as a whole.
        let sdk_geo = sent.country.is_some() || sent.region.is_some() || sent.city.is_some();
        let g = if sdk_geo {
            Geo { country: sent.country.clone(), region: sent.region.clone(), city: sent.city.clone() }
        } else {
            self.geo(ip)
        };
        facts.country = g.country;
        facts.region = g.region;
        facts.city = g.city;
    }
}

fn open_mmdb(path: &Path) -> Result<maxminddb::Reader<Vec<u8>>, String> {
    maxminddb::Reader::open_readfile(path).map_err(|e| format!("cannot open geo database {}: {e}", path.display()))
}

/// `::ffff:1.2.3.4` (a v4 client on a dual-stack socket) is the v4 address for lookups and display.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments()[0];
            !(v6.is_loopback() || v6.is_unspecified() || (seg & 0xfe00) == 0xfc00 || (seg & 0xffc0) == 0xfe80)
        }
    }
}

fn geo_from_record(rec: &Value) -> Geo {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let en = |v: Option<&Value>| s(v.and_then(|v| v.get("names")).and_then(|n| n.get("en")));
    Geo {
        country: s(rec.get("country_code")).or_else(|| s(rec.pointer("/country/iso_code"))),
        region: s(rec.get("state1")).or_else(|| en(rec.pointer("/subdivisions/0"))),
        city: match rec.get("city") {
            Some(Value::String(c)) if !c.is_empty() => Some(c.clone()),
            other => en(other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_from_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let e = Enricher::new(vec![proxy]);
        let xff = Some("203.0.113.9, 10.0.0.1");
        assert_eq!(e.client_ip(proxy, xff), "203.0.113.9".parse::<IpAddr>().unwrap());
        let other: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(e.client_ip(other, xff), other);
        assert_eq!(e.client_ip(proxy, Some("garbage")), proxy);
    }

    #[test]
    fn user_agent_is_parsed() {
        let e = Enricher::new(vec![]);
        let u = e.user_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36");
        assert_eq!(u.os.as_deref(), Some("Linux"));
        assert_eq!(u.device_type.as_deref(), Some("desktop"));
        let u = e.user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1");
        assert_eq!(u.browser.as_deref(), Some("Safari"));
        assert_eq!(u.device_type.as_deref(), Some("mobile"));
    }

    #[test]
    fn maxmind_and_flat_layouts() {
        let mm: Value = serde_json::json!({"country":{"iso_code":"DE"},"subdivisions":[{"names":{"en":"Berlin"}}],"city":{"names":{"en":"Berlin"}}});
        assert_eq!(
            geo_from_record(&mm),
            Geo { country: Some("DE".into()), region: Some("Berlin".into()), city: Some("Berlin".into()) }
        );
        let flat: Value = serde_json::json!({"country_code":"JP","state1":"Tokyo","city":"Shibuya"});
        assert_eq!(
            geo_from_record(&flat),
            Geo { country: Some("JP".into()), region: Some("Tokyo".into()), city: Some("Shibuya".into()) }
        );
    }

    #[test]
    fn private_addresses_have_no_geo() {
        assert!(!is_public("127.0.0.1".parse().unwrap()));
        assert!(!is_public("192.168.1.1".parse().unwrap()));
        assert!(!is_public("::1".parse().unwrap()));
        assert!(is_public("8.8.8.8".parse().unwrap()));
    }
}
