//! What a remote config may contain (issue 17, finding 6): it runs in every visitor's page, so a
//! write is checked before it is stored. Known keys only, with their types and sizes; regexes
//! must be valid JavaScript (checked with `regress`, an ECMAScript regex engine) and are refused
//! when they can backtrack catastrophically; trace headers only to URLs of a named host. Then the
//! SDK's own config check (`rum_wasm::core::config::from_value`, the source of truth for ranges
//! and enumerations) must accept it without a warning. Every refusal names the field.

use serde_json::{Map, Value};

/// A remote config is small: ARMS's are a few hundred bytes.
pub const MAX_CONFIG_BYTES: usize = 64 * 1024;
const MAX_TEXT: usize = 256;
const MAX_MATCHERS: usize = 50;
const MAX_REGEX_CHARS: usize = 500;

/// The shape of one key.
#[derive(Clone, Copy)]
enum Shape {
    Bool,
    Num,
    Text,
    /// `true`, `false` or one of these strings.
    BoolOr(&'static [&'static str]),
    OneOf(&'static [&'static str]),
    /// An object of strings and numbers (`user`, `app`, `geo`, ...), at most this many keys.
    Scalars(usize),
    Object(&'static [(&'static str, Shape)]),
    /// `true`/`false` or an object of these keys.
    Switch(&'static [(&'static str, Shape)]),
    /// ARMS MatchOption list: strings (`/re/flags` is a RegExp, else a prefix), or one of them.
    Matchers,
    /// `tracing.allowedUrls`: matchers of a named host, or `{match, propagatorTypes}`.
    AllowedUrls,
    Propagators,
    /// Kept local, whatever a remote config says, with the reason.
    Refused(&'static str),
}

const PROPAGATORS: &[&str] = &["tracecontext", "b3", "b3multi", "jaeger", "sw8"];

/// The keys `src/core/config.rs` reads, as a remote config may carry them.
const CONFIG: &[(&str, Shape)] = &[
    ("pid", Shape::Refused("stays local: a remote config cannot change the app id")),
    ("endpoint", Shape::Refused("stays local: a remote config cannot change where data goes")),
    ("remoteConfig", Shape::Refused("stays local: a remote config cannot change where remote config comes from")),
    ("parseViewName", Shape::Refused("functions cannot come from a remote config")),
    ("parseResourceName", Shape::Refused("functions cannot come from a remote config")),
    ("beforeReport", Shape::Refused("functions cannot come from a remote config")),
    ("evaluateApi", Shape::Refused("functions cannot come from a remote config")),
    ("env", Shape::Text),
    ("version", Shape::Text),
    ("spaMode", Shape::BoolOr(&["history", "hash", "auto"])),
    (
        "sessionConfig",
        Shape::Object(&[
            ("sampleRate", Shape::Num),
            ("maxDuration", Shape::Num),
            ("overtime", Shape::Num),
            ("storage", Shape::OneOf(&["localStorage", "cookie", "auto"])),
            ("domain", Shape::Text),
        ]),
    ),
    ("reportConfig", Shape::Object(&[("flushTime", Shape::Num), ("maxEventCount", Shape::Num)])),
    (
        "collectors",
        Shape::Object(&[
            ("perf", Shape::Bool),
            ("webVitals", Shape::Bool),
            ("api", Shape::Bool),
            ("staticResource", Shape::Bool),
            ("jsError", Shape::Bool),
            ("consoleError", Shape::Bool),
            ("action", Shape::Bool),
            ("longtask", Shape::Bool),
        ]),
    ),
    ("filters", Shape::Object(&[("resource", Shape::Matchers), ("exception", Shape::Matchers)])),
    (
        "tracing",
        Shape::Switch(&[
            ("enable", Shape::Bool),
            ("sample", Shape::Num),
            ("propagatorTypes", Shape::Propagators),
            ("allowedUrls", Shape::AllowedUrls),
            ("tracestate", Shape::Bool),
            ("baggage", Shape::Bool),
        ]),
    ),
    (
        "delivery",
        Shape::Object(&[
            ("maxQueueEvents", Shape::Num),
            ("maxQueueBytes", Shape::Num),
            ("maxPersistBytes", Shape::Num),
        ]),
    ),
    ("compress", Shape::Bool),
    ("slowLoadThreshold", Shape::Num),
    ("slowResourceThreshold", Shape::Num),
    ("properties", Shape::Scalars(20)),
    ("user", Shape::Scalars(20)),
    ("app", Shape::Scalars(20)),
    ("device", Shape::Scalars(20)),
    ("os", Shape::Scalars(20)),
    ("geo", Shape::Scalars(20)),
    ("isp", Shape::Scalars(20)),
    ("net", Shape::Scalars(20)),
];

