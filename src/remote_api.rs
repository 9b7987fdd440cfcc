//! The remote-config wasm: built from this crate with `--features remote` (scripts/build.sh)
//! and loaded by `dist/rum-remote.js` only on pages whose config has `remoteConfig`. It holds
//! the rules of `core::remote_config` (the cache's freshness, the URL, the field-by-field merge
//! with its allow-list and type checks), which cost every page 1.4 KB gzip in the core wasm
//! while only pages that use remote config need them. The core page keeps what must run
//! there: holding the sends in remote-first mode, and applying the merged config.
//!
//! One export, `rconf(op, local, text, now)`: `local` is the config as the page gave it (JSON
//! text, the facade's marshalling), `text` depends on `op`; the answer is a string, empty for
//! "none". Storage and fetch are the chunk's JS (js/remote/index.js).

use crate::core::config::from_value;
use crate::core::json::{self, Value};
use crate::core::remote_config::{apply, cache_entry, cached, url, CACHE_KEY, NOT_AN_OBJECT};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(msg: &str);
}

// `rconf` ops: js/remote/kinds.js is generated from these `pub const`s (scripts/gen-shared.mjs).
/// The localStorage key of the cache (ARMS's).
pub const KEY: u32 = 1;
/// `text`: the cache entry as stored. The local config merged with it when it is for this pid
/// and fresh, else empty.
pub const CACHED: u32 = 2;
/// The URL to fetch (with `now` in ARMS's `?t=`), or empty: remote config off, or no URL
/// configured or derivable from the pid.
pub const URL: u32 = 3;
/// `text`: the fetched body. The local config merged with it (empty, with a warning, when it is
/// not a JSON object); warnings name each field that was left out.
pub const MERGED: u32 = 4;
/// `text`: the fetched body (a JSON object). The cache entry to store.
pub const ENTRY: u32 = 5;

#[wasm_bindgen]
pub fn rconf(op: u32, local: &str, text: &str, now: f64) -> String {
    if op == KEY {
        return String::from(CACHE_KEY);
    }
    let now = now as u64;
    let Some(local) = json::parse(local) else { return String::new() };
    let Ok(cfg) = from_value(&local, &mut Vec::new()) else { return String::new() };
    match op {
        CACHED if cfg.remote.enable => match cached(Some(text), &cfg.pid, now, cfg.remote.cache_timeout) {
            Some(remote) => merged(&local, &remote),
            None => String::new(),
        },
        URL if cfg.remote.enable => url(&cfg, now).unwrap_or_default(),
        MERGED | ENTRY => match json::parse(text) {
            Some(remote @ Value::Obj(_)) if op == MERGED => merged(&local, &remote),
            Some(remote @ Value::Obj(_)) => cache_entry(&cfg.pid, now, &remote),
            _ => {
                if op == MERGED {
                    console_warn(NOT_AN_OBJECT);
                }
                String::new()
            }
        },
        _ => String::new(),
    }
}

fn merged(local: &Value, remote: &Value) -> String {
    let mut warnings = Vec::new();
    let m = apply(local, remote, &mut warnings);
    for w in &warnings {
        console_warn(w);
    }
    m.to_json()
}
