//! The session state machine.
//!
//! Stored exactly as ARMS stores it, so a page that switches from ARMS keeps its session:
//! `_arms_session` = `<32 hex id>-<1|0 sampled>-<start ms>-<last ms>` and `_arms_uid` =
//! `uid_` + 16 base-36 chars, both suffixed `:<domain>` when `sessionConfig.domain` is set.
//!
//! Rules (each is a case in the tests below):
//! - valid iff `start + maxDuration >= now` and `last + overtime >= now` (and not from the
//!   future); otherwise a new id is drawn and sampling decided once for it;
//! - expiry is computed from the stored timestamps on every read, never from timers, so a
//!   throttled background tab or a sleeping laptop gets it right;
//! - only activity (user input, events) moves `last`, at most once a second;
//! - the store is shared by all tabs: every operation reads it first, and a tab adopts a
//!   valid session another tab wrote.

use super::ids::{hex_id, uid, Random};
use super::text::{cat, is_hex, parse_u64, split_byte};
use alloc::string::String;

pub const SESSION_KEY: &str = "_arms_session";
pub const UID_KEY: &str = "_arms_uid";
/// Which app user the stored session belongs to (ours; ARMS has none).
pub const USER_KEY: &str = "_rum_wasm_user";
/// `last` is written at most this often.
pub const TOUCH_INTERVAL: u64 = 1000;
/// Clock skew tolerated between tabs before a stored time counts as "from the future".
pub const FUTURE_TOLERANCE: u64 = 1000;

/// Key/value persistence: localStorage, a cookie, or memory. `set` reports failure instead of
/// throwing (private mode, quota, disabled storage).
pub trait Store {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&mut self, key: &str, value: &str) -> bool;
    fn remove(&mut self, key: &str);
}

#[derive(Clone, PartialEq, Debug)]
pub struct Session {
    pub id: String,
    pub sampled: bool,
    pub start: u64,
    pub last: u64,
}

impl Session {
    pub fn parse(s: &str) -> Option<Session> {
        let (id, rest) = split_byte(s, b'-')?;
        let (sampled, rest) = split_byte(rest, b'-')?;
        let (start, last) = split_byte(rest, b'-')?;
        // A fifth part leaves a '-' in `last`, which parse_u64 refuses.
        let (start, last) = (parse_u64(start)?, parse_u64(last)?);
        if !is_hex(id, 32) || start > last {
            return None;
        }
        let sampled = match sampled {
            "1" => true,
            "0" => false,
            _ => return None,
        };
        Some(Session { id: String::from(id), sampled, start, last })
    }

    pub fn to_store_string(&self) -> String {
        let mut s = cat(&[&self.id, if self.sampled { "-1-" } else { "-0-" }]);
        super::json::write_u64(self.start, &mut s);
        s.push('-');
        super::json::write_u64(self.last, &mut s);
        s
    }

    pub fn is_valid(&self, now: u64, rules: &Rules) -> bool {
        self.start.saturating_add(rules.max_duration) >= now
            && self.last.saturating_add(rules.overtime) >= now
            && self.last <= now.saturating_add(FUTURE_TOLERANCE)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub overtime: u64,
    pub max_duration: u64,
    pub sample_rate: f64,
}

/// Why `current` returned the session it did; the caller starts a new view on `Renewed`.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Outcome {
    Continued,
    /// Another tab wrote a session this tab had not seen.
    Adopted,
    Renewed,
}

/// Storage keys, suffixed `:<domain>` as ARMS does when `sessionConfig.domain` is set.
pub struct Keys {
    pub session: String,
    pub uid: String,
    pub user: String,
}

impl Keys {
    pub fn new(domain: Option<&str>) -> Keys {
        let (sep, d) = match domain {
            Some(d) => (":", d),
            None => ("", ""),
        };
        let k = |base: &str| cat(&[base, sep, d]);
        Keys { session: k(SESSION_KEY), uid: k(UID_KEY), user: k(USER_KEY) }
    }
}

pub struct SessionManager {
    pub rules: Rules,
    pub keys: Keys,
    /// The session this tab last used: events carry its id.
    pub current: Option<Session>,
    /// The identity of the app user (name/id from config) this session belongs to.
    pub user: String,
}

impl SessionManager {
    pub fn new(rules: Rules, keys: Keys, user: String) -> SessionManager {
        SessionManager { rules, keys, current: None, user }
    }

