//! The only place that touches the browser: each file wraps one browser surface and turns it
//! into calls on the core.

pub mod collect;
pub mod collectors;
pub mod fns;
pub mod hooks;
pub mod host;
pub mod hub;
pub mod js;
pub mod kinds;
pub mod lifecycle;
pub mod remote;
pub mod replay;
pub mod runtime;
pub mod store;
pub mod transport;
