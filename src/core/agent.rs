//! The agent: session, views, queue and bundles wired together, over a [`Host`] that provides
//! the clock, the store, randomness, the network and the user's callbacks.
//!
//! The browser implements `Host` with web-sys; the native tests implement it with fakes, so the
//! whole pipeline (event → session/view stamp → queue → bundle) is tested without a browser.

use super::batch::{next_session, take_bundle, After, Queue};
use super::config::{user_identity, Config};
use super::delivery::{Outbox, Settled};
use super::event::{bundle_close, bundle_open, BundleHead, Event, Stamp, ViewRef};
use super::fields::Fields;
use super::ids::{hex, hex_id, Random};
use super::manual::Spec;
use super::session::{Keys, Outcome, Rules, SessionManager, Store};
use super::url::view_name;
use alloc::string::String;

/// `_v` on the wire: which SDK and build sent the bundle.
pub const SDK_TAG: &str = concat!("rum-wasm-", env!("CARGO_PKG_VERSION"));
/// Persisted opt-out choice (a user who declined tracking).
pub const OPT_OUT_KEY: &str = "_rum_wasm_optout";
/// Beacon and keepalive bodies share a 64 KiB in-flight quota; stay under it per request.
pub const MAX_BODY: usize = 60_000;
/// A session this tab created less than this long ago, replaced in the store by another tab's,
/// is treated as a creation race: this tab's pending events move to the winner.
pub const RACE_WINDOW: u64 = 2000;

/// Proof that the session was brought up to date in this task (`Agent::fresh`).
pub struct Fresh(());

pub trait Host {
    /// Wall-clock ms (`timeOrigin + performance.now()`).
    fn now(&self) -> u64;
    type Store: Store;
    type Random: Random;
    fn io(&mut self) -> (&mut Self::Store, &mut Self::Random);
    /// Hands one bundle to the transport. Returns true when the browser took it for good (a
    /// beacon): no result will come. Otherwise `Agent::on_sent` is called with the result.
    fn send(&mut self, id: u32, body: &str, exit: Exit) -> bool;
    /// Keeps the unacknowledged bundles for the next page load ("" = nothing left).
    fn persist(&mut self, bundles: &str);
    /// Bytes the other tabs of this origin keep persisted (the bound is shared).
    fn persisted_elsewhere(&mut self) -> usize;
    /// Asks for `on_timer` to be called at `at` (replacing any earlier request).
    fn arm_timer(&mut self, at: u64);
    fn warn(&mut self, msg: &str);
    fn net_model(&self) -> String;
    /// `beforeReport(bundle)`: the (possibly rewritten) bundle, or `None` to drop it.
    fn before_report(&mut self, f: u32, bundle: String) -> Option<String>;
    fn parse_view_name(&mut self, f: u32, href: &str) -> Option<String>;
}

/// Why a flush happens: the page lives, is hidden (may come back), or is going away.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Exit {
    No,
    Hidden,
    Leaving,
}

pub struct View {
    pub r: ViewRef,
    pub url: String,
    pub start: u64,
}

pub struct Agent {
    pub cfg: Config,
    /// The page's first view: web vitals belong to the page load, whatever view is current
    /// when they are final.
    pub first_view: ViewRef,
    pub sessions: SessionManager,
    pub queue: Queue,
    pub outbox: Outbox,
    pub view: View,
    /// Whether the persisted copy of the outbox may hold something (then it is kept current).
    persisted: bool,
    /// remote-first: collect but do not send until the remote config is in (or timed out).
    pub hold: bool,
    warned_rejected: bool,
    started: bool,
    opted_out: bool,
    /// The session this tab created itself, and when: for the creation-race rule.
    created: Option<(String, u64)>,
}

fn rules(cfg: &Config) -> Rules {
    Rules { overtime: cfg.overtime, max_duration: cfg.max_duration, sample_rate: cfg.sample_rate }
}

fn queue_for(cfg: &Config) -> Queue {
    Queue::new(
        u64::from(cfg.flush_time),
        cfg.max_event_count as usize,
        cfg.delivery.max_queue_events as usize,
        cfg.delivery.max_queue_bytes as usize,
    )
}

impl Agent {
    pub fn new(cfg: Config, h: &mut impl Host) -> Agent {
        let keys = Keys::new(cfg.domain.as_deref());
        let opted_out = h.io().0.get(OPT_OUT_KEY).as_deref() == Some("1");
        Agent {
            sessions: SessionManager::new(rules(&cfg), keys, user_identity(&cfg)),
            queue: queue_for(&cfg),
            outbox: Outbox::new(cfg.delivery.max_persist_bytes.max(MAX_BODY as u32) as usize),
            persisted: false,
            hold: false,
            warned_rejected: false,
            view: View { r: ViewRef::default(), url: String::new(), start: 0 },
            started: false,
            opted_out,
            created: None,
            first_view: ViewRef::default(),
            cfg,
        }
    }

    pub fn opted_out(&self) -> bool {
        self.opted_out
    }

    /// Whether this tab's current session is sampled (collectors may skip work when not).
    pub fn sampled(&self) -> bool {
        !self.opted_out && self.sessions.current.as_ref().is_some_and(|s| s.sampled)
    }

    /// First page view of this load.
    pub fn start(&mut self, h: &mut impl Host, href: &str, referrer: &str) {
        self.started = false;
        self.session(h, false);
        self.new_view(h, href);
        self.first_view = self.view.r.clone();
        self.started = true;
        self.view_event(h, Some((referrer, "initial_load")), 0);
    }

    fn name_for(&self, h: &mut impl Host, href: &str) -> String {
        if let Some(f) = self.cfg.parse_view_name {
            if let Some(name) = h.parse_view_name(f, href) {
                return name;
            }
        }
        view_name(href, self.cfg.spa_mode)
    }

