//! The replay wasm: built from this crate with `--features replay` (scripts/build.sh) and
//! loaded with the recorder only when a session records. It runs `core::replay::Segments`,
//! the same Outbox as the bundles (retry with backoff, `Retry-After`, byte bound, keepalive
//! budget at exit), and sends through the same transport.js, to the replay route.
//!
//! One export, `rhub(kind, data)`, like the core's hub: the recorder file and transport.js's
//! answers (kind 40) come in there.

use crate::core::agent::Exit;
use crate::core::ids::Random;
use crate::core::replay::{Ids, Segments};
use alloc::string::String;
use core::cell::RefCell;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/browser/transport.js")]
extern "C" {
    // Not `catch`: transport.js's send catches what it calls and never throws.
    #[wasm_bindgen(js_name = send)]
    fn js_send(url: &str, body: &str, mode: u32, compress: bool, id: u32) -> bool;
}

// transport.js reads its hub kinds from the generated constants.js: named so that wasm-bindgen
// ships it with this build too (never called).
#[wasm_bindgen(module = "/src/browser/constants.js")]
extern "C" {
    #[allow(dead_code)]
    #[wasm_bindgen(js_name = SENT)]
    fn sent();
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
    #[wasm_bindgen(js_namespace = Math, js_name = random)]
    fn math_random() -> f64;
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(msg: &str);
}

// `rhub` kinds: js/replay/kinds.js is generated from these `pub const`s (scripts/gen-shared.mjs).
pub const SETUP: u32 = 1;
pub const IDS: u32 = 2;
pub const RECORDS: u32 = 3;
pub const TICK: u32 = 4;
pub const EXIT: u32 = 5;
pub const MODE: u32 = 6;
pub const RELEASE: u32 = 7;
pub const CLEAR: u32 = 8;
/// transport.js's answer: `[id, status, retryAfterMs]`.
const SENT: u32 = 40;

/// Segment ids only need to be unique per session: Math.random is enough, and keeps the
/// replay wasm free of the core's crypto import.
struct MathRandom;

impl Random for MathRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = (math_random() * 256.0) as u8;
        }
    }
}

#[derive(Default)]
struct State {
    seg: Segments,
    url: String,
    pid: String,
    session: String,
    view: String,
    warned: bool,
}

struct Global(RefCell<Option<State>>);
// SAFETY: wasm32-unknown-unknown as built here has no threads.
unsafe impl Sync for Global {}
static STATE: Global = Global(RefCell::new(None));

#[wasm_bindgen]
pub fn rhub(kind: u32, data: JsValue) {
    // transport.js answers asynchronously, so a call never re-enters; if one did, it is dropped.
    let Ok(mut slot) = STATE.0.try_borrow_mut() else { return };
    let st = slot.get_or_insert_with(State::default);
    let a: &Array = data.unchecked_ref();
    let s = |i: u32| a.get(i).as_string().unwrap_or_default();
    let n = |i: u32| a.get(i).as_f64().unwrap_or(0.0);
    let now = date_now() as u64;
    let mut exit = Exit::No;
    match kind {
        SETUP => {
            let own = s(2);
            st.url = crate::core::replay::replay_url(&s(0), Some(&own));
            // The pid, and the ids below, as JSON string literals (`core::replay::Ids`).
            st.pid = s(1);
        }
        IDS => {
            st.session = s(0);
            st.view = s(1);
        }
        RECORDS => {
            let ids = Ids { pid: &st.pid, session_id: &st.session, view_id: &st.view };
            let text = s(0);
            st.seg.add(&ids, &text, n(1) as u32, n(2) as u64, n(3) as u64, a.get(4).is_truthy(), now, &mut MathRandom);
        }
        TICK => st.seg.tick(&st.pid, now, &mut MathRandom),
        EXIT => {
            st.seg.cut(&st.pid, &mut MathRandom);
            exit = if data.is_truthy() { Exit::Leaving } else { Exit::Hidden };
        }
        MODE => {
            st.seg.cut(&st.pid, &mut MathRandom);
            st.seg.buffering = a.get(0).is_truthy();
            st.seg.source = if a.get(1).is_truthy() { "forced" } else { "sampled" };
        }
        RELEASE => st.seg.release(&st.pid, &mut MathRandom),
        CLEAR => {
            if !data.is_truthy() {
                st.seg.cut(&st.pid, &mut MathRandom);
            }
            st.seg.clear(data.is_truthy());
        }
        SENT => {
            let ra = n(2);
            let retry_after = (ra > 0.0).then_some(ra as u64);
            if st.seg.settled(n(0) as u32, n(1) as u16, retry_after, now, math_random()) && !st.warned {
                st.warned = true;
                console_warn("[rum-wasm] the collector refused a replay segment (HTTP 4xx); it was dropped");
            }
        }
        _ => {}
    }
    if core::mem::take(&mut st.seg.dropped) > 0 && !st.warned {
        st.warned = true;
        console_warn("[rum-wasm] a replay batch over 1 MiB was dropped (a very large page snapshot)");
    }
    let url = &st.url;
    st.seg.pump(now, exit, |id, body, e| {
        let mode = match e {
            Exit::No => 0,
            Exit::Hidden => 1,
            Exit::Leaving => 2,
        };
        js_send(url, body, mode, true, id)
    });
}
