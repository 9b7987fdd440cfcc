//! URL pieces and view names, without a URL parser in the wasm.

use super::config::SpaMode;
use super::text::{cut, cut_at, find};
use alloc::string::String;

/// Splits an absolute URL into (path, query, hash) — the path without the origin.
pub fn parts(href: &str) -> (&str, &str, &str) {
    let (before_hash, hash) = cut_at(href, b'#');
    let (before_query, query) = cut_at(before_hash, b'?');
    // Skip "scheme://host" or "//host"; a relative URL is all path.
    let host_start = match find(before_query, "//") {
        Some(i) if i == 0 || before_query.as_bytes().get(i - 1) == Some(&b':') => Some(i + 2),
        _ => None,
    };
    let path = match host_start {
        Some(h) => {
            let rest = cut(before_query, h).1;
            cut_at(rest, b'/').1
        }
        None => before_query,
    };
    (if path.is_empty() { "/" } else { path }, query, hash)
}

pub fn pathname(href: &str) -> &str {
    parts(href).0
}

/// The view name ARMS derives from the URL for each `spaMode`.
pub fn view_name(href: &str, mode: SpaMode) -> String {
    let (path, _, hash) = parts(href);
    // The hash route without its own query: `#/cart/2?step=3` → `/cart/2`.
    let h = cut_at(cut(hash, 1).1, b'?').0;
    let mut s = String::from(match mode {
        SpaMode::Hash if h.is_empty() => "/",
        SpaMode::Hash => h,
        _ => path,
    });
    if mode == SpaMode::Auto && !h.is_empty() {
        s.push('#');
        s.push_str(h);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        assert_eq!(parts("http://127.0.0.1:45321/app/home?from=harness#x"), ("/app/home", "?from=harness", "#x"));
        assert_eq!(parts("https://a.b"), ("/", "", ""));
        assert_eq!(parts("//cdn.x/y.js?v=1"), ("/y.js", "?v=1", ""));
        assert_eq!(parts("/api/ok?q=1"), ("/api/ok", "?q=1", ""));
        assert_eq!(pathname("http://127.0.0.1:9/unreachable"), "/unreachable");
    }

    #[test]
    fn view_names_by_spa_mode() {
        let u = "http://h/app/home?x=1#/cart/2?step=3";
        assert_eq!(view_name(u, SpaMode::Off), "/app/home");
        assert_eq!(view_name(u, SpaMode::History), "/app/home");
        assert_eq!(view_name(u, SpaMode::Auto), "/app/home#/cart/2");
        assert_eq!(view_name(u, SpaMode::Hash), "/cart/2");
        assert_eq!(view_name("http://h/p", SpaMode::Auto), "/p");
        assert_eq!(view_name("http://h/p", SpaMode::Hash), "/");
    }
}
