//! Trace propagation for API calls (ARMS `tracing`): which requests get headers, and which
//! headers. Same-origin http(s) requests are traced; others only when `allowedUrls` matches, so
//! no CORS preflight is ever added to a third party's API by surprise. The header values (ids,
//! the sampling flag, the formats) are made by the lazy `rum-trace.js` (js/trace/), loaded only
//! by pages whose config has `tracing`: this decision is all the core page carries.

use super::config::{Matcher, Propagator, Tracing};
use super::filter::{matches, origin_host, MatchHost};

/// The headers to add to a request to `url`, as bits: one per propagator (`1 << Propagator as
/// u8`), [`TRACESTATE`] and [`BAGGAGE`]; `None` when it is not traced.
pub fn decide(t: &Tracing, url: &str, page_origin: &str, host: &impl MatchHost) -> Option<u8> {
    if !t.enable || !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    let props: &[Propagator] = if origin_host(url).0 == page_origin {
        &t.propagators
    } else {
        &t.allowed.iter().find(|(m, _)| allowed(m, url, host))?.1
    };
    let mut bits = (t.tracestate as u8) << 5 | (t.baggage as u8) << 6;
    for p in props {
        bits |= 1 << *p as u8;
    }
    Some(bits)
}

// The bits, as js/trace/bits.js copies them (scripts/gen-shared.mjs): a propagator's is
// `1 << Propagator as u8` (a test holds them together).
pub const TRACECONTEXT: u8 = 1;
pub const B3: u8 = 2;
pub const B3MULTI: u8 = 4;
pub const JAEGER: u8 = 8;
pub const SW8: u8 = 16;
/// With traceparent, a tracestate header.
pub const TRACESTATE: u8 = 32;
/// A baggage header, whatever the propagators.
pub const BAGGAGE: u8 = 64;

/// An `allowedUrls` entry matches `url`. A string is a prefix that respects the host boundary:
/// when it ends inside the origin (`https://api.example.com`), the URL's host must end there too,
/// so `https://api.example.com.evil.io` does not match (ARMS's plain prefix would). A string that
/// reaches into the path (`https://api.example.com/v1`) is a plain prefix.
fn allowed(m: &Matcher, url: &str, host: &impl MatchHost) -> bool {
    match m {
        Matcher::Prefix(p) => {
            url.starts_with(p.as_str())
                && (origin_host(p).0.len() < p.len()
                    || matches!(url.as_bytes().get(p.len()), None | Some(b'/' | b'?' | b'#' | b':')))
        }
        _ => matches(m, url, host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    struct NoHost;
    impl MatchHost for NoHost {
        fn regex_test(&self, _: &str, _: &str, _: &str) -> bool {
            false
        }
        fn func_test(&self, _: u32, _: &str) -> bool {
            false
        }
    }

    fn tracing() -> Tracing {
        Tracing {
            enable: true,
            sample: 100.0,
            propagators: alloc::vec![Propagator::TraceContext],
            allowed: alloc::vec![(
                Matcher::Prefix(String::from("https://api.partner.com")),
                alloc::vec![Propagator::B3, Propagator::Jaeger]
            )],
            tracestate: true,
            baggage: false,
        }
    }

    const PAGE: &str = "http://127.0.0.1:45321";
    const TC: u8 = TRACECONTEXT;

    #[test]
    fn a_propagators_bit_is_its_place_in_the_enum() {
        use Propagator::*;
        let bits = [TraceContext, B3, B3Multi, Jaeger, Sw8].map(|p| 1u8 << p as u8);
        assert_eq!(bits, [TRACECONTEXT, super::B3, B3MULTI, JAEGER, SW8]);
        assert_eq!(TRACESTATE | BAGGAGE, 96, "above every propagator's bit");
    }

    #[test]
    fn same_origin_gets_the_tracing_wide_propagators_and_tracestate() {
        assert_eq!(decide(&tracing(), "http://127.0.0.1:45321/api/ok?q=1", PAGE, &NoHost), Some(TC | TRACESTATE));
        let t = Tracing { tracestate: false, baggage: true, ..tracing() };
        assert_eq!(decide(&t, "http://127.0.0.1:45321/a", PAGE, &NoHost), Some(TC | BAGGAGE));
    }

    #[test]
    fn other_origins_only_when_allowed_with_their_propagators() {
        assert_eq!(decide(&tracing(), "https://cdn.other/x", PAGE, &NoHost), None);
        assert_eq!(decide(&tracing(), "http://127.0.0.1:9/x", PAGE, &NoHost), None, "another port is another origin");
        assert_eq!(
            decide(&tracing(), "https://api.partner.com/v1", PAGE, &NoHost),
            Some(super::B3 | JAEGER | TRACESTATE)
        );
        assert_eq!(decide(&Tracing { enable: false, ..tracing() }, "http://127.0.0.1:45321/a", PAGE, &NoHost), None);
        assert_eq!(decide(&tracing(), "data:x", PAGE, &NoHost), None);
    }

    #[test]
    fn string_matchers_respect_the_host_boundary() {
        let with = |prefix: &str, url: &str| {
            let t = Tracing {
                allowed: alloc::vec![(Matcher::Prefix(String::from(prefix)), alloc::vec![Propagator::B3])],
                ..tracing()
            };
            decide(&t, url, PAGE, &NoHost).is_some()
        };
        for (prefix, url, want) in [
            ("https://api.example.com", "https://api.example.com", true),
            ("https://api.example.com", "https://api.example.com/v1/x", true),
            ("https://api.example.com", "https://api.example.com?q=1", true),
            ("https://api.example.com", "https://api.example.com:8443/x", true),
            ("https://api.example.com", "https://api.example.com.evil.io/x", false),
            ("https://api.example.com", "https://api.example.community/x", false),
            ("https://api.example.com/", "https://api.example.com/x", true),
            ("https://api.example.com/v1", "https://api.example.com/v1/users", true),
            ("https://api.example.com/v1", "https://api.example.com/v2", false),
            ("https://api.", "https://api.example.com/x", false),
        ] {
            assert_eq!(with(prefix, url), want, "{prefix} vs {url}");
        }
    }
}