    fn stored(&self, store: &impl Store) -> Option<Session> {
        Session::parse(&store.get(&self.keys.session)?)
    }

    /// The session to use now (left in `self.current`), creating one when none is valid. Reads
    /// the store every time, so a session renewed or created by another tab is adopted.
    pub fn current(&mut self, store: &mut impl Store, now: u64, rng: &mut impl Random) -> Outcome {
        let stored = self.stored(store).filter(|s| s.is_valid(now, &self.rules));
        // A session of another app user must not continue (shared browsers).
        let same_user = !self.other_user(store, &self.user);
        match stored {
            Some(s) if same_user => {
                let outcome = match &self.current {
                    Some(c) if c.id == s.id => Outcome::Continued,
                    _ => Outcome::Adopted,
                };
                self.current = Some(s);
                outcome
            }
            _ => {
                self.renew(store, now, rng);
                Outcome::Renewed
            }
        }
    }

    /// Starts a new session unconditionally (expiry, user change, opt-in).
    pub fn renew(&mut self, store: &mut impl Store, now: u64, rng: &mut impl Random) {
        let sampled = decide_sampling(self.rules.sample_rate, rng);
        let s = Session { id: hex_id(rng), sampled, start: now, last: now };
        store.set(&self.keys.session, &s.to_store_string());
        self.current = Some(s);
        self.save_user(store);
    }

    /// Records which app user the stored session belongs to (when one is known).
    fn save_user(&self, store: &mut impl Store) {
        if !self.user.is_empty() {
            store.set(&self.keys.user, &self.user);
        }
    }

    /// Activity: moves `last` (at most once a second, only when it changes). An expired
    /// session is replaced, since activity is what starts the next one.
    pub fn touch(&mut self, store: &mut impl Store, now: u64, rng: &mut impl Random) -> Outcome {
        let outcome = self.current(store, now, rng);
        if let Some(s) = &mut self.current {
            if now >= s.last.saturating_add(TOUCH_INTERVAL) {
                s.last = now;
                store.set(&self.keys.session, &s.to_store_string());
            }
        }
        outcome
    }

    /// The app user changed (`setConfig('user', ...)`): a different known user gets a new session.
    pub fn set_user(&mut self, user: String, store: &mut impl Store, now: u64, rng: &mut impl Random) -> bool {
        let changed = self.other_user(store, &user);
        self.user = user;
        if changed {
            self.renew(store, now, rng);
        } else {
            self.save_user(store);
        }
        changed
    }

    /// Whether `user` is a known user other than the one the stored session belongs to.
    pub fn other_user(&self, store: &impl Store, user: &str) -> bool {
        let before = store.get(&self.keys.user).unwrap_or_default();
        !user.is_empty() && !before.is_empty() && before != user
    }

    /// The visitor id, created on first use; a value of another format (ARMS's old `user_`
    /// ids included) is replaced.
    pub fn uid(&self, store: &mut impl Store, rng: &mut impl Random) -> String {
        if let Some(u) = store.get(&self.keys.uid) {
            if is_uid(&u) {
                return u;
            }
        }
        let u = uid(rng);
        store.set(&self.keys.uid, &u);
        u
    }

    /// Opt-out: forget every id this SDK stored.
    pub fn forget(&mut self, store: &mut impl Store) {
        store.remove(&self.keys.session);
        store.remove(&self.keys.uid);
        store.remove(&self.keys.user);
        self.current = None;
    }
}

/// ARMS writes `uid_` + 16 base-36 chars, but reuses any stored `uid_…` value (seen with
/// `uid_knownuser12345`), so only the prefix and a sane charset are required.
pub fn is_uid(u: &str) -> bool {
    if !(5..=64).contains(&u.len()) || !u.starts_with("uid_") {
        return false;
    }
    let mut i = 4;
    while let Some(&b) = u.as_bytes().get(i) {
        if !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return false;
        }
        i += 1;
    }
    true
}

