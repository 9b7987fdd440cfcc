//! Remote configuration, the pure rules: where to fetch it, when the cached copy may be used,
//! and how a fetched config is merged — field by field, so one bad field is ignored with a
//! warning while the rest applies.
//!
//! Modes (product documentation): `launch-first` starts at once on the local config merged with
//! a fresh cached one and fetches in the background; `remote-first` holds sending until the
//! fetched config arrives or `timeout` passes, then starts with what is there (fetched, else
//! cached, else local).

use super::config::{from_value, merge_field, Config};
use super::json::{write_u64, Value};
use super::text::{cat, find};
use alloc::string::String;
use alloc::vec::Vec;

/// ARMS's cache key, so a page switching from ARMS reuses its cached remote config.
pub const CACHE_KEY: &str = "arms_rum2_local_config";

/// ARMS: `//<pid before @>-sdk.rum.aliyuncs.com/config/<region>/<pid after @>?t=<ms>`, unless a
/// `url` is configured. Nothing without either (a pid without `@`).
pub fn url(cfg: &Config, now: u64) -> Option<String> {
    if let Some(u) = &cfg.remote.url {
        return Some(u.clone());
    }
    let at = find(&cfg.pid, "@")?;
    let (prefix, suffix) = (cfg.pid.get(..at)?, cfg.pid.get(at + 1..)?);
    if prefix.is_empty() || suffix.is_empty() {
        return None;
    }
    let mut u = cat(&["//", prefix, "-sdk.rum.aliyuncs.com/config/", &cfg.remote.region, "/", suffix, "?t="]);
    write_u64(now, &mut u);
    Some(u)
}

/// The cached remote config, if it is for this pid and younger than `max_age` ms.
pub fn cached(text: Option<&str>, pid: &str, now: u64, max_age: u64) -> Option<Value> {
    let v = super::json::parse(text?)?;
    if v.get("pid").and_then(Value::as_str) != Some(pid) {
        return None;
    }
    let at = v.get("timestamp").and_then(Value::as_f64)? as u64;
    if at > now.saturating_add(60_000) || now.saturating_sub(at) > max_age {
        return None;
    }
    v.get("content").filter(|c| c.as_obj().is_some()).cloned()
}

/// The cache entry ARMS writes: `{timestamp, pid, content}`. Content is the remote JSON as
/// received, so RegExps stay in their `/source/flags` string form (ARMS caches them as `{}`).
pub fn cache_entry(pid: &str, now: u64, content: &Value) -> String {
    let mut s = String::from("{\"timestamp\":");
    write_u64(now, &mut s);
    s.push_str(",\"pid\":");
    super::json::write_str(pid, &mut s);
    s.push_str(",\"content\":");
    super::json::write_value(content, &mut s);
    s.push('}');
    s
}

pub const NOT_AN_OBJECT: &str = "[rum-wasm] the remote config is not a JSON object; it was ignored";

