//! One suite, two stores: every case runs against SQLite (a temp file) and against ClickHouse
//! (the cluster whose store URL is in `RUM_TEST_CLICKHOUSE`, each case in its own database) and
//! asserts the same answers. `scripts/test.sh` starts a two-shard cluster and sets the variable;
//! without it the ClickHouse cases say so and pass, unless `RUM_REQUIRE_CLICKHOUSE=1`.
//!
//! The test names say the store: `sqlite::…` and `clickhouse::…`, so cargo's output shows how
//! many ran against each.

use rum_collector::store::clickhouse::{ClickHouseConfig, ClickHouseStore};
use rum_collector::store::sqlite::{SqliteStore, Synchronous};
use rum_collector::store::*;
use serde_json::json;

const T0: i64 = 1_700_000_000_000;
const MIN: i64 = 60_000;

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

struct Opened {
    store: Box<dyn Store>,
    _tmp: tempfile::TempDir,
}

fn sqlite() -> Option<Opened> {
    let tmp = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(tmp.path().join("rum.db"), Synchronous::Normal).unwrap();
    Some(Opened { store: Box::new(store), _tmp: tmp })
}

fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn clickhouse(case: &str) -> Option<Opened> {
    let Some(url) = std::env::var("RUM_TEST_CLICKHOUSE").ok().filter(|u| !u.is_empty()) else {
        if std::env::var("RUM_REQUIRE_CLICKHOUSE").as_deref() == Ok("1") {
            panic!("RUM_TEST_CLICKHOUSE is not set but RUM_REQUIRE_CLICKHOUSE=1");
        }
        eprintln!("clickhouse::{case}: RUM_TEST_CLICKHOUSE is not set (scripts/test.sh starts a cluster): not run");
        return None;
    };
    let tmp = tempfile::tempdir().unwrap();
    // Same server, a database of its own per case and run.
    // pid and clock: a pid reused by a later run must not find this run's data.
    let db = format!("rum_conf_{case}_{}_{:x}", std::process::id(), unique() % (1 << 32));
    let (base, query) = url.split_once('?').unwrap_or((&url, ""));
    let host = base.trim_start_matches("clickhouse+http://").split('/').next().unwrap();
    let sep = if query.is_empty() { "" } else { "&" };
    let full = format!("clickhouse+http://{host}/{db}?{query}{sep}spool={}", tmp.path().join("spool").display());
    let store = ClickHouseStore::open(ClickHouseConfig::parse(&full).unwrap()).unwrap();
    Some(Opened { store: Box::new(store), _tmp: tmp })
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $case() { if let Some(o) = super::sqlite() { super::$case(o.store.as_ref()) } } )*
        }
        mod clickhouse {
            $( #[test] fn $case() {
                if let Some(o) = super::clickhouse(stringify!($case)) { super::$case(o.store.as_ref()) }
            } )*
        }
    };
}

conformance!(
    summary_is_computed_from_bundles,
    retries_do_not_double_count,
    list_filters_sort_and_page,
    events_in_time_order,
    ways_in,
    timeseries_buckets,
    export_and_delete_user,
    retention_deletes_old_sessions,
    filter_values_are_data_not_sql,
    replay_segments,
    kpis_and_geography,
    free_text_search,
    diagnosis_pages,
    app_user_id_outlives_a_logout,
);

fn facts(sid: &str, received_ms: i64) -> SessionFacts {
    SessionFacts {
        session_id: sid.into(),
        app_id: "shop".into(),
        bundle_meta: Some(json!({"app": {"id": "shop"}, "n": received_ms}).to_string()),
        received_ms,
        ..SessionFacts::default()
    }
}

fn ev(sid: &str, id: &str, ts: i64, event_type: &str) -> EventRow {
    EventRow {
        event_id: Some(id.into()),
        session_id: sid.into(),
        ts,
        event_type: event_type.into(),
        body: json!({"event_id": id, "event_type": event_type, "times": ts}).to_string(),
        ..EventRow::default()
    }
}

fn pv(sid: &str, id: &str, ts: i64, url: &str, load_ms: f64) -> EventRow {
    EventRow {
        url: Some(url.into()),
        view_id: Some(format!("v-{id}")),
        view_name: Some(url.rsplit('/').next().unwrap_or("").into()),
        load_ms: Some(load_ms),
        is_pv: true,
        is_slow: load_ms > 3000.0,
        ..ev(sid, id, ts, "pv")
    }
}

