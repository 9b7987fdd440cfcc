//! Browser adapters in real headless Chromium (wasm-bindgen-test): real localStorage, real
//! cookies, real listeners, real patching. Run by `npm test` (layer 2) as
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="node scripts/browser-tests.mjs" cargo test
//! --target wasm32-unknown-unknown` (why not chromedriver: scripts/browser-tests.mjs).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function};
use rum_wasm::browser::fns::Fns;
use rum_wasm::browser::js;
use rum_wasm::browser::store::{Backend, BrowserStore};
use rum_wasm::browser::transport;
use rum_wasm::core::config::StorageKind;
use rum_wasm::core::filter::MatchHost;
use rum_wasm::core::session::Store;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/web_helpers.js")]
extern "C" {
    #[wasm_bindgen(js_name = breakLocalStorage)]
    fn break_local_storage();
    #[wasm_bindgen(js_name = restoreLocalStorage)]
    fn restore_local_storage();
    #[wasm_bindgen(js_name = fillQuota)]
    fn fill_quota();
    #[wasm_bindgen(js_name = restoreQuota)]
    fn restore_quota();
    #[wasm_bindgen(js_name = dispatchOnWindow)]
    fn dispatch_on_window(ty: &str);
    #[wasm_bindgen(js_name = makeFunctions)]
    fn make_functions() -> Array;
    #[wasm_bindgen(js_name = clearCookies)]
    fn clear_cookies();
}

#[wasm_bindgen_test]
fn local_storage_round_trip_uses_the_real_store() {
    let mut s = BrowserStore::new(StorageKind::LocalStorage, None);
    assert!(s.backend() == Backend::Local);
    assert!(s.set("_arms_session", "aaaabbbbccccddddeeeeffff00001111-1-1-2"));
    assert_eq!(transport::ls_get("_arms_session").unwrap().as_deref(), Some("aaaabbbbccccddddeeeeffff00001111-1-1-2"));
    // Another tab (here: the page itself) changes the store: we read the store, not a copy.
    transport::ls_set("_arms_session", "changed").unwrap();
    assert_eq!(s.get("_arms_session").as_deref(), Some("changed"));
    s.remove("_arms_session");
    assert_eq!(transport::ls_get("_arms_session").unwrap(), None);
    assert_eq!(s.get("_arms_session"), None);
}

#[wasm_bindgen_test]
fn cookie_store_writes_arms_cookies() {
    clear_cookies();
    let mut s = BrowserStore::new(StorageKind::Cookie, None);
    assert!(s.backend() == Backend::Cookie);
    assert!(s.set("_arms_uid", "uid_abc"));
    assert!(s.set("_rum_wasm_user", "name=Ann Lee;"));
    let all = js::global_path(&["document", "cookie"]).as_string().unwrap();
    assert!(all.contains("_arms_uid=uid_abc"), "{all}");
    assert_eq!(s.get("_arms_uid").as_deref(), Some("uid_abc"));
    assert_eq!(s.get("_rum_wasm_user").as_deref(), Some("name=Ann Lee;"), "values are URI-encoded and decoded");
    s.remove("_arms_uid");
    assert_eq!(s.get("_arms_uid"), None);
    clear_cookies();
}

#[wasm_bindgen_test]
fn auto_prefers_local_storage() {
    let s = BrowserStore::new(StorageKind::Auto, None);
    assert!(s.backend() == Backend::Local);
}

#[wasm_bindgen_test]
fn blocked_local_storage_falls_back_to_memory_without_throwing() {
    break_local_storage();
    let mut s = BrowserStore::new(StorageKind::LocalStorage, None);
    let backend = s.backend();
    let ok = s.set("k", "v");
    let got = s.get("k");
    restore_local_storage();
    assert!(backend == Backend::Memory);
    assert!(ok);
    assert_eq!(got.as_deref(), Some("v"));
}

#[wasm_bindgen_test]
fn full_storage_keeps_working_in_memory() {
    let mut s = BrowserStore::new(StorageKind::LocalStorage, None);
    fill_quota();
    let ok = s.set("_arms_session", "x-1-1-2");
    let backend = s.backend();
    let got = s.get("_arms_session");
    restore_quota();
    assert!(!ok, "the failed write is reported");
    assert!(backend == Backend::Memory);
    assert_eq!(got.as_deref(), Some("x-1-1-2"), "nothing lost: the value lives on in memory");
}

#[wasm_bindgen_test]
fn listeners_report_through_the_hub_and_are_removed_when_dropped() {
    let seen = Rc::new(Cell::new(0));
    let s = seen.clone();
    let hub: Function = Closure::<dyn FnMut(u32, JsValue)>::new(move |kind: u32, ev: JsValue| {
        if kind == 21 && js::get_str(&ev, "type").as_deref() == Some("pagehide") {
            s.set(s.get() + 1);
        }
    })
    .into_js_value()
    .unchecked_into();
    // JS reports to the hub that start hands to the transport (transport.js keeps it).
    let _t = rum_wasm::browser::transport::Transport::new(
        "http://127.0.0.1:9/collect".into(),
        false,
        "lifecycle-test",
        &hub,
    );
    let l = rum_wasm::browser::lifecycle::install();
    dispatch_on_window("pagehide");
    dispatch_on_window("pagehide");
    assert_eq!(seen.get(), 2);
    drop(l);
    dispatch_on_window("pagehide");
    assert_eq!(seen.get(), 2, "nothing registered after drop");
}

