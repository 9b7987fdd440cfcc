//! Page lifecycle: flush when the page is hidden or left, a new view when it comes back from
//! the back/forward cache, and user activity that keeps the session alive (handled in `hub`;
//! the listeners are in `hooks.js`, `watchLifecycle`).

use super::hooks::{watch_lifecycle, Installed};

pub fn install() -> Installed {
    Installed(watch_lifecycle())
}
