//! Automatic collection, the browser half: installs the hooks and observers the config asks for
//! (a collector that is off registers nothing), reads what they report, and hands plain facts to
//! the pure builders in `core::collect`.

use super::js::{self, get, get_f64, get_str};
use super::runtime::{with_rt, Runtime};
use crate::core::collect::action::Click;
use crate::core::collect::api::{ApiCall, StaticResource};
use crate::core::collect::exception::{non_error_name, JsError, Source};
use crate::core::collect::long_task::{LongTask, Script};
use crate::core::collect::page::{PageTiming, Vitals};
use crate::core::collect::timing::Timing;
use crate::core::config::Config;
use crate::core::filter::{any_matches, builtin_ignored_error, builtin_ignored_url};
use crate::core::manual::Spec;
use crate::core::tracing::{propagate, TraceContext};
use crate::core::url::pathname;
use alloc::string::String;
use alloc::vec::Vec;
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::hooks::*;
use super::hub::{API, CLICK, CONSOLE, ERROR, LONG_TASK, PAGE_LOAD, REJECTION, RESOURCE, ROUTE};

/// The installed collectors; dropping this uninstalls every hook, listener and observer.
pub struct Collectors {
    patched: Vec<JsValue>,
    observers: Vec<JsValue>,
    vitals: Option<JsValue>,
    _listeners: Listeners,
}

impl Drop for Collectors {
    fn drop(&mut self) {
        for p in &self.patched {
            let _ = unhook(p);
        }
        for o in &self.observers {
            let _ = disconnect(o);
        }
    }
}

impl Collectors {
    /// Installs what `cfg` switches on. `first_load` is false on a re-install (setConfig,
    /// remote config), so page-load-once collectors do not report twice.
    pub fn install(cfg: &Config, fns: &super::fns::Fns, h: &Function, first_load: bool) -> Collectors {
        let mut patched = Vec::new();
        let mut observers = Vec::new();
        let mut l = Listeners::default();
        let on = &cfg.collectors;
        let keep = |list: &mut Vec<JsValue>, r: Result<JsValue, JsValue>| {
            if let Ok(v) = r {
                if v.is_object() {
                    list.push(v);
                }
            }
        };
        if on.api {
            let evaluate = cfg.evaluate_api.map_or(JsValue::UNDEFINED, |f| fns.get(f));
            keep(&mut patched, hook_fetch(h, &evaluate));
            keep(&mut patched, hook_xhr(h, &evaluate));
        }
        let spa = cfg.spa_mode != crate::core::config::SpaMode::Off;
        if spa {
            keep(&mut patched, hook_history(h));
            l.add(h, false, "popstate", false, ROUTE);
            l.add(h, false, "hashchange", false, ROUTE);
        }
        if on.console_error {
            keep(&mut patched, hook_console(h));
        }
        if on.static_resource {
            keep(&mut observers, observe_resources(h));
        }
        if on.longtask {
            keep(&mut observers, observe_long_tasks(h));
        }
        let vitals = if on.web_vitals && first_load { observe_vitals().ok() } else { None };
        if on.perf && first_load {
            let _ = after_load(h);
        }
        if on.js_error {
            // Capture phase: sees errors before page handlers can stop them.
            l.add(h, false, "error", true, ERROR);
            l.add(h, false, "unhandledrejection", false, REJECTION);
        }
        if on.action {
            l.add(h, true, "click", true, CLICK);
        }
        Collectors { patched, observers, vitals, _listeners: l }
    }

    /// The page is being hidden or left: web vitals are final now (sent once per load).
    pub fn finish_vitals(&mut self, rt_emit: &mut dyn FnMut(Spec)) {
        let Some(v) = self.vitals.take() else { return };
        let Ok(take) = get(&v, "take").dyn_into::<Function>() else { return };
        let Ok(d) = take.call0(&v) else { return };
        let vitals = Vitals {
            lcp: get_f64(&d, "lcp"),
            fid: get_f64(&d, "fid"),
            fid_time: get_f64(&d, "fit"),
            cls: get_f64(&d, "cls"),
            inp: get_f64(&d, "inp").filter(|v| *v > 0.0),
            ttfb: get_f64(&d, "ttfb"),
            fcp: get_f64(&d, "fcp"),
        };
        if let Some(fields) = vitals.fields(&js::location_href(), &js::document_referrer()) {
            rt_emit(Spec::new("view", fields));
        }
    }
}

