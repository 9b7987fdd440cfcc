//! What is never reported: ARMS's built-in ignore lists, the default noise filter for errors,
//! and the user's `filters` (MatchOption: prefix string, RegExp, or function).

use super::config::Matcher;
use super::text::{contains, cut, find};

/// Evaluates the matchers that need JavaScript (RegExp, functions). A failing call counts as
/// "no match": a broken user filter must not hide data nor break the page.
pub trait MatchHost {
    fn regex_test(&self, source: &str, flags: &str, value: &str) -> bool;
    fn func_test(&self, f: u32, value: &str) -> bool;
}

pub fn matches(m: &Matcher, value: &str, host: &impl MatchHost) -> bool {
    match m {
        Matcher::Prefix(p) => value.starts_with(p.as_str()),
        Matcher::Regex(src, flags) => host.regex_test(src, flags, value),
        Matcher::Func(f) => host.func_test(*f, value),
    }
}

pub fn any_matches(ms: &[Matcher], value: &str, host: &impl MatchHost) -> bool {
    ms.iter().any(|m| matches(m, value, host))
}

/// `url` up to its path (`https://h:1/p?q` → `https://h:1`), and its host (with port) after
/// `//` ("" without `//`).
pub fn origin_host(url: &str) -> (&str, &str) {
    let from = find(url, "//").map_or(0, |i| i + 2);
    let rest = cut(url, from).1;
    let mut end = 0;
    while let Some(&b) = rest.as_bytes().get(end) {
        if b == b'/' || b == b'?' || b == b'#' {
            break;
        }
        end += 1;
    }
    let host = cut(rest, end).0;
    (cut(url, from + host.len()).0, if from == 0 { "" } else { host })
}

/// ARMS's built-in URL ignore list for API calls and static resources: hosts containing "rum"
/// (its own intake and config hosts), other analytics beacons, and `data:` URLs. ARMS tests
/// "rum" on the URL as the app passed it, so a relative `/api/instrument` passes; the hooks
/// here see absolute URLs, so the test is on the host, which keeps that behaviour.
pub fn builtin_ignored_url(url: &str) -> bool {
    contains(origin_host(url).1, "rum")
        || ["retcode", "log-global", "log.aliyuncs.com", ".mmstat.com", "hm.baidu.com", "google-analytics.com"]
            .iter()
            .any(|n| contains(url, n))
        || url.starts_with("data:")
}

/// Error noise every team filters: cross-origin "Script error.", ResizeObserver loop warnings,
/// and ARMS's `/failed[\w\s]+fetch/i` (the SDK's own failed beacons).
pub fn builtin_ignored_error(message: &str) -> bool {
    if message == "Script error." || message == "Script error" || message.starts_with("ResizeObserver loop") {
        return true;
    }
    let lower = message.to_ascii_lowercase();
    let Some(i) = find(&lower, "failed") else { return false };
    let rest = cut(&lower, i + 6).1;
    let Some(j) = find(rest, "fetch") else { return false };
    // `[\w\s]+` between the two words.
    let between = cut(rest, j).0.as_bytes();
    let mut k = 0;
    while let Some(&b) = between.get(k) {
        if !(b.is_ascii_alphanumeric() || b == b'_' || b.is_ascii_whitespace()) {
            return false;
        }
        k += 1;
    }
    j > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    struct Host;
    impl MatchHost for Host {
        fn regex_test(&self, source: &str, _flags: &str, value: &str) -> bool {
            contains(value, source)
        }
        fn func_test(&self, f: u32, value: &str) -> bool {
            f == 1 && value.ends_with(".png")
        }
    }

    #[test]
    fn builtin_url_list_matches_arms() {
        for ignored in [
            "http://abc-sdk.rum.aliyuncs.com/config/x",
            "https://arms-retcode.aliyuncs.com/r.png",
            "//x.mmstat.com/a",
            "https://www.google-analytics.com/collect",
            "data:image/png;base64,AAAA",
            "https://x.com/log-global/a",
        ] {
            assert!(builtin_ignored_url(ignored), "{ignored}");
        }
        // Relative URLs are not filtered even with "rum" in them (observed in ARMS).
        for kept in
            ["/api/instrument", "http://127.0.0.1:45321/api/ok", "/drum/kit", "http://127.0.0.1:45321/api/instrument"]
        {
            assert!(!builtin_ignored_url(kept), "{kept}");
        }
    }

    #[test]
    fn builtin_error_noise() {
        assert!(builtin_ignored_error("Script error."));
        assert!(builtin_ignored_error("ResizeObserver loop completed with undelivered notifications."));
        assert!(builtin_ignored_error("TypeError: Failed to fetch"));
        assert!(!builtin_ignored_error("harness boom"));
        assert!(!builtin_ignored_error("failed; then fetch again?"));
    }

    #[test]
    fn user_matchers() {
        let ms = [
            Matcher::Prefix(String::from("/api/skip")),
            Matcher::Regex(String::from("cdn"), String::new()),
            Matcher::Func(1),
        ];
        assert!(any_matches(&ms, "/api/skip/1", &Host));
        assert!(any_matches(&ms, "https://cdn.x/y", &Host));
        assert!(any_matches(&ms, "/a.png", &Host));
        assert!(!any_matches(&ms, "/api/ok", &Host));
    }
}
