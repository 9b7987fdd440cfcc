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
//!
//! Deletes (privacy, retention) go through the writer's queue too, one chunk of at most
//! `DELETE_CHUNK` rows per transaction: bundles queued meanwhile are written between two chunks,
//! so a large delete never holds the one writer for long (it held it for seconds before).

use super::replay::{NewSegment, ReplayWrite, SessionReplay};
use super::*;
use rusqlite::{named_params, Connection, OptionalExtension, Row, ToSql};
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

/// Rows deleted per transaction by privacy and retention deletes.
pub const DELETE_CHUNK: i64 = 1000;

/// What the writer thread does: write a bundle, or run one short statement (a delete chunk).
enum Job {
    /// Boxed: the job queue holds thousands of them, and a delete chunk is small.
    Write(Box<(IngestBatch, Reply)>),
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
}

pub struct SqliteStore {
    path: PathBuf,
    sync: Synchronous,
    tx: mpsc::SyncSender<Job>,
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
    // 2: the console's groups answer from an index in one pass. `group_key` is the error message
    // or the API URL without query, computed at ingest (was: an expression per row and a
    // correlated subquery per group, 8.9 s over 20,000 distinct errors); `method` leaves the JSON.
    r#"
    ALTER TABLE events ADD COLUMN group_key TEXT;
    ALTER TABLE events ADD COLUMN method TEXT;
    UPDATE events SET group_key = coalesce(message, '') WHERE is_error = 1;
    UPDATE events SET
        group_key = substr(coalesce(url, name, ''), 1,
            instr(replace(coalesce(url, name, '') || '?', '#', '?'), '?') - 1),
        method = json_extract(body, '$.method')
        WHERE is_api_failure = 1;
    CREATE INDEX events_error_groups ON events(group_key, ts) WHERE is_error = 1;
    CREATE INDEX events_api_failure_groups ON events(group_key, status_code, ts) WHERE is_api_failure = 1;
    CREATE INDEX sessions_end ON sessions(end_ms);
    "#,
    // 3: replay segments.
    super::sqlite_replay::MIGRATION,
    // 4: the app's user id (`APP_USER_ID`, the same expression) indexed: the console's filter by
    // it reads the matching sessions instead of every session's bundle JSON.
    r#"
    CREATE INDEX sessions_app_user_id ON sessions(
        (CASE WHEN json_valid(bundle_meta) THEN json_extract(bundle_meta, '$.user.user_id') END));
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
        tx.execute("INSERT INTO schema_version(version) VALUES (:v)", named_params! {":v": v})?;
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
        let (tx, rx) = mpsc::sync_channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("rum-sqlite-writer".into())
            .spawn(move || writer_loop(writer, rx))
            .map_err(|e| StoreError::Db(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore { path, sync, tx, readers: Mutex::new(Vec::new()) })
    }