fn error(sid: &str, id: &str, ts: i64, message: &str) -> EventRow {
    EventRow {
        message: Some(message.into()),
        name: Some("TypeError".into()),
        is_error: true,
        group_key: Some(message.into()), // as ingest sets it
        ..ev(sid, id, ts, "exception")
    }
}

fn api_fail(sid: &str, id: &str, ts: i64, url: &str, status: i64) -> EventRow {
    EventRow {
        url: Some(url.into()),
        status_code: Some(status),
        success: Some(0),
        duration: Some(120.5),
        is_api: true,
        is_api_failure: true,
        group_key: url.split(['?', '#']).next().map(str::to_string), // as ingest sets it
        method: Some("POST".into()),
        body: json!({"event_id": id, "event_type": "api", "method": "POST", "url": url}).to_string(),
        ..ev(sid, id, ts, "api")
    }
}

fn write(s: &dyn Store, session: SessionFacts, events: Vec<EventRow>) -> WriteOutcome {
    block(s.write(IngestBatch { session, events })).unwrap()
}

/// Three sessions: alice's (two bundles, facts change), bob's (errors, API failures), and an
/// anonymous one on another day.
fn fixture(s: &dyn Store) {
    let a = "aaaa0000000000000000000000000001";
    let mut f1 = facts(a, T0 + 5 * MIN);
    f1.user_id = Some("u-alice".into());
    f1.user_name = Some("Alice@Example.com".into());
    f1.browser = Some("Chrome".into());
    f1.os = Some("Linux".into());
    f1.country = Some("DE".into());
    f1.app_version = Some("1.0.0".into());
    f1.env = Some("prod".into());
    f1.ip = Some("10.0.0.1".into());
    write(
        s,
        f1,
        vec![
            pv(a, "a1", T0 + MIN, "https://shop.example/home", 900.0),
            ev(a, "a2", T0 + MIN + 500, "resource"),
            pv(a, "a3", T0 + 3 * MIN, "https://shop.example/cart", 4200.0),
        ],
    );
    let mut f2 = facts(a, T0 + 9 * MIN);
    f2.user_id = Some("u-alice".into());
    f2.browser = Some("Chrome".into());
    f2.app_version = Some("1.0.1".into());
    // No os/country in this bundle: the earlier values stay.
    write(s, f2, vec![error(a, "a4", T0 + 8 * MIN, "x is undefined")]);

    let b = "bbbb0000000000000000000000000002";
    let mut fb = facts(b, T0 + 20 * MIN);
    fb.user_id = Some("u-bob".into());
    fb.user_name = Some("bob".into());
    fb.browser = Some("Firefox".into());
    fb.os = Some("Windows".into());
    fb.country = Some("FR".into());
    fb.env = Some("prod".into());
    write(
        s,
        fb,
        vec![
            pv(b, "b1", T0 + 10 * MIN, "https://shop.example/home?ref=mail", 1500.0),
            error(b, "b2", T0 + 11 * MIN, "x is undefined"),
            error(b, "b3", T0 + 12 * MIN, "x is undefined"),
            error(b, "b4", T0 + 13 * MIN, "Script error."),
            api_fail(b, "b5", T0 + 14 * MIN, "https://api.example/pay?id=1", 500),
            api_fail(b, "b6", T0 + 15 * MIN, "https://api.example/pay?id=2#x", 500),
        ],
    );

    let c = "cccc0000000000000000000000000003";
    let mut fc = facts(c, T0 + 2 * 86_400_000);
    fc.browser = Some("Safari".into());
    fc.env = Some("staging".into());
    write(
        s,
        fc,
        vec![pv(c, "c1", T0 + 2 * 86_400_000 - MIN, "https://shop.example/help", 7000.0), {
            let mut e = ev(c, "ignored", T0 + 2 * 86_400_000, "custom");
            e.event_id = None; // an event without id is stored, never treated as a retry
            e
        }],
    );
}

const A: &str = "aaaa0000000000000000000000000001";
const B: &str = "bbbb0000000000000000000000000002";
const C: &str = "cccc0000000000000000000000000003";

