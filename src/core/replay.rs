//! Session replay, the rules: whether this page records ([`decide`], [`chosen`]: the core
//! wasm asks them), and how recorded events become segments that reach the collector
//! ([`Segments`]: the lazy replay wasm runs it, over the bundles' [`Outbox`] for retry with
//! backoff, the byte bound and the keepalive budget at exit).
//!
//! The wire contract (`POST /replay`): one segment per request,
//! `{"pid","session_id","view_id","segment_id","seq","start","end","count","has_full_snapshot",
//! "source","records":[rrweb events]}`.

use super::agent::Exit;
use super::delivery::{Outbox, Settled};
use super::ids::{hex, Random};
use super::json::write_u64;
use alloc::string::String;
use alloc::vec::Vec;

/// What the page does about replay (the numbers are what the loader is told).
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Mode {
    Off = 0,
    /// Records the last seconds in memory; uploads them on an error or a forced start.
    Buffer = 1,
    /// Records: a session `sessionReplaySampleRate` chose (segments' source "sampled").
    Record = 2,
    /// Records: a forced start on a session not chosen (source "forced").
    Forced = 3,
    /// Opted out: stops, and what is buffered or waiting is dropped.
    Dropped = 8,
}

/// Whether a session is one of the `rate` (0..=1) that record. Derived from the session id, so
/// it is decided once per session and kept with it: every tab and page load of the session
/// gets the same answer without storing anything more.
pub fn chosen(session_id: &str, rate: f64) -> bool {
    let mut x: u32 = 0;
    // Ids are lowercase hex: '0'..'9' are 0x30.., 'a'..'f' are 0x61.. (low nibble + 9).
    for b in session_id.bytes().take(8) {
        x = (x << 4) | u32::from((b & 15) + 9 * (b >> 6));
    }
    f64::from(x) / 4_294_967_296.0 < rate
}

/// The mode for the current state. `tracked`: the session is sampled (`sampleRate`);
/// `chosen`: it is one of `sessionReplaySampleRate`; `buffer`: the buffer option is on;
/// `forced`/`stopped`: the API calls. An untracked or opted-out session never records, not
/// even forced; a stop wins until the next start.
pub fn decide(tracked: bool, opted_out: bool, chosen: bool, buffer: bool, forced: bool, stopped: bool) -> Mode {
    if opted_out {
        Mode::Dropped
    } else if !tracked || stopped {
        Mode::Off
    } else if chosen {
        Mode::Record
    } else if forced {
        Mode::Forced
    } else if buffer {
        Mode::Buffer
    } else {
        Mode::Off
    }
}

/// The core page's replay state: the API calls, and the mode the loader was told last.
#[derive(Default)]
pub struct Control {
    pub forced: bool,
    pub stopped: bool,
    told: u32,
}

impl Control {
    /// `stopSessionReplayRecording()` (0), `startSessionReplayRecording()` (1), with force (2).
    /// A start without force resumes what the session was doing; a force lasts until a stop.
    pub fn api(&mut self, how: u32) {
        self.forced = how == 2 || (how != 0 && self.forced);
        self.stopped = how == 0;
    }

    /// Whether the loader must hear `mode`: not while replay stays off (most pages), so those
    /// never cross into the loader. (The loader drops repeats of the same mode, session and view.)
    pub fn tell(&mut self, mode: Mode) -> bool {
        let op = mode as u32;
        if op == 0 && self.told == 0 {
            return false;
        }
        self.told = op;
        true
    }
}

/// The replay route: `override_url` when given, else the origin of `endpoint` + `/replay`.
pub fn replay_url(endpoint: &str, override_url: Option<&str>) -> String {
    if let Some(u) = override_url.filter(|u| !u.is_empty()) {
        return String::from(u);
    }
    let start = super::text::find(endpoint, "//").map_or(0, |i| i + 2);
    let host_end = endpoint.get(start..).and_then(|r| r.find(['/', '?', '#'])).map_or(endpoint.len(), |i| start + i);
    let mut u = String::from(endpoint.get(..host_end).unwrap_or(endpoint));
    u.push_str("/replay");
    u
}

