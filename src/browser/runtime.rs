//! The one SDK instance of the page, and safe access to it from callbacks.
//!
//! Callbacks can re-enter: a user's `beforeReport` may call `console.error` (which we hook),
//! a hooked `fetch` may be called from inside a collector. A second mutable borrow would
//! panic and abort the module, so re-entrant work is queued and run right after the outer call.

use super::host::BrowserHost;
use crate::core::agent::Agent;
use alloc::vec::Vec;
use core::cell::RefCell;
use wasm_bindgen::JsValue;

pub struct Runtime {
    pub agent: Agent,
    pub host: BrowserHost,
    /// Page-lifecycle listeners; dropping them unregisters them.
    pub lifecycle: super::hooks::Installed,
    /// When activity last extended the session (ms): activity is throttled.
    pub last_activity: f64,
    /// The config as the app gave it (`init`/`setConfig`): remote config merges onto this.
    pub local: crate::core::json::Value,
    /// Automatic collection (hooks, observers); `None` until installed.
    pub collectors: Option<super::collect::Collectors>,
    /// Session replay's state in the core (see `replay::sync`).
    pub replay: super::replay::Replay,
}

/// wasm32 without threads: one instance per module, so a plain static is sound (and works
/// without std, unlike `thread_local!`).
struct Global<T>(T);
// SAFETY: wasm32-unknown-unknown as built here has no threads; nothing is shared across threads.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}

static RT: Global<RefCell<Option<Runtime>>> = Global(RefCell::new(None));
/// Calls that arrived while the runtime was busy: `(kind, data)` for `hub::dispatch`.
static DEFERRED: Global<RefCell<Vec<(u32, JsValue)>>> = Global(RefCell::new(Vec::new()));

pub fn is_started() -> bool {
    RT.with(|c| c.try_borrow().map(|r| r.is_some()).unwrap_or(true))
}

pub fn install(rt: Runtime) {
    // Never dropped: the runtime lives as long as the page, and `start` found the slot empty
    // (so no drop code for a whole Runtime in the page).
    let rt = core::mem::ManuallyDrop::new(rt);
    RT.with(|c| {
        if let Ok(mut slot) = c.try_borrow_mut() {
            core::mem::forget(slot.replace(core::mem::ManuallyDrop::into_inner(rt)));
        }
    });
}

/// Runs hub call `kind` on the runtime now, or right after the call in progress when
/// re-entered; returns the answer of a synchronous kind (undefined when busy or not started).
/// The deferred work is data, not closures: no boxed closure and vtable per call site.
pub fn run(kind: u32, data: JsValue) -> JsValue {
    let mut data = Some(data);
    let mut out = JsValue::UNDEFINED;
    let ran = RT.with(|c| match c.try_borrow_mut() {
        Ok(mut slot) => {
            if let (Some(rt), Some(d)) = (slot.as_mut(), data.take()) {
                out = super::hub::dispatch(rt, kind, d);
            }
            true
        }
        Err(_) => false,
    });
    if !ran {
        // Synchronous kinds need their answer now: busy, they get none (and are not queued).
        if let (Some(d), false) = (data, super::hub::is_sync(kind)) {
            DEFERRED.with(|q| {
                if let Ok(mut q) = q.try_borrow_mut() {
                    // Bounded: a callback storm while busy must not grow memory without limit.
                    if q.len() < 256 {
                        q.push((kind, d));
                    }
                }
            });
        }
        return out;
    }
    drain();
    out
}

fn drain() {
    loop {
        let next = DEFERRED.with(|d| d.try_borrow_mut().ok().and_then(|mut q| (!q.is_empty()).then(|| q.remove(0))));
        let Some((kind, d)) = next else { return };
        RT.with(|c| {
            if let Ok(mut slot) = c.try_borrow_mut() {
                if let Some(rt) = slot.as_mut() {
                    super::hub::dispatch(rt, kind, d);
                }
            }
        });
    }
}

/// The page is hidden or left: final web vitals, then everything pending goes out.
pub fn page_exit(rt: &mut Runtime, leaving: bool) {
    use crate::core::agent::Exit;
    let Runtime { agent, host, collectors, .. } = rt;
    if let Some(mut spec) = collectors.as_mut().and_then(|c| c.finish_vitals()) {
        spec.view = Some(agent.first_view.clone());
        agent.emit(host, spec);
    }
    if leaving {
        agent.leave(host);
    }
    agent.flush(host, if leaving { Exit::Leaving } else { Exit::Hidden });
}