fn summary_is_computed_from_bundles(s: &dyn Store) {
    fixture(s);
    let a = s.session(A).unwrap().expect("alice's session");
    assert_eq!((a.start_ms, a.end_ms, a.duration_ms), (T0 + MIN, T0 + 8 * MIN, 7 * MIN));
    assert_eq!((a.pvs, a.js_errors, a.api_calls, a.api_failures, a.slow_loads, a.events), (2, 1, 0, 0, 1, 4));
    assert_eq!(a.user_id.as_deref(), Some("u-alice"));
    assert_eq!(a.user_name.as_deref(), Some("Alice@Example.com"), "a bundle without a name keeps the earlier one");
    assert_eq!(a.app_version.as_deref(), Some("1.0.1"), "the latest bundle's value wins");
    assert_eq!((a.os.as_deref(), a.country.as_deref(), a.ip.as_deref()), (Some("Linux"), Some("DE"), Some("10.0.0.1")));
    assert_eq!(a.first_url.as_deref(), Some("https://shop.example/home"));
    assert_eq!(a.bundle["n"], json!(T0 + 9 * MIN), "the latest bundle's meta");
    // A bundle without metadata (events named by another session's bundle) keeps the last one.
    write(s, SessionFacts { bundle_meta: None, ..facts(A, T0 + 10 * MIN) }, vec![]);
    assert_eq!(s.session(A).unwrap().unwrap().bundle["n"], json!(T0 + 9 * MIN));
    let c = s.session(C).unwrap().unwrap();
    assert_eq!((c.events, c.pvs, c.slow_loads), (2, 1, 1));
    assert_eq!(c.user_id, None);
    assert!(s.session("nope").unwrap().is_none());
}

fn retries_do_not_double_count(s: &dyn Store) {
    fixture(s);
    let mut again = facts(B, T0 + 21 * MIN);
    again.user_id = Some("u-bob".into());
    let out = write(
        s,
        again,
        vec![
            error(B, "b2", T0 + 11 * MIN, "x is undefined"),
            error(B, "b3", T0 + 12 * MIN, "x is undefined"),
            error(B, "b9", T0 + 16 * MIN, "new one"),
            error(B, "b9", T0 + 16 * MIN, "new one"),
        ],
    );
    assert_eq!((out.inserted, out.duplicates), (1, 3));
    let b = s.session(B).unwrap().unwrap();
    assert_eq!((b.events, b.js_errors), (7, 4));
    assert_eq!(s.session_events(B).unwrap().len(), 7);
    let groups = s.error_groups(TimeRange::default(), 10).unwrap();
    let undefined = groups.iter().find(|g| g.message == "x is undefined").unwrap();
    assert_eq!(undefined.count, 3, "alice's one + bob's two, each once");
    // The list's error filter and sort count each retried error once too.
    let by_errors = list(s, SessionFilter { sort: SortKey::Errors, ..Default::default() });
    assert_eq!((by_errors.sessions[0].session_id.as_str(), by_errors.sessions[0].js_errors), (B, 4));
    assert_eq!(list(s, SessionFilter { min_errors: Some(4), ..Default::default() }).total, 1);
    assert_eq!(list(s, SessionFilter { min_errors: Some(5), ..Default::default() }).total, 0);
}

fn ids(p: &SessionPage) -> Vec<&str> {
    p.sessions.iter().map(|s| s.session_id.as_str()).collect()
}

fn list(s: &dyn Store, f: SessionFilter) -> SessionPage {
    s.list_sessions(&SessionFilter { limit: if f.limit == 0 { 50 } else { f.limit }, ..f }).unwrap()
}