/// Checks a remote config; `Err` lists every problem, each starting with the field's path.
pub fn check(config: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let Value::Object(root) = config else {
        return Err(vec!["config must be a JSON object".to_string()]);
    };
    object(root, CONFIG, "", &mut errors);
    if errors.is_empty() {
        sdk_check(config, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object(o: &Map<String, Value>, shape: &[(&str, Shape)], at: &str, errors: &mut Vec<String>) {
    for (k, v) in o {
        match shape.iter().find(|(name, _)| name == k) {
            Some((_, s)) => value(v, *s, &path(at, k), errors),
            None => {
                let known: Vec<&str> =
                    shape.iter().filter(|(_, s)| !matches!(s, Shape::Refused(_))).map(|(n, _)| *n).collect();
                let shown: String = k.chars().take(60).collect();
                errors.push(format!("{}: unknown key (known: {})", path(at, &shown), known.join(", ")));
            }
        }
    }
}

fn value(v: &Value, shape: Shape, at: &str, errors: &mut Vec<String>) {
    let wrong = |want: &str| format!("{at}: must be {want}, got {}", kind(v));
    match (shape, v) {
        (Shape::Refused(why), _) => errors.push(format!("{at}: {why}")),
        (Shape::Bool, Value::Bool(_)) | (Shape::Num, Value::Number(_)) => {}
        (Shape::Text, Value::String(s)) => text(s, MAX_TEXT, at, errors),
        (Shape::Bool, _) => errors.push(wrong("a boolean")),
        (Shape::Num, _) => errors.push(wrong("a number")),
        (Shape::Text, _) => errors.push(wrong("a string")),
        (Shape::BoolOr(_), Value::Bool(_)) => {}
        (Shape::BoolOr(names) | Shape::OneOf(names), Value::String(s)) if names.contains(&s.as_str()) => {}
        (Shape::BoolOr(names), _) => errors.push(format!("{at}: must be true, false or one of {}", names.join(", "))),
        (Shape::OneOf(names), _) => errors.push(format!("{at}: must be one of {}", names.join(", "))),
        (Shape::Object(keys), Value::Object(o)) | (Shape::Switch(keys), Value::Object(o)) => {
            object(o, keys, at, errors)
        }
        (Shape::Switch(_), Value::Bool(_)) => {}
        (Shape::Object(_), _) => errors.push(wrong("an object")),
        (Shape::Switch(_), _) => errors.push(wrong("true, false or an object")),
        (Shape::Scalars(max), Value::Object(o)) => {
            if o.len() > max {
                errors.push(format!("{at}: at most {max} keys, got {}", o.len()));
            }
            for (k, v) in o {
                let p = path(at, &k.chars().take(60).collect::<String>());
                match v {
                    Value::String(s) => text(s, 2000, &p, errors),
                    Value::Number(_) => {}
                    other => errors.push(format!("{p}: must be a string or a number, got {}", kind(other))),
                }
                if k.chars().count() > 50 {
                    errors.push(format!("{p}: keys are at most 50 characters"));
                }
            }
        }
        (Shape::Scalars(_), _) => errors.push(wrong("an object")),
        (Shape::Matchers, _) => list(v, at, errors, |m, p, errors| matcher(m, p, false, errors)),
        (Shape::AllowedUrls, _) => list(v, at, errors, |m, p, errors| match m {
            Value::Object(o) => {
                for (k, x) in o {
                    match k.as_str() {
                        "match" => matcher(x, &path(p, "match"), true, errors),
                        "propagatorTypes" => value(x, Shape::Propagators, &path(p, k), errors),
                        _ => errors.push(format!("{}: unknown key (known: match, propagatorTypes)", path(p, k))),
                    }
                }
                if !o.contains_key("match") {
                    errors.push(format!("{p}: needs `match`"));
                }
            }
            other => matcher(other, p, true, errors),
        }),
        (Shape::Propagators, Value::Array(items)) => {
            for (i, x) in items.iter().enumerate() {
                if !x.as_str().is_some_and(|s| PROPAGATORS.contains(&s)) {
                    errors.push(format!("{at}[{i}]: must be one of {}", PROPAGATORS.join(", ")));
                }
            }
        }
        (Shape::Propagators, _) => errors.push(wrong("an array")),
    }
}

fn text(s: &str, max: usize, at: &str, errors: &mut Vec<String>) {
    if s.chars().count() > max {
        errors.push(format!("{at}: at most {max} characters"));
    }
}

/// One matcher or an array of them.
fn list(v: &Value, at: &str, errors: &mut Vec<String>, each: impl Fn(&Value, &str, &mut Vec<String>)) {
    match v {
        Value::Array(items) => {
            if items.len() > MAX_MATCHERS {
                errors.push(format!("{at}: at most {MAX_MATCHERS} entries, got {}", items.len()));
            }
            for (i, item) in items.iter().enumerate() {
                each(item, &format!("{at}[{i}]"), errors);
            }
        }
        one => each(one, at, errors),
    }
}

/// A `/source/flags` string, as the SDK reads it (the last `/` ends the source).
pub fn regex_literal(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix('/')?;
    let end = rest.rfind('/')?;
    let (source, flags) = (&rest[..end], &rest[end + 1..]);
    (!source.is_empty() && flags.chars().all(|f| "gimsuyd".contains(f))).then_some((source, flags))
}

/// A matcher string: a prefix, or a RegExp literal that must be valid and safe. With `host`
/// (tracing), it must name the host it matches: trace headers to any other origin make that
/// origin's CORS preflight fail.
fn matcher(v: &Value, at: &str, host: bool, errors: &mut Vec<String>) {
    let Value::String(s) = v else {
        let why = if v.get("$fn").is_some() { "functions cannot come from a remote config" } else { "" };
        errors.push(format!(
            "{at}: must be a string (a prefix, or /regex/flags){}{why}",
            if why.is_empty() { "" } else { "; " }
        ));
        return;
    };
    match regex_literal(s) {
        Some((source, flags)) => {
            if let Err(e) = regex(source, flags) {
                errors.push(format!("{at}: {e}"));
            } else if host && !names_a_host(source) {
                errors.push(format!(
                    "{at}: a tracing RegExp must start with ^https?:// and a literal host (e.g. /^https:\\/\\/api\\.example\\.com\\//)"
                ));
            }
        }
        None => {
            text(s, 2048, at, errors);
            if host && !prefix_names_a_host(s) {
                errors.push(format!(
                    "{at}: a tracing prefix must be an http(s) URL with its host (e.g. https://api.example.com/)"
                ));
            }
        }
    }
}

fn prefix_names_a_host(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.and_then(|r| r.chars().next()).is_some_and(|c| c.is_ascii_alphanumeric())
}

fn names_a_host(source: &str) -> bool {
    let rest = ["^https?:\\/\\/", "^https:\\/\\/", "^http:\\/\\/", "^https?://", "^https://", "^http://"]
        .iter()
        .find_map(|p| source.strip_prefix(p));
    rest.and_then(|r| r.chars().next()).is_some_and(|c| c.is_ascii_alphanumeric())
}

/// A valid JavaScript RegExp without the shapes that backtrack exponentially.
pub fn regex(source: &str, flags: &str) -> Result<(), String> {
    if source.chars().count() > MAX_REGEX_CHARS {
        return Err(format!("RegExp longer than {MAX_REGEX_CHARS} characters"));
    }
    // Flags that only change how a match is used: not parsing ones.
    let parse_flags: String = flags.chars().filter(|f| "imsu".contains(*f)).collect();
    regress::Regex::with_flags(source, parse_flags.as_str())
        .map_err(|e| format!("not a valid JavaScript RegExp: {e}"))?;
    catastrophic(source).map_or(Ok(()), Err)
}

/// A group being read by `catastrophic`: whether something inside it repeats a variable number
/// of times, and the text of its alternatives (repetitions marked `*`).
struct Group {
    variable: bool,
    branches: Vec<String>,
}

impl Group {
    fn new() -> Self {
        Group { variable: false, branches: vec![String::new()] }
    }
}

/// Nested quantifiers (`(a+)+`, `(\w*x)*`, `(a{1,9})+`), a repeated group whose alternatives
/// overlap (`(a|aa)+`, `(x|\w+)*`), and backreferences: the shapes whose matching time can grow
/// exponentially with the input in a backtracking engine (every browser's). `None` when safe.
pub fn catastrophic(source: &str) -> Option<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut stack: Vec<Group> = vec![Group::new()];
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let next = chars.get(i + 1).copied().unwrap_or('\\');
                if (next.is_ascii_digit() && next != '0') || next == 'k' {
                    return Some("backreferences are not allowed in a remote config RegExp".into());
                }
                i += 2;
                atom(&mut stack, &format!("\\{next}"), &chars, &mut i);
            }
            '[' => {
                let start = i;
                i += 1;
                while let Some(&d) = chars.get(i) {
                    if d == ']' {
                        break;
                    }
                    i += if d == '\\' { 2 } else { 1 };
                }
                i += 1;
                let class: String = chars.iter().skip(start).take(i - start).collect();
                atom(&mut stack, &class, &chars, &mut i);
            }
            '(' => {
                stack.push(Group::new());
                i += 1;
                // (?: (?= (?! (?<= (?<! and (?<name>
                if chars.get(i) == Some(&'?') {
                    i += 1;
                    if chars.get(i) == Some(&'<') && !matches!(chars.get(i + 1), Some('=') | Some('!')) {
                        while chars.get(i).is_some_and(|d| *d != '>') {
                            i += 1;
                        }
                    }
                    i += 1;
                }
            }
            ')' if stack.len() > 1 => {
                let g = stack.pop()?;
                i += 1;
                let (repeats, variable) = quantifier(&chars, &mut i);
                if repeats && g.variable {
                    return Some("nested quantifiers (like (a+)+) can backtrack catastrophically".into());
                }
                if repeats && overlapping(&g.branches) {
                    return Some(
                        "a repeated group whose alternatives overlap (like (a|aa)+) can backtrack catastrophically"
                            .into(),
                    );
                }
                let top = stack.last_mut()?;
                top.variable |= g.variable || variable;
                let text = if g.variable || variable { "(…)*" } else { "(…)" };
                top.branches.last_mut()?.push_str(text);
            }
            '|' => {
                stack.last_mut()?.branches.push(String::new());
                i += 1;
            }
            _ => {
                i += 1;
                atom(&mut stack, &c.to_string(), &chars, &mut i);
            }
        }
    }
    None
}

