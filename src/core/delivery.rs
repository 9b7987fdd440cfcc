//! Delivery that loses nothing, within bounds: the outbox of bundles between the queue and the
//! network.
//!
//! - one request in flight at a time while the page lives, so bundles arrive in order;
//! - a failure that may pass (network error / status 0, 408, 429, 5xx) is retried with
//!   exponential backoff and jitter, honouring `Retry-After`; any other 4xx will never succeed
//!   and is dropped with one warning;
//! - bounded by bytes: past the bound the oldest bundles are dropped and counted;
//! - what is not acknowledged is persisted (by the browser layer) and sent again at the next
//!   start, so a reload or a closed tab loses nothing. The collector de-duplicates by
//!   `event_id`, which makes that at-least-once delivery exactly-once in the store.

use alloc::string::String;
use alloc::vec::Vec;

pub const BACKOFF_BASE: u64 = 1000;
pub const BACKOFF_MAX: u64 = 60_000;
/// `Retry-After` longer than this is capped: a misconfigured proxy must not park data for days.
pub const RETRY_AFTER_MAX: u64 = 300_000;
/// In-flight keepalive/beacon bytes allowed at once (browsers share a 64 KiB quota).
pub const EXIT_BUDGET: usize = 60_000;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum State {
    Waiting,
    InFlight,
}

pub struct Item {
    pub id: u32,
    pub body: String,
    pub attempts: u32,
    pub next_at: u64,
    pub state: State,
    /// Sent with keepalive (counts against the exit budget until it settles).
    pub keepalive: bool,
    /// The dropped bundles this one reports (`dropped_batches`): counted again if it is dropped
    /// too, so no drop goes unreported.
    pub carries: u32,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Settled {
    Delivered,
    Retry(u64),
    Rejected,
    Unknown,
}

pub struct Outbox {
    pub items: Vec<Item>,
    next_id: u32,
    pub max_bytes: usize,
    pub dropped_bundles: u32,
    /// Set when the persisted copy no longer matches (the browser layer rewrites it).
    pub dirty: bool,
}

/// Whether a status can succeed later.
pub fn retryable(status: u16) -> bool {
    status == 0 || status == 408 || status == 429 || status >= 500
}

impl Outbox {
    pub fn new(max_bytes: usize) -> Outbox {
        Outbox { items: Vec::new(), next_id: 1, max_bytes, dropped_bundles: 0, dirty: false }
    }

    /// Ids start at `id` (replay's outbox sets a bit of its own: answers come back by id).
    pub fn first_id(&mut self, id: u32) {
        self.next_id = id;
    }

    pub fn bytes(&self) -> usize {
        self.items.iter().map(|i| i.body.len()).sum()
    }

    pub fn push(&mut self, body: String, now: u64) {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.items.push(Item {
            id,
            body,
            attempts: 0,
            next_at: now,
            state: State::Waiting,
            keepalive: false,
            carries: 0,
        });
        self.dirty = true;
        self.bound(self.max_bytes);
    }

    /// At most `max` bytes (or one bundle): the oldest waiting bundles (never one in flight) are
    /// dropped and counted.
    pub fn bound(&mut self, max: usize) {
        while self.bytes() > max && self.items.len() > 1 {
            match self.items.iter().position(|i| i.state == State::Waiting) {
                Some(p) if p + 1 < self.items.len() => {
                    let gone = self.items.remove(p);
                    self.dropped_bundles = self.dropped_bundles.saturating_add(1).saturating_add(gone.carries);
                }
                _ => break,
            }
        }
    }

    /// Keepalive bytes that may still go out at exit: the shared quota less what is in flight.
    pub fn exit_budget(&self) -> usize {
        EXIT_BUDGET.saturating_sub(
            self.items.iter().filter(|i| i.state == State::InFlight && i.keepalive).map(|i| i.body.len()).sum(),
        )
    }

