//! Trace propagation headers for API calls (ARMS `tracing`): which requests get them, and their
//! values. Same-origin http(s) requests are traced; others only when `allowedUrls` matches, so
//! no CORS preflight is ever added to a third party's API by surprise.

use super::config::{Matcher, Propagator, Tracing};
use super::filter::{matches, origin_host, MatchHost};
use super::ids::{hex, trace_id, Random};
use super::text::cat;
use alloc::string::String;
use alloc::vec::Vec;

pub struct TraceContext<'a> {
    pub page_origin: &'a str,
    pub pid: &'a str,
    pub session_id: &'a str,
    pub uid: &'a str,
}

pub struct Trace {
    pub trace_id: String,
    pub span_id: String,
    pub sampled: bool,
    pub headers: Vec<(&'static str, String)>,
}

pub fn propagate(
    t: &Tracing,
    url: &str,
    ctx: &TraceContext,
    rng: &mut impl Random,
    host: &impl MatchHost,
) -> Option<Trace> {
    if !t.enable || !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    let props: &[Propagator] = if origin_host(url).0 == ctx.page_origin {
        &t.propagators
    } else {
        &t.allowed.iter().find(|(m, _)| allowed(m, url, host))?.1
    };
    let tid = trace_id(rng);
    let span = hex(rng, 16);
    let sampled = t.sample >= 100.0 || rng.unit() * 100.0 < t.sample;
    let flag = if sampled { "1" } else { "0" };
    let mut headers = Vec::new();
    let mut add = |name: &'static str, parts: &[&str]| headers.push((name, cat(parts)));
    for p in props {
        match p {
            Propagator::TraceContext => {
                add("traceparent", &["00-", &tid, "-", &span, "-0", flag]);
                if t.tracestate {
                    add("tracestate", &["rum=v2&browser&", ctx.pid, "&", ctx.session_id, "&", ctx.uid]);
                }
            }
            Propagator::B3 => add("b3", &[&tid, "-", &span, "-", flag]),
            Propagator::B3Multi => {
                add("X-B3-TraceId", &[&tid]);
                add("X-B3-SpanId", &[&span]);
                add("X-B3-Sampled", &[flag]);
            }
            Propagator::Jaeger => add("uber-trace-id", &[&tid, ":", &span, ":0:", flag]),
            // sw8 needs a base64 service/instance encoding that no backend of ours reads yet.
            Propagator::Sw8 => {}
        }
    }
    if t.baggage {
        add("baggage", &["rum=v2,appType=browser,pid=", ctx.pid, ",sid=", ctx.session_id, ",uid=", ctx.uid]);
    }
    (!headers.is_empty()).then_some(Trace { trace_id: tid, span_id: span, sampled, headers })
}

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
    use crate::core::ids::tests::SeqRandom;

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

    const CTX: TraceContext =
        TraceContext { page_origin: "http://127.0.0.1:45321", pid: "p@x", session_id: "s1", uid: "uid_1" };

    #[test]
    fn same_origin_gets_traceparent_and_tracestate() {
        let t =
            propagate(&tracing(), "http://127.0.0.1:45321/api/ok?q=1", &CTX, &mut SeqRandom::new(1), &NoHost).unwrap();
        assert_eq!(t.headers[0].0, "traceparent");
        let tp = &t.headers[0].1;
        assert!(tp.starts_with(&cat(&["00-", &t.trace_id, "-"])) && tp.ends_with("-01") && tp.len() == 55, "{tp}");
        assert_eq!(t.headers[1], ("tracestate", String::from("rum=v2&browser&p@x&s1&uid_1")));
    }

    #[test]
    fn other_origins_only_when_allowed_with_their_propagators() {
        let mut r = SeqRandom::new(2);
        assert!(propagate(&tracing(), "https://cdn.other/x", &CTX, &mut r, &NoHost).is_none());
        assert!(
            propagate(&tracing(), "http://127.0.0.1:9/x", &CTX, &mut r, &NoHost).is_none(),
            "another port is another origin"
        );
        let t = propagate(&tracing(), "https://api.partner.com/v1", &CTX, &mut r, &NoHost).unwrap();
        let names: Vec<&str> = t.headers.iter().map(|h| h.0).collect();
        assert_eq!(names, ["b3", "uber-trace-id"]);
        assert!(t.headers[1].1.ends_with(":0:1"));
        assert!(propagate(&Tracing { enable: false, ..tracing() }, "http://127.0.0.1:45321/a", &CTX, &mut r, &NoHost)
            .is_none());
        assert!(propagate(&tracing(), "data:x", &CTX, &mut r, &NoHost).is_none());
    }

    #[test]
    fn string_matchers_respect_the_host_boundary() {
        let with = |prefix: &str, url: &str| {
            let t = Tracing {
                allowed: alloc::vec![(Matcher::Prefix(String::from(prefix)), alloc::vec![Propagator::B3])],
                ..tracing()
            };
            propagate(&t, url, &CTX, &mut SeqRandom::new(4), &NoHost).is_some()
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

    #[test]
    fn sampling_and_baggage() {
        let t = Tracing { sample: 0.0, baggage: true, propagators: alloc::vec![Propagator::B3Multi], ..tracing() };
        let tr = propagate(&t, "http://127.0.0.1:45321/a", &CTX, &mut SeqRandom::new(3), &NoHost).unwrap();
        assert_eq!(tr.headers[2], ("X-B3-Sampled", String::from("0")));
        assert_eq!(tr.headers[3], ("baggage", String::from("rum=v2,appType=browser,pid=p@x,sid=s1,uid=uid_1")));
    }
}
