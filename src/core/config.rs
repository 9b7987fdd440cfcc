//! The `init` options: ARMS field names, types and defaults, validation, and the merge of local
//! and remote config.
//!
//! The JS facade hands the options over as JSON. Functions are replaced by `{"$fn": n}` (an index
//! into a table the browser layer keeps) and RegExps by `{"$re": source, "$flags": flags}`, so the
//! whole config, including what ARMS loses when it caches a RegExp, is plain data here.
//!
//! Every bad value yields one warning that names the field, the value and what is used instead;
//! only a missing `pid` or `endpoint` is fatal (the SDK then stays off).

use super::json::{num_to_string, write_num, Value};
use super::text::{cat, truncate_chars};
use alloc::string::String;
use alloc::vec::Vec;

pub const MIN: u64 = 60_000;
pub const HOUR: u64 = 60 * MIN;

pub const DEFAULT_FLUSH_TIME: u32 = 3000;
pub const DEFAULT_MAX_EVENT_COUNT: u32 = 20;
/// The product documentation's defaults (the npm package uses 30 min for `overtime`).
pub const DEFAULT_OVERTIME: u64 = HOUR;
pub const DEFAULT_MAX_DURATION: u64 = 24 * HOUR;
pub const DEFAULT_CACHE_TIMEOUT: u64 = HOUR;
pub const DEFAULT_REMOTE_TIMEOUT: u64 = 3000;
pub const DEFAULT_REGION: &str = "cn-hangzhou";
/// A page load slower than this counts as a "slow load" in the console (ms, `slowLoadThreshold`).
pub const DEFAULT_SLOW_LOAD: f64 = super::limits::SLOW_LOAD_MS;
/// An API call or resource slower than this is marked slow (ms, `slowResourceThreshold`).
pub const DEFAULT_SLOW_RESOURCE: f64 = super::limits::SLOW_RESOURCE_MS;
/// Pending-queue bounds (issue: delivery that loses nothing, within clear bounds).
pub const DEFAULT_MAX_QUEUE_EVENTS: u32 = 1000;
pub const DEFAULT_MAX_QUEUE_BYTES: u32 = 512 * 1024;
pub const DEFAULT_MAX_PERSIST_BYTES: u32 = 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum SpaMode {
    Off,
    Auto,
    History,
    Hash,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum StorageKind {
    LocalStorage,
    Cookie,
    /// localStorage when it can be used, else a cookie.
    Auto,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum RemoteMode {
    LaunchFirst,
    RemoteFirst,
}

/// ARMS MatchOption: a string (prefix match), a RegExp, or a function.
#[derive(Clone, PartialEq, Debug)]
pub enum Matcher {
    Prefix(String),
    Regex(String, String),
    Func(u32),
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Propagator {
    TraceContext,
    B3,
    B3Multi,
    Jaeger,
    Sw8,
}

/// The `collectors` switches, a bit each in the order of `COLLECTOR_KEYS`: every one is on
/// unless set to exactly false; longtask is on only when exactly true. (A bit set and one loop
/// instead of a bool and a lookup per switch: smaller in the wasm.)
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Collectors(u8);

const COLLECTOR_KEYS: [&str; 8] =
    ["perf", "webVitals", "api", "staticResource", "jsError", "consoleError", "action", "longtask"];

impl Collectors {
    fn from(col: Option<&Value>) -> Collectors {
        // All but longtask (the last bit) on by default.
        let mut bits = 0x7f;
        for (i, k) in COLLECTOR_KEYS.iter().enumerate() {
            if let Some(Value::Bool(b)) = at(col, k) {
                bits = bits & !(1 << i) | (*b as u8) << i;
            }
        }
        Collectors(bits)
    }
    fn bit(self, i: u8) -> bool {
        self.0 >> i & 1 != 0
    }
    pub fn perf(self) -> bool {
        self.bit(0)
    }
    pub fn web_vitals(self) -> bool {
        self.bit(1)
    }
    pub fn api(self) -> bool {
        self.bit(2)
    }
    pub fn static_resource(self) -> bool {
        self.bit(3)
    }
    pub fn js_error(self) -> bool {
        self.bit(4)
    }
    pub fn console_error(self) -> bool {
        self.bit(5)
    }
    pub fn action(self) -> bool {
        self.bit(6)
    }
    pub fn longtask(self) -> bool {
        self.bit(7)
    }
}

#[derive(Clone, PartialEq, Debug)]
pub struct Tracing {
    pub enable: bool,
    /// Percentage, 0..=100.
    pub sample: f64,
    pub propagators: Vec<Propagator>,
    pub allowed: Vec<(Matcher, Vec<Propagator>)>,
    pub tracestate: bool,
    pub baggage: bool,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Remote {
    pub enable: bool,
    pub mode: RemoteMode,
    pub cache_timeout: u64,
    pub url: Option<String>,
    pub region: String,
    pub timeout: u64,
    pub re_setup: bool,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Delivery {
    pub max_queue_events: u32,
    pub max_queue_bytes: u32,
    pub max_persist_bytes: u32,
    pub compress: bool,
}

/// The effective configuration. `raw` is what `getConfig()` returns.
#[derive(Clone)]
pub struct Config {
    pub raw: Value,
    pub pid: String,
    pub endpoint: String,
    pub env: String,
    pub version: Option<String>,
    /// Bundle objects copied from config (string/number fields only, as ARMS does).
    pub app: Vec<(String, Value)>,
    pub user: Vec<(String, Value)>,
    pub extra: Vec<(&'static str, Vec<(String, Value)>)>,
    pub properties: Vec<(String, Value)>,
    pub spa_mode: SpaMode,
    pub parse_view_name: Option<u32>,
    pub parse_resource_name: Option<u32>,
    pub before_report: Option<u32>,
    pub evaluate_api: Option<u32>,
    pub flush_time: u32,
    pub max_event_count: u32,
    pub sample_rate: f64,
    pub max_duration: u64,
    pub overtime: u64,
    pub storage: StorageKind,
    pub domain: Option<String>,
    pub collectors: Collectors,
    pub resource_filters: Vec<Matcher>,
    pub exception_filters: Vec<Matcher>,
    pub tracing: Tracing,
    pub remote: Remote,
    pub delivery: Delivery,
    pub slow_load: f64,
    pub slow_resource: f64,
    /// Session replay: the share of sampled sessions that record (0..=1, default 0).
    pub replay_sample_rate: f64,
    /// Session replay: sessions not chosen keep the last seconds in memory (`sessionReplayBuffer`).
    pub replay_buffer: bool,
    /// `redactQueryParams`: the developer's own secret parameter names (beside the built-in ones
    /// of `core::redact`), or `None` when set to `false`, the one way to let URL secrets out.
    pub redact: Option<Vec<String>>,
}

const PREFIX: &str = "[rum-wasm] ";

/// The numeric options: `(section, key, lo, hi, default)`, valid in `lo..=hi`; section `""` is
/// the top level. `Check::num` reads one by its index here.
const NUMS: [(&str, &str, f64, f64, f64); 14] = [
    ("reportConfig", "flushTime", 1.0, 10_000.0, DEFAULT_FLUSH_TIME as f64),
    ("reportConfig", "maxEventCount", 1.0, 100.0, DEFAULT_MAX_EVENT_COUNT as f64),
    ("sessionConfig", "sampleRate", 0.0, 1.0, 1.0),
    ("sessionConfig", "maxDuration", (4 * HOUR) as f64, (24 * HOUR) as f64, DEFAULT_MAX_DURATION as f64),
    ("sessionConfig", "overtime", (10 * MIN) as f64, HOUR as f64, DEFAULT_OVERTIME as f64),
    ("delivery", "maxQueueEvents", 1.0, 100_000.0, DEFAULT_MAX_QUEUE_EVENTS as f64),
    ("delivery", "maxQueueBytes", 1024.0, 64e6, DEFAULT_MAX_QUEUE_BYTES as f64),
    ("delivery", "maxPersistBytes", 0.0, 4e6, DEFAULT_MAX_PERSIST_BYTES as f64),
    ("tracing", "sample", 0.0, 100.0, 100.0),
    ("remoteConfig", "cacheTimeout", 0.0, 1e12, DEFAULT_CACHE_TIMEOUT as f64),
    ("remoteConfig", "timeout", 0.0, 60_000.0, DEFAULT_REMOTE_TIMEOUT as f64),
    ("", "slowLoadThreshold", 0.0, 3.6e6, DEFAULT_SLOW_LOAD),
    ("", "slowResourceThreshold", 0.0, 3.6e6, DEFAULT_SLOW_RESOURCE),
    ("", "sessionReplaySampleRate", 0.0, 1.0, 0.0),
];
const FLUSH_TIME: usize = 0;
const MAX_EVENT_COUNT: usize = 1;
const SAMPLE_RATE: usize = 2;
const MAX_DURATION: usize = 3;
const OVERTIME: usize = 4;
const MAX_QUEUE_EVENTS: usize = 5;
const MAX_QUEUE_BYTES: usize = 6;
const MAX_PERSIST_BYTES: usize = 7;
const TRACING_SAMPLE: usize = 8;
const CACHE_TIMEOUT: usize = 9;
const REMOTE_TIMEOUT: usize = 10;
const SLOW_LOAD: usize = 11;
const SLOW_RESOURCE: usize = 12;
const REPLAY_SAMPLE_RATE: usize = 13;

struct Check<'a> {
    warnings: &'a mut Vec<String>,
}

impl Check<'_> {
    /// One warning for the field `section.key` (just `key` when `section` is empty).
    fn warn(&mut self, section: &str, key: &str, got: &Value, using: &str) {
        let mut s = String::from(PREFIX);
        if !section.is_empty() {
            s.push_str(section);
            s.push('.');
        }
        s.push_str(key);
        s.push_str(": ");
        let shown = match got {
            Value::Str(x) => {
                s.push('\'');
                s.push_str(truncate_chars(x, 40));
                "'"
            }
            Value::Num(n) => {
                write_num(*n, &mut s);
                ""
            }
            Value::Bool(true) => "true",
            Value::Bool(false) => "false",
            Value::Null => "null",
            Value::Arr(_) => "an array",
            Value::Obj(_) => "an object",
        };
        s.push_str(shown);
        s.push_str(" is not valid; using ");
        s.push_str(using);
        self.warnings.push(s);
    }

    /// The numeric option `NUMS[i]` of config `v`; a value out of its range warns and falls
    /// back to the default.
    #[inline(never)]
    fn num(&mut self, v: &Value, i: usize) -> f64 {
        let Some(&(section, key, lo, hi, default)) = NUMS.get(i) else { return 0.0 };
        let obj = if section.is_empty() { Some(v) } else { v.get(section) };
        match at(obj, key) {
            None | Some(Value::Null) => default,
            Some(Value::Num(n)) if *n >= lo && *n <= hi => *n,
            Some(other) => {
                self.warn(section, key, other, &num_to_string(default));
                default
            }
        }
    }

    fn func(&mut self, v: &Value, field: &str) -> Option<u32> {
        match v.get(field) {
            None | Some(Value::Null) => None,
            Some(f) => match fn_ref(f) {
                Some(i) => Some(i),
                None => {
                    self.warn("", field, f, "none (it must be a function)");
                    None
                }
            },
        }
    }
}

/// `{"$fn": n}` → n.
pub fn fn_ref(v: &Value) -> Option<u32> {
    match v.as_obj()? {
        [(k, Value::Num(n))] if k == "$fn" && *n >= 0.0 => Some(*n as u32),
        _ => None,
    }
}

/// The position of `v` in `names` when `v` is one of those strings.
#[inline(never)]
fn pick(v: Option<&Value>, names: &[&str]) -> Option<usize> {
    let s = v?.as_str()?;
    names.iter().position(|n| *n == s)
}

/// `o[key]`, when `o` is an object that has it.
#[inline(never)]
fn at<'a>(o: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    o?.get(key)
}

/// `o[key]` as JavaScript tests it (`if (o.key)`), `default` when the key is absent.
#[inline(never)]
fn flag(o: Option<&Value>, key: &str, default: bool) -> bool {
    match at(o, key) {
        None => default,
        Some(x) => x.truthy(),
    }
}

/// `o[key]` when it is a string.
#[inline(never)]
fn string_at(o: Option<&Value>, key: &str) -> Option<String> {
    at(o, key)?.as_str().map(String::from)
}

/// The string and number fields of object `v` except the key `skip`: at most `max` of them,
/// keys cut to `key_len` characters and strings to `str_len`.
#[inline(never)]
fn scalars(v: Option<&Value>, skip: Option<&str>, max: usize, key_len: usize, str_len: usize) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, val) in v.and_then(Value::as_obj).unwrap_or(&[]) {
        if out.len() == max {
            break;
        }
        let val = match val {
            Value::Str(s) => Value::str(truncate_chars(s, str_len)),
            Value::Num(n) => Value::Num(*n),
            _ => continue,
        };
        if Some(k.as_str()) != skip {
            out.push((String::from(truncate_chars(k, key_len)), val));
        }
    }
    out
}

/// String and number fields only, as ARMS copies `app`, `user`, `device`, ... into the bundle.
fn scalar_fields(v: Option<&Value>, skip: &str) -> Vec<(String, Value)> {
    scalars(v, Some(skip), usize::MAX, usize::MAX, usize::MAX)
}

/// ARMS `properties`: string/number values, ≤ 20 keys, keys ≤ 50 chars, strings ≤ 2000 chars.
pub fn clean_properties(v: Option<&Value>) -> Vec<(String, Value)> {
    use super::limits::*;
    scalars(v, None, PROPERTIES_MAX, PROPERTY_KEY_MAX, PROPERTY_VALUE_MAX)
}

fn matcher(v: &Value) -> Option<Matcher> {
    let (source, flags) = match v {
        Value::Str(s) => match regex_literal(s) {
            Some(parts) => parts,
            None => return Some(Matcher::Prefix(s.clone())),
        },
        Value::Obj(_) => {
            if let Some(i) = fn_ref(v) {
                return Some(Matcher::Func(i));
            }
            let Some(Value::Str(source)) = v.get("$re") else { return None };
            match v.get("$flags") {
                Some(Value::Str(flags)) => (source.as_str(), flags.as_str()),
                _ => (source.as_str(), ""),
            }
        }
        _ => return None,
    };
    Some(Matcher::Regex(String::from(source), String::from(flags)))
}

/// A remote config can only carry strings: `/source/flags` is a RegExp there, as in ARMS.
fn regex_literal(s: &str) -> Option<(&str, &str)> {
    // The last '/', not the leading one: the source between them is not empty.
    // Byte loops: iterator adapters over bytes are out-of-line code at opt-level z.
    let b = s.as_bytes();
    let mut end = b.len();
    while end > 0 && b.get(end - 1) != Some(&b'/') {
        end -= 1;
    }
    let end = end.checked_sub(1)?;
    let source = s.get(1..end).filter(|src| !src.is_empty() && s.starts_with('/'))?;
    let flags = s.get(end + 1..)?;
    for f in flags.as_bytes() {
        if !matches!(f, b'g' | b'i' | b'm' | b's' | b'u' | b'y' | b'd') {
            return None;
        }
    }
    Some((source, flags))
}

fn matchers(c: &mut Check, v: &Value, key: &str) -> Vec<Matcher> {
    let mut out = Vec::new();
    match at(v.get("filters"), key) {
        None | Some(Value::Null) => {}
        Some(Value::Arr(items)) => {
            for item in items {
                match matcher(item) {
                    Some(m) => out.push(m),
                    None => c.warn("filters", key, item, "nothing for that entry"),
                }
            }
        }
        Some(single) => match matcher(single) {
            Some(m) => out.push(m),
            None => c.warn("filters", key, single, "no filter"),
        },
    }
    out
}

fn propagators(v: Option<&Value>) -> Vec<Propagator> {
    let mut out = Vec::new();
    for item in v.and_then(Value::as_arr).unwrap_or(&[]) {
        out.push(match pick(Some(item), &["tracecontext", "b3", "b3multi", "jaeger", "sw8"]) {
            Some(0) => Propagator::TraceContext,
            Some(1) => Propagator::B3,
            Some(2) => Propagator::B3Multi,
            Some(3) => Propagator::Jaeger,
            Some(4) => Propagator::Sw8,
            _ => continue,
        });
    }
    if out.is_empty() {
        out.push(Propagator::TraceContext);
    }
    out
}

/// `tracing` and `remoteConfig`: off when absent, null or false, on when true; an object is on
/// unless its `enable` is falsy, and is returned for its other options. Anything else warns.
fn switch<'a>(c: &mut Check, root: &'a Value, key: &str, off: &str) -> (bool, Option<&'a Value>) {
    match root.get(key) {
        None | Some(Value::Null) | Some(Value::Bool(false)) => (false, None),
        Some(Value::Bool(true)) => (true, None),
        Some(o @ Value::Obj(_)) => (flag(Some(o), "enable", true), Some(o)),
        Some(other) => {
            c.warn("", key, other, off);
            (false, None)
        }
    }
}

