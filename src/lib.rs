//! rum-wasm: a browser RUM SDK in Rust/WebAssembly, a drop-in replacement for ARMS `armsRum`.
//!
//! `core` is pure logic, tested natively; `browser` is the only place that touches the
//! browser; `api` is the `#[wasm_bindgen]` surface the JS facade calls.

extern crate alloc;

pub mod core;