fn list_filters_sort_and_page(s: &dyn Store) {
    fixture(s);
    let all = list(s, SessionFilter::default());
    assert_eq!((all.total, ids(&all)), (3, vec![C, B, A]), "newest start first");
    let f = |f: SessionFilter| ids(&list(s, f)).into_iter().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(f(SessionFilter { user: Some("alice@".into()), ..Default::default() }), [A], "name, case-insensitive");
    assert_eq!(f(SessionFilter { user: Some("u-bob".into()), ..Default::default() }), [B], "user id, exact");
    assert_eq!(f(SessionFilter { browser: Some("firefox".into()), ..Default::default() }), [B]);
    assert_eq!(f(SessionFilter { os: Some("LINUX".into()), ..Default::default() }), [A]);
    assert_eq!(f(SessionFilter { country: Some("fr".into()), ..Default::default() }), [B]);
    assert_eq!(f(SessionFilter { env: Some("prod".into()), ..Default::default() }), [B, A]);
    assert_eq!(f(SessionFilter { app_version: Some("1.0.1".into()), ..Default::default() }), [A]);
    assert_eq!(f(SessionFilter { ip: Some("10.0.0.1".into()), ..Default::default() }), [A]);
    assert_eq!(f(SessionFilter { session_id: Some(C.into()), ..Default::default() }), [C]);
    assert_eq!(f(SessionFilter { session_id: Some("cccc0000".into()), ..Default::default() }), [C], "id prefix");
    assert_eq!(f(SessionFilter { user: Some("bbbb0000".into()), ..Default::default() }), [B], "8+ chars: id prefix");
    assert_eq!(f(SessionFilter { page_url: Some("/CART".into()), ..Default::default() }), [A], "pv url substring");
    assert_eq!(f(SessionFilter { min_errors: Some(1), ..Default::default() }), [B, A]);
    assert_eq!(f(SessionFilter { min_errors: Some(0), max_errors: Some(0), ..Default::default() }), [C]);
    assert_eq!(f(SessionFilter { min_duration_ms: Some(6 * MIN), ..Default::default() }), [A]);
    assert_eq!(f(SessionFilter { max_duration_ms: Some(MIN), ..Default::default() }), [C]);
    assert_eq!(f(SessionFilter { from_ms: Some(T0 + 9 * MIN), to_ms: Some(T0 + 10 * MIN), ..Default::default() }), [B]);
    assert_eq!(f(SessionFilter { sort: SortKey::Errors, ..Default::default() }), [B, A, C]);
    assert_eq!(f(SessionFilter { sort: SortKey::Duration, ascending: true, ..Default::default() }), [C, B, A]);
    let page = list(s, SessionFilter { limit: 1, offset: 1, ..Default::default() });
    assert_eq!((page.total, ids(&page)), (3, vec![B]));
    let none = list(s, SessionFilter { browser: Some("Edge".into()), ..Default::default() });
    assert_eq!((none.total, none.sessions.len()), (0, 0));
}

fn events_in_time_order(s: &dyn Store) {
    fixture(s);
    let evs = s.session_events(A).unwrap();
    let order: Vec<(i64, &str)> = evs.iter().map(|e| (e.ts, e.event_type.as_str())).collect();
    assert_eq!(
        order,
        [(T0 + MIN, "pv"), (T0 + MIN + 500, "resource"), (T0 + 3 * MIN, "pv"), (T0 + 8 * MIN, "exception")]
    );
    let err = evs.iter().find(|e| e.is_error).unwrap();
    assert_eq!((err.message.as_deref(), err.name.as_deref()), (Some("x is undefined"), Some("TypeError")));
    assert_eq!(err.body["event_id"], "a4");
    let api = s.session_events(B).unwrap().into_iter().find(|e| e.is_api_failure).unwrap();
    assert_eq!((api.status_code, api.success, api.duration, api.is_api), (Some(500), Some(0), Some(120.5), true));
    assert!(s.session_events("nope").unwrap().is_empty());
}

fn ways_in(s: &dyn Store) {
    fixture(s);
    let slow = s.slow_loads(TimeRange::default(), 2).unwrap();
    let got: Vec<(&str, f64, Option<&str>)> =
        slow.iter().map(|l| (l.session_id.as_str(), l.load_ms, l.user_name.as_deref())).collect();
    assert_eq!(got, [(C, 7000.0, None), (A, 4200.0, Some("Alice@Example.com"))]);
    assert_eq!(slow[1].view_name.as_deref(), Some("cart"));
    let day1 = TimeRange { from_ms: Some(T0), to_ms: Some(T0 + 86_400_000) };
    assert_eq!(s.slow_loads(day1, 10).unwrap().len(), 1, "only loads over the slow threshold");

    let errors = s.error_groups(day1, 10).unwrap();
    let got: Vec<(&str, i64, i64, i64)> =
        errors.iter().map(|g| (g.message.as_str(), g.count, g.sessions, g.last_ts)).collect();
    assert_eq!(got, [("x is undefined", 3, 2, T0 + 12 * MIN), ("Script error.", 1, 1, T0 + 13 * MIN)]);
    assert_eq!(errors[0].name.as_deref(), Some("TypeError"));
    assert_eq!(errors[0].session_ids, [B, A], "most recent first");

    let api = s.api_failure_groups(TimeRange::default(), 10).unwrap();
    assert_eq!(api.len(), 1, "query string and fragment are not part of the group");
    let g = &api[0];
    assert_eq!(
        (g.url.as_str(), g.status_code, g.method.as_deref(), g.count, g.sessions, g.last_ts),
        ("https://api.example/pay", Some(500), Some("POST"), 2, 1, T0 + 15 * MIN)
    );
    assert_eq!(g.session_ids, [B]);
    let later = TimeRange { from_ms: Some(T0 + 86_400_000), to_ms: None };
    assert!(s.api_failure_groups(later, 10).unwrap().is_empty());
    assert!(s.error_groups(later, 10).unwrap().is_empty());

    // Who and when of the sessions the groups link to (the console's links).
    let mut refs = s.session_refs(&[A.to_string(), B.to_string(), "no-such-session".to_string()]).unwrap();
    refs.sort_by(|x, y| x.session_id.cmp(&y.session_id));
    let got: Vec<(&str, i64, Option<&str>, Option<&str>)> =
        refs.iter().map(|r| (r.session_id.as_str(), r.ts, r.user_name.as_deref(), r.visitor_id.as_deref())).collect();
    assert_eq!(
        got,
        [(A, T0 + MIN, Some("Alice@Example.com"), Some("u-alice")), (B, T0 + 10 * MIN, Some("bob"), Some("u-bob"))]
    );
    assert!(s.session_refs(&[]).unwrap().is_empty());
}