    pub fn schema_version(&self) -> StoreResult<i64> {
        self.read(|c| Ok(c.query_row("SELECT version FROM schema_version", [], |r| r.get(0))?))
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
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

    /// Runs `sql` (a DELETE of at most `:chunk` rows) on the writer thread again and again until
    /// it deletes fewer than a chunk; returns the rows deleted. Blocking: call it off the runtime.
    fn delete_in_chunks(&self, sql: &'static str, key: (&'static str, rusqlite::types::Value)) -> StoreResult<u64> {
        let mut total = 0u64;
        loop {
            let (reply, wait) = mpsc::channel();
            let key = key.clone();
            let job = Job::Run(Box::new(move |conn: &mut Connection| {
                let r = conn.execute(sql, &[(key.0, &key.1 as &dyn ToSql), (":chunk", &DELETE_CHUNK)]);
                let _ = reply.send(r);
            }));
            self.tx.send(job).map_err(|_| StoreError::WriterGone)?;
            let n = wait.recv().map_err(|_| StoreError::WriterGone)?? as u64;
            total += n;
            if n < DELETE_CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    /// Runs `f` on the writer thread, between two groups of bundles (no lock to wait for), and
    /// waits for its result. Blocking: call it off the runtime.
    fn on_writer<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (reply, wait) = mpsc::channel();
        let job = Job::Run(Box::new(move |conn: &mut Connection| {
            let _ = reply.send(f(conn));
        }));
        self.tx.send(job).map_err(|_| StoreError::WriterGone)?;
        wait.recv().map_err(|_| StoreError::WriterGone)?
    }
}

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Job>) {
    let mut pending: Option<Job> = None;
    loop {
        let first = match pending.take() {
            Some(job) => job,
            None => match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let (b, r) = match first {
            Job::Run(f) => {
                f(&mut conn);
                continue;
            }
            Job::Write(job) => *job,
        };
        let mut group = vec![(b, r)];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(Job::Write(job)) => group.push(*job),
                Ok(job) => {
                    pending = Some(job);
                    break;
                }
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
            is_pv, is_error, is_api, is_api_failure, is_slow, user_id, group_key, method, body)
         VALUES (:session_id, :event_id, :ts, :event_type, :type, :view_id, :view_name,
            :name, :url, :message, :status_code, :success, :duration, :load_ms,
            :is_pv, :is_error, :is_api, :is_api_failure, :is_slow, :user_id, :group_key, :method, :body)",
    )?;
    let mut out = WriteOutcome::default();
    let (mut pvs, mut errors, mut apis, mut api_fail, mut slow) = (0i64, 0i64, 0i64, 0i64, 0i64);
    let (mut min_ts, mut max_ts): (Option<i64>, Option<i64>) = (None, None);
    let mut first_pv: Option<(i64, &str)> = None;
    for e in &b.events {
        let n = ins.execute(named_params! {
            ":session_id": e.session_id,
            ":event_id": e.event_id,
            ":ts": e.ts,
            ":event_type": e.event_type,
            ":type": e.kind,
            ":view_id": e.view_id,
            ":view_name": e.view_name,
            ":name": e.name,
            ":url": e.url,
            ":message": e.message,
            ":status_code": e.status_code,
            ":success": e.success,
            ":duration": e.duration,
            ":load_ms": e.load_ms,
            ":is_pv": e.is_pv,
            ":is_error": e.is_error,
            ":is_api": e.is_api,
            ":is_api_failure": e.is_api_failure,
            ":is_slow": e.is_slow,
            ":user_id": s.user_id,
            ":group_key": e.group_key,
            ":method": e.method,
            ":body": e.body,
        })?;
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
         VALUES (:session_id, :app_id, :start_ms, :end_ms, :received_ms, :received_ms)",
    )?
    .execute(named_params! {
        ":session_id": s.session_id,
        ":app_id": s.app_id,
        ":start_ms": min_ts.unwrap_or(s.received_ms),
        ":end_ms": max_ts.unwrap_or(s.received_ms),
        ":received_ms": s.received_ms,
    })?;
    // Latest non-null value wins for descriptive fields; counters add up only new events.
    tx.prepare_cached(
        "UPDATE sessions SET
            app_id = :app_id, app_version = coalesce(:app_version, app_version), env = coalesce(:env, env),
            user_id = coalesce(:user_id, user_id), user_name = coalesce(:user_name, user_name),
            start_ms = min(start_ms, coalesce(:min_ts, start_ms)), end_ms = max(end_ms, coalesce(:max_ts, end_ms)),
            ip = coalesce(:ip, ip), user_agent = coalesce(:user_agent, user_agent),
            browser = coalesce(:browser, browser), browser_version = coalesce(:browser_version, browser_version),
            os = coalesce(:os, os), device_type = coalesce(:device_type, device_type),
            connection = coalesce(:connection, connection), country = coalesce(:country, country),
            region = coalesce(:region, region), city = coalesce(:city, city),
            sdk_version = coalesce(:sdk_version, sdk_version),
            first_url = CASE WHEN :first_url IS NOT NULL AND (first_url IS NULL OR :min_ts <= start_ms)
                THEN :first_url ELSE first_url END,
            bundle_meta = CASE
                WHEN :bundle_meta IS NULL THEN bundle_meta
                -- The app's user id outlives a logout (clearUser), as user_name does: the session
                -- stays findable by it (ClickHouse's argMax skips the NULL the same way).
                WHEN json_valid(:bundle_meta) AND json_valid(bundle_meta)
                    AND json_extract(:bundle_meta, '$.user.user_id') IS NULL
                    AND json_extract(bundle_meta, '$.user.user_id') IS NOT NULL
                THEN json_set(:bundle_meta, '$.user.user_id', json_extract(bundle_meta, '$.user.user_id'))
                ELSE :bundle_meta END,
            last_received_ms = max(last_received_ms, :received_ms),
            pvs = pvs + :pvs, js_errors = js_errors + :errors, api_calls = api_calls + :apis,
            api_failures = api_failures + :api_failures, slow_loads = slow_loads + :slow, events = events + :events
         WHERE session_id = :session_id",
    )?
    .execute(named_params! {
        ":session_id": s.session_id,
        ":app_id": s.app_id,
        ":app_version": s.app_version,
        ":env": s.env,
        ":user_id": s.user_id,
        ":user_name": s.user_name,
        ":min_ts": min_ts,
        ":max_ts": max_ts,
        ":ip": s.ip,
        ":user_agent": s.user_agent,
        ":browser": s.browser,
        ":browser_version": s.browser_version,
        ":os": s.os,
        ":device_type": s.device_type,
        ":connection": s.connection,
        ":country": s.country,
        ":region": s.region,
        ":city": s.city,
        ":sdk_version": s.sdk_version,
        ":first_url": first_pv.map(|(_, u)| u),
        ":bundle_meta": s.bundle_meta,
        ":received_ms": s.received_ms,
        ":pvs": pvs,
        ":errors": errors,
        ":apis": apis,
        ":api_failures": api_fail,
        ":slow": slow,
        ":events": out.inserted as i64,
    })?;
    Ok(out)
}

const SESSION_COLS: &str = "session_id, app_id, app_version, env, user_id, user_name, start_ms, end_ms,
    pvs, js_errors, api_calls, api_failures, slow_loads, events, ip, browser, browser_version, os,
    device_type, connection, country, region, city, sdk_version, user_agent, first_url, bundle_meta";

/// Row readers that accept whatever the store holds (SQLite columns are dynamically typed: an
/// older collector, a manual edit or a bug may have put an integer in a text column, bytes that
/// are not UTF-8, or text in a number column). The console must still get the rest of the row.
pub(super) mod lenient {
    use rusqlite::types::ValueRef;
    use rusqlite::{Row, RowIndex};

    pub fn text(r: &Row, col: impl RowIndex) -> rusqlite::Result<Option<String>> {
        Ok(match r.get_ref(col)? {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i.to_string()),
            ValueRef::Real(f) => Some(f.to_string()),
            ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        })
    }

    pub fn real(r: &Row, col: impl RowIndex) -> rusqlite::Result<Option<f64>> {
        Ok(match r.get_ref(col)? {
            ValueRef::Integer(i) => Some(i as f64),
            ValueRef::Real(f) if f.is_finite() => Some(f),
            ValueRef::Text(t) => {
                std::str::from_utf8(t).ok().and_then(|t| t.trim().parse().ok()).filter(|f: &f64| f.is_finite())
            }
            _ => None,
        })
    }

    pub fn int(r: &Row, col: impl RowIndex) -> rusqlite::Result<Option<i64>> {
        Ok(real(r, col)?.filter(|f| f.abs() < 9.0e18).map(|f| f as i64))
    }

    pub fn flag(r: &Row, col: impl RowIndex) -> rusqlite::Result<bool> {
        Ok(real(r, col)?.is_some_and(|f| f != 0.0))
    }
}