fn tracing(c: &mut Check, root: &Value) -> Tracing {
    let (enable, o) = switch(c, root, "tracing", "false");
    let mut t = Tracing {
        enable,
        sample: c.num(root, TRACING_SAMPLE),
        propagators: propagators(at(o, "propagatorTypes")),
        allowed: Vec::new(),
        tracestate: flag(o, "tracestate", true),
        baggage: flag(o, "baggage", false),
    };
    let allowed: &[Value] = match at(o, "allowedUrls") {
        Some(Value::Arr(a)) => a,
        Some(one) => core::slice::from_ref(one),
        None => &[],
    };
    for item in allowed {
        // An entry without its own propagators uses the tracing-wide ones.
        let (m, p) = match item.get("match") {
            Some(m) => (m, Some(item)),
            None => (item, o),
        };
        match matcher(m) {
            Some(m) => t.allowed.push((m, propagators(at(p, "propagatorTypes")))),
            None => c.warn("tracing", "allowedUrls", item, "nothing for that entry"),
        }
    }
    t
}

fn remote(c: &mut Check, root: &Value) -> Remote {
    let (enable, o) = switch(c, root, "remoteConfig", "off");
    let mode = at(o, "mode");
    Remote {
        enable,
        mode: match (mode, pick(mode, &["launch-first", "remote-first"])) {
            (_, Some(1)) => RemoteMode::RemoteFirst,
            (None | Some(Value::Null), _) | (_, Some(_)) => RemoteMode::LaunchFirst,
            (Some(other), None) => {
                c.warn("remoteConfig", "mode", other, "'launch-first'");
                RemoteMode::LaunchFirst
            }
        },
        cache_timeout: c.num(root, CACHE_TIMEOUT) as u64,
        url: string_at(o, "url"),
        region: match string_at(o, "region") {
            Some(region) => region,
            None => String::from(DEFAULT_REGION),
        },
        timeout: c.num(root, REMOTE_TIMEOUT) as u64,
        re_setup: flag(o, "reSetup", true),
    }
}

