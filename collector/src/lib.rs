//! rum-collector: receives ARMS-format RUM bundles, stores them, serves the session-trace console.
//! See collector/README.md for the API and the design choices.

pub mod auth;
pub mod cli;
pub mod enrich;
pub mod http;
pub mod ingest;
pub mod ingest_guard;
pub mod minimise;
pub mod query;
pub mod remote_config;
pub mod retention;
pub mod session_path;
pub mod store;