/// A stored JSON text, or `None` when it is not JSON (shown as unreadable, not hidden).
fn json_or_none(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn session_from_row(r: &Row) -> rusqlite::Result<SessionSummary> {
    use lenient::{int, text};
    let start_ms = int(r, "start_ms")?.unwrap_or(0);
    let end_ms = int(r, "end_ms")?.unwrap_or(start_ms);
    let count = |col: &str| int(r, col).map(|n| n.unwrap_or(0));
    Ok(SessionSummary {
        session_id: text(r, "session_id")?.unwrap_or_default(),
        app_id: text(r, "app_id")?.unwrap_or_default(),
        app_version: text(r, "app_version")?,
        env: text(r, "env")?,
        user_id: text(r, "user_id")?,
        user_name: text(r, "user_name")?,
        start_ms,
        end_ms,
        duration_ms: end_ms.saturating_sub(start_ms),
        pvs: count("pvs")?,
        js_errors: count("js_errors")?,
        api_calls: count("api_calls")?,
        api_failures: count("api_failures")?,
        slow_loads: count("slow_loads")?,
        events: count("events")?,
        ip: text(r, "ip")?,
        browser: text(r, "browser")?,
        browser_version: text(r, "browser_version")?,
        os: text(r, "os")?,
        device_type: text(r, "device_type")?,
        connection: text(r, "connection")?,
        country: text(r, "country")?,
        region: text(r, "region")?,
        city: text(r, "city")?,
        sdk_version: text(r, "sdk_version")?,
        user_agent: text(r, "user_agent")?,
        first_url: text(r, "first_url")?,
        // Set by `sqlite_replay::mark` for the rows a query returns.
        has_replay: false,
        bundle: json_or_none(text(r, "bundle_meta")?).unwrap_or(Value::Null),
    })
}

pub(super) const EVENT_COLS: &str = "seq, ts, event_type, type, view_id, view_name, name, url, message, status_code,
    success, duration, is_error, is_api, is_api_failure, is_slow, body";

pub(super) fn event_from_row(r: &Row) -> rusqlite::Result<StoredEvent> {
    use lenient::{flag, int, real, text};
    let body = json_or_none(text(r, "body")?);
    Ok(StoredEvent {
        seq: int(r, "seq")?.unwrap_or(0),
        ts: int(r, "ts")?.unwrap_or(0),
        event_type: text(r, "event_type")?.unwrap_or_default(),
        kind: text(r, "type")?,
        view_id: text(r, "view_id")?,
        view_name: text(r, "view_name")?,
        name: text(r, "name")?,
        url: text(r, "url")?,
        message: text(r, "message")?,
        status_code: int(r, "status_code")?,
        success: int(r, "success")?,
        duration: real(r, "duration")?,
        is_error: flag(r, "is_error")?,
        is_api: flag(r, "is_api")?,
        is_api_failure: flag(r, "is_api_failure")?,
        is_slow: flag(r, "is_slow")?,
        unreadable: body.as_ref().is_none_or(|b| !b.is_object()),
        body: body.unwrap_or(Value::Null),
    })
}

/// The app's own user id: config `user.id` travels as `user.user_id` (the bundle's `user.id` is
/// the SDK's visitor id, shared by everyone on one browser).
pub(super) const APP_USER_ID: &str =
    "(CASE WHEN json_valid(s.bundle_meta) THEN json_extract(s.bundle_meta, '$.user.user_id') END)";

fn prefix_pattern(s: &str) -> String {
    let escaped = s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("{escaped}%")
}

pub(super) fn like_pattern(s: &str) -> String {
    let escaped = s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

pub(super) type Named = Vec<(&'static str, Box<dyn ToSql>)>;

/// Builds the WHERE clause of the session list; values go in as named parameters, never as SQL
/// text. Each filter has its own parameter name (the column's).
pub(super) fn session_where(f: &SessionFilter) -> (String, Named) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Named = Vec::new();
    let mut push = |sql: String, name: &'static str, v: Box<dyn ToSql>| {
        clauses.push(sql);
        args.push((name, v));
    };
    // A session overlaps the range if it ends after `from` and starts before `to`.
    if let Some(v) = f.from_ms {
        push("s.end_ms >= :from".into(), ":from", Box::new(v));
    }
    if let Some(v) = f.to_ms {
        push("s.start_ms <= :to".into(), ":to", Box::new(v));
    }
    if let Some(v) = &f.user {
        // Also the app's own user id (config `user.id`, sent as `user.user_id`), and a session id
        // prefix long enough (8+) not to match sessions by chance.
        let by_session = if v.len() >= 8 { " OR s.session_id LIKE :user_prefix ESCAPE '\\'" } else { "" };
        push(
            format!(
                "(s.user_id = :user OR s.user_name LIKE :user_like ESCAPE '\\' OR {APP_USER_ID} = :user{by_session})"
            ),
            ":user",
            Box::new(v.clone()),
        );
        // The clause above uses more values: no clause of their own.
        push(String::new(), ":user_like", Box::new(like_pattern(v)));
        if v.len() >= 8 {
            push(String::new(), ":user_prefix", Box::new(prefix_pattern(v)));
        }
    }
    if let Some(v) = &f.app_user_id {
        push(format!("{APP_USER_ID} = :app_user_id"), ":app_user_id", Box::new(v.clone()));
    }
    // `156` finds 156.0.7000.1.
    if let Some(v) = &f.browser_version {
        push(
            "s.browser_version LIKE :browser_version ESCAPE '\\'".into(),
            ":browser_version",
            Box::new(prefix_pattern(v)),
        );
    }
    // The effective type (4g) is the column; the connection type (wifi, cellular) where the
    // browser exposes it is only in the bundle's `net`.
    if let Some(v) = &f.connection {
        push(
            "(s.connection = :connection COLLATE NOCASE OR (CASE WHEN json_valid(s.bundle_meta) THEN json_extract(s.bundle_meta, '$.net.type') END) = :connection COLLATE NOCASE)"
                .into(),
            ":connection",
            Box::new(v.clone()),
        );
    }
    if let Some(v) = &f.text {
        push(format!("({})", super::search::TEXT_MATCH), ":text", Box::new(like_pattern(v)));
    }
    let exact: [(&str, &'static str, &Option<String>); 10] = [
        ("s.app_id", ":app_id", &f.app_id),
        ("s.ip", ":ip", &f.ip),
        ("s.browser", ":browser", &f.browser),
        ("s.os", ":os", &f.os),
        ("s.device_type", ":device_type", &f.device_type),
        ("s.country", ":country", &f.country),
        ("s.region", ":region", &f.region),
        ("s.city", ":city", &f.city),
        ("s.app_version", ":app_version", &f.app_version),
        ("s.env", ":env", &f.env),
    ];
    // A session id prefix (a copied short id) as a range of the primary key: the index answers.
    if let Some(v) = &f.session_id {
        push(
            "s.session_id >= :session_id AND s.session_id < :session_id_end".into(),
            ":session_id",
            Box::new(v.clone()),
        );
        push(String::new(), ":session_id_end", Box::new(format!("{v}\u{10FFFF}")));
    }
    for (col, name, v) in exact {
        if let Some(v) = v {
            push(format!("{col} = {name} COLLATE NOCASE"), name, Box::new(v.clone()));
        }
    }
    if let Some(apps) = &f.apps {
        // The caller's app scope as one JSON array (any length, one named value); empty: nothing.
        let list = serde_json::Value::from(apps.clone()).to_string();
        push("s.app_id IN (SELECT value FROM json_each(:apps))".into(), ":apps", Box::new(list));
    }
    if let Some(v) = &f.page_url {
        // Not correlated: one pass over the page views' index, whatever the number of sessions.
        push(
            "s.session_id IN (SELECT e.session_id FROM events e WHERE e.is_pv = 1 AND e.url LIKE :page_url ESCAPE '\\')"
                .into(),
            ":page_url",
            Box::new(like_pattern(v)),
        );
    }
    if let Some(v) = f.min_errors {
        push("s.js_errors >= :min_errors".into(), ":min_errors", Box::new(v));
    }
    if let Some(v) = f.max_errors {
        push("s.js_errors <= :max_errors".into(), ":max_errors", Box::new(v));
    }
    if let Some(v) = f.min_duration_ms {
        push("(s.end_ms - s.start_ms) >= :min_duration".into(), ":min_duration", Box::new(v));
    }
    if let Some(v) = f.max_duration_ms {
        push("(s.end_ms - s.start_ms) <= :max_duration".into(), ":max_duration", Box::new(v));
    }
    if let Some(v) = f.has_replay {
        clauses.push(super::sqlite_replay::has_replay_clause(v).into());
    }
    clauses.retain(|c| !c.is_empty());
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, args)
}

/// The session list's two statements (count, page) for a filter, with their named values.
pub fn session_list_sql(f: &SessionFilter) -> (String, String, Named) {
    let (where_sql, args) = session_where(f);
    let order_col = match f.sort {
        SortKey::Start => "s.start_ms",
        SortKey::Duration => "(s.end_ms - s.start_ms)",
        SortKey::Errors => "s.js_errors",
    };
    let dir = if f.ascending { "ASC" } else { "DESC" };
    let count = format!("SELECT count(*) FROM sessions s {where_sql}");
    let page = format!(
        "SELECT {SESSION_COLS} FROM sessions s {where_sql}
         ORDER BY {order_col} {dir}, s.start_ms DESC, s.session_id LIMIT :limit OFFSET :offset"
    );
    (count, page, args)
}

/// The "ways in" queries, `{range}` being `range_sql`'s bounds on `ts` (named `:from`, `:to`).
const SLOW_LOADS_SQL: &str = "
    SELECT e.session_id, e.view_id, e.view_name, e.url, e.load_ms, e.ts, s.user_name
    FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id
    WHERE e.load_ms IS NOT NULL AND e.is_slow = 1 {range}
    ORDER BY e.load_ms DESC LIMIT :limit";

/// Error groups: one pass over an errors-only index, then a sort of the groups; no subquery per
/// group. With a time range, the pass is over the errors of the range only (the time index, named
/// because without table statistics SQLite would rather walk the whole group index).
const ERROR_GROUPS_SQL: &str = "
    SELECT group_key, max(name) AS name, count(*) AS count, count(DISTINCT session_id) AS sessions,
        max(ts) AS last_ts
    FROM events e {errors_by_time} WHERE is_error = 1 {range}
    GROUP BY group_key ORDER BY count DESC, last_ts DESC LIMIT :limit";

/// The latest sessions of one listed group: a walk down the group's index entries, newest first,
/// stopped after 20 distinct sessions (run for the listed groups only).
const ERROR_GROUP_SESSIONS_SQL: &str = "
    SELECT session_id FROM events e WHERE is_error = 1 AND group_key = :key {range} ORDER BY ts DESC";

const API_FAILURE_GROUPS_SQL: &str = "
    SELECT group_key, status_code, max(method) AS method, count(*) AS count,
        count(DISTINCT session_id) AS sessions, max(ts) AS last_ts
    FROM events e {api_failures_by_time} WHERE is_api_failure = 1 {range}
    GROUP BY group_key, status_code ORDER BY count DESC, last_ts DESC LIMIT :limit";

const API_FAILURE_GROUP_SESSIONS_SQL: &str = "
    SELECT session_id FROM events e
    WHERE is_api_failure = 1 AND group_key = :key AND status_code IS :status {range} ORDER BY ts DESC";

/// `sql` with its `{range}` filled for `r`, and the named values of the range.
fn ranged(sql: &str, r: TimeRange) -> (String, Named) {
    let mut clause = String::new();
    let mut p: Named = Vec::new();
    if let Some(v) = r.from_ms {
        clause.push_str(" AND e.ts >= :from");
        p.push((":from", Box::new(v)));
    }
    if let Some(v) = r.to_ms {
        clause.push_str(" AND e.ts <= :to");
        p.push((":to", Box::new(v)));
    }
    let by_time = |index: &str| if clause.is_empty() { String::new() } else { format!("INDEXED BY {index}") };
    let sql = sql
        .replace("{range}", &clause)
        .replace("{errors_by_time}", &by_time("events_errors"))
        .replace("{api_failures_by_time}", &by_time("events_api_failures"));
    (sql, p)
}

/// Every console query with the given range, as run (for EXPLAIN QUERY PLAN in tests).
pub fn console_queries(r: TimeRange) -> Vec<(&'static str, String)> {
    [
        ("slow loads", SLOW_LOADS_SQL),
        ("error groups", ERROR_GROUPS_SQL),
        ("error group sessions", ERROR_GROUP_SESSIONS_SQL),
        ("api failure groups", API_FAILURE_GROUPS_SQL),
        ("api failure group sessions", API_FAILURE_GROUP_SESSIONS_SQL),
    ]
    .into_iter()
    .map(|(name, sql)| (name, ranged(sql, r).0))
    .collect()
}

/// Session ids listed per group.
const GROUP_SESSION_IDS: usize = 20;

pub(super) fn as_named(p: &Named) -> Vec<(&str, &dyn ToSql)> {
    p.iter().map(|(k, v)| (*k, v.as_ref())).collect()
}

fn recent_sessions(
    c: &Connection,
    sql: &str,
    key: &str,
    status: Option<Option<i64>>,
    range: TimeRange,
) -> rusqlite::Result<Vec<String>> {
    let (sql, mut p) = ranged(sql, range);
    p.push((":key", Box::new(key.to_string())));
    if let Some(status) = status {
        p.push((":status", Box::new(status)));
    }
    let mut st = c.prepare_cached(&sql)?;
    let mut rows = st.query(as_named(&p).as_slice())?;
    let mut ids: Vec<String> = Vec::new();
    while let Some(r) = rows.next()? {
        let Some(id) = lenient::text(r, "session_id")? else { continue };
        if !ids.contains(&id) {
            ids.push(id);
            if ids.len() == GROUP_SESSION_IDS {
                break;
            }
        }
    }
    Ok(ids)
}

/// Runs a grouping query with its range and limit.
fn grouped<T>(
    c: &Connection,
    sql: &str,
    range: TimeRange,
    limit: i64,
    f: impl FnMut(&Row) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let (sql, mut p) = ranged(sql, range);
    p.push((":limit", Box::new(limit)));
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map(as_named(&p).as_slice(), f)?.collect();
    rows
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
            match tx.try_send(Job::Write(Box::new((batch, reply)))) {
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
            let (count_sql, page_sql, mut args) = session_list_sql(f);
            let total: i64 = c.query_row(&count_sql, as_named(&args).as_slice(), |r| r.get(0))?;
            args.push((":limit", Box::new(f.limit)));
            args.push((":offset", Box::new(f.offset)));
            let mut st = c.prepare(&page_sql)?;
            let mut sessions =
                st.query_map(as_named(&args).as_slice(), session_from_row)?.collect::<Result<Vec<_>, _>>()?;
            super::sqlite_replay::mark(c, &mut sessions)?;
            Ok(SessionPage { total, sessions })
        })
    }

    fn session(&self, id: &str) -> StoreResult<Option<SessionSummary>> {
        self.read(|c| {
            let found = c
                .query_row(
                    &format!("SELECT {SESSION_COLS} FROM sessions WHERE session_id = :id"),
                    named_params! {":id": id},
                    session_from_row,
                )
                .optional()?;
            let mut found: Vec<_> = found.into_iter().collect();
            super::sqlite_replay::mark(c, &mut found)?;
            Ok(found.pop())
        })
    }

    fn session_events(&self, id: &str) -> StoreResult<Vec<StoredEvent>> {
        self.read(|c| {
            let mut st =
                c.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE session_id = :id ORDER BY ts, seq"))?;
            let rows = st.query_map(named_params! {":id": id}, event_from_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn slow_loads(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<SlowLoad>> {
        self.read(|c| {
            let rows = grouped(c, SLOW_LOADS_SQL, range, limit, |r| {
                Ok(SlowLoad {
                    session_id: r.get("session_id")?,
                    view_id: r.get("view_id")?,
                    view_name: r.get("view_name")?,
                    url: r.get("url")?,
                    load_ms: r.get("load_ms")?,
                    ts: r.get("ts")?,
                    user_name: r.get("user_name")?,
                })
            })?;
            Ok(rows)
        })
    }

    fn error_groups(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<ErrorGroup>> {
        self.read(|c| {
            let mut groups = grouped(c, ERROR_GROUPS_SQL, range, limit, |r| {
                use lenient::{int, text};
                Ok(ErrorGroup {
                    message: text(r, "group_key")?.unwrap_or_default(),
                    name: text(r, "name")?,
                    count: int(r, "count")?.unwrap_or(0),
                    sessions: int(r, "sessions")?.unwrap_or(0),
                    last_ts: int(r, "last_ts")?.unwrap_or(0),
                    session_ids: Vec::new(),
                    session_refs: Vec::new(),
                })
            })?;
            for g in &mut groups {
                g.session_ids = recent_sessions(c, ERROR_GROUP_SESSIONS_SQL, &g.message, None, range)?;
            }
            Ok(groups)
        })
    }

    fn api_failure_groups(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<ApiFailureGroup>> {
        self.read(|c| {
            let mut groups = grouped(c, API_FAILURE_GROUPS_SQL, range, limit, |r| {
                use lenient::{int, text};
                Ok(ApiFailureGroup {
                    url: text(r, "group_key")?.unwrap_or_default(),
                    status_code: int(r, "status_code")?,
                    method: text(r, "method")?,
                    count: int(r, "count")?.unwrap_or(0),
                    sessions: int(r, "sessions")?.unwrap_or(0),
                    last_ts: int(r, "last_ts")?.unwrap_or(0),
                    session_ids: Vec::new(),
                    session_refs: Vec::new(),
                })
            })?;
            for g in &mut groups {
                g.session_ids = recent_sessions(c, API_FAILURE_GROUP_SESSIONS_SQL, &g.url, Some(g.status_code), range)?;
            }
            Ok(groups)
        })
    }

    fn timeseries(&self, from_ms: i64, to_ms: i64, bucket_ms: i64) -> StoreResult<Vec<Bucket>> {
        let bucket_ms = bucket_ms.max(1);
        let n = ((to_ms - from_ms) / bucket_ms + 1).clamp(1, 2000);
        let mut buckets: Vec<Bucket> =
            (0..n).map(|i| Bucket { start_ms: from_ms + i * bucket_ms, sessions: 0, errors: 0 }).collect();
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT (start_ms - :from) / :bucket AS i, count(*) AS n FROM sessions
                 WHERE start_ms >= :from AND start_ms <= :to GROUP BY 1",
            )?;
            let rows = st.query_map(named_params! {":from": from_ms, ":to": to_ms, ":bucket": bucket_ms}, |r| {
                Ok((r.get::<_, i64>("i")?, r.get::<_, i64>("n")?))
            })?;
            for row in rows {
                let (i, cnt) = row?;
                if let Some(b) = buckets.get_mut(i as usize) {
                    b.sessions += cnt;
                }
            }
            let mut st = c.prepare_cached(
                "SELECT (ts - :from) / :bucket AS i, count(*) AS n FROM events
                 WHERE is_error = 1 AND ts >= :from AND ts <= :to GROUP BY 1",
            )?;
            let rows = st.query_map(named_params! {":from": from_ms, ":to": to_ms, ":bucket": bucket_ms}, |r| {
                Ok((r.get::<_, i64>("i")?, r.get::<_, i64>("n")?))
            })?;
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
                c.prepare(&format!("SELECT {SESSION_COLS} FROM sessions WHERE user_id = :user ORDER BY start_ms"))?;
            let mut sessions =
                st.query_map(named_params! {":user": user_id}, session_from_row)?.collect::<Result<Vec<_>, _>>()?;
            super::sqlite_replay::mark(c, &mut sessions)?;
            let mut st = c.prepare(
                "SELECT body FROM events WHERE user_id = :user
                    OR session_id IN (SELECT session_id FROM sessions WHERE user_id = :user)
                 ORDER BY session_id, ts, seq",
            )?;
            let events = st
                .query_map(named_params! {":user": user_id}, |r| lenient::text(r, "body"))?
                .map(|b| b.map(|b| json_or_none(b).unwrap_or(Value::Null)))
                .collect::<Result<Vec<_>, _>>()?;
            let replay_segments = super::sqlite_replay::export_user(c, user_id)?;
            Ok(UserExport { user_id: user_id.to_string(), sessions, events, replay_segments })
        })
    }

    fn delete_user(&self, user_id: &str) -> StoreResult<DeleteCounts> {
        let user = || (":user", rusqlite::types::Value::Text(user_id.to_string()));
        let events = self.delete_in_chunks(
            "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE user_id = :user LIMIT :chunk)",
            user(),
        )? + self.delete_in_chunks(
            "DELETE FROM events WHERE seq IN (SELECT e.seq FROM sessions s JOIN events e ON e.session_id = s.session_id
                WHERE s.user_id = :user LIMIT :chunk)",
            user(),
        )?;
        // Before the sessions: the user's segments are found through them.
        let replay_segments = self.delete_in_chunks(super::sqlite_replay::DELETE_USER, user())?;
        let sessions = self.delete_in_chunks(
            "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE user_id = :user LIMIT :chunk)",
            user(),
        )?;
        Ok(DeleteCounts { sessions, events, replay_segments })
    }

    fn delete_older_than(&self, cutoff_ms: i64) -> StoreResult<DeleteCounts> {
        let cutoff = || (":cutoff", rusqlite::types::Value::Integer(cutoff_ms));
        // Events first: a session still holding events is never deleted, and a session that
        // receives a bundle meanwhile is no longer older than the cutoff.
        let events = self.delete_in_chunks(
            "DELETE FROM events WHERE seq IN (SELECT e.seq FROM sessions s JOIN events e ON e.session_id = s.session_id
                WHERE s.last_received_ms < :cutoff LIMIT :chunk)",
            cutoff(),
        )?;
        let replay_segments = self.delete_in_chunks(super::sqlite_replay::DELETE_OLD, cutoff())?
            + self.delete_in_chunks(super::sqlite_replay::DELETE_OLD_ORPHANS, cutoff())?;
        let sessions = self.delete_in_chunks(
            "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE last_received_ms < :cutoff
                LIMIT :chunk)",
            cutoff(),
        )?;
        Ok(DeleteCounts { sessions, events, replay_segments })
    }

    fn session_refs(&self, ids: &[String]) -> StoreResult<Vec<super::insights::SessionRef>> {
        let list = serde_json::Value::from(ids.to_vec()).to_string();
        self.read(|c| {
            let mut st = c.prepare(&format!(
                "SELECT s.session_id AS sid, s.start_ms AS ts, s.user_name AS user_name, {APP_USER_ID} AS app_user_id,
                    s.user_id AS visitor FROM sessions s
                 WHERE s.session_id IN (SELECT value FROM json_each(:ids))"
            ))?;
            let rows = st
                .query_map(named_params! {":ids": list}, |r| super::insights::ref_from_row(r, None))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn write_replay(&self, segment: NewSegment, max_session_bytes: u64) -> StoreResult<ReplayWrite> {
        self.on_writer(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = super::sqlite_replay::write(&tx, &segment, max_session_bytes)?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn session_replay(&self, session_id: &str) -> StoreResult<Option<SessionReplay>> {
        self.read(|c| super::sqlite_replay::session_replay(c, session_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EXPLAIN QUERY PLAN lines of `sql` (parameters bound to NULL: plans do not depend on them).
    fn plan(c: &Connection, sql: &str) -> Vec<String> {
        let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        for i in 1..=st.parameter_count() {
            st.raw_bind_parameter(i, rusqlite::types::Null).unwrap();
        }
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            out.push(r.get::<_, String>("detail").unwrap());
        }
        out
    }

    /// A full scan of a table (not of an index) or a subquery run once per outer row.
    fn bad_steps(lines: &[String]) -> Vec<String> {
        lines
            .iter()
            .filter(|l| {
                let full_scan = l.starts_with("SCAN ") && !l.contains("INDEX");
                full_scan || l.contains("CORRELATED")
            })
            .cloned()
            .collect()
    }

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path().join("rum.db"), Synchronous::Normal).unwrap();
        (dir, s)
    }

    #[test]
    fn every_console_query_answers_from_an_index_in_one_pass() {
        let (_dir, s) = store();
        let c = open(&s.path, s.sync).unwrap();
        let ranges = [
            TimeRange::default(),
            TimeRange { from_ms: Some(1), to_ms: None },
            TimeRange { from_ms: Some(1), to_ms: Some(2) },
        ];
        for r in ranges {
            for (name, sql) in console_queries(r) {
                let p = plan(&c, &sql);
                assert!(bad_steps(&p).is_empty(), "{name} {r:?}: {p:#?}");
                assert!(p.iter().any(|l| l.contains("USING") && l.contains("INDEX")), "{name} {r:?}: {p:#?}");
                // With a time range only the range is read (a SEARCH, not a SCAN of everything),
                // except slow loads, read in load-time order until the limit is reached.
                if r.from_ms.is_some() && name != "slow loads" {
                    assert!(p[0].starts_with("SEARCH"), "{name} {r:?}: {p:#?}");
                }
            }
        }
        let lists = [
            SessionFilter::default(),
            SessionFilter { from_ms: Some(1), ..Default::default() },
            SessionFilter { from_ms: Some(1), to_ms: Some(2), browser: Some("x".into()), ..Default::default() },
            SessionFilter { sort: SortKey::Errors, from_ms: Some(1), ..Default::default() },
            SessionFilter { from_ms: Some(1), page_url: Some("/cart".into()), ..Default::default() },
            SessionFilter { session_id: Some("x".into()), ..Default::default() },
            SessionFilter { from_ms: Some(1), has_replay: Some(true), ..Default::default() },
            SessionFilter { sort: SortKey::Errors, from_ms: Some(1), has_replay: Some(false), ..Default::default() },
            SessionFilter { app_user_id: Some("x".into()), ..Default::default() },
        ];
        for f in lists {
            let (count, page, _) = session_list_sql(&f);
            for sql in [count, page] {
                let p = plan(&c, &sql);
                assert!(bad_steps(&p).is_empty(), "session list {f:?}: {p:#?}");
                if f.from_ms.is_some() || f.session_id.is_some() {
                    assert!(p[0].starts_with("SEARCH"), "session list {f:?}: {p:#?}");
                }
                if f.app_user_id.is_some() {
                    assert!(p.iter().any(|l| l.contains("sessions_app_user_id")), "session list {f:?}: {p:#?}");
                }
            }
        }
    }
}
