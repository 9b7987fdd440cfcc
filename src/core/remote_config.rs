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

/// The fields a remote config may change: what is collected, how it is batched and sampled, and
/// the labels it carries. Not where data goes or who it names (`pid`, `endpoint`, `app`, `user`,
/// `device`...), not what leaves the page (`tracing` adds headers to other sites' requests,
/// `redactQueryParams`, `compress`, `delivery`), not the remote config itself, and never the
/// page's functions.
pub const REMOTE_FIELDS: [&str; 10] = [
    "env",
    "version",
    "properties",
    "reportConfig",
    "collectors",
    "filters",
    "spaMode",
    "slowLoadThreshold",
    "slowResourceThreshold",
    "sessionConfig",
];

/// Of `sessionConfig`, these only: `storage` and `domain` would move the session.
const REMOTE_SESSION_FIELDS: [&str; 3] = ["sampleRate", "overtime", "maxDuration"];

/// Whether `v` names a function of the page (`{"$fn": n}`, the facade's marshalling): a remote
/// config is plain JSON, so that is a forgery. (Looked for in `v` written out again, where a
/// key is always plain `"$fn"` whatever escapes the received text used: one search instead of
/// a walk of the tree.)
fn names_a_function(v: &Value) -> bool {
    find(&v.to_json(), "\"$fn\":").is_some()
}

/// Whether the remote field `k: v` is one a remote config may set.
fn remote_may_set(k: &str, v: &Value) -> bool {
    REMOTE_FIELDS.contains(&k)
        && !names_a_function(v)
        && (k != "sessionConfig"
            || v.as_obj().is_some_and(|o| o.iter().all(|(sk, _)| REMOTE_SESSION_FIELDS.contains(&sk.as_str()))))
}

/// Merges `remote` into `local` one top-level field at a time, only the fields a remote config
/// may set; a field that may not be set, or whose merge makes the config warn (the same type
/// checks as the local config), is left out with one warning naming it.
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
        if !remote_may_set(k, v) {
            warnings.push(cat(&["[rum-wasm] remote config field '", k, "' cannot be set remotely; it was ignored"]));
            continue;
        }
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
    fn only_the_fields_safe_to_change_remotely_apply() {
        let local =
            parse(r#"{"pid":"p@x","endpoint":"e","user":{"name":"alice"},"sessionConfig":{"storage":"cookie"}}"#)
                .unwrap();
        let remote = parse(
            r#"{"endpoint":"https://evil.io/c","app":{"id":"other"},"user":{"name":"mallory"},
                "tracing":{"enable":true,"allowedUrls":["https://third.party"]},"redactQueryParams":false,
                "remoteConfig":{"url":"https://evil.io/rc"},"beforeReport":{"$fn":0},"compress":true,
                "filters":{"resource":[{"$fn":1}]},"sessionConfig":{"sampleRate":0.5,"storage":"localStorage"},
                "env":"gray","version":"2.0","properties":{"k":"v"},"reportConfig":{"flushTime":1000},
                "collectors":{"action":false},"spaMode":"hash","slowLoadThreshold":5000}"#,
        )
        .unwrap();
        let mut w = Vec::new();
        let c = from_value(&apply(&local, &remote, &mut w), &mut Vec::new()).unwrap();
        for k in [
            "endpoint",
            "app",
            "user",
            "tracing",
            "redactQueryParams",
            "remoteConfig",
            "beforeReport",
            "compress",
            "filters",
            "sessionConfig",
        ] {
            let msg = cat(&["[rum-wasm] remote config field '", k, "' cannot be set remotely; it was ignored"]);
            assert!(w.contains(&msg), "{k}: {w:?}");
        }
        assert_eq!(w.len(), 10, "{w:?}");
        assert_eq!(c.endpoint, "e");
        assert!(c.user.iter().any(|(k, v)| k == "name" && v.as_str() == Some("alice")));
        assert!(!c.tracing.enable && c.redact.is_some() && !c.delivery.compress && c.before_report.is_none());
        assert!(c.resource_filters.is_empty() && c.remote.url.is_none());
        assert_eq!(c.storage, crate::core::config::StorageKind::Cookie);
        assert_eq!((c.env.as_str(), c.version.as_deref(), c.flush_time), ("gray", Some("2.0"), 1000));
        assert!(!c.collectors.action() && c.properties.len() == 1 && c.slow_load == 5000.0);
        assert_eq!(c.spa_mode, crate::core::config::SpaMode::Hash);
        // A function reference spelled with an escape is one too.
        let mut w = Vec::new();
        let forged = parse(r#"{"filters":{"exception":[{"\u0024fn":0}]}}"#).unwrap();
        let c = from_value(&apply(&local, &forged, &mut w), &mut Vec::new()).unwrap();
        assert!(c.exception_filters.is_empty() && w.len() == 1, "{w:?}");
        // A sessionConfig with the safe fields only applies.
        let remote = parse(r#"{"sessionConfig":{"sampleRate":0.5,"overtime":1200000}}"#).unwrap();
        let c = from_value(&apply(&local, &remote, &mut w), &mut Vec::new()).unwrap();
        assert_eq!((c.sample_rate, c.overtime), (0.5, 1_200_000));
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
        assert!(!c.collectors.perf());
        assert_eq!(c.overtime, crate::core::config::DEFAULT_OVERTIME, "the bad field is not applied");
        assert_eq!(c.env, "prod", "kept what it had");
        assert_eq!(c.properties.len(), 1);
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(w[0].contains("'pid' cannot be set remotely") && w[1].contains("'endpoint' cannot"));
        assert!(w[2].contains("'sessionConfig' is not valid") && w[3].contains("'env' is not valid"));
        let mut w = Vec::new();
        assert_eq!(apply(&local, &Value::str("x"), &mut w).to_json(), local.to_json());
        assert_eq!(w.len(), 1);
    }
}
