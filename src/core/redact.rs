//! Secrets in URLs. The values of query (and fragment) parameters whose names look like secrets
//! are replaced by `[redacted]`: by the SDK before a URL is queued, and by the collector before
//! one is stored. This file is the one list and the one rule for both (the collector imports
//! it from this crate).
//!
//! Names are compared ASCII case-insensitively (no Unicode case tables in the page). The rest of
//! the URL, parameter order and harmless parameters included, stays byte for byte.

use alloc::string::String;

/// What a redacted value becomes.
pub const REDACTED: &str = "[redacted]";

/// A parameter whose name contains one of these is a secret: `access_token`, `X-Api-Key`,
/// `client_secret`, `newPassword`, `awsSignature`...
pub const SECRET_PARTS: &[&str] =
    &["token", "passw", "secret", "apikey", "api_key", "api-key", "credential", "signature", "private"];

/// A parameter named exactly one of these is a secret (as a part they would catch harmless
/// names: `keyword`, `postcode`, `author`).
pub const SECRET_NAMES: &[&str] =
    &["key", "code", "auth", "authorization", "pwd", "pin", "otp", "sig", "jwt", "sid", "session", "sessionid", "ssn"];

/// Whether a parameter name looks like a secret: the lists above, or `extra` (the developer's own
/// names, matched exactly, ASCII case-insensitively).
pub fn is_secret(name: &str, extra: &[String]) -> bool {
    let n = name.as_bytes();
    SECRET_NAMES.iter().any(|s| n.eq_ignore_ascii_case(s.as_bytes()))
        || extra.iter().any(|s| n.eq_ignore_ascii_case(s.as_bytes()))
        || SECRET_PARTS.iter().any(|p| contains_ignore_case(n, p.as_bytes()))
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// The URL with the values of secret parameters replaced, or `None` when it has none (the
/// common case: no allocation). Parameters are `name=value` pairs separated by `&` or `;`,
/// in the query and in the fragment (OAuth's implicit flow puts tokens after `#`).
pub fn redact_url(url: &str, extra: &[String]) -> Option<String> {
    let b = url.as_bytes();
    let start = b.iter().position(|&c| c == b'?' || c == b'#')?;
    let mut out: Option<String> = None;
    // `copied`: bytes of `url` already in `out`.
    let mut copied = 0;
    let mut i = start + 1;
    while i <= b.len() {
        // One pair: [i, end).
        let end = b[i..].iter().position(|&c| c == b'&' || c == b';' || c == b'#').map_or(b.len(), |p| i + p);
        if let Some(eq) = b[i..end].iter().position(|&c| c == b'=') {
            let (name, value) = (&url[i..i + eq], &url[i + eq + 1..end]);
            if !value.is_empty() && value != REDACTED && is_secret(name, extra) {
                let o = out.get_or_insert_with(|| String::with_capacity(url.len()));
                o.push_str(&url[copied..i + eq + 1]);
                o.push_str(REDACTED);
                copied = end;
            }
        }
        i = end + 1;
    }
    let mut o = out?;
    o.push_str(&url[copied..]);
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn r(u: &str) -> String {
        redact_url(u, &[]).unwrap_or_else(|| u.to_string())
    }

    #[test]
    fn secret_values_are_replaced_and_the_rest_stays() {
        let cases = [
            ("https://a.io/p?token=abc&q=shoes", "https://a.io/p?token=[redacted]&q=shoes"),
            ("https://a.io/p?q=shoes&access_token=x.y.z", "https://a.io/p?q=shoes&access_token=[redacted]"),
            ("/api?password=hunter2", "/api?password=[redacted]"),
            ("/api?Password=hunter2&page=2", "/api?Password=[redacted]&page=2"),
            ("/api?X-Api-Key=k1;lang=en", "/api?X-Api-Key=[redacted];lang=en"),
            ("/cb#access_token=t&state=s", "/cb#access_token=[redacted]&state=s"),
            ("/cb?code=123#id_token=t", "/cb?code=[redacted]#id_token=[redacted]"),
            (
                "/a?key=1&keyword=shoes&postcode=123&author=bob",
                "/a?key=[redacted]&keyword=shoes&postcode=123&author=bob",
            ),
            ("/a?client_secret=s&newPassword=p", "/a?client_secret=[redacted]&newPassword=[redacted]"),
        ];
        for (u, want) in cases {
            assert_eq!(r(u), want, "{u}");
        }
    }

    #[test]
    fn nothing_to_redact_allocates_nothing() {
        for u in [
            "https://a.io/p",
            "https://a.io/p?q=shoes&page=2",
            "/p?token=",
            "/p?token",
            "/p?token=[redacted]",
            "/p#/cart/2?step=3",
            "/p?",
            "/p#",
            "",
        ] {
            assert_eq!(redact_url(u, &[]), None, "{u}");
        }
    }

    #[test]
    fn the_developers_own_names_count_too() {
        let extra = vec!["orderRef".to_string()];
        assert_eq!(redact_url("/p?orderref=9&q=1", &extra).as_deref(), Some("/p?orderref=[redacted]&q=1"));
        assert_eq!(redact_url("/p?orderref=9", &[]), None);
    }

    #[test]
    fn names_are_matched_without_unicode_tables() {
        assert!(is_secret("ACCESS_TOKEN", &[]));
        assert!(is_secret("Session", &[]));
        assert!(!is_secret("sessions_count", &[]));
        assert!(!is_secret("tökén", &[]));
    }
}