/// Merges `remote` into `local` one top-level field at a time; a field whose merge makes the
/// config warn is left out, with one warning naming it. `pid` and `endpoint` stay local.
pub fn apply(local: &Value, remote: &Value, warnings: &mut Vec<String>) -> Value {
    let mut current = local.clone();
    let Some(fields) = remote.as_obj() else {
        warnings.push(String::from(NOT_AN_OBJECT));
        return current;
    };
    let mut scratch = Vec::new();
    let _ = from_value(&current, &mut scratch);
    let baseline = scratch.len();
    for (k, v) in fields {
        let mut candidate = current.clone();
        merge_field(&mut candidate, k, v, true);
        scratch.clear();
        match from_value(&candidate, &mut scratch) {
            Ok(_) if scratch.len() <= baseline => current = candidate,
            _ => warnings.push(cat(&["[rum-wasm] remote config field '", k, "' is not valid; it was ignored"])),
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::HOUR;
    use crate::core::json::parse;

    fn cfg(text: &str) -> Config {
        from_value(&parse(text).unwrap(), &mut Vec::new()).unwrap()
    }

    #[test]
    fn url_as_arms_builds_it_or_the_configured_one() {
        let c = cfg(r#"{"pid":"abc123@def456","endpoint":"e","remoteConfig":{"region":"cn-shanghai"}}"#);
        assert_eq!(
            url(&c, 1795390471044).as_deref(),
            Some("//abc123-sdk.rum.aliyuncs.com/config/cn-shanghai/def456?t=1795390471044")
        );
        let c = cfg(r#"{"pid":"abc123@def456","endpoint":"e","remoteConfig":true}"#);
        assert!(url(&c, 1).unwrap().contains("/config/cn-hangzhou/def456"));
        assert_eq!(url(&cfg(r#"{"pid":"plain","endpoint":"e","remoteConfig":true}"#), 1), None);
        let c = cfg(r#"{"pid":"plain","endpoint":"e","remoteConfig":{"url":"http://127.0.0.1:8080/config/plain"}}"#);
        assert_eq!(url(&c, 1).as_deref(), Some("http://127.0.0.1:8080/config/plain"));
    }

    #[test]
    fn cache_is_used_only_for_this_pid_and_while_fresh() {
        let content = parse(r#"{"reportConfig":{"flushTime":1000},"filters":{"resource":["/ads\\d+/i"]}}"#).unwrap();
        let entry = cache_entry("abc@def", 1_000_000, &content);
        assert_eq!(cached(Some(&entry), "abc@def", 1_000_000 + HOUR, HOUR), Some(content.clone()));
        assert_eq!(cached(Some(&entry), "abc@def", 1_000_000 + HOUR + 1, HOUR), None, "expired");
        assert_eq!(cached(Some(&entry), "other", 1_000_001, HOUR), None, "another app's");
        assert_eq!(cached(Some("{garbage"), "abc@def", 1, HOUR), None);
        assert_eq!(cached(None, "abc@def", 1, HOUR), None);
        // The RegExp survives the cache in its source form.
        assert!(entry.contains(r#""/ads\\d+/i""#), "{entry}");
        // The ARMS-written entry (captured) is readable.
        let arms = r#"{"timestamp":1795390471088,"pid":"abc123@def456","content":{"properties":{"from_remote":"yes"},"collectors":{"perf":false},"reportConfig":{"flushTime":1000},"pid":"cannot-override","filters":{"resource":[{}]}}}"#;
        assert!(cached(Some(arms), "abc123@def456", 1795390471088 + 1000, HOUR).is_some());
    }

    #[test]
    fn remote_overrides_field_by_field_and_bad_fields_are_ignored_with_one_warning_each() {
        let local = parse(r#"{"pid":"p@x","endpoint":"e","reportConfig":{"flushTime":3000},"env":"prod"}"#).unwrap();
        let remote = parse(
            r#"{"pid":"cannot-override","endpoint":"nope","reportConfig":{"flushTime":1000},"collectors":{"perf":false},
                "sessionConfig":{"overtime":5},"env":7,"properties":{"from_remote":"yes"}}"#,
        )
        .unwrap();
        let mut w = Vec::new();
        let merged = apply(&local, &remote, &mut w);
        let c = from_value(&merged, &mut Vec::new()).unwrap();
        assert_eq!(c.pid, "p@x");
        assert_eq!(c.endpoint, "e");
        assert_eq!(c.flush_time, 1000);
        assert!(!c.collectors.perf);
        assert_eq!(c.overtime, crate::core::config::DEFAULT_OVERTIME, "the bad field is not applied");
        assert_eq!(c.env, "prod", "kept what it had");
        assert_eq!(c.properties.len(), 1);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("'sessionConfig'") && w[1].contains("'env'"));
        let mut w = Vec::new();
        assert_eq!(apply(&local, &Value::str("x"), &mut w).to_json(), local.to_json());
        assert_eq!(w.len(), 1);
    }
}
