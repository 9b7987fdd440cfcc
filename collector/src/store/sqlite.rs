//! SQLite engine of the `Store` trait.
//!
//! Writes: one writer thread owns the write connection and groups whatever bundles are waiting
//! into one transaction (group commit), one savepoint per bundle so a failing bundle does not
//! sink the others. A bundle's caller is answered only after COMMIT returned.
//!
//! Durability: WAL journal. With `synchronous=NORMAL` (default) a committed transaction is in the
//! WAL file before COMMIT returns, so it survives a crash of the process (kill -9); only an OS
//! crash or power loss can lose the last commits. `synchronous=FULL` (option `--synchronous full`)
//! also fsyncs the WAL on every commit, surviving power loss at the cost of one fsync per group.
//!
//! Reads: a small pool of read connections; WAL lets them run while the writer writes.

use super::*;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, ToSql};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use tokio::sync::oneshot;

/// Bundles grouped into one transaction at most; bounds the latency of the first one.
const MAX_GROUP: usize = 256;
/// Queue length between HTTP handlers and the writer; a full queue makes handlers wait.
const QUEUE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    Normal,
    Full,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

type Reply = oneshot::Sender<StoreResult<WriteOutcome>>;

pub struct SqliteStore {
    path: PathBuf,
    sync: Synchronous,
    tx: mpsc::SyncSender<(IngestBatch, Reply)>,
    readers: Mutex<Vec<Connection>>,
}

/// Schema migrations, applied in order; `schema_version` holds the number applied so far.
/// Never edit a released entry: add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: sessions + events.
    r#"
    CREATE TABLE sessions (
        session_id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL,
        app_version TEXT, env TEXT,
        user_id TEXT, user_name TEXT,
        start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
        ip TEXT, user_agent TEXT, browser TEXT, browser_version TEXT, os TEXT, device_type TEXT,
        connection TEXT, country TEXT, region TEXT, city TEXT,
        sdk_version TEXT, first_url TEXT,
        bundle_meta TEXT NOT NULL DEFAULT '{}',
        first_received_ms INTEGER NOT NULL, last_received_ms INTEGER NOT NULL,
        pvs INTEGER NOT NULL DEFAULT 0, js_errors INTEGER NOT NULL DEFAULT 0,
        api_calls INTEGER NOT NULL DEFAULT 0, api_failures INTEGER NOT NULL DEFAULT 0,
        slow_loads INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_start ON sessions(start_ms);
    CREATE INDEX sessions_user_id ON sessions(user_id);
    CREATE INDEX sessions_user_name ON sessions(user_name COLLATE NOCASE);
    CREATE INDEX sessions_received ON sessions(last_received_ms);
    CREATE INDEX sessions_ip ON sessions(ip);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        event_id TEXT,
        ts INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        type TEXT,
        view_id TEXT, view_name TEXT,
        name TEXT, url TEXT, message TEXT,
        status_code INTEGER, success INTEGER, duration REAL, load_ms REAL,
        is_pv INTEGER NOT NULL, is_error INTEGER NOT NULL, is_api INTEGER NOT NULL,
        is_api_failure INTEGER NOT NULL, is_slow INTEGER NOT NULL,
        user_id TEXT,
        body TEXT NOT NULL
    );
    -- A retried bundle must not double-count: same event_id in the same session is one event.
    CREATE UNIQUE INDEX events_dedup ON events(session_id, event_id);
    CREATE INDEX events_session_ts ON events(session_id, ts);
    CREATE INDEX events_user ON events(user_id);
    CREATE INDEX events_load ON events(load_ms) WHERE load_ms IS NOT NULL;
    CREATE INDEX events_errors ON events(ts) WHERE is_error = 1;
    CREATE INDEX events_api_failures ON events(ts) WHERE is_api_failure = 1;
    CREATE INDEX events_pv ON events(session_id, url) WHERE is_pv = 1;
    "#,
];