    fn new_view(&mut self, h: &mut impl Host, href: &str) {
        let name = self.name_for(h, href);
        let now = h.now();
        let id = hex_id(h.io().1);
        self.view.r = ViewRef { id, name };
        self.view.url.clear();
        self.view.url.push_str(href);
        self.view.start = now;
    }

    /// A view event on the current view: its page view (`Some((referrer, loading_type))`) or
    /// its end (`None`, shown for `ms`).
    fn view_event(&mut self, h: &mut impl Host, pv: Option<(&str, &str)>, ms: u64) {
        let mut f = Fields::new();
        f.str("type", if pv.is_some() { "pv" } else { "leave" })
            .str("name", &self.view.r.name)
            .str("url", &self.view.url);
        match pv {
            Some((referrer, loading_type)) => f.str("referrer", referrer).str("loading_type", loading_type),
            None => f.num("time_on_page", ms as f64),
        };
        self.emit(h, Spec::new("view", f.0));
    }

    /// Brings the session up to date (left in `self.sessions.current`); false when nothing may
    /// be sent (opted out, or sampled out).
    fn session(&mut self, h: &mut impl Host, activity: bool) -> bool {
        if self.opted_out {
            return false;
        }
        let now = h.now();
        // Whether the session this tab used so far is the one it created itself.
        let was_mine = matches!((&self.sessions.current, &self.created), (Some(c), Some((mine, _))) if c.id == *mine);
        let (store, rng) = h.io();
        let outcome =
            if activity { self.sessions.touch(store, now, rng) } else { self.sessions.current(store, now, rng) };
        let Some(s) = &self.sessions.current else { return false };
        let sampled = s.sampled;
        match outcome {
            Outcome::Renewed => self.created = Some((s.id.clone(), now)),
            Outcome::Adopted => {
                if let Some((mine, at)) = &self.created {
                    if was_mine && now.saturating_sub(*at) < RACE_WINDOW {
                        // Two tabs created a session at once and the other one's won the store:
                        // move our events over, so the race ends with one session.
                        self.queue.relabel(mine, &s.id);
                        self.created = None;
                        return sampled;
                    }
                }
            }
            Outcome::Continued => {}
        }
        // Renewed or adopted, the session is not the one this tab used so far (a new id).
        if self.started && outcome != Outcome::Continued {
            self.session_start(h);
        }
        sampled
    }

    /// A new session (expired, renewed by another tab, or another user): it begins with this
    /// tab's current page, so the session path is complete. (The page view is dropped by
    /// `emit` when the session is sampled out.)
    fn session_start(&mut self, h: &mut impl Host) {
        let href = core::mem::take(&mut self.view.url);
        self.new_view(h, &href);
        self.view_event(h, Some(("", "session_start")), 0);
    }

    pub fn emit(&mut self, h: &mut impl Host, spec: Spec) {
        if let Some(fresh) = self.fresh(h) {
            self.push(h, spec, &fresh);
        }
    }

    /// The session brought up to date (two storage reads), or None when nothing may be sent:
    /// for a batch of events that happened together, read once and `push`ed each.
    pub fn fresh(&mut self, h: &mut impl Host) -> Option<Fresh> {
        self.session(h, false).then_some(Fresh(()))
    }

    /// Stamps an event with the session (as `fresh` left it, in this same task) and the view,
    /// and queues it.
    pub fn push(&mut self, h: &mut impl Host, spec: Spec, _: &Fresh) {
        // A duplicate of a pending event only counts (before an id, a copy and a redaction
        // are made for it): repeated clicks on one element, an error thrown in a loop.
        let session = self.sessions.current.as_ref().map_or("", |s| s.id.as_str());
        let view = &spec.view.as_ref().unwrap_or(&self.view.r).id;
        if spec.merge_key.as_deref().is_some_and(|k| self.queue.merge(k, session, view)) {
            return;
        }
        let now = h.now();
        let stamp = Stamp {
            session_id: self.sessions.current.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
            view: spec.view.unwrap_or_else(|| self.view.r.clone()),
            timestamp: spec.timestamp.unwrap_or(now),
            suffix: hex(h.io().1, 16),
        };
        let event = Event {
            stamp,
            event_type: spec.event_type,
            times: spec.times.then_some(1),
            merge_key: spec.merge_key,
            // Secrets in URLs never reach the queue (unless the developer turned this off).
            body: redacted(&self.cfg, spec.body),
        };
        match self.queue.push(event, now) {
            _ if self.hold => {}
            After::FlushNow => self.flush(h, Exit::No),
            After::FlushAt(_) => self.arm(h),
            After::Merged => {}
        }
    }

    /// Real user input (trusted click, key, scroll, touch): keeps the session alive.
    pub fn activity(&mut self, h: &mut impl Host) {
        self.session(h, true);
    }

    /// A route change (SPA) or a page restored from the back/forward cache. No new view when
    /// the name is unchanged, unless `force` (bfcache restore).
    pub fn navigate(&mut self, h: &mut impl Host, href: &str, force: bool) {
        let name = self.name_for(h, href);
        if !force && name == self.view.r.name {
            self.view.url.clear();
            self.view.url.push_str(href);
            return;
        }
        self.leave(h);
        let referrer = core::mem::take(&mut self.view.url);
        self.new_view(h, href);
        self.view_event(h, Some((&referrer, if force { "bfcache_restore" } else { "route_change" })), 0);
    }

    /// The current view ends: how long it was shown.
    pub fn leave(&mut self, h: &mut impl Host) {
        if self.view.start == 0 {
            return;
        }
        let ms = h.now().saturating_sub(self.view.start);
        self.view.start = 0;
        self.view_event(h, None, ms);
    }

    pub fn on_timer(&mut self, h: &mut impl Host) {
        if !self.queue.is_empty() && h.now() >= self.queue.deadline() {
            self.flush(h, Exit::No);
        } else {
            self.pump(h, Exit::No);
        }
    }