/// `v[key]`, a non-empty string, or the message that keeps the SDK off.
fn required(v: &Value, key: &str) -> Result<String, String> {
    match v.get(key) {
        Some(Value::Str(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(cat(&[PREFIX, "config.", key, " is missing or not a string; the SDK stays off"])),
    }
}

/// Parses and validates. `Err` carries the one message for a config the SDK cannot run with.
pub fn from_value(v: &Value, warnings: &mut Vec<String>) -> Result<Config, String> {
    if v.as_obj().is_none() {
        return Err(String::from("[rum-wasm] init() needs a config object; the SDK stays off"));
    }
    let mut c = Check { warnings };
    let pid = required(v, "pid")?;
    let endpoint = required(v, "endpoint")?;
    let env = match v.get("env") {
        Some(Value::Str(s)) => s.clone(),
        got => {
            if let Some(other @ (Value::Bool(_) | Value::Num(_) | Value::Arr(_) | Value::Obj(_))) = got {
                c.warn("", "env", other, "prod");
            }
            String::from("prod")
        }
    };
    let version = match v.get("version") {
        Some(Value::Str(s)) => Some(s.clone()),
        Some(Value::Num(n)) => Some(num_to_string(*n)),
        _ => None,
    };

    let spa = v.get("spaMode");
    let spa_mode = match (spa, pick(spa, &["", "history", "hash"])) {
        (None | Some(Value::Null) | Some(Value::Bool(false)), _) | (_, Some(0)) => SpaMode::Off,
        (_, Some(1)) => SpaMode::History,
        (_, Some(2)) => SpaMode::Hash,
        // ARMS: any other truthy value means 'auto'.
        _ => SpaMode::Auto,
    };

    let flush_time = c.num(v, FLUSH_TIME) as u32;
    let max_event_count = c.num(v, MAX_EVENT_COUNT) as u32;
    let sample_rate = c.num(v, SAMPLE_RATE);
    let max_duration = c.num(v, MAX_DURATION) as u64;
    let overtime = c.num(v, OVERTIME) as u64;
    let sc = v.get("sessionConfig");
    let st = at(sc, "storage");
    let storage = match (st, pick(st, &["localStorage", "cookie", "auto"])) {
        (None | Some(Value::Null), _) | (_, Some(0)) => StorageKind::LocalStorage,
        (_, Some(1)) => StorageKind::Cookie,
        (_, Some(_)) => StorageKind::Auto,
        (Some(other), None) => {
            c.warn("sessionConfig", "storage", other, "'auto'");
            StorageKind::Auto
        }
    };
    let domain = string_at(sc, "domain").filter(|d| !d.is_empty());

    let collectors = Collectors::from(v.get("collectors"));

    let resource_filters = matchers(&mut c, v, "resource");
    let exception_filters = matchers(&mut c, v, "exception");

    let delivery = Delivery {
        max_queue_events: c.num(v, MAX_QUEUE_EVENTS) as u32,
        max_queue_bytes: c.num(v, MAX_QUEUE_BYTES) as u32,
        max_persist_bytes: c.num(v, MAX_PERSIST_BYTES) as u32,
        compress: flag(Some(v), "compress", false),
    };

    let u = v.get("user");
    let mut user = scalar_fields(u, "id");
    // Keep the app's own user id (ARMS ignores it as `user.id`, which stays the stored uid);
    // the console searches it, and a change of it starts a new session.
    if let Some(id @ (Value::Str(_) | Value::Num(_))) = at(u, "id") {
        user.push((String::from("user_id"), id.clone()));
    }

    let mut extra = Vec::new();
    for k in &["device", "os", "geo", "isp", "net"] {
        let f = scalar_fields(v.get(k), "");
        if !f.is_empty() {
            extra.push((*k, f));
        }
    }

    // Anything but `false` keeps the built-in names; an array's strings are added to them.
    let rq = v.get("redactQueryParams");
    let mut redact = Some(Vec::new());
    match rq {
        Some(Value::Bool(false)) => redact = None,
        None | Some(Value::Null | Value::Bool(true)) => {}
        Some(Value::Arr(names)) => {
            for n in names {
                match n {
                    Value::Str(s) => redact.get_or_insert_with(Vec::new).push(s.clone()),
                    _ => c.warn("", "redactQueryParams", n, "nothing for that entry"),
                }
            }
        }
        Some(other) => c.warn("", "redactQueryParams", other, "the built-in names"),
    }

    Ok(Config {
        raw: v.clone(),
        redact,
        app: scalar_fields(v.get("app"), ""),
        user,
        extra,
        properties: clean_properties(v.get("properties")),
        parse_view_name: c.func(v, "parseViewName"),
        parse_resource_name: c.func(v, "parseResourceName"),
        before_report: c.func(v, "beforeReport"),
        evaluate_api: c.func(v, "evaluateApi"),
        tracing: tracing(&mut c, v),
        remote: remote(&mut c, v),
        slow_load: c.num(v, SLOW_LOAD),
        slow_resource: c.num(v, SLOW_RESOURCE),
        replay_sample_rate: c.num(v, REPLAY_SAMPLE_RATE),
        replay_buffer: flag(Some(v), "sessionReplayBuffer", false),
        pid,
        endpoint,
        env,
        version,
        spa_mode,
        flush_time,
        max_event_count,
        sample_rate,
        max_duration,
        overtime,
        storage,
        domain,
        collectors,
        resource_filters,
        exception_filters,
        delivery,
    })
}

/// The identity the app gave for its user: a change of it starts a new session.
pub fn user_identity(cfg: &Config) -> String {
    let mut s = String::new();
    for (k, v) in &cfg.user {
        if k == "name" || k == "user_id" {
            s.push_str(k);
            s.push('=');
            match v {
                Value::Str(x) => s.push_str(x),
                Value::Num(n) => write_num(*n, &mut s),
                _ => {}
            }
            s.push(';');
        }
    }
    s
}

/// Remote config over local, as ARMS merges it: objects recursively, remote wins, except that
/// `pid` and `endpoint` always stay local.
pub fn merge(local: &Value, remote: &Value) -> Value {
    let mut out = local.clone();
    if let Some(fields) = remote.as_obj() {
        if out.as_obj().is_none() {
            out = Value::Obj(Vec::new());
        }
        for (k, v) in fields {
            merge_field(&mut out, k, v, true);
        }
    }
    out
}

/// Merges the remote field `k: v` into the object `dst` (nothing when `dst` is not an object);
/// at the top level `pid` and `endpoint` stay local.
pub fn merge_field(dst: &mut Value, k: &str, v: &Value, top: bool) {
    if top && (k == "pid" || k == "endpoint") {
        return;
    }
    if let (Value::Obj(fields), Value::Obj(src)) = (&mut *dst, v) {
        if let Some((_, slot @ Value::Obj(_))) = fields.iter_mut().find(|(dk, _)| dk == k) {
            if fn_ref(v).is_none() {
                for (k, v) in src {
                    merge_field(slot, k, v, false);
                }
                return;
            }
        }
    }
    dst.set(k, v.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn cfg(text: &str) -> (Result<Config, String>, Vec<String>) {
        let mut w = Vec::new();
        let r = from_value(&parse(text).unwrap(), &mut w);
        (r, w)
    }

    fn ok(text: &str) -> (Config, Vec<String>) {
        let (r, w) = cfg(text);
        (r.unwrap_or_else(|e| panic!("{e}")), w)
    }

    #[test]
    fn defaults_follow_the_product_documentation() {
        let (c, w) = ok(r#"{"pid":"p","endpoint":"http://e/collect"}"#);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.env, "prod");
        assert_eq!(c.flush_time, 3000);
        assert_eq!(c.max_event_count, 20);
        assert_eq!(c.sample_rate, 1.0);
        assert_eq!(c.overtime, HOUR);
        assert_eq!(c.max_duration, 24 * HOUR);
        assert_eq!(c.storage, StorageKind::LocalStorage);
        assert_eq!(c.spa_mode, SpaMode::Off);
        assert!(c.collectors.perf() && c.collectors.api() && c.collectors.action() && c.collectors.console_error());
        assert!(!c.collectors.longtask());
        assert!(!c.tracing.enable);
        assert!(!c.remote.enable);
        assert_eq!(c.remote.cache_timeout, HOUR);
    }

    #[test]
    fn url_redaction_is_on_unless_set_to_false_and_takes_extra_names() {
        let base = r#"{"pid":"p","endpoint":"http://e/collect""#;
        let at = |extra: &str| ok(&cat(&[base, extra, "}"]));
        assert_eq!(at("").0.redact, Some(Vec::new()));
        assert_eq!(at(r#","redactQueryParams":true"#).0.redact, Some(Vec::new()));
        assert_eq!(at(r#","redactQueryParams":false"#).0.redact, None);
        let (c, w) = at(r#","redactQueryParams":["orderRef",7]"#);
        assert_eq!(c.redact, Some(alloc::vec![String::from("orderRef")]));
        assert_eq!(w, ["[rum-wasm] redactQueryParams: 7 is not valid; using nothing for that entry"]);
        // Anything else keeps the built-in names: only an explicit false lets secrets out.
        let (c, w) = at(r#","redactQueryParams":"no""#);
        assert_eq!(c.redact, Some(Vec::new()));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn missing_pid_or_endpoint_keeps_the_sdk_off_with_one_message() {
        for text in [
            r#"{"endpoint":"x"}"#,
            r#"{"pid":1,"endpoint":"x"}"#,
            r#"{"pid":"p"}"#,
            r#"{"pid":"p","endpoint":""}"#,
            "[]",
        ] {
            let (r, _) = cfg(text);
            let e = r.err().expect(text);
            assert!(e.starts_with("[rum-wasm] ") && e.contains("stays off"), "{e}");
        }
        let (r, _) = cfg(r#"{"pid":"p"}"#);
        assert!(r.err().unwrap().contains("endpoint"));
    }

    #[test]
    fn out_of_range_values_warn_once_each_and_use_the_default() {
        let (c, w) = ok(r#"{"pid":"p","endpoint":"e",
            "reportConfig":{"flushTime":0,"maxEventCount":101},
            "sessionConfig":{"sampleRate":1.5,"overtime":60000,"maxDuration":"long","storage":"indexedDB"},
            "env":7}"#);
        assert_eq!(c.flush_time, 3000);
        assert_eq!(c.max_event_count, 20);
        assert_eq!(c.sample_rate, 1.0);
        assert_eq!(c.overtime, HOUR);
        assert_eq!(c.max_duration, 24 * HOUR);
        assert_eq!(c.storage, StorageKind::Auto);
        assert_eq!(c.env, "prod");
        assert_eq!(w.len(), 7, "{w:?}");
        assert!(w.iter().any(|m| m == "[rum-wasm] sessionConfig.overtime: 60000 is not valid; using 3600000"), "{w:?}");
        assert!(w.iter().any(|m| m.contains("sessionConfig.maxDuration: 'long'")));
        assert!(w.iter().any(|m| m.contains("sessionConfig.storage: 'indexedDB' is not valid; using 'auto'")));
    }

    #[test]
    fn range_edges_are_inclusive() {
        let (c, w) = ok(r#"{"pid":"p","endpoint":"e","reportConfig":{"flushTime":10000,"maxEventCount":1},
            "sessionConfig":{"overtime":600000,"maxDuration":14400000,"sampleRate":0}}"#);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!((c.flush_time, c.max_event_count, c.overtime, c.max_duration), (10000, 1, 600_000, 14_400_000));
        assert_eq!(c.sample_rate, 0.0);
    }

    #[test]
    fn bundle_objects_copy_scalars_and_user_id_is_kept_apart() {
        let (c, _) = ok(r#"{"pid":"p","endpoint":"e","app":{"name":"a","n":1,"o":{}},
            "user":{"id":"u-42","name":"Alice","tags":"vip","x":[1]},"geo":{"country":"CN"},"os":{}}"#);
        assert_eq!(Value::Obj(c.app.clone()).to_json(), r#"{"name":"a","n":1}"#);
        assert_eq!(Value::Obj(c.user.clone()).to_json(), r#"{"name":"Alice","tags":"vip","user_id":"u-42"}"#);
        assert_eq!(c.extra.len(), 1);
        assert_eq!(c.extra[0].0, "geo");
        assert_eq!(user_identity(&c), "name=Alice;user_id=u-42;");
    }

    #[test]
    fn properties_are_limited_as_arms_limits_them() {
        let mut text = String::from(r#"{"pid":"p","endpoint":"e","properties":{"nested":{"a":1},"#);
        let long_key = "k".repeat(60);
        let long_val = "v".repeat(2100);
        text.push_str(&cat(&["\"", &long_key, "\":\"", &long_val, "\""]));
        for i in 0..30 {
            text.push_str(&cat(&[",\"p", &num_to_string(i as f64), "\":", &num_to_string(i as f64)]));
        }
        text.push_str("}}");
        let (c, _) = ok(&text);
        assert_eq!(c.properties.len(), 20);
        assert_eq!(c.properties[0].0.len(), 50);
        assert_eq!(c.properties[0].1.as_str().unwrap().len(), 2000);
        assert!(c.properties.iter().all(|(k, _)| k != "nested"));
    }

    #[test]
    fn spa_mode_values() {
        for (v, want) in [
            ("false", SpaMode::Off),
            ("true", SpaMode::Auto),
            ("\"auto\"", SpaMode::Auto),
            ("\"history\"", SpaMode::History),
            ("\"hash\"", SpaMode::Hash),
            ("\"weird\"", SpaMode::Auto),
        ] {
            let (c, _) = ok(&cat(&[r#"{"pid":"p","endpoint":"e","spaMode":"#, v, "}"]));
            assert_eq!(c.spa_mode, want, "{v}");
        }
    }

    #[test]
    fn collectors_switch_off_only_with_false_and_longtask_only_with_true() {
        let (c, _) = ok(r#"{"pid":"p","endpoint":"e","collectors":{"perf":false,"api":0,"longtask":1}}"#);
        assert!(!c.collectors.perf());
        assert!(c.collectors.api());
        assert!(!c.collectors.longtask());
        let (c, _) = ok(r#"{"pid":"p","endpoint":"e","collectors":{"longtask":true}}"#);
        assert!(c.collectors.longtask());
    }

    #[test]
    fn functions_regexes_and_remote_regex_strings_become_matchers() {
        let (c, w) = ok(r#"{"pid":"p","endpoint":"e","beforeReport":{"$fn":0},"parseViewName":"nope",
            "filters":{"resource":["/api/skip",{"$re":"^https?://cdn","$flags":"i"},{"$fn":3},"/ads\\d+/i",5],
                       "exception":"Script"}}"#);
        assert_eq!(c.before_report, Some(0));
        assert_eq!(c.parse_view_name, None);
        assert_eq!(
            c.resource_filters,
            alloc::vec![
                Matcher::Prefix(String::from("/api/skip")),
                Matcher::Regex(String::from("^https?://cdn"), String::from("i")),
                Matcher::Func(3),
                Matcher::Regex(String::from("ads\\d+"), String::from("i")),
            ]
        );
        assert_eq!(c.exception_filters, alloc::vec![Matcher::Prefix(String::from("Script"))]);
        assert_eq!(w.len(), 2, "{w:?}");
    }

    #[test]
    fn tracing_and_remote_config_shapes() {
        let (c, _) = ok(r#"{"pid":"p","endpoint":"e","tracing":true,"remoteConfig":true}"#);
        assert!(c.tracing.enable && c.tracing.tracestate && !c.tracing.baggage);
        assert_eq!(c.tracing.propagators, alloc::vec![Propagator::TraceContext]);
        assert!(c.remote.enable);
        assert_eq!(c.remote.mode, RemoteMode::LaunchFirst);
        let (c, w) = ok(r#"{"pid":"p","endpoint":"e",
            "tracing":{"sample":50,"propagatorTypes":["b3","x"],"allowedUrls":["http://api",{"match":"http://b","propagatorTypes":["jaeger"]}]},
            "remoteConfig":{"enable":true,"mode":"remote-first","cacheTimeout":5000,"timeout":800,"url":"http://c/config","region":"cn-shanghai"}}"#);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.tracing.sample, 50.0);
        assert_eq!(c.tracing.propagators, alloc::vec![Propagator::B3]);
        assert_eq!(c.tracing.allowed.len(), 2);
        assert_eq!(c.tracing.allowed[1].1, alloc::vec![Propagator::Jaeger]);
        assert_eq!(c.remote.mode, RemoteMode::RemoteFirst);
        assert_eq!((c.remote.cache_timeout, c.remote.timeout), (5000, 800));
        assert_eq!(c.remote.url.as_deref(), Some("http://c/config"));
        assert_eq!(c.remote.region, "cn-shanghai");
        let (c, w) = ok(r#"{"pid":"p","endpoint":"e","remoteConfig":{"enable":false,"mode":"later"}}"#);
        assert!(!c.remote.enable);
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn merge_keeps_pid_and_endpoint_and_merges_objects() {
        let local = parse(r#"{"pid":"p","endpoint":"e","reportConfig":{"flushTime":3000,"maxEventCount":5},"beforeReport":{"$fn":0}}"#).unwrap();
        let remote = parse(r#"{"pid":"x","endpoint":"y","reportConfig":{"flushTime":1000},"collectors":{"perf":false},"properties":{"from_remote":"yes"}}"#).unwrap();
        let m = merge(&local, &remote);
        assert_eq!(
            m.to_json(),
            r#"{"pid":"p","endpoint":"e","reportConfig":{"flushTime":1000,"maxEventCount":5},"beforeReport":{"$fn":0},"collectors":{"perf":false},"properties":{"from_remote":"yes"}}"#
        );
        // A non-object remote is ignored rather than wiping the config.
        assert_eq!(merge(&local, &Value::Num(1.0)).to_json(), local.to_json());
    }
}
