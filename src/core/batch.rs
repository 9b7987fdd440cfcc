//! The pending queue and its flush policy.
//!
//! - flush `flushTime` after the last event (ARMS's debounce), but never later than
//!   `MAX_WAIT_FACTOR × flushTime` after the first pending one, so a steady trickle of events
//!   cannot postpone delivery for ever;
//! - flush at once when `maxEventCount` events are pending (merged duplicates count once);
//! - bounded: past `max_events` or `max_bytes` the oldest events are dropped and counted, and the
//!   count travels in the next bundle;
//! - a flush yields one group per session, so events of an ended session are never sent under
//!   the new one.

use super::event::Event;
use alloc::string::String;
use alloc::vec::Vec;

pub const MAX_WAIT_FACTOR: u64 = 4;

pub struct Queue {
    events: Vec<Event>,
    bytes: usize,
    first_at: u64,
    last_at: u64,
    pub dropped: u32,
    pub flush_time: u64,
    pub max_event_count: usize,
    pub max_events: usize,
    pub max_bytes: usize,
}

/// What the caller should do after a push.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum After {
    FlushNow,
    /// (Re)arm the flush timer for this absolute time.
    FlushAt(u64),
    /// The event was merged into a pending one; the timer stays as it is.
    Merged,
}

impl Queue {
    pub fn new(flush_time: u64, max_event_count: usize, max_events: usize, max_bytes: usize) -> Queue {
        Queue {
            events: Vec::new(),
            bytes: 0,
            first_at: 0,
            last_at: 0,
            dropped: 0,
            flush_time,
            max_event_count,
            max_events: max_events.max(1),
            max_bytes,
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Counts one more of a pending event with this merge key, session and view; false when
    /// there is none.
    pub fn merge(&mut self, key: &str, session: &str, view: &str) -> bool {
        let same = self
            .events
            .iter_mut()
            .find(|e| e.merge_key.as_deref() == Some(key) && e.stamp.session_id == session && e.stamp.view.id == view);
        match same {
            Some(pending) => {
                pending.times = Some(pending.times.unwrap_or(1).saturating_add(1));
                true
            }
            None => false,
        }
    }

    pub fn push(&mut self, event: Event, now: u64) -> After {
        if let Some(key) = &event.merge_key {
            if self.merge(key, &event.stamp.session_id, &event.stamp.view.id) {
                return After::Merged;
            }
        }
        if self.events.is_empty() {
            self.first_at = now;
        }
        self.last_at = now;
        self.bytes += event.approx_len();
        self.events.push(event);
        while self.events.len() > self.max_events || (self.bytes > self.max_bytes && self.events.len() > 1) {
            let old = self.events.remove(0);
            self.bytes -= old.approx_len();
            self.dropped = self.dropped.saturating_add(1);
        }
        if self.events.len() >= self.max_event_count {
            After::FlushNow
        } else {
            After::FlushAt(self.deadline())
        }
    }

    /// When the pending events are due.
    pub fn deadline(&self) -> u64 {
        (self.last_at + self.flush_time).min(self.first_at + MAX_WAIT_FACTOR * self.flush_time)
    }

    /// Takes every pending event, oldest first (see [`next_session`] and [`take_bundle`]).
    pub fn take(&mut self) -> Vec<Event> {
        self.bytes = 0;
        core::mem::take(&mut self.events)
    }

    /// Moves pending events of session `from` to session `to` (a lost creation race).
    pub fn relabel(&mut self, from: &str, to: &str) {
        for e in &mut self.events {
            if e.stamp.session_id == from {
                e.stamp.session_id.clear();
                e.stamp.session_id.push_str(to);
            }
        }
    }

    /// Drops everything (opt-out, or a session that turned out to be sampled out).
    pub fn clear(&mut self) {
        self.events.clear();
        self.bytes = 0;
    }
}

/// The session of the next bundle: `sid` while `pending` has events of it, else the oldest
/// pending event's. `false` when nothing is pending. So bundles come grouped by session, in
/// order of first appearance, and a session's bundles in order. (Events already taken have an
/// empty session id, which no session has.)
pub fn next_session(pending: &[Event], sid: &mut String) -> bool {
    let mut oldest = None;
    for e in pending {
        if e.stamp.session_id == *sid {
            return true;
        }
        if oldest.is_none() && !e.stamp.session_id.is_empty() {
            oldest = Some(&e.stamp.session_id);
        }
    }
    match oldest {
        Some(s) => {
            sid.clone_from(s);
            true
        }
        None => false,
    }
}

/// Takes the events of one bundle, in order, handing each to `put` and marking it taken (its
/// session id emptied): those of session `sid` whose estimated size stays under `limit` bytes
/// (the 64 KB in-flight quota of `sendBeacon`/`keepalive`); an event larger than that goes
/// alone. Never splits an event.
pub fn take_bundle(pending: &mut [Event], sid: &str, limit: usize, mut put: impl FnMut(&Event)) {
    let mut size = 0;
    for e in pending.iter_mut().filter(|e| e.stamp.session_id == sid) {
        let n = e.approx_len();
        if size > 0 && size + n > limit {
            // Full: the rest of this session waits for the next bundle (order is kept).
            break;
        }
        size += n;
        put(e);
        e.stamp.session_id.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::{Stamp, ViewRef};

    fn ev(session: &str, body_len: usize) -> Event {
        let stamp = Stamp {
            session_id: String::from(session),
            view: ViewRef { id: String::from("v"), name: String::from("/") },
            timestamp: 1,
            suffix: String::from("0000000000000000"),
        };
        Event::new(stamp, "custom", crate::core::text::cat(&["\"x\":\"", &"a".repeat(body_len), "\""]), false)
    }

    #[test]
    fn debounces_by_flush_time_and_caps_the_wait() {
        let mut q = Queue::new(3000, 20, 1000, 1 << 20);
        assert_eq!(q.push(ev("s", 1), 1000), After::FlushAt(4000));
        assert_eq!(q.push(ev("s", 1), 2000), After::FlushAt(5000));
        // A steady trickle: the deadline stops moving at first + 4 × flushTime.
        let mut after = After::Merged;
        for t in (3000..20_000).step_by(2000) {
            after = q.push(ev("s", 1), t);
        }
        assert_eq!(after, After::FlushAt(13_000));
    }

    #[test]
    fn flushes_at_once_at_max_event_count() {
        let mut q = Queue::new(3000, 3, 1000, 1 << 20);
        assert!(matches!(q.push(ev("s", 1), 0), After::FlushAt(_)));
        assert!(matches!(q.push(ev("s", 1), 0), After::FlushAt(_)));
        assert_eq!(q.push(ev("s", 1), 0), After::FlushNow);
    }

    #[test]
    fn merges_pending_duplicates_by_key_and_counts_them_once() {
        let mut q = Queue::new(3000, 2, 1000, 1 << 20);
        let click = || ev("s", 1).with_merge_key(String::from("//*[@id=\"buy\"]"));
        q.push(click(), 0);
        assert_eq!(q.push(click(), 1), After::Merged);
        assert_eq!(q.push(click(), 2), After::Merged);
        assert_eq!(q.len(), 1);
        assert_eq!(q.take()[0].times, Some(3));
        // Different session: no merge.
        q.push(click(), 3);
        assert!(!matches!(q.push(ev("t", 1).with_merge_key(String::from("//*[@id=\"buy\"]")), 4), After::Merged));
    }

    #[test]
    fn bounded_by_count_and_bytes_dropping_the_oldest_and_counting() {
        let mut q = Queue::new(3000, 1000, 5, 1 << 20);
        for _ in 0..8 {
            q.push(ev("s", 1), 0);
        }
        assert_eq!((q.len(), q.dropped), (5, 3));
        let mut q = Queue::new(3000, 1000, 1000, 3000);
        for _ in 0..10 {
            q.push(ev("s", 1000), 0);
        }
        assert!(q.bytes() <= 3000, "{}", q.bytes());
        assert_eq!(q.len() as u32 + q.dropped, 10);
        assert!(q.dropped >= 7);
    }

    /// The bundles of a flush: (session, events) in the order they are sent.
    fn bundles(mut pending: Vec<Event>, limit: usize) -> Vec<(String, Vec<Event>)> {
        let mut out = Vec::new();
        let mut sid = String::new();
        while next_session(&pending, &mut sid) {
            let mut chunk = Vec::new();
            take_bundle(&mut pending, &sid, limit, |e| chunk.push(e.clone()));
            out.push((sid.clone(), chunk));
        }
        out
    }

    #[test]
    fn take_groups_by_session_in_order() {
        let mut q = Queue::new(3000, 100, 1000, 1 << 20);
        for s in ["a", "b", "a", "c", "b"] {
            q.push(ev(s, 1), 0);
        }
        let g = bundles(q.take(), 60_000);
        let shape: Vec<(&str, usize)> = g.iter().map(|(s, e)| (s.as_str(), e.len())).collect();
        assert_eq!(shape, [("a", 2), ("b", 2), ("c", 1)]);
        assert!(q.is_empty() && q.bytes() == 0);
    }

    #[test]
    fn split_by_size_keeps_every_event_and_respects_the_limit() {
        let events: Vec<Event> = (0..50).map(|_| ev("s", 3000)).collect();
        let n = events[0].approx_len();
        let chunks: Vec<Vec<Event>> = bundles(events, 60_000).into_iter().map(|(_, c)| c).collect();
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 50);
        assert!(chunks.iter().all(|c| c.len() * n <= 60_000));
        assert!(chunks.len() >= 3);
        // One event larger than the limit still goes, alone.
        let big = bundles(alloc::vec![ev("s", 70_000), ev("s", 1)], 60_000);
        assert_eq!(big.len(), 2);
    }

    #[test]
    fn a_session_split_in_several_bundles_keeps_its_order_before_the_next_session() {
        // a1 b1 a2 a3 with room for two a's: a1 a2 | a3 | b1 (as grouping then splitting did).
        let mut pending = alloc::vec![ev("a", 1), ev("b", 1), ev("a", 2), ev("a", 3)];
        for (i, e) in pending.iter_mut().enumerate() {
            e.stamp.timestamp = i as u64;
        }
        let limit = 2 * pending[0].approx_len() + 1;
        let shape: Vec<(String, Vec<u64>)> = bundles(pending, limit)
            .into_iter()
            .map(|(s, c)| (s, c.iter().map(|e| e.stamp.timestamp).collect()))
            .collect();
        assert_eq!(
            shape,
            [
                (String::from("a"), alloc::vec![0, 2]),
                (String::from("a"), alloc::vec![3]),
                (String::from("b"), alloc::vec![1])
            ]
        );
    }
}
