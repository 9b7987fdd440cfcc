//! Page lifecycle: flush when the page is hidden or left, a new view when it comes back from
//! the back/forward cache, and user activity that keeps the session alive (handled in `hub`).
//!
//! Only `visibilitychange`, `pagehide` and `pageshow`: `unload`/`beforeunload` listeners keep
//! pages out of the bfcache.

use super::hooks::Listeners;
use super::hub::{ACTIVITY, PAGE_HIDE, PAGE_SHOW, VISIBILITY};
use js_sys::Function;

pub fn install(hub: &Function) -> Listeners {
    let mut l = Listeners::default();
    l.add(hub, true, "visibilitychange", false, VISIBILITY);
    l.add(hub, false, "pagehide", false, PAGE_HIDE);
    l.add(hub, false, "pageshow", false, PAGE_SHOW);
    for ty in ["click", "keydown", "scroll", "touchstart"] {
        l.add(hub, true, ty, true, ACTIVITY);
    }
    l
}