    /// The next bundle to send now, marked in flight. While the page lives: the first bundle,
    /// when due and nothing is in flight (order is kept). On exit: the next waiting bundle, if
    /// it fits the keepalive `budget` (which it then uses); the rest stays for the next page
    /// load. `fresh_only` leaves out bundles that failed before: sent by a beacon, which never
    /// tells whether it arrived, they could be lost while the endpoint is down; they stay
    /// persisted instead.
    pub fn next_send(&mut self, now: u64, exit: bool, fresh_only: bool, budget: &mut usize) -> Option<&Item> {
        let i = if exit {
            let i = self.items.iter_mut().find(|i| i.state == State::Waiting && !(fresh_only && i.attempts > 0))?;
            *budget = budget.checked_sub(i.body.len())?;
            i
        } else {
            if !self.idle() {
                return None;
            }
            self.items.first_mut().filter(|i| i.next_at <= now)?
        };
        i.state = State::InFlight;
        i.keepalive = exit;
        Some(i)
    }

    pub fn body(&self, id: u32) -> Option<&str> {
        self.items.iter().find(|i| i.id == id).map(|i| i.body.as_str())
    }

    /// The result of a send. `retry_after` is the server's `Retry-After` in ms, if any;
    /// `jitter` in [0, 1) spreads retries of many clients.
    pub fn settle(&mut self, id: u32, status: u16, retry_after: Option<u64>, now: u64, jitter: f64) -> Settled {
        let Some(p) = self.items.iter().position(|i| i.id == id) else { return Settled::Unknown };
        // (A 2xx is not retryable.)
        if !retryable(status) {
            self.items.remove(p);
            self.dirty = true;
            return if (200..300).contains(&status) { Settled::Delivered } else { Settled::Rejected };
        }
        let Some(item) = self.items.get_mut(p) else { return Settled::Unknown };
        item.attempts = item.attempts.saturating_add(1);
        let exp = BACKOFF_BASE.saturating_mul(1u64 << item.attempts.min(16).saturating_sub(1)).min(BACKOFF_MAX);
        // Full jitter on the upper half: never sooner than half the backoff.
        let wait = exp / 2 + ((exp / 2) as f64 * jitter) as u64;
        let wait = retry_after.map_or(wait, |r| r.min(RETRY_AFTER_MAX).max(wait / 2));
        item.next_at = now + wait;
        item.state = State::Waiting;
        item.keepalive = false;
        Settled::Retry(item.next_at)
    }

    /// When the next waiting bundle is due (for the timer).
    pub fn next_due(&self) -> Option<u64> {
        if !self.idle() {
            return None;
        }
        self.items.first().map(|i| i.next_at)
    }

    /// Whether no bundle is in flight.
    #[inline(never)]
    fn idle(&self) -> bool {
        !self.items.iter().any(|i| i.state == State::InFlight)
    }

    /// The unacknowledged bundles, one per line (bundles are JSON: no raw newlines).
    pub fn to_persisted(&self) -> String {
        let mut s = String::new();
        for i in &self.items {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(&i.body);
        }
        s
    }

