//! Pure SDK logic: no `web-sys`, no `js-sys`. Compiles and is tested natively (`cargo test`)
//! against fake clocks, stores and randomness.

pub mod config;
pub mod ids;
pub mod json;
pub mod session;
pub mod text;
pub mod batch;
pub mod event;
pub mod filter;
pub mod url;
pub mod agent;
pub mod manual;
pub mod fields;
pub mod tracing;
pub mod delivery;
pub mod remote_config;