/// An atom read: its quantifier, if any, follows at `i`.
fn atom(stack: &mut [Group], text: &str, chars: &[char], i: &mut usize) {
    let (_, variable) = quantifier(chars, i);
    if let Some(top) = stack.last_mut() {
        top.variable |= variable;
        if let Some(b) = top.branches.last_mut() {
            b.push_str(text);
            if variable {
                b.push('*');
            }
        }
    }
}

/// Reads a quantifier at `i` (if any): whether it repeats (more than once) and whether the
/// count is variable.
fn quantifier(chars: &[char], i: &mut usize) -> (bool, bool) {
    let q = match chars.get(*i) {
        Some('*') | Some('+') => {
            *i += 1;
            (true, true)
        }
        Some('?') => {
            *i += 1;
            (false, false)
        }
        Some('{') => {
            let close = chars.iter().skip(*i).position(|c| *c == '}');
            let Some(len) = close else { return (false, false) };
            let inner: String = chars.iter().skip(*i + 1).take(len - 1).collect();
            let (lo, hi) = match inner.split_once(',') {
                Some((lo, hi)) => (
                    lo.trim().parse::<u64>().ok(),
                    if hi.trim().is_empty() { Some(u64::MAX) } else { hi.trim().parse().ok() },
                ),
                None => (inner.trim().parse().ok(), inner.trim().parse().ok()),
            };
            // Not a quantifier: a literal `{` (allowed outside unicode mode).
            let (Some(lo), Some(hi)) = (lo, hi) else { return (false, false) };
            *i += len + 1;
            (hi > 1, hi > lo)
        }
        _ => return (false, false),
    };
    // Lazy quantifiers backtrack the same way.
    if chars.get(*i) == Some(&'?') {
        *i += 1;
    }
    q
}