/// Errors captured by the facade before the wasm was ready.
pub fn capture_early(ev: JsValue) {
    let kind = if js::get(&ev, "reason").is_undefined() && js::get(&ev, "promise").is_undefined() { ERROR } else { REJECTION };
    with_rt(move |rt| {
        if rt.agent.cfg.collectors.js_error {
            dispatch(rt, kind, ev);
        }
    });
}

fn emit(rt: &mut Runtime, spec: Spec) {
    rt.agent.emit(&mut rt.host, spec);
}

pub fn dispatch(rt: &mut Runtime, kind: u32, d: JsValue) {
    if !rt.agent.sampled() {
        return;
    }
    match kind {
        API => api(rt, &d),
        ROUTE => {
            let href = js::location_href();
            rt.agent.navigate(&mut rt.host, &href, false);
        }
        CONSOLE => console_error(rt, &d),
        ERROR => error_event(rt, &d),
        REJECTION => rejection(rt, &d),
        CLICK => {
            // Read the DOM now, in the event; only plain facts travel on, no element handle.
            if let Ok(c) = describe_click(&d) {
                if c.is_object() {
                    click(rt, &c);
                }
            }
        }
        RESOURCE => resource(rt, &d),
        PAGE_LOAD => page_load(rt),
        LONG_TASK => long_task(rt, &d),
        _ => {}
    }
}

fn ignored_url(rt: &Runtime, url: &str) -> bool {
    url.starts_with(rt.host.transport.endpoint.as_str())
        || builtin_ignored_url(url)
        || any_matches(&rt.agent.cfg.resource_filters, url, &rt.host.fns)
}

fn resource_name(rt: &mut Runtime, url: &str) -> String {
    if let Some(f) = rt.agent.cfg.parse_resource_name {
        if let Some(n) = rt.host.fns.call(f, &[&JsValue::from_str(url)]).ok().and_then(|v| v.as_string()) {
            return n;
        }
    }
    String::from(pathname(url))
}

fn timing(e: &JsValue) -> Timing {
    let n = |k: &str| get_f64(e, k).unwrap_or(0.0);
    Timing {
        start: n("startTime"),
        duration: n("duration"),
        redirect_start: n("redirectStart"),
        redirect_end: n("redirectEnd"),
        dns_start: n("domainLookupStart"),
        dns_end: n("domainLookupEnd"),
        connect_start: n("connectStart"),
        connect_end: n("connectEnd"),
        secure_start: n("secureConnectionStart"),
        request_start: n("requestStart"),
        response_start: n("responseStart"),
        response_end: n("responseEnd"),
        decoded_size: n("decodedBodySize"),
        transfer_size: n("transferSize"),
        status: n("responseStatus"),
    }
}

fn trace_id_of(tr: &JsValue) -> Option<String> {
    if let Some(tp) = get_str(tr, "traceparent") {
        return tp.get(3..35).map(String::from);
    }
    get_str(tr, "X-B3-TraceId")
        .or_else(|| get_str(tr, "b3").or_else(|| get_str(tr, "uber-trace-id")).and_then(|s| s.get(..32).map(String::from)))
}

fn api(rt: &mut Runtime, d: &JsValue) {
    let url = get_str(d, "u").unwrap_or_default();
    if ignored_url(rt, &url) {
        return;
    }
    let name = resource_name(rt, &url);
    let kind = get_str(d, "k").unwrap_or_default();
    let method = get_str(d, "m").unwrap_or_default();
    let status_text = get_str(d, "t").unwrap_or_default();
    let error = get_str(d, "e");
    let tm = get(d, "tm");
    let trace = trace_id_of(&get(d, "tr"));
    // evaluateApi's answer refines the call (ARMS's fields, its length caps).
    let ev = get(d, "ev");
    let over = |k: &str, max: usize| get_str(&ev, k).map(|s| String::from(crate::core::text::truncate_chars(&s, max)));
    let name = over("name", 1000).unwrap_or(name);
    let status_text = over("message", 1000).unwrap_or(status_text);
    let trace = over("trace_id", 100).or(trace);
    let mut call = ApiCall {
        kind: &kind,
        method: &method,
        url: &url,
        name: &name,
        status: get_f64(d, "s").unwrap_or(0.0),
        status_text: &status_text,
        error: error.as_deref(),
        duration: get_f64(d, "d").unwrap_or(0.0),
        timing: (!tm.is_undefined()).then(|| timing(&tm)),
        trace_id: trace.as_deref(),
        slow_threshold: rt.agent.cfg.slow_resource,
        success: get_f64(&ev, "success"),
        snapshots: over("snapshots", 5000),
        properties: crate::core::config::clean_properties(Some(&crate::browser::fns::to_value(&get(&ev, "properties")))),
    };
    if let Some(v) = get_f64(&ev, "duration") {
        call.duration = v;
    }
    if let Some(v) = get_f64(&ev, "status_code") {
        call.status = v;
    }
    let mut spec = Spec::new("resource", call.fields());
    spec.timestamp = get_f64(d, "ts").map(|t| t as u64);
    let v = get(d, "v");
    if let (Some(id), Some(name)) = (js::get_str(&v, "1"), js::get_str(&v, "2")) {
        spec.view = Some(crate::core::event::ViewRef { id, name });
    }
    emit(rt, spec);
}

