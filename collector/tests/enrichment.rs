//! Enrichment: UA parsing, X-Forwarded-For only from a trusted proxy, MMDB geography,
//! SDK-sent fields winning over guesses. Also static serving of the console and dist.

mod common;
use common::*;
use serde_json::json;

const GEO_DB: &str = "geo/node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

fn geo_db() -> Option<String> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GEO_DB);
    if p.is_file() {
        return Some(p.to_string_lossy().into_owned());
    }
    // CI runs collector/geo/setup.sh first; say so loudly when it did not.
    assert!(std::env::var("RUM_REQUIRE_GEO").is_err(), "geo database missing: run collector/geo/setup.sh");
    eprintln!("SKIPPED geo checks: run collector/geo/setup.sh to install {GEO_DB}");
    None
}

#[test]
fn forwarded_for_ua_and_geo() {
    let mut args = vec!["--trusted-proxy", "127.0.0.1"];
    let db = geo_db();
    if let Some(db) = db.as_deref() {
        args.extend(["--geo-db", db]);
    }
    let s = Server::start(&args);
    let t = 1_700_000_000_000i64;
    let r = s.request(
        "POST",
        "/collect",
        &[("X-Forwarded-For", "8.8.8.8"), ("User-Agent", IPHONE)],
        &bundle("g1", "u", json!([pv(t, "a")])),
    );
    assert_eq!(r.status, 200);
    let d = s.get_json("/api/sessions/g1")["session"].clone();
    assert_eq!(d["ip"], "8.8.8.8");
    assert_eq!(d["browser"], "Safari");
    assert_eq!(d["os"], "iPhone");
    assert_eq!(d["device_type"], "mobile");
    assert_eq!(d["connection"], "wifi");
    if db.is_some() {
        assert_eq!(d["country"], "US");
    }
    // SDK-sent geo/device/os win.
    let mut b: serde_json::Value = serde_json::from_slice(&bundle("g2", "u", json!([pv(t, "b")]))).unwrap();
    b["geo"] = json!({"country": "CN", "province": "Zhejiang", "city": "Hangzhou"});
    b["device"] = json!({"type": "tablet"});
    b["os"] = json!({"name": "HarmonyOS"});
    let r = s.request(
        "POST",
        "/collect",
        &[("X-Forwarded-For", "8.8.8.8"), ("User-Agent", IPHONE)],
        b.to_string().as_bytes(),
    );
    assert_eq!(r.status, 200);
    let d = s.get_json("/api/sessions/g2")["session"].clone();
    assert_eq!(
        (d["country"].as_str(), d["region"].as_str(), d["city"].as_str()),
        (Some("CN"), Some("Zhejiang"), Some("Hangzhou"))
    );
    assert_eq!(d["device_type"], "tablet");
    assert_eq!(d["os"], "HarmonyOS");
    // Filters on enriched fields.
    assert_eq!(s.get_json("/api/sessions?country=cn")["total"], 1);
    assert_eq!(s.get_json("/api/sessions?browser=Safari&device=mobile")["total"], 1);
}

#[test]
fn forwarded_for_from_untrusted_peer_is_ignored() {
    let s = Server::start(&[]);
    let r = s.request("POST", "/collect", &[("X-Forwarded-For", "8.8.8.8")], &bundle("g3", "u", json!([pv(1, "a")])));
    assert_eq!(r.status, 200);
    let d = s.get_json("/api/sessions/g3")["session"].clone();
    assert_eq!(d["ip"], "127.0.0.1");
    assert!(d["country"].is_null(), "loopback has no geography");
}

#[test]
fn serves_console_and_dist() {
    let s = Server::start(&[]);
    std::fs::create_dir_all(s.dir.join("dist")).unwrap();
    std::fs::write(s.dir.join("dist/sdk_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let r = s.get("/dist/sdk_bg.wasm");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    let r = s.get("/console/");
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("data-testid=\"search-input\""));
    assert_eq!(s.get("/console/app.js").status, 200);
}