/// A segment is cut when it reaches this many bytes (under the 64 KiB keepalive/beacon quota,
/// so the last one still goes out at exit; Datadog's figure)...
pub const SEGMENT_BYTES: usize = 60_000;
/// ... or is this old (Datadog cut 30 s to 5 s: longer segments were lost at exit).
pub const SEGMENT_MS: u64 = 5_000;
/// One batch of records larger than this (the collector's decoded cap) is dropped.
pub const MAX_BATCH: usize = 1 << 20;
/// Buffer mode keeps at most this much in memory, whatever the seconds say.
pub const BUFFER_BYTES: usize = 4 << 20;
/// Segments waiting for the network at most (the oldest go first; Datadog keeps 3 MiB).
pub const OUTBOX_BYTES: usize = 3 << 20;
/// Replay's outbox ids have this bit, so answers are told apart from the bundles'.
pub const ID_BIT: u32 = 1 << 31;

/// Records between two cuts.
#[derive(Debug, Clone)]
pub struct Segment {
    pub session_id: String,
    pub view_id: String,
    /// The records, comma-separated (the inside of the JSON array).
    pub records: String,
    pub count: u32,
    pub start: u64,
    pub end: u64,
    pub full: bool,
    /// When the first record arrived (local clock), for the time cut.
    pub opened: u64,
}

/// What identifies the page's records: set by the core wasm as the session and view change.
/// Each is a JSON string literal, quotes included (the recorder's `JSON.stringify`, which
/// costs the page nothing, where escaping here cost the replay wasm 231 B gzip).
pub struct Ids<'a> {
    pub pid: &'a str,
    pub session_id: &'a str,
    pub view_id: &'a str,
}

/// Segments and their delivery.
pub struct Segments {
    pub cur: Option<Segment>,
    /// Buffer mode: closed segments kept in memory, from the second-last full snapshot on.
    pub buffer: Vec<Segment>,
    pub buffering: bool,
    /// `source` of the segments sent from now on: "sampled" or "forced".
    pub source: &'static str,
    pub seq: u32,
    pub outbox: Outbox,
    /// Batches dropped for their size (reported once by the caller).
    pub dropped: u32,
}

impl Default for Segments {
    fn default() -> Self {
        Self::new()
    }
}

impl Segments {
    pub fn new() -> Segments {
        let mut outbox = Outbox::new(OUTBOX_BYTES);
        outbox.first_id(ID_BIT);
        Segments { cur: None, buffer: Vec::new(), buffering: false, source: "sampled", seq: 0, outbox, dropped: 0 }
    }