/// Whether two alternatives can match the same text (conservatively: a repeated alternative, a
/// character class or wildcard at the start, equal alternatives, or one a prefix of another).
fn overlapping(branches: &[String]) -> bool {
    if branches.len() < 2 {
        return false;
    }
    let broad = |b: &str| {
        b.contains('*')
            || b.is_empty()
            || [".", "[", "\\w", "\\W", "\\s", "\\S", "\\d", "\\D", "(…)"].iter().any(|p| b.starts_with(p))
    };
    branches.iter().enumerate().any(|(i, a)| {
        broad(a) || branches.iter().skip(i + 1).any(|b| a.starts_with(b.as_str()) || b.starts_with(a.as_str()))
    })
}

/// The SDK's own check: the config merged over a minimal local one must give no warning.
fn sdk_check(config: &Value, errors: &mut Vec<String>) {
    use rum_wasm::core::{config, json};
    let Some(remote) = json::parse(&config.to_string()) else {
        errors.push("config: the SDK cannot read it".into());
        return;
    };
    let Some(local) = json::parse(r#"{"pid":"p","endpoint":"https://collector.invalid/collect"}"#) else { return };
    let merged = config::merge(&local, &remote);
    let mut warnings = Vec::new();
    if let Err(e) = config::from_value(&merged, &mut warnings) {
        errors.push(e.trim_start_matches("[rum-wasm] ").to_string());
    }
    errors.extend(warnings.into_iter().map(|w| w.trim_start_matches("[rum-wasm] ").to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(v: Value) -> Vec<String> {
        check(&v).err().unwrap_or_default()
    }

    /// The key list is read from the SDK's config, not guessed: every key named here must be one
    /// `src/core/config.rs` reads (a key the SDK drops fails this test).
    #[test]
    fn every_key_is_one_the_sdk_reads() {
        let sdk = include_str!("../../src/core/config.rs");
        fn keys(shape: &[(&'static str, Shape)], out: &mut Vec<&'static str>) {
            for (k, s) in shape {
                out.push(k);
                if let Shape::Object(inner) | Shape::Switch(inner) = s {
                    keys(inner, out);
                }
            }
        }
        let mut all = Vec::new();
        keys(CONFIG, &mut all);
        assert!(all.len() > 50);
        for k in all {
            assert!(sdk.contains(&format!("\"{k}\"")), "`{k}` is not read by src/core/config.rs");
        }
    }

    #[test]
    fn catastrophic_shapes_are_found() {
        for bad in [
            "^(a+)+$",
            "(a*)*",
            "(\\w+\\s?)+$",
            "(a{1,9})+",
            "(?:x+y)*",
            "(a|aa)+",
            "(x|\\w+)*",
            "(.|a)*",
            "(a)\\1",
            "((ab)*c)+",
        ] {
            assert!(catastrophic(bad).is_some(), "{bad}");
        }
        for ok in [
            "^https?://cdn\\.",
            "ads\\d+",
            "\\.(png|jpe?g|gif)$",
            "^/api/(v1|v2)/",
            "(ab){2}",
            "[(+)]+",
            "a{2,}b",
            "(?<year>\\d{4})-x",
            "x{",
            "(abc)+",
        ] {
            assert_eq!(catastrophic(ok), None, "{ok}");
        }
    }

    #[test]
    fn regexes_must_be_valid_javascript() {
        assert!(regex("a(b", "").unwrap_err().contains("not a valid JavaScript RegExp"));
        assert!(regex("(?<=x)y", "i").is_ok(), "lookbehind is JavaScript");
        assert!(regex("^(a+)+$", "").unwrap_err().contains("nested quantifiers"));
    }

    #[test]
    fn a_good_config_passes() {
        let ok = json!({"reportConfig": {"flushTime": 1000}, "properties": {"from": "remote"},
            "sessionConfig": {"sampleRate": 0.5, "storage": "cookie"}, "collectors": {"longtask": true},
            "filters": {"resource": ["/api/skip", "/ads\\d+/i"], "exception": "Script error"},
            "tracing": {"enable": true, "allowedUrls": ["https://api.example.com/", {"match": "/^https:\\/\\/api\\.example\\.com\\//", "propagatorTypes": ["b3"]}]},
            "spaMode": "history", "env": "daily"});
        assert_eq!(check(&ok), Ok(()));
    }

    #[test]
    fn every_problem_names_its_field() {
        let e = errors(json!({"flushTime": 1, "reportConfig": {"flushTime": "soon", "maxEventCount": 500},
            "filters": {"resource": ["/^(a+)+$/"]}, "tracing": {"allowedUrls": ["https://", "/.*/"]},
            "pid": "other", "beforeReport": {"$fn": 0}, "properties": {"o": {"x": 1}}}));
        let has = |prefix: &str| e.iter().any(|m| m.starts_with(prefix));
        for field in [
            "flushTime: unknown key",
            "reportConfig.flushTime: must be a number",
            "filters.resource[0]: nested",
            "tracing.allowedUrls[0]: a tracing prefix",
            "tracing.allowedUrls[1]: a tracing RegExp",
            "pid: stays local",
            "beforeReport: functions",
            "properties.o: must be a string or a number",
        ] {
            assert!(has(field), "{field} not in {e:#?}");
        }
        // Types right, ranges from the SDK's own check.
        let e = errors(json!({"reportConfig": {"maxEventCount": 500}, "sessionConfig": {"overtime": 5}}));
        assert!(e.iter().any(|m| m.starts_with("reportConfig.maxEventCount")), "{e:?}");
        assert!(e.iter().any(|m| m.starts_with("sessionConfig.overtime")), "{e:?}");
    }
}