#[wasm_bindgen_test]
fn filters_call_regexes_and_functions_and_survive_broken_ones() {
    let fns = Fns::new(make_functions());
    assert!(fns.regex_test("^https?://cdn\\.", "i", "HTTPS://CDN.example/x.js"));
    assert!(!fns.regex_test("^https?://cdn\\.", "", "https://api.example/"));
    // A global flag must not make results depend on the previous call.
    assert!(fns.regex_test("a", "g", "a"));
    assert!(fns.regex_test("a", "g", "a"));
    assert!(!fns.regex_test("([", "", "(["), "an invalid RegExp matches nothing");
    assert!(fns.func_test(0, "/img/a.png"));
    assert!(!fns.func_test(0, "/a.js"));
    assert!(!fns.func_test(1, "/a.png"), "a throwing filter matches nothing and does not throw");
    assert_eq!(fns.call(2, &JsValue::from_str("http://h/app/x?y=1")).as_string().unwrap(), "named:/app/x");
}

#[wasm_bindgen_test]
fn api_start_creates_an_arms_session_in_local_storage() {
    transport::ls_remove("_arms_session").unwrap();
    let cfg = r#"{"pid":"web-test","endpoint":"http://127.0.0.1:9/collect","reportConfig":{"flushTime":10000}}"#;
    // The facade hands the `hub` export back as a function; here a closure over it does.
    let hub: Function = Closure::<dyn FnMut(u32, JsValue) -> JsValue>::new(rum_wasm::browser::hub::hub)
        .into_js_value()
        .unchecked_into();
    assert!(rum_wasm::api::start(JsValue::from_str(cfg), Array::new(), hub.clone()));
    let stored = transport::ls_get("_arms_session").unwrap().unwrap();
    // The API beyond `start` goes through the hub, as the facade calls it.
    use rum_wasm::browser::hub::{hub as call, OPT_IN, OPT_OUT, SESSION_ID};
    let id = call(SESSION_ID, JsValue::UNDEFINED).as_string().unwrap();
    assert!(stored.starts_with(&format!("{id}-1-")), "{stored} vs {id}");
    assert!(!rum_wasm::api::start(JsValue::from_str(cfg), Array::new(), hub), "a second init is ignored");
    call(OPT_OUT, JsValue::UNDEFINED);
    assert_eq!(transport::ls_get("_arms_session").unwrap(), None);
    assert_eq!(call(SESSION_ID, JsValue::UNDEFINED).as_string().unwrap(), "");
    call(OPT_IN, JsValue::UNDEFINED);
    assert!(transport::ls_get("_arms_session").unwrap().is_some());
}

#[wasm_bindgen_test]
fn a_report_batch_takes_its_bodies_from_after_the_array() {
    use rum_wasm::browser::collectors::{reports, spec_of};
    // As pending.js `take` writes it: the array with each body's place held by 0, then the
    // bodies as they are, each after a 0x01 (JSON text, where a raw 0x01 never occurs).
    let body = "\"n\":\"é \\\"x\\\" \u{2028} \u{1F600}\"";
    let text = format!(
        "[[\"custom\",0,\"k\",1700000000123],[\"view\",0,null,null,\"v1\",\"/a\"]]\u{1}{body}\u{1}\"type\":\"pv\""
    );
    let mut list = reports(&JsValue::from_str(&text));
    assert_eq!(list.len(), 2);
    let a = spec_of(&mut list[0]).unwrap();
    assert_eq!((a.event_type.as_str(), a.body.as_str(), a.merge_key.as_deref()), ("custom", body, Some("k")));
    let b = spec_of(&mut list[1]).unwrap();
    assert_eq!((b.body.as_str(), b.view.map(|v| v.name)), ("\"type\":\"pv\"", Some(String::from("/a"))));
    // A batch with its bodies in the array (finalVitals) reads as before.
    let mut old = reports(&JsValue::from_str("[[\"view\",\"\\\"type\\\":\\\"webvitals\\\"\"]]"));
    assert_eq!(spec_of(&mut old[0]).unwrap().body, "\"type\":\"webvitals\"");
    // Fewer bodies than reports: the one without stays without (no event), nothing shifts.
    let mut short = reports(&JsValue::from_str("[[\"custom\",0],[\"custom\",0]]\u{1}\"a\":1"));
    assert_eq!(spec_of(&mut short[0]).unwrap().body, "\"a\":1");
    assert!(spec_of(&mut short[1]).is_none());
    assert!(reports(&JsValue::from_str("not json\u{1}\"a\":1")).is_empty());
}
