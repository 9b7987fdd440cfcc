//! rum-wasm: a browser RUM SDK in Rust/WebAssembly, a drop-in replacement for ARMS `armsRum`.
//!
//! `core` is pure logic, tested natively; `browser` is the only place that touches the
//! browser; `api` is the `#[wasm_bindgen]` surface the JS facade calls.

#![cfg_attr(feature = "slim", no_std)]

extern crate alloc;

#[cfg(feature = "slim")]
mod slim {
    #[global_allocator]
    static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
        unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

    /// A panic means a bug in the SDK; aborting the module is all that is left to do, and it
    /// must not drag `core::fmt` into the page to print a message nobody reads.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        core::arch::wasm32::unreachable()
    }
}

pub mod core;

#[cfg(all(target_arch = "wasm32", not(any(feature = "replay", feature = "remote"))))]
pub mod api;
#[cfg(all(target_arch = "wasm32", not(any(feature = "replay", feature = "remote"))))]
pub mod browser;
/// The lazy remote-config wasm's surface (built with `--features remote`: none of the above).
#[cfg(all(target_arch = "wasm32", feature = "remote", not(feature = "replay")))]
pub mod remote_api;
/// The lazy replay wasm's surface (built with `--features replay`: none of the above).
#[cfg(all(target_arch = "wasm32", feature = "replay"))]
pub mod replay_api;