fn timeseries_buckets(s: &dyn Store) {
    fixture(s);
    let b = s.timeseries(T0, T0 + 30 * MIN - 1, 10 * MIN).unwrap();
    let got: Vec<(i64, i64, i64)> = b.iter().map(|b| (b.start_ms, b.sessions, b.errors)).collect();
    assert_eq!(got, [(T0, 1, 1), (T0 + 10 * MIN, 1, 3), (T0 + 20 * MIN, 0, 0)]);
}

fn export_and_delete_user(s: &dyn Store) {
    fixture(s);
    let ex = s.export_user("u-alice").unwrap();
    assert_eq!(ex.sessions.iter().map(|s| s.session_id.as_str()).collect::<Vec<_>>(), [A]);
    let ids: Vec<&str> = ex.events.iter().filter_map(|e| e["event_id"].as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "a3", "a4"]);
    assert!(s.export_user("nobody").unwrap().sessions.is_empty());

    let n = s.delete_user("u-alice").unwrap();
    assert_eq!(n, DeleteCounts { sessions: 1, events: 4, replay_segments: 0 });
    assert!(s.session(A).unwrap().is_none());
    assert!(s.session_events(A).unwrap().is_empty());
    let ex = s.export_user("u-alice").unwrap();
    assert!(ex.sessions.is_empty() && ex.events.is_empty(), "nothing of alice is left");
    assert_eq!(s.session(B).unwrap().unwrap().events, 6, "others are untouched");
    assert_eq!(list(s, SessionFilter::default()).total, 2);
}

fn retention_deletes_old_sessions(s: &dyn Store) {
    fixture(s);
    // Sessions whose last bundle arrived before the cutoff go, with their events.
    let n = s.delete_older_than(T0 + 15 * MIN).unwrap();
    assert_eq!(n, DeleteCounts { sessions: 1, events: 4, replay_segments: 0 });
    assert_eq!(ids(&list(s, SessionFilter::default())), [C, B]);
    assert_eq!(s.delete_older_than(T0).unwrap(), DeleteCounts::default());
    let n = s.delete_older_than(T0 + 3 * 86_400_000).unwrap();
    assert_eq!(n, DeleteCounts { sessions: 2, events: 8, replay_segments: 0 });
    assert_eq!(list(s, SessionFilter::default()).total, 0);
    assert!(s.error_groups(TimeRange::default(), 10).unwrap().is_empty());
}

fn filter_values_are_data_not_sql(s: &dyn Store) {
    fixture(s);
    for hostile in ["x' OR '1'='1", "\\' OR 1=1 --", "%", "_", "a\\", "') OR 1=1 --"] {
        let f = SessionFilter { user: Some(hostile.into()), browser: Some(hostile.into()), ..Default::default() };
        assert_eq!(list(s, f).total, 0, "{hostile}");
        assert!(s.session(hostile).unwrap().is_none());
        assert!(s.export_user(hostile).unwrap().sessions.is_empty());
    }
    // A stored value with quotes and backslashes round-trips.
    let mut f = facts("dddd0000000000000000000000000004", T0 + 30 * MIN);
    f.user_name = Some("O'Brien \\ \"q\"".into());
    write(s, f, vec![pv("dddd0000000000000000000000000004", "d1", T0 + 30 * MIN, "https://x/'quote", 10.0)]);
    let got = list(s, SessionFilter { user: Some("o'brien \\".into()), ..Default::default() });
    assert_eq!(ids(&got), ["dddd0000000000000000000000000004"]);
    assert_eq!(got.sessions[0].first_url.as_deref(), Some("https://x/'quote"));
}