    /// One timer serves both the queue's flush deadline and the next retry.
    fn arm(&mut self, h: &mut impl Host) {
        // u64::MAX: nothing to wait for (no real deadline is that far).
        let mut at = self.outbox.next_due().unwrap_or(u64::MAX);
        if !self.queue.is_empty() {
            at = at.min(self.queue.deadline());
        }
        if at != u64::MAX {
            h.arm_timer(at);
        }
    }

    /// Sends what is due; at exit, persists what is not acknowledged yet.
    fn pump(&mut self, h: &mut impl Host, exit: Exit) {
        let now = h.now();
        let mut budget = self.outbox.exit_budget();
        while let Some(i) = self.outbox.next_send(now, exit != Exit::No, exit == Exit::Leaving, &mut budget) {
            let id = i.id;
            if h.send(id, &i.body, exit) {
                self.outbox.settle(id, 200, None, now, 0.0);
            }
        }
        if exit != Exit::No || (self.persisted && self.outbox.dirty) {
            self.persist(h);
        }
        self.arm(h);
    }

    fn persist(&mut self, h: &mut impl Host) {
        // One bound for the whole origin, whatever the number of tabs: what the others keep
        // leaves this tab the rest; its oldest bundles go first, counted in `dropped_batches`.
        let room = self.outbox.max_bytes.saturating_sub(h.persisted_elsewhere());
        self.outbox.bound(room);
        h.persist(&self.outbox.to_persisted());
        self.persisted = !self.outbox.items.is_empty();
        self.outbox.dirty = false;
    }

    /// The transport's answer for bundle `id` (`status` 0: network error).
    pub fn on_sent(&mut self, h: &mut impl Host, id: u32, status: u16, retry_after: Option<u64>) {
        let now = h.now();
        let jitter = h.io().1.unit();
        match self.outbox.settle(id, status, retry_after, now, jitter) {
            Settled::Rejected if !self.warned_rejected => {
                self.warned_rejected = true;
                let mut msg = String::from("[rum-wasm] the endpoint refused a batch with HTTP ");
                super::json::write_u64(u64::from(status), &mut msg);
                msg.push_str("; it was dropped (it would never be accepted)");
                h.warn(&msg);
            }
            // Not delivered yet: make sure a reload or a closed tab does not lose it.
            Settled::Retry(_) => self.persist(h),
            _ => {}
        }
        self.pump(h, Exit::No);
    }

    /// remote-first: the remote config is in (or the wait timed out); send what was held.
    pub fn release(&mut self, h: &mut impl Host) {
        if self.hold {
            self.hold = false;
            self.flush(h, Exit::No);
        }
    }

    /// Bundles persisted by an earlier page load (or a closed tab) of this site.
    pub fn adopt(&mut self, h: &mut impl Host, persisted: &str) {
        if self.opted_out {
            return;
        }
        self.outbox.adopt(persisted, h.now());
        self.persisted = true;
        self.pump(h, Exit::No);
    }

    /// Sends everything pending: one bundle per session, each under the beacon size limit.
    pub fn flush(&mut self, h: &mut impl Host, exit: Exit) {
        if exit != Exit::No {
            // Leaving the page ends any hold: nothing may stay behind.
            self.hold = false;
        }
        if self.hold {
            return;
        }
        if self.queue.is_empty() {
            self.pump(h, exit);
            return;
        }
        let mut pending = self.queue.take();
        let dropped = core::mem::take(&mut self.queue.dropped);
        let net = h.net_model();
        let uid = {
            let (store, rng) = h.io();
            self.sessions.uid(store, rng)
        };
        let mut head = BundleHead {
            pid: &self.cfg.pid,
            env: &self.cfg.env,
            version: self.cfg.version.as_deref(),
            app: &self.cfg.app,
            uid: &uid,
            user: &self.cfg.user,
            net_model: &net,
            view: &self.view.r,
            properties: &self.cfg.properties,
            extra: &self.cfg.extra,
            sdk_tag: SDK_TAG,
            // Reported once, in the first bundle.
            dropped,
            dropped_batches: core::mem::take(&mut self.outbox.dropped_bundles),
        };
        let mut sid = String::new();
        while next_session(&pending, &mut sid) {
            let mut body = String::new();
            bundle_open(&head, &sid, &mut body);
            take_bundle(&mut pending, &sid, MAX_BODY, |e| {
                if !body.ends_with('[') {
                    body.push(',');
                }
                e.write(&sid, head.view, &mut body);
            });
            bundle_close(&head, &mut body);
            let carries = core::mem::take(&mut head.dropped_batches);
            head.dropped = 0;
            let body = match self.cfg.before_report {
                Some(f) => match h.before_report(f, body) {
                    Some(b) => b,
                    None => continue,
                },
                None => body,
            };
            let now = h.now();
            // An exact copy: grown by doubling, the bundle would keep up to twice its bytes while
            // it waits for the network, and the wasm's memory never shrinks back (bench: wasm
            // memory 0.50 -> 0.44 MB).
            self.outbox.push(String::from(body.as_str()), now);
            if let Some(last) = self.outbox.items.last_mut() {
                last.carries = carries;
            }
        }
        self.pump(h, exit);
    }

    /// Replaces the configuration (`setConfig`), keeping the session unless the app user changed.
    pub fn set_config(&mut self, h: &mut impl Host, cfg: Config) {
        let user = user_identity(&cfg);
        if self.sessions.other_user(h.io().0, &user) {
            // The previous user's events go out under their session and their name.
            self.flush(h, Exit::No);
        }
        self.sessions.rules = rules(&cfg);
        self.queue.flush_time = u64::from(cfg.flush_time);
        self.queue.max_event_count = cfg.max_event_count as usize;
        self.queue.max_events = cfg.delivery.max_queue_events.max(1) as usize;
        self.queue.max_bytes = cfg.delivery.max_queue_bytes as usize;
        self.cfg = cfg;
        let now = h.now();
        let (store, rng) = h.io();
        if self.sessions.set_user(user, store, now, rng) && !self.opted_out {
            self.created = None;
            self.session_start(h);
        }
    }