fn resource(rt: &mut Runtime, e: &JsValue) {
    let url = get_str(e, "name").unwrap_or_default();
    if ignored_url(rt, &url) {
        return;
    }
    let name = resource_name(rt, &url);
    let initiator = get_str(e, "initiatorType").unwrap_or_default();
    let r = StaticResource { url: &url, name: &name, initiator: &initiator, timing: timing(e), slow_threshold: rt.agent.cfg.slow_resource };
    let fields = r.fields();
    emit(rt, Spec::new("resource", fields));
}

fn filtered_error(rt: &Runtime, e: &JsError) -> bool {
    let f = &rt.agent.cfg.exception_filters;
    builtin_ignored_error(&e.message)
        || (!f.is_empty() && [&e.name, &e.message, &e.stack].iter().any(|v| any_matches(f, v, &rt.host.fns)))
}

/// An Error-like value (anything with a string `message`), or anything else as text.
fn error_from_value(v: &JsValue, source: Source) -> JsError {
    match get_str(v, "message") {
        Some(message) if v.is_object() => JsError {
            source,
            name: get_str(v, "name").unwrap_or_else(|| String::from("Error")),
            message,
            stack: get_str(v, "stack").unwrap_or_default(),
            location: None,
        },
        _ => JsError { source, name: String::from(non_error_name(source)), message: text_of(v), stack: String::new(), location: None },
    }
}

/// Any value as the developer would read it: strings as they are, Errors as `Name: message`,
/// other objects as JSON, the rest (`7`, `null`, `undefined`, symbols) as `String(v)` does.
fn text_of(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        return s;
    }
    if v.is_object() {
        if let Some(m) = get_str(v, "message") {
            let name = get_str(v, "name").unwrap_or_else(|| String::from("Error"));
            return crate::core::text::cat(&[&name, ": ", &m]);
        }
        if let Some(s) = js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()) {
            return s;
        }
    }
    js::js_string(v).unwrap_or_default()
}

fn report_error(rt: &mut Runtime, e: JsError) {
    if filtered_error(rt, &e) {
        return;
    }
    let mut spec = Spec::new("exception", e.fields());
    spec.merge_key = Some(e.merge_key());
    emit(rt, spec);
}

fn error_event(rt: &mut Runtime, ev: &JsValue) {
    // A failed <img>/<script> load also fires `error` (without a message): that is a resource,
    // reported by the resource collector, not a JS error.
    let Some(message) = get_str(ev, "message") else { return };
    let err = get(ev, "error");
    let mut e = if err.is_object() { error_from_value(&err, Source::OnError) } else { error_from_value(&JsValue::NULL, Source::OnError) };
    if !err.is_object() {
        e.name = String::from("Error");
        e.message = message;
    }
    e.location = Some((get_str(ev, "filename").unwrap_or_default(), get_f64(ev, "lineno").unwrap_or(0.0), get_f64(ev, "colno").unwrap_or(0.0)));
    report_error(rt, e);
}

fn rejection(rt: &mut Runtime, ev: &JsValue) {
    let e = error_from_value(&get(ev, "reason"), Source::OnUnhandledRejection);
    report_error(rt, e);
}