fn segment(sid: &str, seg: &str, seq: u32, start: i64, n: usize, received_ms: i64) -> replay::NewSegment {
    let records: Vec<serde_json::Value> =
        (0..n).map(|i| json!({"type": 3, "data": {"source": 1, "x": i}, "timestamp": start + 10 * i as i64})).collect();
    let records = serde_json::Value::from(records).to_string();
    replay::NewSegment {
        pid: "conf-app".into(),
        session_id: sid.into(),
        view_id: "v1".into(),
        segment_id: seg.into(),
        seq,
        start_ms: start,
        end_ms: start + 10 * (n as i64 - 1),
        count: n as u64,
        has_full_snapshot: seq == 0,
        source: "sampled".into(),
        bytes: records.len() as u64,
        received_ms,
        records,
    }
}

/// Stored once, read back in time order, capped per session, flagged and filtered in the list,
/// exported and deleted with the user, removed by retention: the same on both stores.
fn replay_segments(s: &dyn Store) {
    fixture(s);
    let cap = 10_000;
    let put = |seg: replay::NewSegment| s.write_replay(seg, cap).unwrap();
    // Alice's second segment first, then the first, then a retry of the first.
    assert_eq!(put(segment(A, "s2", 1, T0 + 3 * MIN, 2, T0 + 5 * MIN)), replay::ReplayWrite::Stored);
    assert_eq!(put(segment(A, "s1", 0, T0 + 2 * MIN, 3, T0 + 5 * MIN)), replay::ReplayWrite::Stored);
    assert_eq!(put(segment(A, "s1", 0, T0 + 2 * MIN, 3, T0 + 5 * MIN)), replay::ReplayWrite::Duplicate);
    assert_eq!(put(segment(B, "b1", 0, T0 + 11 * MIN, 1, T0 + 20 * MIN)), replay::ReplayWrite::Stored);
    let big = segment(B, "b2", 1, T0 + 12 * MIN, 400, T0 + 20 * MIN);
    assert!(matches!(s.write_replay(big, cap).unwrap(), replay::ReplayWrite::SessionFull { .. }));

    let r = s.session_replay(A).unwrap().expect("alice's replay");
    let segs: Vec<(&str, u32)> = r.segments.iter().map(|m| (m.segment_id.as_str(), m.seq)).collect();
    assert_eq!(segs, [("s1", 0), ("s2", 1)]);
    assert!(r.segments[0].has_full_snapshot && !r.segments[1].has_full_snapshot);
    let stamps: Vec<i64> = r
        .records
        .iter()
        .map(|x| serde_json::from_str::<serde_json::Value>(x.get()).unwrap()["timestamp"].as_i64().unwrap())
        .collect();
    assert_eq!(stamps, [T0 + 2 * MIN, T0 + 2 * MIN + 10, T0 + 2 * MIN + 20, T0 + 3 * MIN, T0 + 3 * MIN + 10]);
    assert!(s.session_replay(C).unwrap().is_none());

    let with = list(s, SessionFilter { has_replay: Some(true), ..Default::default() });
    assert_eq!(ids(&with), [B, A]);
    assert!(with.sessions.iter().all(|x| x.has_replay));
    assert_eq!(ids(&list(s, SessionFilter { has_replay: Some(false), ..Default::default() })), [C]);
    assert!(s.session(A).unwrap().unwrap().has_replay);
    assert!(!s.session(C).unwrap().unwrap().has_replay);

    // A session that has sent only its recording is listed, with its play button.
    let d = "dddd0000000000000000000000000004";
    assert_eq!(put(segment(d, "d1", 0, T0 + 30 * MIN, 2, T0 + 31 * MIN)), replay::ReplayWrite::Stored);
    let only = list(s, SessionFilter { has_replay: Some(true), ..Default::default() });
    assert_eq!(ids(&only), [d, B, A]);
    let row = &only.sessions[0];
    assert_eq!(
        (row.app_id.as_str(), row.start_ms, row.end_ms, row.pvs),
        ("conf-app", T0 + 30 * MIN, T0 + 30 * MIN + 10, 0)
    );
    assert_eq!(row.user_id, None);
    // Its first bundle fills it in.
    let mut fd = facts(d, T0 + 32 * MIN);
    fd.user_id = Some("u-dora".into());
    write(s, fd, vec![pv(d, "d-pv", T0 + 30 * MIN + 5, "https://shop.example/dora", 800.0)]);
    let row = s.session(d).unwrap().unwrap();
    assert_eq!((row.user_id.as_deref(), row.pvs, row.has_replay), (Some("u-dora"), 1, true));
    assert_eq!(list(s, SessionFilter::default()).total, 4);

    let ex = s.export_user("u-alice").unwrap();
    let exported: Vec<&str> = ex.replay_segments.iter().map(|x| x.meta.segment_id.as_str()).collect();
    assert_eq!(exported, ["s1", "s2"]);
    assert_eq!(s.delete_user("u-alice").unwrap(), DeleteCounts { sessions: 1, events: 4, replay_segments: 2 });
    assert!(s.session_replay(A).unwrap().is_none());
    assert!(s.session_replay(B).unwrap().is_some(), "bob keeps his");

    let n = s.delete_older_than(T0 + 3 * 86_400_000).unwrap();
    assert_eq!(n, DeleteCounts { sessions: 3, events: 9, replay_segments: 2 });
    assert!(s.session_replay(B).unwrap().is_none() && s.session_replay(d).unwrap().is_none());
}

