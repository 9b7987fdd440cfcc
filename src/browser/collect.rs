//! Automatic collection, the browser half in Rust: decides on what the collectors report. The
//! hooks turn browser facts into ARMS fields in JS (`fields.js`, the reason is there); a report
//! only becomes an event here, after the config's filters and the session's sampling. (What is
//! installed, and its report format, is `collectors.rs`: the runtime holds it.)

use super::collectors::errors::early_report;
use super::collectors::{reports, spec_of};
use super::js;
use super::kinds::{REPORT, ROUTE};
use super::runtime::Runtime;
use crate::core::filter::{any_matches, builtin_ignored_error, builtin_ignored_url};
use crate::core::json::{write_str, write_u64, Value};
use crate::core::tracing::decide;
use alloc::string::String;
use wasm_bindgen::prelude::*;

use super::hooks::*;

/// Errors captured by the facade before the wasm was ready.
pub fn capture_early(rt: &mut Runtime, ev: JsValue) {
    if rt.agent.cfg.collectors.js_error() && rt.agent.sampled() {
        early_report(&ev);
    }
}

pub fn dispatch(rt: &mut Runtime, kind: u32, d: JsValue) {
    if !rt.agent.sampled() {
        return;
    }
    if kind == ROUTE {
        let href = js::location_href();
        rt.agent.navigate(&mut rt.host, &href, false);
    } else if kind == REPORT {
        emit_reports(rt, &d);
    }
}

/// A batch of reports (`pending.js`, in the order they happened) becomes events: those the
/// filters keep, stamped together (the session read once for the batch).
fn emit_reports(rt: &mut Runtime, text: &JsValue) {
    let mut list = reports(text);
    let Some(fresh) = (!list.is_empty()).then(|| rt.agent.fresh(&mut rt.host)).flatten() else { return };
    for r in list.iter_mut() {
        if let Some(spec) = spec_of(r) {
            if !blocked(rt, &spec.event_type, r) {
                rt.agent.push(&mut rt.host, spec, &fresh);
            }
        }
    }
}

/// Before anything else the hub does: the reports the hooks queued since the last batch, so
/// that order is kept (a click before the route change it caused, every event in a flush).
pub fn pending(rt: &mut Runtime, exit: bool) {
    let r = take(exit);
    dispatch(rt, REPORT, r);
}

/// Gives the JS side the current view when it changed (calls and long tasks are stamped with
/// it as they start, without asking the wasm).
pub fn sync_view(rt: &mut Runtime) {
    let v = &rt.agent.view.r;
    if v.id != rt.view_id {
        rt.view_id.clone_from(&v.id);
        set_view(&v.id, &v.name);
    }
}

/// What the config's filters (and the built-in noise lists) keep out: a resource by its URL,
/// an exception by its name, message or stack.
fn blocked(rt: &Runtime, event_type: &str, r: &Value) -> bool {
    let s = |i: usize| r.as_arr().and_then(|r| r.get(i)).and_then(Value::as_str).unwrap_or_default();
    // A fixed array: no Vec per report, and constant indices with no bounds check to fail.
    let subject = [s(6), s(7), s(8)];
    match event_type {
        "resource" => ignored_url(rt, subject[0]),
        "exception" => {
            let f = &rt.agent.cfg.exception_filters;
            builtin_ignored_error(subject[1])
                || (!f.is_empty() && subject.iter().any(|v| any_matches(f, v, &rt.host.fns)))
        }
        _ => false,
    }
}

fn ignored_url(rt: &Runtime, url: &str) -> bool {
    url.starts_with(rt.host.transport.endpoint.as_str())
        || builtin_ignored_url(url)
        || any_matches(&rt.agent.cfg.resource_filters, url, &rt.host.fns)
}

/// Asked by the fetch/XHR hooks as a request starts (`data` = its URL), when tracing is on:
/// what the lazy header builder (js/trace/) needs, as JSON text `[bits, pid, session id, uid]`
/// (`core::tracing::decide`'s bits), or undefined (not traced). One string across instead of
/// an array built element by element.
pub fn trace(rt: &mut Runtime, data: &JsValue) -> JsValue {
    let url = data.as_string().unwrap_or_default();
    let origin = js::fact_str(js::Fact::Origin);
    let Some(bits) = (rt.agent.sampled() && !ignored_url(rt, &url))
        .then(|| decide(&rt.agent.cfg.tracing, &url, &origin, &rt.host.fns))
        .flatten()
    else {
        return JsValue::UNDEFINED;
    };
    let session = rt.agent.sessions.current.as_ref().map(|s| s.id.clone()).unwrap_or_default();
    let uid = rt.agent.sessions.uid(&mut rt.host.store, &mut rt.host.rng);
    let mut out = String::from("[");
    write_u64(bits.into(), &mut out);
    for s in [&rt.agent.cfg.pid, &session, &uid] {
        out.push(',');
        write_str(s, &mut out);
    }
    out.push(']');
    JsValue::from_str(&out)
}
