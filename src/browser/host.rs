//! `Host` for the browser: wall clock, storage, crypto randomness, the network, a flush timer,
//! the console and the user's callbacks.

use super::fns::Fns;
use super::js;
use super::store::BrowserStore;
use super::transport::{Mode, Transport};
use crate::core::agent::{Exit, Host};
use crate::core::ids::Random;
use alloc::string::String;
use wasm_bindgen::prelude::*;

pub struct CryptoRandom;

impl Random for CryptoRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        // Web Crypto, or Math.random where there is none (hooks.js).
        super::hooks::fill_random(buf);
    }
}

pub struct BrowserHost {
    pub store: BrowserStore,
    pub rng: CryptoRandom,
    pub fns: Fns,
    pub transport: Transport,
    timer: Option<JsValue>,
    timer_at: u64,
    warned: alloc::vec::Vec<String>,
}

impl BrowserHost {
    pub fn new(store: BrowserStore, fns: Fns, transport: Transport) -> BrowserHost {
        BrowserHost {
            store,
            rng: CryptoRandom,
            fns,
            transport,
            timer: None,
            timer_at: 0,
            warned: alloc::vec::Vec::new(),
        }
    }

    pub fn warn_once(&mut self, msg: &str) {
        if !self.warned.iter().any(|m| m == msg) {
            self.warned.push(String::from(msg));
            js::console_warn(msg);
        }
    }

    /// The timer fired: none is pending any more.
    pub fn timer_fired(&mut self) {
        self.timer = None;
    }

    pub fn cancel_timer(&mut self) {
        if let Some(id) = self.timer.take() {
            super::hooks::stop(&id);
        }
    }
}

impl Host for BrowserHost {
    fn now(&self) -> u64 {
        js::date_now() as u64
    }

    type Store = BrowserStore;
    type Random = CryptoRandom;
    fn io(&mut self) -> (&mut BrowserStore, &mut CryptoRandom) {
        (&mut self.store, &mut self.rng)
    }

    fn send(&mut self, id: u32, body: &str, exit: Exit) -> bool {
        let mode = match exit {
            Exit::No => Mode::Live,
            Exit::Hidden => Mode::Hidden,
            Exit::Leaving => Mode::Leaving,
        };
        self.transport.send(id, body, mode)
    }

    fn persist(&mut self, bundles: &str) {
        if !self.transport.persist(bundles) {
            // Full or disabled storage: the bundles stay in memory for this page's retries.
            super::store::storage_warning();
        }
    }

    fn persisted_elsewhere(&mut self) -> usize {
        self.transport.persisted_elsewhere()
    }

    fn arm_timer(&mut self, at: u64) {
        // Every event pushes the flush deadline a little later: keep a timer that fires no
        // later than asked (the agent re-arms when it fires early) instead of clearing and
        // setting one per event.
        if self.timer.is_some() && self.timer_at <= at {
            return;
        }
        self.cancel_timer();
        let delay = at.saturating_sub(self.now()) as f64;
        self.timer = Some(super::hooks::set_timer(super::kinds::TIMER, delay));
        self.timer_at = at;
    }

    fn warn(&mut self, msg: &str) {
        self.warn_once(msg);
    }

    fn net_model(&self) -> String {
        js::fact_str(js::Fact::EffectiveType)
    }

    fn before_report(&mut self, f: u32, bundle: String) -> Option<String> {
        let r = super::hooks::before_report(&self.fns.get(f), &bundle);
        if r.unchecked_into_f64() == 1.0 {
            // It may have been scrubbing personal data: sending the unscrubbed batch would
            // be worse than losing it.
            self.warn_once("[rum-wasm] beforeReport threw; that batch was dropped");
        }
        r.as_string()
    }

    fn parse_view_name(&mut self, f: u32, href: &str) -> Option<String> {
        self.fns.call(f, &JsValue::from_str(href)).as_string().filter(|s| !s.is_empty())
    }
}