/// The console's KPIs and map over the filtered sessions: the same figures on both stores.
fn kpis_and_geography(s: &dyn Store) {
    fixture(s);
    let k = s.kpis(&SessionFilter::default()).unwrap();
    assert_eq!(k.sessions, 3);
    // Durations 7, 5 and 1 minutes; A and B had errors; A saw 2 pages, B and C 1 each.
    assert!((k.avg_duration_ms - 13.0 * MIN as f64 / 3.0).abs() < 1.0, "{}", k.avg_duration_ms);
    assert!((k.error_rate - 2.0 / 3.0).abs() < 1e-9, "{}", k.error_rate);
    assert!((k.pages_per_session - 4.0 / 3.0).abs() < 1e-9, "{}", k.pages_per_session);
    let chrome = s.kpis(&SessionFilter { browser: Some("Chrome".into()), ..Default::default() }).unwrap();
    assert_eq!((chrome.sessions, chrome.pages_per_session), (1, 2.0));
    let none = s.kpis(&SessionFilter { browser: Some("Lynx".into()), ..Default::default() }).unwrap();
    assert_eq!((none.sessions, none.avg_duration_ms, none.error_rate), (0, 0.0, 0.0));
    let scoped = s.kpis(&SessionFilter { apps: Some(vec!["another-app".into()]), ..Default::default() }).unwrap();
    assert_eq!(scoped.sessions, 0, "the caller's app scope applies");

    let g = s.geography(&SessionFilter::default()).unwrap();
    let countries: Vec<(&str, i64, f64)> =
        g.countries.iter().map(|c| (c.country.as_str(), c.sessions, c.error_rate)).collect();
    assert_eq!(countries, [("DE", 1, 1.0), ("FR", 1, 1.0)]);
    assert!((g.countries[0].avg_duration_ms - 7.0 * MIN as f64).abs() < 1.0);
    assert_eq!((g.unknown, g.unknown_private_ip), (1, 0), "C has no country and no IP");
    assert!(g.places.is_empty(), "no region or city in the fixture");
    let fr = s.geography(&SessionFilter { os: Some("Windows".into()), ..Default::default() }).unwrap();
    assert_eq!(fr.countries.iter().map(|c| c.country.as_str()).collect::<Vec<_>>(), ["FR"]);
}

/// The session list's free-text search: visited URLs, error messages, names, the custom
/// attributes of events and of the bundle; case-insensitive, special characters as text.
fn free_text_search(s: &dyn Store) {
    fixture(s);
    let mut custom = ev(C, "c-props", T0 + 2 * 86_400_000 - 30_000, "custom");
    custom.body = json!({"event_id": "c-props", "properties": {"plan": "Gold-Tier"}}).to_string();
    write(s, facts(C, T0 + 2 * 86_400_000 + 1), vec![custom]);
    let mut fb = facts(B, T0 + 21 * MIN);
    fb.bundle_meta = Some(json!({"app": {"id": "shop"}, "properties": {"campaign": "Spring-Sale"}}).to_string());
    write(s, fb, Vec::new());
    let found = |t: &str| -> Vec<String> {
        ids(&list(s, SessionFilter { text: Some(t.into()), ..Default::default() }))
            .iter()
            .map(|x| x.to_string())
            .collect()
    };
    assert_eq!(found("CART"), [A], "a visited URL");
    assert_eq!(found("script error"), [B], "an error message");
    assert_eq!(found("typeerror"), [B, A], "an event name");
    assert_eq!(found("gold-tier"), [C], "an event's custom attribute");
    assert_eq!(found("spring-sale"), [B], "the bundle's custom attribute");
    assert!(found("nothing like this").is_empty());
    assert!(found("100%_'\\").is_empty(), "special characters are text");
    let k = s.kpis(&SessionFilter { text: Some("cart".into()), ..Default::default() }).unwrap();
    assert_eq!(k.sessions, 1, "KPIs with the search");
}