/// Sampled iff a uniform draw in [0, 1) is below the rate; a rate of 0 never samples.
pub fn decide_sampling(rate: f64, rng: &mut impl Random) -> bool {
    rate > 0.0 && (rate >= 1.0 || rng.unit() < rate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{HOUR, MIN};
    use crate::core::ids::tests::SeqRandom;
    use alloc::collections::BTreeMap;

    #[derive(Default)]
    pub struct MemStore(pub BTreeMap<String, String>);

    impl Store for MemStore {
        fn get(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set(&mut self, key: &str, value: &str) -> bool {
            self.0.insert(String::from(key), String::from(value));
            true
        }
        fn remove(&mut self, key: &str) {
            self.0.remove(key);
        }
    }

    const T0: u64 = 1_795_390_440_000;
    const RULES: Rules = Rules { overtime: HOUR, max_duration: 24 * HOUR, sample_rate: 1.0 };

    fn mgr() -> SessionManager {
        SessionManager::new(RULES, Keys::new(None), String::new())
    }

    /// `current`, and the session it left in `m.current`.
    fn cur(m: &mut SessionManager, store: &mut MemStore, now: u64, rng: &mut SeqRandom) -> (Session, Outcome) {
        let o = m.current(store, now, rng);
        (m.current.clone().unwrap(), o)
    }

    fn touch(m: &mut SessionManager, store: &mut MemStore, now: u64, rng: &mut SeqRandom) -> (Session, Outcome) {
        let o = m.touch(store, now, rng);
        (m.current.clone().unwrap(), o)
    }

    fn stored(store: &MemStore) -> Session {
        Session::parse(store.0.get(SESSION_KEY).unwrap()).unwrap()
    }

    #[test]
    fn parses_the_arms_format_and_writes_it_back() {
        let text = "c3cb81d94e784897ba2a92e9e4fdd85a-1-1795390440507-1795390449853";
        let s = Session::parse(text).unwrap();
        assert_eq!(s.id, "c3cb81d94e784897ba2a92e9e4fdd85a");
        assert!(s.sampled);
        assert_eq!((s.start, s.last), (1795390440507, 1795390449853));
        assert_eq!(s.to_store_string(), text);
        let out = Session::parse("9b8e3e3c97b34c939a8b290971722841-0-1795390505723-1795390510864").unwrap();
        assert!(!out.sampled);
    }

    #[test]
    fn corrupt_or_foreign_values_are_rejected() {
        for bad in [
            "",
            "garbage",
            "c3cb81d94e784897ba2a92e9e4fdd85a-1-1795390440507",
            "c3cb81d94e784897ba2a92e9e4fdd85a-2-1-2",
            "C3CB81D94E784897BA2A92E9E4FDD85A-1-1-2",
            "c3cb81d94e784897-1-1-2",
            "c3cb81d94e784897ba2a92e9e4fdd85a-1-5-4",
            "c3cb81d94e784897ba2a92e9e4fdd85a-1-x-4",
            "c3cb81d94e784897ba2a92e9e4fdd85a-1-1-2-3",
            "id=abc&created=1&expire=2",
        ] {
            assert!(Session::parse(bad).is_none(), "{bad}");
        }
    }

    /// The rules as a table: (stored value relative to now, expected outcome).
    #[test]
    fn lifecycle_rules_table() {
        let id = "aaaabbbbccccddddeeeeffff00001111";
        let now = T0 + 30 * HOUR;
        let at = |start: u64, last: u64, sampled: &str| {
            cat(&[
                id,
                "-",
                sampled,
                "-",
                &crate::core::json::u64_to_string(start),
                "-",
                &crate::core::json::u64_to_string(last),
            ])
        };
        let cases: &[(&str, Option<String>, Outcome)] = &[
            ("no session yet", None, Outcome::Renewed),
            ("continue: active 1 min ago", Some(at(now - HOUR, now - MIN, "1")), Outcome::Adopted),
            ("overtime edge: idle exactly overtime", Some(at(now - 2 * HOUR, now - HOUR, "1")), Outcome::Adopted),
            ("overtime edge +1 ms", Some(at(now - 2 * HOUR, now - HOUR - 1, "1")), Outcome::Renewed),
            ("maxDuration edge: started exactly 24 h ago", Some(at(now - 24 * HOUR, now - MIN, "1")), Outcome::Adopted),
            ("maxDuration edge +1 ms", Some(at(now - 24 * HOUR - 1, now - MIN, "1")), Outcome::Renewed),
            ("sampled-out session continues unsampled", Some(at(now - MIN, now - MIN, "0")), Outcome::Adopted),
            ("corrupt value", Some(String::from("%%%")), Outcome::Renewed),
            ("from the future", Some(at(now + 5 * MIN, now + 5 * MIN, "1")), Outcome::Renewed),
            ("within clock tolerance", Some(at(now - MIN, now + FUTURE_TOLERANCE, "1")), Outcome::Adopted),
        ];
        for (name, value, want) in cases {
            let mut store = MemStore::default();
            if let Some(v) = value {
                store.0.insert(String::from(SESSION_KEY), v.clone());
            }
            let mut m = mgr();
            let (s, outcome) = cur(&mut m, &mut store, now, &mut SeqRandom::new(7));
            assert_eq!(outcome, *want, "{name}");
            match want {
                Outcome::Renewed => {
                    assert_ne!(s.id, id, "{name}");
                    assert_eq!((s.start, s.last), (now, now), "{name}");
                    assert_eq!(stored(&store), s, "{name}: written to the store");
                }
                _ => {
                    assert_eq!(s.id, id, "{name}");
                    assert_eq!(store.0.get(SESSION_KEY), value.as_ref(), "{name}: a read writes nothing");
                }
            }
        }
    }

    #[test]
    fn sampling_is_decided_once_per_session_and_kept() {
        let mut store = MemStore::default();
        let mut m = SessionManager::new(Rules { sample_rate: 0.5, ..RULES }, Keys::new(None), String::new());
        // SeqRandom yields 0.75 first: not sampled at rate 0.5.
        let mut rng = SeqRandom::with_units(&[0.75, 0.1, 0.1]);
        let (s, _) = cur(&mut m, &mut store, T0, &mut rng);
        assert!(!s.sampled);
        assert!(store.0[SESSION_KEY].contains("-0-"));
        // Later reads keep the decision even though the next draws would sample.
        for i in 1..5 {
            let (again, o) = touch(&mut m, &mut store, T0 + i * 2000, &mut rng);
            assert_eq!((again.id.as_str(), again.sampled, o), (s.id.as_str(), false, Outcome::Continued));
        }
        // A new session redraws.
        let (next, o) = cur(&mut m, &mut store, T0 + 3 * HOUR, &mut rng);
        assert_eq!(o, Outcome::Renewed);
        assert!(next.sampled);
    }

    #[test]
    fn sample_rate_zero_and_one() {
        let mut rng = SeqRandom::with_units(&[0.0, 0.999_999]);
        assert!(!decide_sampling(0.0, &mut rng));
        assert!(decide_sampling(1.0, &mut rng));
        let mut rng = SeqRandom::with_units(&[0.0]);
        assert!(decide_sampling(0.01, &mut rng));
    }

    #[test]
    fn touch_moves_last_at_most_once_a_second_and_only_on_change() {
        let mut store = MemStore::default();
        let mut m = mgr();
        let mut rng = SeqRandom::new(1);
        let (s, _) = cur(&mut m, &mut store, T0, &mut rng);
        touch(&mut m, &mut store, T0 + 999, &mut rng);
        assert_eq!(stored(&store).last, T0, "not within the same second");
        touch(&mut m, &mut store, T0 + 1000, &mut rng);
        assert_eq!(stored(&store).last, T0 + 1000);
        let (t, o) = touch(&mut m, &mut store, T0 + 1500, &mut rng);
        assert_eq!((t.id, o), (s.id, Outcome::Continued));
        assert_eq!(stored(&store).start, T0, "start never moves");
    }

    #[test]
    fn activity_keeps_a_session_alive_past_overtime_but_not_past_max_duration() {
        let mut store = MemStore::default();
        let mut m = mgr();
        let mut rng = SeqRandom::new(2);
        let (s, _) = cur(&mut m, &mut store, T0, &mut rng);
        let mut now = T0;
        while now < T0 + 24 * HOUR - 50 * MIN {
            now += 50 * MIN;
            let (t, _) = touch(&mut m, &mut store, now, &mut rng);
            assert_eq!(t.id, s.id, "still the same at +{} min", (now - T0) / MIN);
        }
        let (t, o) = touch(&mut m, &mut store, T0 + 24 * HOUR + 1, &mut rng);
        assert_eq!(o, Outcome::Renewed);
        assert_ne!(t.id, s.id);
    }

    #[test]
    fn reads_never_extend_a_session() {
        // Visibility or timers read the session; only touch() may extend it.
        let mut store = MemStore::default();
        let mut m = mgr();
        let mut rng = SeqRandom::new(3);
        let (s, _) = cur(&mut m, &mut store, T0, &mut rng);
        for i in 1..60 {
            cur(&mut m, &mut store, T0 + i * MIN, &mut rng);
        }
        assert_eq!(stored(&store).last, T0);
        let (t, o) = cur(&mut m, &mut store, T0 + HOUR + 1, &mut rng);
        assert_eq!(o, Outcome::Renewed);
        assert_ne!(t.id, s.id);
    }

    #[test]
    fn two_tabs_share_one_session_and_adopt_each_others_renewal() {
        let mut store = MemStore::default();
        let mut rng = SeqRandom::new(4);
        let mut tab_a = mgr();
        let mut tab_b = mgr();
        let (a, _) = cur(&mut tab_a, &mut store, T0, &mut rng);
        let (b, o) = cur(&mut tab_b, &mut store, T0 + 10, &mut rng);
        assert_eq!((a.id.as_str(), o), (b.id.as_str(), Outcome::Adopted));
        // Tab B is active, tab A idle: A still sees a live session thanks to B's writes.
        for i in 1..=90 {
            touch(&mut tab_b, &mut store, T0 + i * MIN, &mut rng);
        }
        let (a2, o) = cur(&mut tab_a, &mut store, T0 + 90 * MIN, &mut rng);
        assert_eq!((a2.id.as_str(), o), (a.id.as_str(), Outcome::Continued));
        // B renews after expiry; A adopts B's new session instead of drawing its own.
        let (b3, _) = touch(&mut tab_b, &mut store, T0 + 200 * MIN, &mut rng);
        let (a3, o) = cur(&mut tab_a, &mut store, T0 + 200 * MIN + 5, &mut rng);
        assert_eq!((a3.id.as_str(), o), (b3.id.as_str(), Outcome::Adopted));
    }

    #[test]
    fn a_different_app_user_starts_a_new_session() {
        let mut store = MemStore::default();
        let mut rng = SeqRandom::new(5);
        let mut m = SessionManager::new(RULES, Keys::new(None), String::from("name=Alice;"));
        let (s, _) = cur(&mut m, &mut store, T0, &mut rng);
        assert_eq!(store.0[USER_KEY], "name=Alice;");
        // Same user: continue. A different user: new session.
        assert!(!m.set_user(String::from("name=Alice;"), &mut store, T0 + 5, &mut rng));
        assert_eq!(cur(&mut m, &mut store, T0 + 6, &mut rng).0.id, s.id);
        assert!(m.set_user(String::from("name=Bob;"), &mut store, T0 + 10, &mut rng));
        let (t, _) = cur(&mut m, &mut store, T0 + 11, &mut rng);
        assert_ne!(t.id, s.id);
        // Next page load by Carol with Bob's live session in the store: not merged.
        let mut carol = SessionManager::new(RULES, Keys::new(None), String::from("name=Carol;"));
        let (c, o) = cur(&mut carol, &mut store, T0 + 20, &mut rng);
        assert_eq!(o, Outcome::Renewed);
        assert_ne!(c.id, t.id);
        // An anonymous page load continues whoever's session is live (same person logging in later).
        let mut anon = mgr();
        assert_eq!(cur(&mut anon, &mut store, T0 + 30, &mut rng).0.id, c.id);
    }

    #[test]
    fn domain_suffixes_the_keys() {
        let k = Keys::new(Some("example.com"));
        assert_eq!((k.session.as_str(), k.uid.as_str()), ("_arms_session:example.com", "_arms_uid:example.com"));
    }

    #[test]
    fn uid_is_created_once_and_legacy_values_are_replaced() {
        let mut store = MemStore::default();
        let m = mgr();
        let mut rng = SeqRandom::new(6);
        let u = m.uid(&mut store, &mut rng);
        assert!(is_uid(&u), "{u}");
        assert_eq!(m.uid(&mut store, &mut rng), u);
        store.0.insert(String::from(UID_KEY), String::from("user_legacy"));
        let v = m.uid(&mut store, &mut rng);
        assert!(is_uid(&v) && v != "user_legacy");
        store.0.insert(String::from(UID_KEY), String::from("uid_knownuser12345"));
        assert_eq!(m.uid(&mut store, &mut rng), "uid_knownuser12345");
    }

    #[test]
    fn forget_removes_every_stored_id() {
        let mut store = MemStore::default();
        let mut m = SessionManager::new(RULES, Keys::new(None), String::from("name=A;"));
        let mut rng = SeqRandom::new(8);
        cur(&mut m, &mut store, T0, &mut rng);
        m.uid(&mut store, &mut rng);
        m.forget(&mut store);
        assert!(store.0.is_empty(), "{:?}", store.0);
    }
}