    /// One batch of records from the recorder (`text`: records comma-separated; `first`/`last`:
    /// their timestamps; `full`: it holds a full snapshot). Cuts before it when the session or
    /// view changed or it would not fit, and after it when it holds a full snapshot (so short
    /// pages are not lost) or the segment is full or old.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        ids: &Ids,
        text: &str,
        count: u32,
        first: u64,
        last: u64,
        full: bool,
        now: u64,
        rng: &mut impl Random,
    ) {
        if text.is_empty() || count == 0 {
            return;
        }
        if text.len() > MAX_BATCH {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let cut_before = self.cur.as_ref().is_some_and(|c| {
            c.session_id != ids.session_id
                || c.view_id != ids.view_id
                || c.records.len() + text.len() > SEGMENT_BYTES
                || (full && !c.full)
        });
        if cut_before {
            self.cut(ids.pid, rng);
        }
        let seg = self.cur.get_or_insert_with(|| Segment {
            session_id: String::from(ids.session_id),
            view_id: String::from(ids.view_id),
            records: String::new(),
            count: 0,
            start: first,
            end: last,
            full: false,
            opened: now,
        });
        if !seg.records.is_empty() {
            seg.records.push(',');
        }
        seg.records.push_str(text);
        seg.count = seg.count.saturating_add(count);
        seg.start = seg.start.min(first);
        seg.end = seg.end.max(last);
        seg.full |= full;
        if full || seg.records.len() >= SEGMENT_BYTES || now.saturating_sub(seg.opened) >= SEGMENT_MS {
            self.cut(ids.pid, rng);
        }
    }

    /// The time cut, for a quiet page (called on the recorder's ticks).
    pub fn tick(&mut self, pid: &str, now: u64, rng: &mut impl Random) {
        if self.cur.as_ref().is_some_and(|c| now.saturating_sub(c.opened) >= SEGMENT_MS) {
            self.cut(pid, rng);
        }
    }

    /// Closes the current segment: into the buffer (buffer mode) or the outbox.
    pub fn cut(&mut self, pid: &str, rng: &mut impl Random) {
        let Some(seg) = self.cur.take() else { return };
        if self.buffering {
            self.buffer.push(seg);
            self.trim_buffer();
        } else {
            let now = seg.opened;
            let body = self.body(&seg, pid, self.source, rng);
            self.outbox.push(body, now);
        }
    }

    /// Keeps the buffer playable and bounded: from the second-last full snapshot on (so at
    /// least one checkout interval before now), and under [`BUFFER_BYTES`].
    fn trim_buffer(&mut self) {
        let fulls: Vec<usize> = self.buffer.iter().enumerate().filter(|(_, s)| s.full).map(|(i, _)| i).collect();
        if fulls.len() > 2 {
            if let Some(&keep) = fulls.get(fulls.len() - 2) {
                self.buffer.drain(..keep);
            }
        }
        while self.buffer.iter().map(|s| s.records.len()).sum::<usize>() > BUFFER_BYTES && self.buffer.len() > 1 {
            self.buffer.remove(0);
        }
    }

    /// Buffer mode, on an error or a forced start: what is buffered goes out (source "buffer").
    pub fn release(&mut self, pid: &str, rng: &mut impl Random) {
        // The open segment goes with the buffered ones (buffer mode) or after them with the
        // current source (recording): the seq numbers follow time.
        let mut open = self.cur.take();
        if self.buffering {
            self.buffer.extend(open.take());
        }
        for seg in core::mem::take(&mut self.buffer) {
            let body = self.body(&seg, pid, "buffer", rng);
            self.outbox.push(body, seg.opened);
        }
        if open.is_some() {
            self.cur = open;
            self.cut(pid, rng);
        }
    }

    /// Stop or opt-out: nothing buffered or open is kept (what is in the outbox already was
    /// recorded while allowed and still goes out, unless `drop_outbox`).
    pub fn clear(&mut self, drop_outbox: bool) {
        self.cur = None;
        self.buffer.clear();
        if drop_outbox {
            self.outbox.items.retain(|i| i.state == super::delivery::State::InFlight);
        }
    }

    /// The segment as its request body.
    fn body(&mut self, seg: &Segment, pid: &str, source: &str, rng: &mut impl Random) -> String {
        let mut b = String::with_capacity(seg.records.len() + 300);
        let n = |b: &mut String, k: &str, v: u64| {
            b.push_str(k);
            write_u64(v, b);
        };
        b.push_str("{\"pid\":");
        b.push_str(pid);
        b.push_str(",\"session_id\":");
        b.push_str(&seg.session_id);
        b.push_str(",\"view_id\":");
        b.push_str(&seg.view_id);
        b.push_str(",\"segment_id\":\"");
        b.push_str(&hex(rng, 32));
        b.push('"');
        n(&mut b, ",\"seq\":", u64::from(self.seq));
        self.seq = self.seq.wrapping_add(1);
        n(&mut b, ",\"start\":", seg.start);
        n(&mut b, ",\"end\":", seg.end);
        n(&mut b, ",\"count\":", u64::from(seg.count));
        b.push_str(if seg.full { ",\"has_full_snapshot\":true" } else { ",\"has_full_snapshot\":false" });
        b.push_str(",\"source\":\"");
        b.push_str(source);
        b.push_str("\",\"records\":[");
        b.push_str(&seg.records);
        b.push_str("]}");
        b
    }

    /// Sends what is due through `send(id, body, exit)` (true: a beacon took it, no answer
    /// will come). While the page lives one at a time, in order; at exit what fits the
    /// keepalive budget. Returns when the next retry is due, if any.
    pub fn pump(&mut self, now: u64, exit: Exit, mut send: impl FnMut(u32, &str, Exit) -> bool) -> Option<u64> {
        let mut budget = self.outbox.exit_budget();
        while let Some(i) = self.outbox.next_send(now, exit != Exit::No, exit == Exit::Leaving, &mut budget) {
            let id = i.id;
            if send(id, &i.body, exit) {
                self.outbox.settle(id, 200, None, now, 0.0);
            }
        }
        self.outbox.next_due()
    }

    /// The answer for segment `id`; true when the collector refused it for good (4xx: a
    /// malformed or oversized segment is never accepted).
    pub fn settled(&mut self, id: u32, status: u16, retry_after: Option<u64>, now: u64, jitter: f64) -> bool {
        self.outbox.settle(id, status, retry_after, now, jitter) == Settled::Rejected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::tests::SeqRandom;
    use crate::core::json::{parse, Value};

    const SID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_decision_table() {
        use Mode::*;
        // (tracked, opted_out, chosen, buffer, forced, stopped) -> mode
        let cases = [
            ((true, false, true, false, false, false), Record),
            ((true, false, false, false, false, false), Off),
            ((true, false, false, true, false, false), Buffer),
            // a forced start on a buffering session records, as "forced"
            ((true, false, false, true, true, false), Forced),
            ((true, false, false, false, true, false), Forced),
            // chosen and forced: the session was recording anyway
            ((true, false, true, false, true, false), Record),
            // an unsampled session never records, not even forced
            ((false, false, true, true, true, false), Off),
            // opted out: nothing, and what waits is dropped
            ((true, true, true, true, true, false), Dropped),
            ((false, true, false, false, false, false), Dropped),
            // stopped wins until the next start
            ((true, false, true, true, true, true), Off),
        ];
        for ((t, o, c, b, f, s), want) in cases {
            assert_eq!(decide(t, o, c, b, f, s), want, "{:?}", (t, o, c, b, f, s));
        }
    }

    #[test]
    fn control_follows_the_api_and_tells_the_loader_only_what_matters() {
        let mut c = Control::default();
        assert!(!c.tell(Mode::Off), "off from the start: the loader never hears of it");
        c.api(2);
        assert!(c.forced && !c.stopped);
        c.api(1);
        assert!(c.forced, "a start without force keeps an earlier force");
        c.api(0);
        assert!(!c.forced && c.stopped);
        c.api(1);
        assert!(!c.forced && !c.stopped);
        assert!(c.tell(Mode::Buffer));
        assert!(c.tell(Mode::Buffer), "repeats go to the loader, which drops them");
        assert!(c.tell(Mode::Off), "turning off is told");
        assert!(!c.tell(Mode::Off), "and then nothing more");
    }

    #[test]
    fn chosen_is_a_stable_fraction_of_sessions() {
        assert!(!chosen(SID, 0.0));
        assert!(chosen(SID, 1.0));
        assert!(chosen("00000000ffffffffffffffffffffffff", 0.01));
        assert!(!chosen("ffffffff000000000000000000000000", 0.99));
        assert!(chosen("7fffffff000000000000000000000000", 0.5) && !chosen("80000000000000000000000000000000", 0.5));
        // the same id, the same answer; about `rate` of random ids are chosen
        let mut rng = SeqRandom::new(7);
        let n = (0..10_000).filter(|_| chosen(&crate::core::ids::hex_id(&mut rng), 0.25)).count();
        assert!((2200..2800).contains(&n), "{n} of 10000 at 0.25");
        assert_eq!(chosen(SID, 0.1), chosen(SID, 0.1));
    }

    #[test]
    fn replay_url_is_the_endpoint_origin_unless_overridden() {
        assert_eq!(replay_url("https://rum.example.com/collect?x=1", None), "https://rum.example.com/replay");
        assert_eq!(replay_url("http://127.0.0.1:8080/collect", None), "http://127.0.0.1:8080/replay");
        assert_eq!(replay_url("https://rum.example.com", None), "https://rum.example.com/replay");
        assert_eq!(replay_url("https://a.example/collect", Some("https://b.example/r")), "https://b.example/r");
        assert_eq!(replay_url("https://a.example/collect", Some("")), "https://a.example/replay");
    }

    /// The pid as the recorder gives it: a JSON string literal.
    const P: &str = "\"p\"";

    fn quoted(s: &str) -> &'static str {
        alloc::boxed::Box::leak(crate::core::text::cat(&["\"", s, "\""]).into_boxed_str())
    }

    fn ids(view: &str) -> Ids<'static> {
        Ids { pid: P, session_id: quoted(SID), view_id: quoted(view) }
    }

    fn rec(ts: u64, pad: usize) -> String {
        crate::core::text::cat(&[
            "{\"type\":3,\"data\":{\"x\":\"",
            &"a".repeat(pad),
            "\"},\"timestamp\":",
            &ts.to_string(),
            "}",
        ])
    }

    fn bodies(s: &Segments) -> Vec<Value> {
        s.outbox.items.iter().map(|i| parse(&i.body).expect("segment is JSON")).collect()
    }

    #[test]
    fn a_full_snapshot_is_cut_at_once_and_segments_carry_the_contract_fields() {
        let mut s = Segments::new();
        let mut rng = SeqRandom::new(1);
        let snap = "{\"type\":4,\"data\":{},\"timestamp\":10},{\"type\":2,\"data\":{},\"timestamp\":10}";
        s.add(&ids("v1"), snap, 2, 10, 10, true, 10, &mut rng);
        s.add(&ids("v1"), &rec(20, 5), 1, 20, 20, false, 20, &mut rng);
        assert_eq!(s.outbox.items.len(), 1, "the snapshot went at once, the record waits");
        s.tick(P, 20 + SEGMENT_MS, &mut rng);
        let b = bodies(&s);
        assert_eq!(b.len(), 2);
        let f = &b[0];
        for (k, v) in [("pid", "p"), ("session_id", SID), ("view_id", "v1"), ("source", "sampled")] {
            assert_eq!(f.get(k).and_then(Value::as_str), Some(v), "{k}");
        }
        assert_eq!(f.get("segment_id").and_then(Value::as_str).map(str::len), Some(32));
        assert_eq!(f.get("seq").and_then(Value::as_f64), Some(0.0));
        assert_eq!(b[1].get("seq").and_then(Value::as_f64), Some(1.0));
        assert_eq!(f.get("count").and_then(Value::as_f64), Some(2.0));
        assert_eq!(f.get("has_full_snapshot").and_then(Value::as_bool), Some(true));
        assert_eq!(b[1].get("has_full_snapshot").and_then(Value::as_bool), Some(false));
        assert_eq!(f.get("records").and_then(Value::as_arr).map(<[Value]>::len), Some(2));
        assert_ne!(f.get("segment_id"), b[1].get("segment_id"));
    }

    #[test]
    fn cut_by_size_time_and_view() {
        let mut s = Segments::new();
        let mut rng = SeqRandom::new(2);
        for i in 0..30 {
            s.add(&ids("v1"), &rec(i, 5000), 1, i, i, false, i, &mut rng);
        }
        assert!(s.outbox.items.iter().all(|i| i.body.len() < SEGMENT_BYTES + 6000), "cut by size");
        assert!(s.outbox.items.len() >= 2);
        let before = s.outbox.items.len();
        s.add(&ids("v1"), &rec(100, 1), 1, 100, 100, false, 100, &mut rng);
        s.add(&ids("v2"), &rec(101, 1), 1, 101, 101, false, 101, &mut rng);
        assert_eq!(s.outbox.items.len(), before + 1, "a new view closes the old view's segment");
        assert_eq!(s.cur.as_ref().map(|c| c.view_id.as_str()), Some("\"v2\""));
        s.tick(P, 101 + SEGMENT_MS - 1, &mut rng);
        assert!(s.cur.is_some(), "not yet old");
        s.add(&ids("v2"), &rec(200, 1), 1, 200, 200, false, 101 + SEGMENT_MS, &mut rng);
        assert!(s.cur.is_none(), "cut by age");
        let counts: u32 = bodies(&s).iter().map(|b| b.get("count").and_then(Value::as_f64).unwrap_or(0.0) as u32).sum();
        assert_eq!(counts, 33, "no record lost or doubled");
    }

    #[test]
    fn oversized_batches_are_dropped_and_counted() {
        let mut s = Segments::new();
        let mut rng = SeqRandom::new(3);
        s.add(&ids("v"), &rec(1, MAX_BATCH), 1, 1, 1, true, 1, &mut rng);
        assert!(s.cur.is_none() && s.outbox.items.is_empty());
        assert_eq!(s.dropped, 1);
    }

    #[test]
    fn buffer_keeps_from_the_second_last_checkout_and_releases_in_order() {
        let mut s = Segments::new();
        s.buffering = true;
        let mut rng = SeqRandom::new(4);
        for checkout in 0..4u64 {
            let t = checkout * 30_000;
            s.add(&ids("v"), &rec(t, 10), 1, t, t, true, t, &mut rng);
            for k in 1..4 {
                s.add(&ids("v"), &rec(t + k * 6000, 10), 1, t + k * 6000, t + k * 6000, false, t + k * 6000, &mut rng);
            }
        }
        assert!(s.outbox.items.is_empty(), "nothing leaves while buffering");
        assert_eq!(s.buffer.first().map(|b| (b.full, b.start)), Some((true, 60_000)));
        s.release(P, &mut rng);
        let b = bodies(&s);
        assert!(b.iter().all(|x| x.get("source").and_then(Value::as_str) == Some("buffer")));
        let starts: Vec<f64> = b.iter().filter_map(|x| x.get("start").and_then(Value::as_f64)).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "in time order: {starts:?}");
        assert_eq!(starts.first(), Some(&60_000.0));
        assert_eq!(*starts.last().unwrap_or(&0.0), 108_000.0, "the open segment too");
        assert!(s.buffering, "still buffering after an error");
        assert!(s.buffer.is_empty());
    }

    #[test]
    fn release_while_recording_puts_buffered_segments_before_the_open_one() {
        let mut s = Segments::new();
        let mut rng = SeqRandom::new(5);
        s.buffering = true;
        s.add(&ids("v"), &rec(1, 10), 1, 1, 1, true, 1, &mut rng);
        s.buffering = false;
        s.source = "forced";
        s.add(&ids("v"), &rec(2, 10), 1, 2, 2, false, 2, &mut rng);
        s.release(P, &mut rng);
        let src: Vec<&str> =
            s.outbox.items.iter().map(|i| if i.body.contains("\"buffer\"") { "buffer" } else { "forced" }).collect();
        assert_eq!(src, ["buffer", "forced"]);
    }

    #[test]
    fn clear_drops_buffered_and_waiting_but_not_in_flight() {
        let mut s = Segments::new();
        let mut rng = SeqRandom::new(6);
        for t in [1, 2] {
            s.add(&ids("v"), &rec(t, 10), 1, t, t, true, t, &mut rng);
        }
        let mut sent = Vec::new();
        s.pump(5, Exit::No, |id, _, _| {
            sent.push(id);
            false
        });
        assert_eq!(sent.len(), 1, "one at a time");
        assert!(sent[0] & ID_BIT != 0, "replay ids are told apart from bundle ids");
        s.clear(true);
        assert_eq!(s.outbox.items.len(), 1, "the one in flight settles normally");
    }

    #[test]
    fn delivery_retries_and_refusals() {
        let mut s = Segments::new();
        let mut rng = SeqRandom::new(8);
        s.add(&ids("v"), &rec(1, 10), 1, 1, 1, true, 1, &mut rng);
        let mut last = 0;
        s.pump(1, Exit::No, |id, _, _| {
            last = id;
            false
        });
        assert!(!s.settled(last, 503, Some(2000), 10, 0.0));
        assert_eq!(s.outbox.next_due(), Some(2010), "Retry-After honoured");
        s.pump(2010, Exit::No, |id, _, _| {
            last = id;
            false
        });
        assert!(s.settled(last, 413, None, 2020, 0.0), "too large: refused for good");
        assert!(s.outbox.items.is_empty());
        // at exit, a beacon that took the segment settles it
        s.add(&ids("v"), &rec(3, 10), 1, 3, 3, true, 3, &mut rng);
        assert_eq!(s.pump(3, Exit::Leaving, |_, _, e| e == Exit::Leaving), None);
        assert!(s.outbox.items.is_empty());
    }
}