/// `clearUser()` mid-session: the later bundles carry no app user id, and the session is still
/// found by the one it had (as by its user name); a later id replaces it.
fn app_user_id_outlives_a_logout(s: &dyn Store) {
    let sid = "dddd0000000000000000000000000004";
    let bundle = |received_ms: i64, user: serde_json::Value| SessionFacts {
        user_name: user.get("name").and_then(|n| n.as_str()).map(str::to_string),
        bundle_meta: Some(json!({"app": {"id": "shop"}, "user": user}).to_string()),
        ..facts(sid, received_ms)
    };
    write(
        s,
        bundle(T0, json!({"id": "uid_v", "user_id": "app-7", "name": "Ann"})),
        vec![pv(sid, "p1", T0, "https://shop/a", 900.0)],
    );
    write(s, bundle(T0 + MIN, json!({"id": "uid_v"})), vec![ev(sid, "e2", T0 + MIN, "custom")]);
    let by_id = |id: &str| ids(&list(s, SessionFilter { app_user_id: Some(id.into()), ..Default::default() })).len();
    let by_text = |q: &str| ids(&list(s, SessionFilter { user: Some(q.into()), ..Default::default() })).len();
    assert_eq!(by_id("app-7"), 1, "the app user id outlives the logout");
    assert_eq!(by_text("app-7"), 1, "and the user search finds it");
    write(
        s,
        bundle(T0 + 2 * MIN, json!({"id": "uid_v", "user_id": "app-9"})),
        vec![ev(sid, "e3", T0 + 2 * MIN, "custom")],
    );
    assert_eq!(by_id("app-9"), 1, "a later id wins");
    assert_eq!(by_id("app-7"), 0);
}

/// The diagnosis pages (page speed, JS errors, API details, custom events): the same groups,
/// figures and session references on both stores.
fn diagnosis_pages(s: &dyn Store) {
    fixture(s);
    let all = TimeRange::default();
    let speed = s.page_speed(all).unwrap();
    let pages: Vec<(&str, i64, f64, i64)> =
        speed.iter().map(|p| (p.page.as_str(), p.loads, p.p75_ms, p.slow)).collect();
    assert_eq!(
        pages,
        [("help", 1, 7000.0, 1), ("cart", 1, 4200.0, 1), ("home?ref=mail", 1, 1500.0, 0), ("home", 1, 900.0, 0)]
    );
    let cart = &speed[1].slowest[0];
    assert_eq!(
        (cart.session_id.as_str(), cart.user_name.as_deref(), cart.value),
        (A, Some("Alice@Example.com"), Some(4200.0))
    );
    assert_eq!(cart.visitor_id.as_deref(), Some("u-alice"));

    let errors = s.error_diagnosis(all).unwrap();
    let groups: Vec<(&str, i64, i64, i64)> =
        errors.iter().map(|g| (g.message.as_str(), g.count, g.sessions, g.users)).collect();
    assert_eq!(groups, [("x is undefined", 3, 2, 2), ("Script error.", 1, 1, 1)]);
    assert_eq!((errors[0].first_ts, errors[0].last_ts), (T0 + 8 * MIN, T0 + 12 * MIN));
    let recent: Vec<&str> = errors[0].recent.iter().map(|r| r.session_id.as_str()).collect();
    assert_eq!(recent, [B, A], "newest first, one per session");
    let late = s.error_diagnosis(TimeRange { from_ms: Some(T0 + 10 * MIN), to_ms: None }).unwrap();
    assert_eq!((late[0].count, late[0].sessions), (2, 1), "the range applies to the counts");

    let apis = s.api_details(all).unwrap();
    assert_eq!(apis.len(), 1);
    let a = &apis[0];
    assert_eq!((a.method.as_str(), a.url.as_str(), a.calls, a.failures), ("POST", "https://api.example/pay", 2, 2));
    assert_eq!((a.p75_ms, a.by_status.clone()), (120.5, vec![(Some(500), 2)]));

    let custom = s.custom_events(all, None, 50).unwrap();
    assert_eq!(custom.len(), 1);
    assert_eq!((custom[0].session.session_id.as_str(), custom[0].session.ts), (C, T0 + 2 * 86_400_000));
    assert_eq!(custom[0].body["event_type"], "custom");
    assert!(s.custom_events(all, Some("no such thing"), 50).unwrap().is_empty());
}