fn open(path: &Path, sync: Synchronous) -> StoreResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", sync.pragma())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).optional()?.unwrap_or(0);
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::Db(format!(
            "database schema version {current} is newer than this collector ({known})"
        )));
    }
    let tx = conn.transaction()?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        let v = i as i64 + 1;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute("INSERT INTO schema_version(version) VALUES (?1)", [v])?;
    }
    tx.commit()?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating and migrating) the database and starts the writer thread.
    pub fn open(path: impl AsRef<Path>, sync: Synchronous) -> StoreResult<Self> {
        let path = path.as_ref().to_path_buf();
        let mut writer = open(&path, sync)?;
        migrate(&mut writer)?;
        let (tx, rx) = mpsc::sync_channel::<(IngestBatch, Reply)>(QUEUE);
        std::thread::Builder::new()
            .name("rum-sqlite-writer".into())
            .spawn(move || writer_loop(writer, rx))
            .map_err(|e| StoreError::Db(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore { path, sync, tx, readers: Mutex::new(Vec::new()) })
    }

    pub fn schema_version(&self) -> StoreResult<i64> {
        self.read(|c| Ok(c.query_row("SELECT version FROM schema_version", [], |r| r.get(0))?))
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let conn = match self.readers.lock().ok().and_then(|mut p| p.pop()) {
            Some(c) => c,
            None => open(&self.path, self.sync)?,
        };
        let out = f(&conn);
        if let Ok(mut pool) = self.readers.lock() {
            if pool.len() < 8 {
                pool.push(conn);
            }
        }
        out
    }

    /// Runs a write outside the ingest queue (privacy, retention). SQLite serialises it with the
    /// writer thread through its own lock; busy_timeout makes it wait instead of failing.
    fn write_direct<T>(&self, f: impl FnOnce(&rusqlite::Transaction) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = open(&self.path, self.sync)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<(IngestBatch, Reply)>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(item) => group.push(item),
                Err(_) => break,
            }
        }
        let results = write_group(&mut conn, group.iter().map(|(b, _)| b));
        match results {
            Ok(outcomes) => {
                for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                for (_, reply) in group {
                    let _ = reply.send(Err(StoreError::Db(e.to_string())));
                }
            }
        }
    }
}

