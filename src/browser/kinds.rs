//! The kinds of `hub(kind, data)` calls: a leaf that every sender names (collectors, timers,
//! remote config, the facade) without depending on the hub that handles them.

// The JS side reads them from `constants.js`, generated from this file (scripts/gen-shared.mjs),
// named here so that wasm-bindgen ships it (never called).
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/constants.js")]
extern "C" {
    #[allow(dead_code)]
    #[wasm_bindgen(js_name = REPORT)]
    fn report();
}

/// A collector's report, built by `fields.js`.
pub const REPORT: u32 = 1;
pub const ROUTE: u32 = 2;
pub const VISIBILITY: u32 = 20;
pub const PAGE_HIDE: u32 = 21;
pub const PAGE_SHOW: u32 = 22;
pub const ACTIVITY: u32 = 23;
pub const TIMER: u32 = 30;
pub const RELEASE: u32 = 31;
pub const SENT: u32 = 40;
pub const ADOPT: u32 = 41;
pub const REMOTE: u32 = 50;
// The facade's API calls (js/facade.js).
pub const EARLY: u32 = 3;
pub const FLUSH: u32 = 70;
pub const OPT_OUT: u32 = 71;
pub const OPT_IN: u32 = 72;
pub const SET_CONFIG: u32 = 73;
/// `stopSessionReplayRecording` (74), `startSessionReplayRecording()` (75), with force (76).
pub const REPLAY: u32 = 74;
/// `send(kind, payload)`: SEND + the manual kind (0..=4), the payload's JSON text as data.
pub const SEND: u32 = 80;
/// Synchronous: the config's JSON text (or undefined).
pub const GET_CONFIG: u32 = 61;
/// Synchronous: the session id (empty when off, opted out or not sampled).
pub const SESSION_ID: u32 = 62;
/// Synchronous: a URL (data) as it may leave the page, its secrets redacted by the config's
/// rule (for the replay recorder's href/src/CSS URLs: the one rule, the config as it is now).
pub const REDACT: u32 = 63;
/// Synchronous: a request is starting (data: its URL) with tracing on; the answer is what the
/// lazy header builder needs (JSON text `[bits, pid, session id, uid]`), or undefined.
pub const TRACE: u32 = 60;