    /// Takes over bundles persisted by an earlier page (or a closed tab).
    pub fn adopt(&mut self, persisted: &str, now: u64) {
        let mut rest = persisted;
        while !rest.is_empty() {
            let (line, tail) = crate::core::text::split_byte(rest, b'\n').unwrap_or((rest, ""));
            if line.starts_with('{') {
                self.push(String::from(line), now);
            }
            rest = tail;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundle to send: what `Agent::flush` reads from each `next_send`.
    struct Send {
        id: u32,
        keepalive: bool,
    }

    /// Everything to send now, the way `Agent::flush` asks: `next_send` until it says no.
    fn due(o: &mut Outbox, now: u64, exit: bool, fresh_only: bool) -> Vec<Send> {
        let mut out = Vec::new();
        let mut budget = o.exit_budget();
        while let Some(i) = o.next_send(now, exit, fresh_only, &mut budget) {
            out.push(Send { id: i.id, keepalive: i.keepalive });
        }
        out
    }

    fn body(n: usize) -> String {
        crate::core::text::cat(&["{\"x\":\"", &"a".repeat(n), "\"}"])
    }

    #[test]
    fn one_in_flight_at_a_time_in_order() {
        let mut o = Outbox::new(1 << 20);
        o.push(body(1), 0);
        o.push(body(2), 0);
        let s = due(&mut o, 0, false, false);
        assert_eq!(s.len(), 1);
        assert!(due(&mut o, 0, false, false).is_empty(), "nothing else while one is in flight");
        assert_eq!(o.settle(s[0].id, 200, None, 5, 0.5), Settled::Delivered);
        let s2 = due(&mut o, 5, false, false);
        assert_eq!(o.body(s2[0].id).unwrap().len(), body(2).len());
        assert_eq!(o.settle(s2[0].id, 204, None, 6, 0.5), Settled::Delivered);
        assert!(o.items.is_empty());
    }

    #[test]
    fn retryable_statuses_back_off_exponentially_and_others_are_dropped() {
        for (status, retry) in [
            (0, true),
            (408, true),
            (429, true),
            (500, true),
            (503, true),
            (400, false),
            (401, false),
            (404, false),
            (413, false),
        ] {
            let mut o = Outbox::new(1 << 20);
            o.push(body(1), 0);
            let s = due(&mut o, 0, false, false);
            let out = o.settle(s[0].id, status, None, 0, 0.0);
            assert_eq!(matches!(out, Settled::Retry(_)), retry, "status {status}");
            assert_eq!(o.items.len(), usize::from(retry));
        }
        let mut o = Outbox::new(1 << 20);
        o.push(body(1), 0);
        let mut waits = Vec::new();
        let mut now = 0;
        for _ in 0..10 {
            let s = due(&mut o, now, false, false);
            assert_eq!(s.len(), 1, "due again at {now}");
            match o.settle(s[0].id, 503, None, now, 0.999) {
                Settled::Retry(at) => {
                    waits.push(at - now);
                    assert!(due(&mut o, at - 1, false, false).is_empty(), "not before the backoff");
                    now = at;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(&waits[..4], &[999, 1999, 3998, 7996]);
        assert!(waits.iter().all(|w| *w <= BACKOFF_MAX));
        assert_eq!(*waits.last().unwrap(), 59_970);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let mut o = Outbox::new(1 << 20);
        o.push(body(1), 0);
        let s = due(&mut o, 0, false, false);
        assert_eq!(o.settle(s[0].id, 429, Some(7000), 100, 0.0), Settled::Retry(7100));
        let s = due(&mut o, 7100, false, false);
        assert_eq!(o.settle(s[0].id, 429, Some(10_000_000), 7100, 0.0), Settled::Retry(7100 + RETRY_AFTER_MAX));
    }

    #[test]
    fn bounded_by_bytes_dropping_the_oldest_waiting() {
        let mut o = Outbox::new(10_000);
        for _ in 0..10 {
            o.push(body(3000), 0);
        }
        assert!(o.bytes() <= 10_000 || o.items.len() == 1);
        assert_eq!(o.items.len() as u32 + o.dropped_bundles, 10);
        assert_eq!(o.items.len(), 3);
    }

    #[test]
    fn exit_sends_what_fits_the_keepalive_budget() {
        let mut o = Outbox::new(1 << 20);
        for _ in 0..5 {
            o.push(body(25_000), 0);
        }
        let s = due(&mut o, 0, true, false);
        assert_eq!(s.len(), 2, "two of 25 KB fit in 60 KB");
        assert!(s.iter().all(|x| x.keepalive));
        assert!(due(&mut o, 0, true, false).is_empty(), "the budget is used while those are in flight");
        o.settle(s[0].id, 200, None, 1, 0.0);
        assert_eq!(due(&mut o, 1, true, false).len(), 1);
    }

    #[test]
    fn leaving_beacons_only_fresh_bundles_and_keeps_failed_ones() {
        let mut o = Outbox::new(1 << 20);
        o.push(body(10), 0);
        let s = due(&mut o, 0, false, false);
        o.settle(s[0].id, 0, None, 0, 0.0);
        o.push(body(20), 0);
        let sent = due(&mut o, 5000, true, true);
        assert_eq!(sent.len(), 1);
        assert_eq!(o.body(sent[0].id).unwrap().len(), body(20).len());
        assert_eq!(
            o.items.iter().filter(|i| i.state == State::Waiting).count(),
            1,
            "the failed one waits for the next page"
        );
    }

    #[test]
    fn persisted_form_round_trips() {
        let mut o = Outbox::new(1 << 20);
        o.push(String::from("{\"a\":\"x\\ny\"}"), 0);
        o.push(String::from("{\"b\":1}"), 0);
        let text = o.to_persisted();
        let mut p = Outbox::new(1 << 20);
        p.adopt(&text, 5);
        p.adopt("garbage\n\n", 5);
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.items[0].body, "{\"a\":\"x\\ny\"}");
    }
}