    /// The user declines tracking: nothing more is collected or sent, stored ids are deleted,
    /// and the choice persists.
    pub fn opt_out(&mut self, h: &mut impl Host) {
        self.opted_out = true;
        self.queue.clear();
        self.outbox.items.clear();
        h.persist("");
        let store = h.io().0;
        self.sessions.forget(store);
        store.set(OPT_OUT_KEY, "1");
    }

    pub fn opt_in(&mut self, h: &mut impl Host) {
        if !self.opted_out {
            return;
        }
        self.opted_out = false;
        h.io().0.remove(OPT_OUT_KEY);
        let href = self.view.url.clone();
        self.start(h, &href, "");
    }
}

/// An event's fields with the secrets in their URLs redacted (unless the developer turned that
/// off). Out of line: `emit` is inlined at its call sites.
#[inline(never)]
pub fn redacted(cfg: &Config, mut body: String) -> String {
    if let Some(extra) = &cfg.redact {
        super::redact::redact_json(&mut body, extra);
    }
    body
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::core::config::{from_value, HOUR};
    use crate::core::ids::tests::SeqRandom;
    use crate::core::json::{parse, Value};
    use crate::core::session::{Session, SESSION_KEY};
    use alloc::collections::BTreeMap;

    pub struct FakeHost {
        pub now: u64,
        pub store: BTreeMap<String, String>,
        pub rng: SeqRandom,
        pub sent: Vec<(String, Exit)>,
        pub inflight: Vec<u32>,
        pub bodies: BTreeMap<u32, String>,
        /// Bundles the endpoint accepted (2xx), in order.
        pub delivered: Vec<String>,
        pub persisted: String,
        /// What other tabs keep persisted (bytes).
        pub elsewhere: usize,
        /// When true, beacons (exit = Leaving) are taken by the "browser".
        pub beacon_ok: bool,
        pub timer: Option<u64>,
        pub warnings: Vec<String>,
        pub before_report: Option<fn(String) -> Option<String>>,
    }

    impl Store for BTreeMap<String, String> {
        fn get(&self, key: &str) -> Option<String> {
            BTreeMap::get(self, key).cloned()
        }
        fn set(&mut self, key: &str, value: &str) -> bool {
            self.insert(String::from(key), String::from(value));
            true
        }
        fn remove(&mut self, key: &str) {
            BTreeMap::remove(self, key);
        }
    }

    impl FakeHost {
        pub fn new(seed: u64) -> FakeHost {
            FakeHost {
                now: 1_795_390_440_000,
                store: BTreeMap::new(),
                rng: SeqRandom::new(seed),
                sent: Vec::new(),
                inflight: Vec::new(),
                bodies: BTreeMap::new(),
                delivered: Vec::new(),
                persisted: String::new(),
                elsewhere: 0,
                beacon_ok: true,
                timer: None,
                warnings: Vec::new(),
                before_report: None,
            }
        }

        pub fn bundles(&self) -> Vec<Value> {
            self.sent.iter().map(|(b, _)| parse(b).expect("bundle is JSON")).collect()
        }

        pub fn events(&self) -> Vec<Value> {
            let mut out = Vec::new();
            for b in self.bundles() {
                for e in b.get("events").unwrap().as_arr().unwrap() {
                    let mut e = e.clone();
                    if e.get("session_id").is_none() {
                        e.set("session_id", b.get_path(&["session", "id"]).unwrap().clone());
                    }
                    if e.get("view").is_none() {
                        e.set("view", b.get("view").unwrap().clone());
                    }
                    out.push(e);
                }
            }
            out
        }
    }

    impl Host for FakeHost {
        fn now(&self) -> u64 {
            self.now
        }
        type Store = BTreeMap<String, String>;
        type Random = SeqRandom;
        fn io(&mut self) -> (&mut Self::Store, &mut Self::Random) {
            (&mut self.store, &mut self.rng)
        }
        fn send(&mut self, id: u32, body: &str, exit: Exit) -> bool {
            self.sent.push((String::from(body), exit));
            if exit == Exit::Leaving && self.beacon_ok {
                return true;
            }
            self.inflight.push(id);
            self.bodies.insert(id, String::from(body));
            false
        }
        fn persist(&mut self, bundles: &str) {
            self.persisted = String::from(bundles);
        }
        fn persisted_elsewhere(&mut self) -> usize {
            self.elsewhere
        }
        fn arm_timer(&mut self, at: u64) {
            self.timer = Some(at);
        }
        fn warn(&mut self, msg: &str) {
            self.warnings.push(String::from(msg));
        }
        fn net_model(&self) -> String {
            String::from("4g")
        }
        fn before_report(&mut self, _f: u32, bundle: String) -> Option<String> {
            match self.before_report {
                Some(f) => f(bundle),
                None => Some(bundle),
            }
        }
        fn parse_view_name(&mut self, _f: u32, href: &str) -> Option<String> {
            Some(crate::core::text::cat(&["named:", crate::core::url::pathname(href)]))
        }
    }

    pub fn config(extra: &str) -> Config {
        let text = crate::core::text::cat(&[
            r#"{"pid":"harness-pid@abc123","endpoint":"http://127.0.0.1/collect""#,
            extra,
            "}",
        ]);
        let mut w = Vec::new();
        from_value(&parse(&text).unwrap(), &mut w).unwrap()
    }

    /// The endpoint answers `status` to everything in flight, until nothing is.
    pub fn answer(a: &mut Agent, h: &mut FakeHost, status: u16) {
        for _ in 0..1000 {
            let Some(id) = h.inflight.pop() else { return };
            if (200..300).contains(&status) {
                let body = h.bodies.get(&id).cloned().unwrap_or_default();
                h.delivered.push(body);
            }
            a.on_sent(h, id, status, None);
        }
    }

    fn flush_all(a: &mut Agent, h: &mut FakeHost) {
        a.flush(h, Exit::No);
        answer(a, h, 200);
    }

    fn started(extra: &str, seed: u64) -> (Agent, FakeHost) {
        let mut h = FakeHost::new(seed);
        let mut a = Agent::new(config(extra), &mut h);
        a.start(&mut h, "http://127.0.0.1:45321/app/home?from=harness", "");
        (a, h)
    }

    fn custom(name: &str) -> Spec {
        crate::core::manual::custom(
            &parse(&crate::core::text::cat(&[r#"{"type":"biz","name":""#, name, "\"}"])).unwrap(),
        )
        .unwrap()
    }

    fn names(h: &FakeHost) -> Vec<String> {
        h.events()
            .iter()
            .map(|e| {
                let t = e.get("type").and_then(Value::as_str).unwrap_or("");
                let n = e.get("name").and_then(Value::as_str).unwrap_or("");
                crate::core::text::cat(&[e.get("event_type").unwrap().as_str().unwrap(), "/", t, ":", n])
            })
            .collect()
    }

    #[test]
    fn initial_page_view_then_timer_flush_in_the_arms_shape() {
        let (mut a, mut h) = started("", 1);
        assert!(h.sent.is_empty());
        assert_eq!(h.timer, Some(h.now + 3000));
        h.now += 3000;
        a.on_timer(&mut h);
        answer(&mut a, &mut h, 200);
        let b = &h.bundles()[0];
        let s = Session::parse(&h.store[SESSION_KEY]).unwrap();
        assert_eq!(b.get_path(&["session", "id"]).unwrap().as_str(), Some(s.id.as_str()));
        assert_eq!(b.get_path(&["view", "name"]).unwrap().as_str(), Some("/app/home"));
        assert_eq!(b.get_path(&["app", "type"]).unwrap().as_str(), Some("browser"));
        assert_eq!(b.get_path(&["net", "model"]).unwrap().as_str(), Some("4g"));
        let uid = b.get_path(&["user", "id"]).unwrap().as_str().unwrap();
        assert!(uid.starts_with("uid_"));
        let e = &b.get("events").unwrap().as_arr().unwrap()[0];
        assert_eq!(e.get("loading_type").unwrap().as_str(), Some("initial_load"));
        assert_eq!(e.get("url").unwrap().as_str(), Some("http://127.0.0.1:45321/app/home?from=harness"));
        let id = e.get("event_id").unwrap().as_str().unwrap();
        assert!(id.starts_with(&crate::core::text::cat(&["00-", &s.id, "-"])) && id.len() == 3 + 32 + 1 + 16);
    }

    #[test]
    fn secrets_in_urls_are_redacted_before_queueing_unless_the_developer_turned_it_off() {
        let visit = |extra: &str| {
            let mut h = FakeHost::new(9);
            let mut a = Agent::new(config(extra), &mut h);
            a.start(&mut h, "https://shop.io/cart?token=t0k&item=4", "https://idp.io/cb?code=c0d");
            a.emit(
                &mut h,
                Spec::new("resource", String::from(r#""type":"fetch","url":"https://api.io/o?orderRef=77""#)),
            );
            flush_all(&mut a, &mut h);
            h.delivered.concat()
        };
        let sent = visit("");
        assert!(sent.contains(r#""url":"https://shop.io/cart?token=[redacted]&item=4""#), "{sent}");
        assert!(sent.contains(r#""referrer":"https://idp.io/cb?code=[redacted]""#), "{sent}");
        assert!(sent.contains("orderRef=77"), "{sent}");
        let sent = visit(r#","redactQueryParams":["orderref"]"#);
        assert!(sent.contains("orderRef=[redacted]") && !sent.contains("t0k"), "{sent}");
        let sent = visit(r#","redactQueryParams":false"#);
        assert!(sent.contains("token=t0k") && sent.contains("code=c0d"), "{sent}");
    }

    #[test]
    fn an_early_timer_rearms_instead_of_flushing() {
        let (mut a, mut h) = started("", 2);
        h.now += 1000;
        a.on_timer(&mut h);
        assert!(h.sent.is_empty());
        assert_eq!(h.timer, Some(h.now + 2000));
    }

    #[test]
    fn max_event_count_flushes_at_once() {
        let (mut a, mut h) = started(r#","reportConfig":{"maxEventCount":3}"#, 3);
        a.emit(&mut h, custom("a"));
        assert!(h.sent.is_empty());
        a.emit(&mut h, custom("b"));
        // While it waits for the answer, the bundle holds its bytes and no more (a body grown
        // by doubling kept up to twice them: the wasm's memory high-water mark).
        let waiting = &a.outbox.items[0].body;
        assert_eq!(waiting.capacity(), waiting.len());
        answer(&mut a, &mut h, 200);
        assert_eq!(h.sent.len(), 1);
        assert_eq!(names(&h), ["view/pv:/app/home", "custom/biz:a", "custom/biz:b"]);
    }

    #[test]
    fn sampled_out_session_sends_nothing_at_all() {
        let (mut a, mut h) = started(r#","sessionConfig":{"sampleRate":0}"#, 4);
        for _ in 0..50 {
            a.emit(&mut h, custom("x"));
            a.activity(&mut h);
        }
        h.now += 10_000;
        a.on_timer(&mut h);
        a.flush(&mut h, Exit::Leaving);
        assert!(h.sent.is_empty());
        assert!(h.store[SESSION_KEY].contains("-0-"));
        assert!(!a.sampled());
    }

    #[test]
    fn route_change_starts_a_new_view_only_when_the_name_changes() {
        let (mut a, mut h) = started(r#","spaMode":"history""#, 5);
        let first = a.view.r.clone();
        h.now += 500;
        a.navigate(&mut h, "http://127.0.0.1:45321/app/home?other=1", false);
        assert_eq!(a.view.r, first);
        h.now += 500;
        a.navigate(&mut h, "http://127.0.0.1:45321/app/cart?step=2", false);
        assert_ne!(a.view.r.id, first.id);
        a.emit(&mut h, custom("on-cart"));
        flush_all(&mut a, &mut h);
        assert_eq!(names(&h), ["view/pv:/app/home", "view/leave:/app/home", "view/pv:/app/cart", "custom/biz:on-cart"]);
        let ev = h.events();
        assert_eq!(ev[1].get("time_on_page").unwrap().as_f64(), Some(1000.0));
        assert_eq!(ev[2].get("loading_type").unwrap().as_str(), Some("route_change"));
        assert_eq!(ev[2].get("referrer").unwrap().as_str(), Some("http://127.0.0.1:45321/app/home?other=1"));
        // The old view's events carry their own view; the bundle's view is the latest.
        let b = &h.bundles()[0];
        assert_eq!(b.get_path(&["view", "name"]).unwrap().as_str(), Some("/app/cart"));
        let raw = b.get("events").unwrap().as_arr().unwrap();
        assert_eq!(raw[0].get_path(&["view", "name"]).unwrap().as_str(), Some("/app/home"));
        assert!(raw[3].get("view").is_none());
    }

    #[test]
    fn parse_view_name_is_used_when_given() {
        let (a, _h) = started(r#","parseViewName":{"$fn":0}"#, 6);
        assert_eq!(a.view.r.name, "named:/app/home");
    }

    #[test]
    fn expiry_mid_page_starts_a_new_session_with_a_page_view_and_no_event_crosses_over() {
        let (mut a, mut h) = started("", 7);
        a.emit(&mut h, custom("before"));
        let s1 = a.sessions.current.clone().unwrap().id;
        h.now += HOUR + 1;
        a.activity(&mut h);
        a.emit(&mut h, custom("after"));
        flush_all(&mut a, &mut h);
        let s2 = a.sessions.current.clone().unwrap().id;
        assert_ne!(s1, s2);
        // Two bundles, one per session; each event under its own session.
        let bundles = h.bundles();
        assert_eq!(bundles.len(), 2);
        assert_eq!(bundles[0].get_path(&["session", "id"]).unwrap().as_str(), Some(s1.as_str()));
        assert_eq!(bundles[1].get_path(&["session", "id"]).unwrap().as_str(), Some(s2.as_str()));
        assert_eq!(
            bundles.iter().map(|b| b.get("events").unwrap().as_arr().unwrap().len()).collect::<Vec<_>>(),
            [2, 2]
        );
        let ev = h.events();
        let sessions: Vec<&str> = ev.iter().map(|e| e.get("session_id").unwrap().as_str().unwrap()).collect();
        assert_eq!(sessions, [s1.as_str(), s1.as_str(), s2.as_str(), s2.as_str()]);
        assert_eq!(names(&h), ["view/pv:/app/home", "custom/biz:before", "view/pv:/app/home", "custom/biz:after"]);
        assert_eq!(ev[2].get("loading_type").unwrap().as_str(), Some("session_start"));
        assert_ne!(ev[0].get_path(&["view", "id"]), ev[2].get_path(&["view", "id"]));
    }

    #[test]
    fn a_page_with_an_arms_session_continues_it() {
        let mut h = FakeHost::new(8);
        let live = "aaaabbbbccccddddeeeeffff00001111-1-1795386881093-1795390430000";
        h.store.insert(String::from(SESSION_KEY), String::from(live));
        h.store.insert(String::from("_arms_uid"), String::from("uid_knownuser12345"));
        let mut a = Agent::new(config(""), &mut h);
        a.start(&mut h, "http://h/app/home", "");
        flush_all(&mut a, &mut h);
        let b = &h.bundles()[0];
        assert_eq!(b.get_path(&["session", "id"]).unwrap().as_str(), Some("aaaabbbbccccddddeeeeffff00001111"));
        assert_eq!(b.get_path(&["user", "id"]).unwrap().as_str(), Some("uid_knownuser12345"));
    }

    #[test]
    fn user_change_flushes_the_old_session_and_starts_a_new_one() {
        let (mut a, mut h) = started(r#","user":{"name":"Alice"}"#, 9);
        a.emit(&mut h, custom("alice"));
        let s1 = a.sessions.current.clone().unwrap().id;
        a.set_config(&mut h, config(r#","user":{"name":"Bob"}"#));
        a.emit(&mut h, custom("bob"));
        flush_all(&mut a, &mut h);
        let bundles = h.bundles();
        assert_eq!(bundles.len(), 2);
        assert_eq!(bundles[0].get_path(&["session", "id"]).unwrap().as_str(), Some(s1.as_str()));
        assert_eq!(bundles[0].get_path(&["user", "name"]).unwrap().as_str(), Some("Alice"));
        assert_ne!(bundles[1].get_path(&["session", "id"]).unwrap().as_str(), Some(s1.as_str()));
        assert_eq!(bundles[1].get_path(&["user", "name"]).unwrap().as_str(), Some("Bob"));
        // Same user again: no new session.
        let s2 = a.sessions.current.clone().unwrap().id;
        a.set_config(&mut h, config(r#","user":{"name":"Bob","tags":"t"}"#));
        assert_eq!(a.sessions.current.clone().unwrap().id, s2);
    }

    #[test]
    fn before_report_can_rewrite_or_drop() {
        let (mut a, mut h) = started(r#","beforeReport":{"$fn":0}"#, 10);
        h.before_report = Some(|_| None);
        flush_all(&mut a, &mut h);
        assert!(h.sent.is_empty());
        a.emit(&mut h, custom("x"));
        h.before_report = Some(|b| Some(b.replace("\"biz\"", "\"rewritten\"")));
        flush_all(&mut a, &mut h);
        assert_eq!(h.sent.len(), 1);
        assert!(h.sent[0].0.contains("\"rewritten\""));
    }

    #[test]
    fn opt_out_stops_everything_deletes_ids_and_persists() {
        let (mut a, mut h) = started("", 11);
        flush_all(&mut a, &mut h);
        let sent = h.sent.len();
        a.emit(&mut h, custom("pending"));
        a.opt_out(&mut h);
        a.emit(&mut h, custom("after"));
        a.activity(&mut h);
        a.flush(&mut h, Exit::Leaving);
        assert_eq!(h.sent.len(), sent, "nothing after opt-out, pending dropped");
        assert!(!h.store.contains_key(SESSION_KEY) && !h.store.contains_key("_arms_uid"));
        assert_eq!(h.store[OPT_OUT_KEY], "1");
        // Next page load: still opted out.
        let mut b = Agent::new(config(""), &mut h);
        b.start(&mut h, "http://h/", "");
        b.flush(&mut h, Exit::Leaving);
        assert_eq!(h.sent.len(), sent);
        assert!(!h.store.contains_key(SESSION_KEY));
        // Opt back in: a fresh session, a page view.
        b.opt_in(&mut h);
        flush_all(&mut b, &mut h);
        assert_eq!(h.sent.len(), sent + 1);
        assert!(!h.store.contains_key(OPT_OUT_KEY));
    }

    #[test]
    fn two_tabs_racing_to_create_a_session_end_with_one_id() {
        let mut h = FakeHost::new(12);
        let mut tab_a = Agent::new(config(""), &mut h);
        tab_a.start(&mut h, "http://h/a", "");
        // Tab B started at the same instant, read nothing and wrote its own session.
        h.store.remove(SESSION_KEY);
        let mut tab_b = Agent::new(config(""), &mut h);
        tab_b.start(&mut h, "http://h/b", "");
        let winner = tab_b.sessions.current.clone().unwrap().id;
        h.now += 50;
        tab_a.emit(&mut h, custom("a2"));
        flush_all(&mut tab_a, &mut h);
        flush_all(&mut tab_b, &mut h);
        let ids: Vec<String> =
            h.events().iter().map(|e| String::from(e.get("session_id").unwrap().as_str().unwrap())).collect();
        assert_eq!(ids.len(), 3);
        assert!(ids.iter().all(|i| *i == winner), "{ids:?}");
        assert_eq!(names(&h), ["view/pv:/a", "custom/biz:a2", "view/pv:/b"]);
    }

    #[test]
    fn large_flush_is_split_under_the_beacon_limit_and_loses_nothing() {
        let (mut a, mut h) = started(r#","reportConfig":{"maxEventCount":100}"#, 13);
        let big = "x".repeat(1500);
        for _ in 0..99 {
            let spec = crate::core::manual::custom(
                &parse(&crate::core::text::cat(&[r#"{"type":"biz","name":""#, &big, "\"}"])).unwrap(),
            )
            .unwrap();
            a.emit(&mut h, spec);
            answer(&mut a, &mut h, 200);
        }
        assert!(h.sent.len() >= 3, "{}", h.sent.len());
        assert!(
            h.sent.iter().all(|(b, _)| b.len() <= MAX_BODY),
            "{:?}",
            h.sent.iter().map(|(b, _)| b.len()).collect::<Vec<_>>()
        );
        assert_eq!(h.events().len(), 100);
    }

    #[test]
    fn dropped_events_are_reported_in_the_next_bundle() {
        let (mut a, mut h) = started(r#","reportConfig":{"maxEventCount":100},"delivery":{"maxQueueEvents":10}"#, 14);
        for _ in 0..25 {
            a.emit(&mut h, custom("x"));
        }
        flush_all(&mut a, &mut h);
        let b = &h.bundles()[0];
        assert_eq!(b.get("dropped").unwrap().as_f64(), Some(16.0));
        assert_eq!(b.get("events").unwrap().as_arr().unwrap().len(), 10);
    }

    fn delivered_event_ids(h: &FakeHost) -> Vec<String> {
        let mut ids = Vec::new();
        for b in &h.delivered {
            for e in parse(b).unwrap().get("events").unwrap().as_arr().unwrap() {
                ids.push(String::from(e.get("event_id").unwrap().as_str().unwrap()));
            }
        }
        ids
    }

    #[test]
    fn endpoint_down_for_a_while_then_up_delivers_every_event_exactly_once() {
        let (mut a, mut h) = started(r#","reportConfig":{"maxEventCount":5}"#, 20);
        for i in 0..23 {
            a.emit(&mut h, custom(&crate::core::json::u64_to_string(i)));
            // Down: every attempt fails at the network level.
            answer(&mut a, &mut h, 0);
        }
        a.flush(&mut h, Exit::No);
        answer(&mut a, &mut h, 0);
        assert!(h.delivered.is_empty());
        assert!(!h.persisted.is_empty(), "undelivered bundles are persisted meanwhile");
        // Up again: timers fire, retries go out in order until the outbox is empty.
        for _ in 0..200 {
            h.now += 5000;
            a.on_timer(&mut h);
            answer(&mut a, &mut h, 200);
            if a.outbox.items.is_empty() {
                break;
            }
        }
        let ids = delivered_event_ids(&h);
        assert_eq!(ids.len(), 24, "pv + 23 customs");
        let mut uniq = ids.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), ids.len(), "no duplicates");
        assert_eq!(h.persisted, "", "nothing left persisted once acknowledged");
    }

    #[test]
    fn server_errors_are_retried_and_client_errors_dropped_with_one_warning() {
        let (mut a, mut h) = started("", 21);
        a.flush(&mut h, Exit::No);
        answer(&mut a, &mut h, 500);
        assert!(h.delivered.is_empty());
        h.now += 2000;
        a.on_timer(&mut h);
        answer(&mut a, &mut h, 200);
        assert_eq!(delivered_event_ids(&h).len(), 1);
        a.emit(&mut h, custom("bad"));
        a.flush(&mut h, Exit::No);
        answer(&mut a, &mut h, 400);
        a.emit(&mut h, custom("bad2"));
        a.flush(&mut h, Exit::No);
        answer(&mut a, &mut h, 413);
        assert!(a.outbox.items.is_empty(), "a 4xx is never retried");
        assert_eq!(h.warnings.len(), 1, "{:?}", h.warnings);
        assert!(h.warnings[0].contains("HTTP 400"));
    }

    #[test]
    fn a_reload_while_the_endpoint_is_down_sends_the_events_after_the_reload() {
        let (mut a, mut h) = started("", 22);
        a.emit(&mut h, custom("before-reload"));
        a.flush(&mut h, Exit::Hidden);
        answer(&mut a, &mut h, 0);
        let saved = h.persisted.clone();
        assert!(saved.contains("before-reload"));
        // The next page load of the site takes the bundles over and delivers them.
        let mut next = Agent::new(config(""), &mut h);
        next.start(&mut h, "http://h/app/home", "");
        next.adopt(&mut h, &saved);
        answer(&mut next, &mut h, 200);
        flush_all(&mut next, &mut h);
        let names = names_of(&h.delivered);
        assert!(names.iter().any(|n| n == "custom/biz:before-reload"), "{names:?}");
        assert_eq!(names.iter().filter(|n| n.as_str() == "view/pv:/app/home").count(), 2, "{names:?}");
    }

    #[test]
    fn the_persisted_bound_is_shared_with_the_other_tabs_oldest_dropped_and_counted() {
        let (mut a, mut h) =
            started(r#","reportConfig":{"maxEventCount":10},"delivery":{"maxPersistBytes":100000}"#, 24);
        let big = "z".repeat(1000);
        let mut n = 0;
        let mut big_one = |a: &mut Agent, h: &mut FakeHost| {
            n += 1;
            let name = crate::core::text::cat(&[&crate::core::json::u64_to_string(n), "-", &big]);
            a.emit(h, custom(&name));
        };
        // Down: 60 events in 6 bundles of about 10 KB, all kept by this tab alone.
        for _ in 0..60 {
            big_one(&mut a, &mut h);
            answer(&mut a, &mut h, 0);
        }
        assert!(h.persisted.len() > 50_000, "{}", h.persisted.len());
        assert_eq!(a.outbox.dropped_bundles, 0);
        // Other tabs now hold 80 KB: this tab keeps 20 KB, its newest bundles.
        h.elsewhere = 80_000;
        big_one(&mut a, &mut h);
        a.flush(&mut h, Exit::No);
        answer(&mut a, &mut h, 0);
        assert!(h.persisted.len() <= 20_000, "{}", h.persisted.len());
        let dropped = a.outbox.dropped_bundles;
        assert!(dropped >= 3, "{dropped}");
        assert!(h.persisted.contains("\"name\":\"61-"), "the newest stays");
        assert!(!h.persisted.contains("\"name\":\"1-"), "the oldest went first");
        // Up again: the count goes out with the next bundle.
        h.elsewhere = 0;
        for _ in 0..50 {
            h.now += 61_000;
            a.on_timer(&mut h);
            answer(&mut a, &mut h, 200);
        }
        big_one(&mut a, &mut h);
        a.flush(&mut h, Exit::No);
        answer(&mut a, &mut h, 200);
        let counted: f64 = h.bundles().iter().filter_map(|b| b.get("dropped_batches")?.as_f64()).sum();
        assert_eq!(counted, f64::from(dropped));
    }

    #[test]
    fn exit_over_the_keepalive_quota_sends_what_fits_and_keeps_the_rest() {
        let (mut a, mut h) = started(r#","reportConfig":{"maxEventCount":100}"#, 23);
        h.beacon_ok = false;
        let big = "y".repeat(2000);
        for _ in 0..60 {
            a.emit(
                &mut h,
                crate::core::manual::custom(
                    &parse(&crate::core::text::cat(&[r#"{"type":"biz","name":""#, &big, "\"}"])).unwrap(),
                )
                .unwrap(),
            );
        }
        a.flush(&mut h, Exit::Leaving);
        let sent: usize = h.sent.iter().map(|(b, _)| b.len()).sum();
        assert!(sent <= crate::core::delivery::EXIT_BUDGET, "{sent}");
        assert!(h.sent.iter().all(|(_, e)| *e == Exit::Leaving));
        assert!(h.persisted.split('\n').count() >= 2, "what did not fit is persisted");
        // The page is gone; the next load delivers everything (the collector de-duplicates
        // what the keepalive requests may have delivered too).
        let saved = h.persisted.clone();
        let mut next = Agent::new(config(""), &mut h);
        next.adopt(&mut h, &saved);
        for _ in 0..50 {
            answer(&mut next, &mut h, 200);
        }
        let mut ids = delivered_event_ids(&h);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 61);
    }

    fn names_of(bodies: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for b in bodies {
            for e in parse(b).unwrap().get("events").unwrap().as_arr().unwrap() {
                let t = e.get("type").and_then(Value::as_str).unwrap_or("");
                let n = e.get("name").and_then(Value::as_str).unwrap_or("");
                out.push(crate::core::text::cat(&[e.get("event_type").unwrap().as_str().unwrap(), "/", t, ":", n]));
            }
        }
        out
    }

    #[test]
    fn remote_first_holds_events_until_release_and_sends_them_under_the_final_config() {
        let mut h = FakeHost::new(30);
        let mut a = Agent::new(config(""), &mut h);
        a.hold = true;
        a.start(&mut h, "http://h/app", "");
        for i in 0..30 {
            a.emit(&mut h, custom(&crate::core::json::u64_to_string(i)));
        }
        a.on_timer(&mut h);
        assert!(h.sent.is_empty(), "nothing leaves while holding");
        a.set_config(&mut h, config(r#","app":{"name":"from-remote"}"#));
        a.release(&mut h);
        answer(&mut a, &mut h, 200);
        let b = h.bundles();
        assert_eq!(b[0].get_path(&["app", "name"]).unwrap().as_str(), Some("from-remote"));
        assert_eq!(delivered_event_ids(&h).len(), 31);
    }
}
