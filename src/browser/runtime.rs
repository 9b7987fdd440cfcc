//! The one SDK instance of the page, and safe access to it from callbacks.
//!
//! Callbacks can re-enter: a user's `beforeReport` may call `console.error` (which we hook),
//! a hooked `fetch` may be called from inside a collector. A second mutable borrow would
//! panic and abort the module, so re-entrant work is queued and run right after the outer call
//! (by `hub::run`, which owns the queue: calls go hub -> runtime, never back).

use super::collectors::Collectors;
use super::host::BrowserHost;
use crate::core::agent::Agent;
use crate::core::config::Config;
use alloc::vec::Vec;
use core::cell::RefCell;
use wasm_bindgen::JsValue;

pub struct Runtime {
    pub agent: Agent,
    pub host: BrowserHost,
    /// Page-lifecycle listeners; dropping them unregisters them.
    pub lifecycle: super::hooks::Installed,
    /// The view id the JS side was last given (`collect::sync_view`).
    pub view_id: alloc::string::String,
    /// Automatic collection (hooks, observers); `None` until installed.
    pub collectors: Option<Collectors>,
    /// Session replay's state in the core (see `replay::sync`).
    pub replay: crate::core::replay::Control,
}

/// wasm32 without threads: one instance per module, so a plain static is sound (and works
/// without std, unlike `thread_local!`).
pub(super) struct Global<T>(T);
// SAFETY: wasm32-unknown-unknown as built here has no threads; nothing is shared across threads.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    pub(super) fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}

pub(super) static RT: Global<RefCell<Option<Runtime>>> = Global(RefCell::new(None));
/// Calls that arrived while the runtime was busy: `(kind, data)` for `hub::dispatch`.
pub(super) static DEFERRED: Global<RefCell<Vec<(u32, JsValue)>>> = Global(RefCell::new(Vec::new()));

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

/// A new effective config (setConfig, or a fetched remote config): restarts only the
/// collectors whose settings changed; no duplicate page view.
pub fn apply_config(rt: &mut Runtime, cfg: Config) {
    let reinstall = cfg.collectors != rt.agent.cfg.collectors || cfg.spa_mode != rt.agent.cfg.spa_mode;
    rt.agent.set_config(&mut rt.host, cfg);
    if reinstall && !rt.agent.opted_out() {
        // Page-load-once collectors (perf, vitals) do not run again.
        rt.collectors = None;
        rt.collectors = Some(Collectors::install(&rt.agent.cfg, &rt.host.fns, false));
    } else {
        // parseResourceName and the slow thresholds may have changed all the same.
        super::collectors::configure_fields(&rt.agent.cfg, &rt.host.fns);
    }
}
