//! Pure SDK logic: no `web-sys`, no `js-sys`. Compiles and is tested natively (`cargo test`)
//! against fake clocks, stores and randomness.

pub mod agent;
pub mod batch;
pub mod config;
pub mod delivery;
pub mod event;
pub mod fields;
pub mod filter;
pub mod ids;
pub mod json;
pub mod limits;
pub mod manual;
pub mod redact;
pub mod remote_config;
pub mod replay;
pub mod session;
pub mod text;
pub mod tracing;
pub mod url;
