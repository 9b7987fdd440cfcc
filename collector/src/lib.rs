//! rum-collector: receives ARMS-format RUM bundles, stores them, serves the session-trace console.
//! See collector/README.md for the API and the design choices.

// Handlers answer `Err(Response)` (axum's idiom) and the writer hands its batch back on a closed
// channel: boxing them would add an allocation on the error path of a server, for no gain.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod caps;
pub mod cli;
pub mod config_check;
pub mod diagnosis_http;
pub mod enrich;
pub mod http;
pub mod ingest;
pub mod ingest_guard;
pub mod minimise;
pub mod query;
pub mod rate_limit;
pub mod remote_config;
pub mod replay;
pub mod retention;
pub mod server;
pub mod session_path;
pub mod store;