/// One transaction for the whole group; per-bundle savepoints isolate a failing bundle.
fn write_group<'a>(
    conn: &mut Connection,
    batches: impl Iterator<Item = &'a IngestBatch>,
) -> Result<Vec<StoreResult<WriteOutcome>>, rusqlite::Error> {
    let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::new();
    for batch in batches {
        let mut sp = tx.savepoint()?;
        match write_batch(&sp, batch) {
            Ok(o) => {
                sp.commit()?;
                outcomes.push(Ok(o));
            }
            Err(e) => {
                sp.rollback()?;
                outcomes.push(Err(StoreError::Db(e.to_string())));
            }
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

fn write_batch(tx: &Connection, b: &IngestBatch) -> Result<WriteOutcome, rusqlite::Error> {
    let s = &b.session;
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO events (session_id, event_id, ts, event_type, type, view_id, view_name,
            name, url, message, status_code, success, duration, load_ms,
            is_pv, is_error, is_api, is_api_failure, is_slow, user_id, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?;
    let mut out = WriteOutcome::default();
    let (mut pvs, mut errors, mut apis, mut api_fail, mut slow) = (0i64, 0i64, 0i64, 0i64, 0i64);
    let (mut min_ts, mut max_ts): (Option<i64>, Option<i64>) = (None, None);
    let mut first_pv: Option<(i64, &str)> = None;
    for e in &b.events {
        let n = ins.execute(params![
            e.session_id,
            e.event_id,
            e.ts,
            e.event_type,
            e.kind,
            e.view_id,
            e.view_name,
            e.name,
            e.url,
            e.message,
            e.status_code,
            e.success,
            e.duration,
            e.load_ms,
            e.is_pv,
            e.is_error,
            e.is_api,
            e.is_api_failure,
            e.is_slow,
            s.user_id,
            e.body
        ])?;
        if n == 0 {
            out.duplicates += 1;
            continue;
        }
        out.inserted += 1;
        pvs += e.is_pv as i64;
        errors += e.is_error as i64;
        apis += e.is_api as i64;
        api_fail += e.is_api_failure as i64;
        slow += e.is_slow as i64;
        min_ts = Some(min_ts.map_or(e.ts, |m| m.min(e.ts)));
        max_ts = Some(max_ts.map_or(e.ts, |m| m.max(e.ts)));
        if e.is_pv {
            if let Some(url) = e.url.as_deref() {
                if first_pv.is_none_or(|(t, _)| e.ts < t) {
                    first_pv = Some((e.ts, url));
                }
            }
        }
    }
    tx.prepare_cached(
        "INSERT OR IGNORE INTO sessions (session_id, app_id, start_ms, end_ms, first_received_ms, last_received_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![
        s.session_id,
        s.app_id,
        min_ts.unwrap_or(s.received_ms),
        max_ts.unwrap_or(s.received_ms),
        s.received_ms
    ])?;
    // Latest non-null value wins for descriptive fields; counters add up only new events.
    tx.prepare_cached(
        "UPDATE sessions SET
            app_id = ?2, app_version = coalesce(?3, app_version), env = coalesce(?4, env),
            user_id = coalesce(?5, user_id), user_name = coalesce(?6, user_name),
            start_ms = min(start_ms, coalesce(?7, start_ms)), end_ms = max(end_ms, coalesce(?8, end_ms)),
            ip = coalesce(?9, ip), user_agent = coalesce(?10, user_agent), browser = coalesce(?11, browser),
            browser_version = coalesce(?12, browser_version), os = coalesce(?13, os),
            device_type = coalesce(?14, device_type), connection = coalesce(?15, connection),
            country = coalesce(?16, country), region = coalesce(?17, region), city = coalesce(?18, city),
            sdk_version = coalesce(?19, sdk_version),
            first_url = CASE WHEN ?20 IS NOT NULL AND (first_url IS NULL OR ?7 <= start_ms) THEN ?20 ELSE first_url END,
            bundle_meta = ?21, last_received_ms = max(last_received_ms, ?22),
            pvs = pvs + ?23, js_errors = js_errors + ?24, api_calls = api_calls + ?25,
            api_failures = api_failures + ?26, slow_loads = slow_loads + ?27, events = events + ?28
         WHERE session_id = ?1",
    )?
    .execute(params![
        s.session_id,
        s.app_id,
        s.app_version,
        s.env,
        s.user_id,
        s.user_name,
        min_ts,
        max_ts,
        s.ip,
        s.user_agent,
        s.browser,
        s.browser_version,
        s.os,
        s.device_type,
        s.connection,
        s.country,
        s.region,
        s.city,
        s.sdk_version,
        first_pv.map(|(_, u)| u),
        s.bundle_meta,
        s.received_ms,
        pvs,
        errors,
        apis,
        api_fail,
        slow,
        out.inserted as i64
    ])?;
    Ok(out)
}

const SESSION_COLS: &str = "session_id, app_id, app_version, env, user_id, user_name, start_ms, end_ms,
    pvs, js_errors, api_calls, api_failures, slow_loads, events, ip, browser, browser_version, os,
    device_type, connection, country, region, city, sdk_version, user_agent, first_url, bundle_meta";

fn session_from_row(r: &Row) -> rusqlite::Result<SessionSummary> {
    let start_ms: i64 = r.get(6)?;
    let end_ms: i64 = r.get(7)?;
    let meta: String = r.get(26)?;
    Ok(SessionSummary {
        session_id: r.get(0)?,
        app_id: r.get(1)?,
        app_version: r.get(2)?,
        env: r.get(3)?,
        user_id: r.get(4)?,
        user_name: r.get(5)?,
        start_ms,
        end_ms,
        duration_ms: end_ms - start_ms,
        pvs: r.get(8)?,
        js_errors: r.get(9)?,
        api_calls: r.get(10)?,
        api_failures: r.get(11)?,
        slow_loads: r.get(12)?,
        events: r.get(13)?,
        ip: r.get(14)?,
        browser: r.get(15)?,
        browser_version: r.get(16)?,
        os: r.get(17)?,
        device_type: r.get(18)?,
        connection: r.get(19)?,
        country: r.get(20)?,
        region: r.get(21)?,
        city: r.get(22)?,
        sdk_version: r.get(23)?,
        user_agent: r.get(24)?,
        first_url: r.get(25)?,
        bundle: serde_json::from_str(&meta).unwrap_or(Value::Null),
    })
}

const EVENT_COLS: &str = "seq, ts, event_type, type, view_id, view_name, name, url, message, status_code,
    success, duration, is_error, is_api, is_api_failure, is_slow, body";

fn event_from_row(r: &Row) -> rusqlite::Result<StoredEvent> {
    let body: String = r.get(16)?;
    Ok(StoredEvent {
        seq: r.get(0)?,
        ts: r.get(1)?,
        event_type: r.get(2)?,
        kind: r.get(3)?,
        view_id: r.get(4)?,
        view_name: r.get(5)?,
        name: r.get(6)?,
        url: r.get(7)?,
        message: r.get(8)?,
        status_code: r.get(9)?,
        success: r.get(10)?,
        duration: r.get(11)?,
        is_error: r.get(12)?,
        is_api: r.get(13)?,
        is_api_failure: r.get(14)?,
        is_slow: r.get(15)?,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    })
}

fn like_pattern(s: &str) -> String {
    let escaped = s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Builds the WHERE clause of the session list; values go in as parameters, never as SQL text.
fn session_where(f: &SessionFilter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    fn push(sql: &str, v: Box<dyn ToSql>, clauses: &mut Vec<String>, args: &mut Vec<Box<dyn ToSql>>) {
        args.push(v);
        clauses.push(sql.replace('?', &format!("?{}", args.len())));
    }
    // A session overlaps the range if it ends after `from` and starts before `to`.
    if let Some(v) = f.from_ms {
        push("s.end_ms >= ?", Box::new(v), &mut clauses, &mut args);
    }
    if let Some(v) = f.to_ms {
        push("s.start_ms <= ?", Box::new(v), &mut clauses, &mut args);
    }
    if let Some(v) = &f.user {
        args.push(Box::new(v.clone()));
        let a = args.len();
        args.push(Box::new(like_pattern(v)));
        let b = args.len();
        clauses.push(format!("(s.user_id = ?{a} OR s.user_name LIKE ?{b} ESCAPE '\\')"));
    }
    let exact: [(&str, &Option<String>); 13] = [
        ("s.session_id", &f.session_id),
        ("s.app_id", &f.app_id),
        ("s.ip", &f.ip),
        ("s.browser", &f.browser),
        ("s.browser_version", &f.browser_version),
        ("s.os", &f.os),
        ("s.device_type", &f.device_type),
        ("s.connection", &f.connection),
        ("s.country", &f.country),
        ("s.region", &f.region),
        ("s.city", &f.city),
        ("s.app_version", &f.app_version),
        ("s.env", &f.env),
    ];
    for (col, v) in exact {
        if let Some(v) = v {
            push(&format!("{col} = ? COLLATE NOCASE"), Box::new(v.clone()), &mut clauses, &mut args);
        }
    }
    if let Some(apps) = &f.apps {
        let mut marks = Vec::with_capacity(apps.len());
        for a in apps {
            args.push(Box::new(a.clone()));
            marks.push(format!("?{}", args.len()));
        }
        // An empty scope sees nothing: `IN ()` is not SQL.
        clauses.push(if marks.is_empty() { "0".into() } else { format!("s.app_id IN ({})", marks.join(", ")) });
    }
    if let Some(v) = &f.page_url {
        push(
            "EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.session_id AND e.is_pv = 1 AND e.url LIKE ? ESCAPE '\\')",
            Box::new(like_pattern(v)),
            &mut clauses,
            &mut args,
        );
    }
    if let Some(v) = f.min_errors {
        push("s.js_errors >= ?", Box::new(v), &mut clauses, &mut args);
    }
    if let Some(v) = f.max_errors {
        push("s.js_errors <= ?", Box::new(v), &mut clauses, &mut args);
    }
    if let Some(v) = f.min_duration_ms {
        push("(s.end_ms - s.start_ms) >= ?", Box::new(v), &mut clauses, &mut args);
    }
    if let Some(v) = f.max_duration_ms {
        push("(s.end_ms - s.start_ms) <= ?", Box::new(v), &mut clauses, &mut args);
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, args)
}

fn range_clause(col: &str, r: TimeRange, args: &mut Vec<i64>) -> String {
    let mut s = String::new();
    if let Some(v) = r.from_ms {
        args.push(v);
        s.push_str(&format!(" AND {col} >= ?{}", args.len()));
    }
    if let Some(v) = r.to_ms {
        args.push(v);
        s.push_str(&format!(" AND {col} <= ?{}", args.len()));
    }
    s
}

fn split_ids(s: Option<String>) -> Vec<String> {
    s.map(|s| s.split(',').filter(|x| !x.is_empty()).take(20).map(str::to_string).collect()).unwrap_or_default()
}

impl Store for SqliteStore {
    fn write(
        &self,
        batch: IngestBatch,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<WriteOutcome>> + Send + '_>> {
        Box::pin(async move {
            let (reply, wait) = oneshot::channel();
            let tx = self.tx.clone();
            // The queue is bounded: wait on a blocking thread rather than stall the runtime.
            match tx.try_send((batch, reply)) {
                Ok(()) => {}
                Err(mpsc::TrySendError::Full(item)) => {
                    tokio::task::spawn_blocking(move || tx.send(item))
                        .await
                        .map_err(|_| StoreError::WriterGone)?
                        .map_err(|_| StoreError::WriterGone)?;
                }
                Err(mpsc::TrySendError::Disconnected(_)) => return Err(StoreError::WriterGone),
            }
            wait.await.map_err(|_| StoreError::WriterGone)?
        })
    }

    fn list_sessions(&self, f: &SessionFilter) -> StoreResult<SessionPage> {
        self.read(|c| {
            let (where_sql, mut args) = session_where(f);
            let total: i64 = c.query_row(
                &format!("SELECT count(*) FROM sessions s {where_sql}"),
                params_from_iter(args.iter()),
                |r| r.get(0),
            )?;
            let order_col = match f.sort {
                SortKey::Start => "s.start_ms",
                SortKey::Duration => "(s.end_ms - s.start_ms)",
                SortKey::Errors => "s.js_errors",
            };
            let dir = if f.ascending { "ASC" } else { "DESC" };
            args.push(Box::new(f.limit));
            let l = args.len();
            args.push(Box::new(f.offset));
            let o = args.len();
            let sql = format!(
                "SELECT {SESSION_COLS} FROM sessions s {where_sql}
                 ORDER BY {order_col} {dir}, s.start_ms DESC, s.session_id LIMIT ?{l} OFFSET ?{o}"
            );
            let mut st = c.prepare(&sql)?;
            let sessions =
                st.query_map(params_from_iter(args.iter()), session_from_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(SessionPage { total, sessions })
        })
    }

    fn session(&self, id: &str) -> StoreResult<Option<SessionSummary>> {
        self.read(|c| {
            Ok(c.query_row(
                &format!("SELECT {SESSION_COLS} FROM sessions WHERE session_id = ?1"),
                [id],
                session_from_row,
            )
            .optional()?)
        })
    }

    fn session_events(&self, id: &str) -> StoreResult<Vec<StoredEvent>> {
        self.read(|c| {
            let mut st =
                c.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE session_id = ?1 ORDER BY ts, seq"))?;
            let rows = st.query_map([id], event_from_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn slow_loads(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<SlowLoad>> {
        self.read(|c| {
            let mut args = Vec::new();
            let rc = range_clause("e.ts", range, &mut args);
            args.push(limit);
            let sql = format!(
                "SELECT e.session_id, e.view_id, e.view_name, e.url, e.load_ms, e.ts, s.user_name
                 FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id
                 WHERE e.load_ms IS NOT NULL {rc} ORDER BY e.load_ms DESC LIMIT ?{}",
                args.len()
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok(SlowLoad {
                        session_id: r.get(0)?,
                        view_id: r.get(1)?,
                        view_name: r.get(2)?,
                        url: r.get(3)?,
                        load_ms: r.get(4)?,
                        ts: r.get(5)?,
                        user_name: r.get(6)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn error_groups(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<ErrorGroup>> {
        self.read(|c| {
            let mut args = Vec::new();
            let rc = range_clause("ts", range, &mut args);
            args.push(limit);
            let sql = format!(
                "SELECT coalesce(message, ''), max(name), count(*), count(DISTINCT session_id), max(ts),
                        (SELECT group_concat(sid) FROM (SELECT DISTINCT e2.session_id AS sid FROM events e2
                            WHERE e2.is_error = 1 AND coalesce(e2.message, '') = coalesce(e.message, '')
                            ORDER BY e2.ts DESC LIMIT 20))
                 FROM events e WHERE is_error = 1 {rc}
                 GROUP BY coalesce(message, '') ORDER BY count(*) DESC, max(ts) DESC LIMIT ?{}",
                args.len()
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok(ErrorGroup {
                        message: r.get(0)?,
                        name: r.get(1)?,
                        count: r.get(2)?,
                        sessions: r.get(3)?,
                        last_ts: r.get(4)?,
                        session_ids: split_ids(r.get(5)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn api_failure_groups(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<ApiFailureGroup>> {
        self.read(|c| {
            let mut args = Vec::new();
            let rc = range_clause("ts", range, &mut args);
            args.push(limit);
            // URL without query and fragment, so /api/x?id=1 and ?id=2 are one group.
            let base =
                "substr(coalesce(url, name, ''), 1, instr(replace(coalesce(url, name, '') || '?', '#', '?'), '?') - 1)";
            let sql = format!(
                "SELECT {base} AS u, status_code, max(json_extract(body, '$.method')), count(*),
                        count(DISTINCT session_id), max(ts), group_concat(DISTINCT session_id)
                 FROM events WHERE is_api_failure = 1 {rc}
                 GROUP BY u, status_code ORDER BY count(*) DESC, max(ts) DESC LIMIT ?{}",
                args.len()
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok(ApiFailureGroup {
                        url: r.get(0)?,
                        status_code: r.get(1)?,
                        method: r.get(2)?,
                        count: r.get(3)?,
                        sessions: r.get(4)?,
                        last_ts: r.get(5)?,
                        session_ids: split_ids(r.get(6)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn timeseries(&self, from_ms: i64, to_ms: i64, bucket_ms: i64) -> StoreResult<Vec<Bucket>> {
        let bucket_ms = bucket_ms.max(1);
        let n = ((to_ms - from_ms) / bucket_ms + 1).clamp(1, 2000);
        let mut buckets: Vec<Bucket> =
            (0..n).map(|i| Bucket { start_ms: from_ms + i * bucket_ms, sessions: 0, errors: 0 }).collect();
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT (start_ms - ?1) / ?3, count(*) FROM sessions
                 WHERE start_ms >= ?1 AND start_ms <= ?2 GROUP BY 1",
            )?;
            let rows =
                st.query_map(params![from_ms, to_ms, bucket_ms], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (i, cnt) = row?;
                if let Some(b) = buckets.get_mut(i as usize) {
                    b.sessions += cnt;
                }
            }
            let mut st = c.prepare_cached(
                "SELECT (ts - ?1) / ?3, count(*) FROM events
                 WHERE is_error = 1 AND ts >= ?1 AND ts <= ?2 GROUP BY 1",
            )?;
            let rows =
                st.query_map(params![from_ms, to_ms, bucket_ms], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (i, cnt) = row?;
                if let Some(b) = buckets.get_mut(i as usize) {
                    b.errors += cnt;
                }
            }
            Ok(())
        })?;
        Ok(buckets)
    }

    fn export_user(&self, user_id: &str) -> StoreResult<UserExport> {
        self.read(|c| {
            let mut st =
                c.prepare(&format!("SELECT {SESSION_COLS} FROM sessions WHERE user_id = ?1 ORDER BY start_ms"))?;
            let sessions = st.query_map([user_id], session_from_row)?.collect::<Result<Vec<_>, _>>()?;
            let mut st = c.prepare(
                "SELECT body FROM events WHERE user_id = ?1
                    OR session_id IN (SELECT session_id FROM sessions WHERE user_id = ?1)
                 ORDER BY session_id, ts, seq",
            )?;
            let events = st
                .query_map([user_id], |r| r.get::<_, String>(0))?
                .map(|b| b.map(|b| serde_json::from_str(&b).unwrap_or(Value::Null)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(UserExport { user_id: user_id.to_string(), sessions, events })
        })
    }

    fn delete_user(&self, user_id: &str) -> StoreResult<DeleteCounts> {
        self.write_direct(|tx| {
            let events = tx.execute(
                "DELETE FROM events WHERE user_id = ?1
                    OR session_id IN (SELECT session_id FROM sessions WHERE user_id = ?1)",
                [user_id],
            )?;
            let sessions = tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
            Ok(DeleteCounts { sessions: sessions as u64, events: events as u64 })
        })
    }

    fn delete_older_than(&self, cutoff_ms: i64) -> StoreResult<DeleteCounts> {
        self.write_direct(|tx| {
            let events = tx.execute(
                "DELETE FROM events WHERE session_id IN
                    (SELECT session_id FROM sessions WHERE last_received_ms < ?1)",
                [cutoff_ms],
            )?;
            let sessions = tx.execute("DELETE FROM sessions WHERE last_received_ms < ?1", [cutoff_ms])?;
            Ok(DeleteCounts { sessions: sessions as u64, events: events as u64 })
        })
    }
}