fn console_error(rt: &mut Runtime, args: &JsValue) {
    let args: Array = args.clone().unchecked_into();
    if args.length() == 0 {
        return;
    }
    let first = args.get(0);
    let mut e = error_from_value(&first, Source::ConsoleError);
    if !first.is_object() || get_str(&first, "message").is_none() {
        // console.error('text', more...): the whole line, as the developer would read it.
        let mut msg = String::new();
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                msg.push(' ');
            }
            msg.push_str(&text_of(&a));
        }
        e.message = msg;
    }
    report_error(rt, e);
}

fn click(rt: &mut Runtime, d: &JsValue) {
    let s = |k: &str| get_str(d, k).unwrap_or_default();
    let c = Click {
        tag: s("tag"),
        type_attr: s("type"),
        text: s("text"),
        id: s("id"),
        name: s("name"),
        class: s("cls"),
        href: s("href"),
        src: s("src"),
        xpath: s("xp"),
        duration: get_f64(d, "dur").unwrap_or(0.0),
    };
    let mut spec = Spec::new("action", c.fields());
    spec.merge_key = Some(c.merge_key());
    spec.timestamp = get_f64(d, "ts").map(|t| t as u64);
    emit(rt, spec);
}

fn page_load(rt: &mut Runtime) {
    let Ok(t) = page_timing() else { return };
    if t.is_null() {
        return;
    }
    let timing = PageTiming {
        dom_interactive: get_f64(&t, "dom_interactive"),
        dom_content_loaded: get_f64(&t, "dom_content_loaded"),
        dom_complete: get_f64(&t, "dom_complete"),
        load_event: get_f64(&t, "load_event"),
        first_paint: get_f64(&t, "first_paint"),
        first_contentful_paint: get_f64(&t, "first_contentful_paint"),
    };
    let fields = timing.fields(&js::location_href(), &js::document_referrer(), rt.agent.cfg.slow_load);
    emit(rt, Spec::new("view", fields));
}

fn long_task(rt: &mut Runtime, d: &JsValue) {
    let scripts: Array = get(d, "scripts").dyn_into().unwrap_or_default();
    let t = LongTask {
        source: get_str(d, "source").unwrap_or_default(),
        duration: get_f64(d, "end").unwrap_or(0.0) - get_f64(d, "start").unwrap_or(0.0),
        frames: get_f64(d, "frames").unwrap_or(1.0),
        scripts: scripts
            .iter()
            .map(|s| Script {
                url: get_str(&s, "sourceURL").unwrap_or_default(),
                function: get_str(&s, "sourceFunctionName").unwrap_or_default(),
                invoker: get_str(&s, "invokerType").unwrap_or_default(),
                duration: get_f64(&s, "duration").unwrap_or(0.0),
            })
            .collect(),
    };
    if let Some(fields) = t.fields() {
        emit(rt, Spec::new("longTask", fields));
    }
}

/// Asked by the fetch/XHR hooks as a request starts (`data` = `[url, method]`): `[trace
/// headers or undefined, view id, view name]`, so the call is reported on the view it started on.
pub fn trace(rt: &mut Runtime, data: &JsValue) -> JsValue {
    if !rt.agent.sampled() {
        return JsValue::UNDEFINED;
    }
    let url = get_str(data, "0").unwrap_or_default();
    let out = Array::new();
    out.push(&headers_for(rt, &url));
    out.push(&JsValue::from_str(&rt.agent.view.r.id));
    out.push(&JsValue::from_str(&rt.agent.view.r.name));
    out.into()
}

fn headers_for(rt: &mut Runtime, url: &str) -> JsValue {
    if !rt.agent.cfg.tracing.enable || ignored_url(rt, url) {
        return JsValue::UNDEFINED;
    }
    let session = rt.agent.sessions.current.as_ref().map(|s| s.id.clone()).unwrap_or_default();
    let uid = rt.agent.sessions.uid(&mut rt.host.store, &mut rt.host.rng);
    let origin = js::global_path(&["location", "origin"]).as_string().unwrap_or_default();
    let ctx = TraceContext { page_origin: &origin, pid: &rt.agent.cfg.pid, session_id: &session, uid: &uid };
    match propagate(&rt.agent.cfg.tracing, url, &ctx, &mut rt.host.rng, &rt.host.fns) {
        Some(t) => {
            let o: JsValue = js_sys::Object::new().into();
            for (k, v) in &t.headers {
                js::set(&o, k, &JsValue::from_str(v));
            }
            o
        }
        None => JsValue::UNDEFINED,
    }
}
