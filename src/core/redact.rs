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

/// The secret parameter names, space-separated: a name containing a word of this list is a
/// secret (`access_token`, `X-Api-Key`, `client_secret`, `newPassword`, `awsSignature`...); one
/// marked `=` only when the name is exactly that word (as a part it would catch harmless names:
/// `keyword`, `postcode`, `author`). One string rather than a table of slices: a few hundred
/// bytes less in the page.
pub const SECRETS: &str = "token passw secret apikey api_key api-key credential signature private \
    =key =code =auth =authorization =pwd =pin =otp =sig =jwt =sid =session =sessionid =ssn";

/// Whether a parameter name looks like a secret: the list above, or `extra` (the developer's own
/// names, matched exactly, ASCII case-insensitively).
pub fn is_secret(name: &str, extra: &[String]) -> bool {
    secret_name(name.as_bytes(), extra)
}

fn secret_name(n: &[u8], extra: &[String]) -> bool {
    for s in extra {
        if ieq(n, s.as_bytes()) {
            return true;
        }
    }
    let list = SECRETS.as_bytes();
    let mut start = 0;
    for end in 0..=list.len() {
        if !matches!(list.get(end), None | Some(b' ')) {
            continue;
        }
        let word = list.get(start..end).unwrap_or_default();
        start = end + 1;
        let hit = match word.split_first() {
            None => false,
            Some((b'=', exact)) => ieq(n, exact),
            Some(_) => {
                let mut at = 0;
                let mut found = false;
                while let Some(w) = n.get(at..at + word.len()) {
                    found |= ieq(w, word);
                    at += 1;
                }
                found
            }
        };
        if hit {
            return true;
        }
    }
    false
}

/// ASCII case-insensitive equality, once out of line rather than inlined at each use.
#[inline(never)]
fn ieq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while let (Some(x), Some(y)) = (a.get(i), b.get(i)) {
        if !x.eq_ignore_ascii_case(y) {
            return false;
        }
        i += 1;
    }
    true
}

/// The URL with the values of secret parameters replaced, or `None` when it has none.
/// Parameters are `name=value` pairs after the first `?` or `#`, separated by `&`, `;`, `#` or
/// `?` (OAuth's implicit flow puts tokens after `#`; a URL inside a query, `?next=/a?token=x`,
/// has its own parameters).
pub fn redact_url(url: &str, extra: &[String]) -> Option<String> {
    let mut s = String::from(url);
    redact(&mut s, extra, false).then_some(s)
}

/// An event's JSON text with every URL in its strings redacted in place: one pass over all of
/// an event's fields (page, referrer, resource and API URLs, a click's `href` in its snapshot)
/// instead of one rule per field. Parameters end with their string too, and at a `\`: in JSON
/// text that starts an escape, and a snapshot is JSON inside a JSON string, so its URLs end at
/// `\"`. (A `\` inside a secret value would leave what follows it.)
pub fn redact_json(json: &mut String, extra: &[String]) {
    redact(json, extra, true);
}

// Byte loops, in place, one pass: iterator adapters and `str` searchers are out-of-line code at
// opt-level z, and this runs in every user's page. Whether anything was redacted.
fn redact(s: &mut String, extra: &[String], json: bool) -> bool {
    // `pair`: where the current pair starts, once parameters have begun (after a `?` or `#`),
    // else `NONE`; `eq`: its first `=`, or 0.
    const NONE: usize = usize::MAX;
    let (mut changed, mut pair, mut eq) = (false, NONE, 0);
    let mut i = 0;
    while i <= s.len() {
        let c = match s.as_bytes().get(i) {
            Some(&c) => c,
            None => b'&',
        };
        // Outside parameters only a `?` or `#` matters: most of a body (a resource's timing
        // entry, its JSON inside a string) goes by at this one test a byte.
        if pair == NONE && !matches!(c, b'?' | b'#') {
            i += 1;
            continue;
        }
        if c == b'=' && eq == 0 {
            eq = i;
        }
        let end_of_string = json && c == b'"';
        if matches!(c, b'&' | b';' | b'#' | b'?') || end_of_string || (json && c == b'\\') {
            let b = s.as_bytes();
            // (Before the first parameter `pair` is NONE: no range, no name.)
            if eq + 1 < i
                && b.get(pair..eq).is_some_and(|name| secret_name(name, extra))
                && b.get(eq + 1..i) != Some(REDACTED.as_bytes())
            {
                let tail = s.split_off(i);
                s.truncate(eq + 1);
                s.push_str(REDACTED);
                i = s.len();
                s.push_str(&tail);
                changed = true;
            }
            pair = if end_of_string { NONE } else { i + 1 };
            eq = 0;
        }
        i += 1;
    }
    changed
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
    fn nothing_to_redact_gives_none() {
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
    fn a_url_inside_a_query_has_its_own_parameters() {
        assert_eq!(r("/login?next=/a?token=t&x=1"), "/login?next=/a?token=[redacted]&x=1");
        assert_eq!(r("/p?a=1?key=k"), "/p?a=1?key=[redacted]");
    }

    fn j(s: &str) -> String {
        let mut s = s.to_string();
        redact_json(&mut s, &[]);
        s
    }

    #[test]
    fn every_url_in_an_events_json_is_redacted_and_nothing_else_changes() {
        let cases = [
            (
                r#""type":"pv","url":"https://a.io/p?token=abc&q=1","referrer":"https://b.io/?password=x""#,
                r#""type":"pv","url":"https://a.io/p?token=[redacted]&q=1","referrer":"https://b.io/?password=[redacted]""#,
            ),
            (
                r#""url":"http://h/api?access_token=t","name":"/api","message":"key=1 & token=2""#,
                r#""url":"http://h/api?access_token=[redacted]","name":"/api","message":"key=1 & token=2""#,
            ),
            // A click's snapshot: JSON inside a JSON string.
            (
                r#""snapshots":"{"href":"https://a.io/?x=1","src":"https://b.io/i?key=k#sig=s"}""#,
                r#""snapshots":"{"href":"https://a.io/?x=1","src":"https://b.io/i?key=[redacted]#sig=[redacted]"}""#,
            ),
            (r#""a":"?","b":"token=t""#, r#""a":"?","b":"token=t""#),
            (r#""target_name":"//*[@id="q"]/a[1]""#, r#""target_name":"//*[@id="q"]/a[1]""#),
        ];
        for (t, want) in cases {
            assert_eq!(j(t), want, "{t}");
        }
        assert_eq!(j(r#""url":"https://a.io/p?q=1#top""#), r#""url":"https://a.io/p?q=1#top""#);
    }

    #[test]
    fn names_are_matched_without_unicode_tables() {
        assert!(is_secret("ACCESS_TOKEN", &[]));
        assert!(is_secret("Session", &[]));
        assert!(!is_secret("sessions_count", &[]));
        assert!(!is_secret("tökén", &[]));
    }
}
