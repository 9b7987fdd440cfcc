//! ClickHouse engine of the `Store` trait, for several stateless collectors over one cluster.
//!
//! Tables (per database): `events` (one row per event, the queried fields as columns plus the raw
//! JSON) and `sessions` (one row per bundle: the session facts it carried). Session summaries are
//! computed by the query: latest non-null fact wins (`argMax` skips NULLs), counters come from the
//! de-duplicated events. Nothing about sessions is kept in collector memory, so any collector can
//! answer any request.
//!
//! With `cluster=NAME` each shard holds `events_local` / `sessions_local` and every shard has
//! Distributed tables `events` / `sessions` over them, sharded by `cityHash64(session_id)` so a
//! session lives on one shard. DDL and mutations run on every shard (no ZooKeeper needed, so no
//! `ON CLUSTER`). SQL is kept to what ClickHouse 18.16 and current releases both accept: no
//! DateTime64 (milliseconds are Int64), no JSONExtract (fields are extracted at ingest).
//!
//! De-duplication: `events` is a ReplacingMergeTree ordered by (session_id, event_key); reads use
//! FINAL, so an SDK retry or a replayed spool file never counts twice. The writer also looks up
//! which event ids already exist to report `duplicates` as SQLite does.
//!
//! Durability: a group of bundles is acknowledged after ClickHouse answered its INSERTs (with
//! `insert_distributed_sync=1`, once the shards have it), or after it was fsynced to the local
//! spool when ClickHouse could not be reached; the spool is forwarded in the background.

use super::clickhouse_http::{post, quote, Endpoint};
use super::spool::Spool;
use super::*;
use serde_json::Map;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tokio::sync::oneshot;

const MAX_GROUP: usize = 256;
/// Groups in flight at once: ClickHouse answers an INSERT in tens of ms whatever its size, so a
/// few parallel writers keep a busy collector from waiting on one round trip at a time.
const WRITERS: usize = 4;
const QUEUE: usize = 4096;
/// Session ids per mutation: keeps each ALTER statement small.
const DELETE_CHUNK: usize = 1000;
const DEFAULT_SPOOL_MAX: u64 = 1 << 30;

/// Parsed `clickhouse+http://HOST:PORT/DATABASE?cluster=NAME&shards=H:P,H:P&spool=DIR&spool_max_mb=N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickHouseConfig {
    pub endpoint: Endpoint,
    pub database: String,
    pub cluster: Option<String>,
    /// HTTP endpoints of the shards for DDL and mutations; default: the cluster's hosts on the
    /// URL's port.
    pub shards: Vec<Endpoint>,
    pub spool_dir: PathBuf,
    pub spool_max_bytes: u64,
    /// HTTP Basic credentials (`user=`, `password=`), sent to every server.
    pub auth: Option<String>,
}

fn identifier(what: &str, s: &str) -> Result<String, String> {
    if !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(s.to_string())
    } else {
        Err(format!("{what} `{s}` must be letters, digits and _ only"))
    }
}

fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
    let (host, port) = s.rsplit_once(':').ok_or_else(|| format!("`{s}` must be HOST:PORT"))?;
    let port = port.parse().map_err(|_| format!("`{s}`: bad port"))?;
    if host.is_empty() {
        return Err(format!("`{s}`: missing host"));
    }
    Ok(Endpoint { host: host.to_string(), port, auth: None })
}

impl ClickHouseConfig {
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("clickhouse+http://")
            .ok_or_else(|| format!("`{url}`: a ClickHouse store URL starts with clickhouse+http://"))?;
        let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (hostport, db) = main.split_once('/').unwrap_or((main, "default"));
        let db = if db.is_empty() { "default" } else { db };
        let endpoint = if hostport.contains(':') {
            parse_endpoint(hostport)?
        } else {
            Endpoint { host: hostport.into(), port: 8123, auth: None }
        };
        let mut c = ClickHouseConfig {
            endpoint,
            database: identifier("database", db)?,
            cluster: None,
            shards: Vec::new(),
            spool_dir: PathBuf::from("rum-spool"),
            spool_max_bytes: DEFAULT_SPOOL_MAX,
            auth: None,
        };
        let (mut user, mut password) = (None, String::new());
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "cluster" => c.cluster = Some(identifier("cluster", v)?),
                "shards" => {
                    c.shards = v.split(',').filter(|s| !s.is_empty()).map(parse_endpoint).collect::<Result<_, _>>()?
                }
                "spool" => c.spool_dir = PathBuf::from(v),
                "user" => user = Some(v.to_string()),
                "password" => password = v.to_string(),
                "spool_max_mb" => {
                    let mb: u64 = v.parse().map_err(|_| format!("spool_max_mb must be a number, got `{v}`"))?;
                    c.spool_max_bytes = mb.saturating_mul(1 << 20);
                }
                _ => {
                    return Err(format!(
                        "unknown ClickHouse store option `{k}` (cluster, shards, spool, spool_max_mb, user, password)"
                    ))
                }
            }
        }
        c.auth = user.map(|u| super::clickhouse_http::basic_auth(&u, &password));
        c.endpoint.auth = c.auth.clone();
        for s in &mut c.shards {
            s.auth = c.auth.clone();
        }
        Ok(c)
    }
}

/// Table names and the connection, shared by readers, the writer and the spool forwarder.
struct Ch {
    cfg: ClickHouseConfig,
    /// Endpoints tried in order for queries and inserts: the URL's, then the other shards'.
    endpoints: Vec<Endpoint>,
    /// Endpoints of every shard (local tables live there).
    shards: Vec<Endpoint>,
    events: String,
    sessions: String,
    replay: String,
    events_local: String,
    sessions_local: String,
    replay_local: String,
}

const SETTINGS: &[(&str, &str)] = &[("output_format_json_quote_64bit_integers", "0"), ("insert_distributed_sync", "1")];

impl Ch {
    fn on(&self, ep: &Endpoint, sql: &str, body: Option<&[u8]>) -> StoreResult<Vec<u8>> {
        let mut params: Vec<(&str, &str)> = vec![("database", self.cfg.database.as_str())];
        params.extend_from_slice(SETTINGS);
        match body {
            Some(b) => {
                params.push(("query", sql));
                post(ep, &params, b).map_err(StoreError::Db)
            }
            None => post(ep, &params, sql.as_bytes()).map_err(StoreError::Db),
        }
    }

    /// Runs on the first endpoint that can be reached.
    fn run(&self, sql: &str, body: Option<&[u8]>) -> StoreResult<Vec<u8>> {
        let mut last = StoreError::Db("no ClickHouse endpoint".into());
        for ep in &self.endpoints {
            match self.on(ep, sql, body) {
                Ok(v) => return Ok(v),
                // Only an unreachable server is worth another endpoint; a SQL error is final.
                Err(StoreError::Db(e)) if !e.contains("HTTP ") => last = StoreError::Db(e),
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    fn rows(&self, sql: &str) -> StoreResult<Vec<Map<String, Value>>> {
        let out = self.run(&format!("{sql} FORMAT JSONEachRow"), None)?;
        out.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| match serde_json::from_slice::<Value>(l) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(StoreError::Db("ClickHouse answered something other than JSON rows".into())),
            })
            .collect()
    }

    fn scalar(&self, sql: &str) -> StoreResult<i64> {
        let rows = self.rows(sql)?;
        Ok(rows.first().and_then(|r| r.values().next()).map(int).unwrap_or(0))
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Bool(b) => *b as i64,
        _ => 0,
    }
}

fn get_i64(r: &Map<String, Value>, k: &str) -> i64 {
    r.get(k).map(int).unwrap_or(0)
}

fn get_opt_i64(r: &Map<String, Value>, k: &str) -> Option<i64> {
    r.get(k).filter(|v| !v.is_null()).map(int)
}

fn get_opt_f64(r: &Map<String, Value>, k: &str) -> Option<f64> {
    r.get(k).and_then(|v| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

fn get_str(r: &Map<String, Value>, k: &str) -> String {
    get_opt_str(r, k).unwrap_or_default()
}

fn get_opt_str(r: &Map<String, Value>, k: &str) -> Option<String> {
    r.get(k).and_then(|v| v.as_str()).map(str::to_string)
}

fn get_json(r: &Map<String, Value>, k: &str) -> Value {
    r.get(k).and_then(|v| v.as_str()).and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null)
}

/// Schema migrations, applied in order on every shard; `rum_schema` records the versions
/// applied. Never edit a released entry: add a new one. `{events_local}` etc. are table names,
/// `{events_engine}` the engine clause of a plain (or local) events table.
const MIGRATIONS: &[&[&str]] = &[
    // 1: events + per-bundle session facts.
    &[
        "CREATE TABLE IF NOT EXISTS {events_local} (
            session_id String, event_key String, event_id Nullable(String), seq Int64, ts Int64,
            received_ms Int64, event_type String, kind Nullable(String),
            view_id Nullable(String), view_name Nullable(String), name Nullable(String),
            url Nullable(String), message Nullable(String), status_code Nullable(Int64),
            success Nullable(Int64), duration Nullable(Float64), load_ms Nullable(Float64),
            is_pv UInt8, is_error UInt8, is_api UInt8, is_api_failure UInt8, is_slow UInt8,
            user_id Nullable(String), method Nullable(String), group_key Nullable(String), body String
        ) ENGINE = ReplacingMergeTree()
        PARTITION BY toDate(intDiv(least(greatest(ts, 946684800000), 4102444800000), 1000))
        ORDER BY (session_id, event_key)",
        "CREATE TABLE IF NOT EXISTS {sessions_local} (
            session_id String, received_ms Int64, app_id String,
            app_version Nullable(String), env Nullable(String),
            user_id Nullable(String), user_name Nullable(String),
            ip Nullable(String), user_agent Nullable(String), browser Nullable(String),
            browser_version Nullable(String), os Nullable(String), device_type Nullable(String),
            connection Nullable(String), country Nullable(String), region Nullable(String),
            city Nullable(String), sdk_version Nullable(String), bundle_meta Nullable(String), app_user_id Nullable(String),
            min_ts Nullable(Int64), max_ts Nullable(Int64)
        ) ENGINE = MergeTree()
        PARTITION BY toDate(intDiv(received_ms, 1000))
        ORDER BY (session_id, received_ms)",
        "{distributed_events}",
        "{distributed_sessions}",
    ],
    // 2: session replay segments (records as the JSON text received), sharded like events; a
    // retried segment is one row after merges, and reads use FINAL.
    &[
        "CREATE TABLE IF NOT EXISTS {replay_local} (
            session_id String, segment_id String, pid String, view_id String, seq Int64,
            start_ms Int64, end_ms Int64, count Int64, has_full_snapshot UInt8, source String,
            bytes Int64, received_ms Int64, records String
        ) ENGINE = ReplacingMergeTree()
        PARTITION BY toDate(intDiv(received_ms, 1000))
        ORDER BY (session_id, segment_id)",
        "{distributed_replay}",
    ],
    // 3: free-text search. 18.16 has no JSONExtract: the properties (event's and bundle's) are
    // kept apart as JSON text at ingest, as SQLite's search reads them with json_extract.
    &[
        "ALTER TABLE {events_local} ADD COLUMN props String DEFAULT ''",
        "{alter_distributed_events} ADD COLUMN props String DEFAULT ''",
        "ALTER TABLE {sessions_local} ADD COLUMN props Nullable(String)",
        "{alter_distributed_sessions} ADD COLUMN props Nullable(String)",
    ],
];

impl Ch {
    fn connect(cfg: ClickHouseConfig) -> StoreResult<Ch> {
        let boot = Ch {
            endpoints: vec![cfg.endpoint.clone()],
            shards: vec![cfg.endpoint.clone()],
            events: "events".into(),
            sessions: "sessions".into(),
            replay: "replay_segments".into(),
            events_local: "events".into(),
            sessions_local: "sessions".into(),
            replay_local: "replay_segments".into(),
            cfg: cfg.clone(),
        };
        let Some(cluster) = cfg.cluster.clone() else { return Ok(boot) };
        let shards = if cfg.shards.is_empty() {
            let hosts = boot.rows_in_system(&format!(
                "SELECT DISTINCT host_address FROM system.clusters WHERE cluster = {} ORDER BY host_address",
                quote(&cluster)
            ))?;
            if hosts.is_empty() {
                return Err(StoreError::Db(format!("ClickHouse has no cluster `{cluster}` (system.clusters)")));
            }
            hosts
                .iter()
                .map(|h| Endpoint { host: get_str(h, "host_address"), port: cfg.endpoint.port, auth: cfg.auth.clone() })
                .collect()
        } else {
            cfg.shards.clone()
        };
        let mut endpoints = vec![cfg.endpoint.clone()];
        endpoints.extend(shards.iter().filter(|s| **s != cfg.endpoint).cloned());
        Ok(Ch {
            endpoints,
            shards,
            events: "events".into(),
            sessions: "sessions".into(),
            replay: "replay_segments".into(),
            events_local: "events_local".into(),
            sessions_local: "sessions_local".into(),
            replay_local: "replay_segments_local".into(),
            cfg,
        })
    }

    /// A query that must not name the database (it may not exist yet).
    fn rows_in_system(&self, sql: &str) -> StoreResult<Vec<Map<String, Value>>> {
        let mut params: Vec<(&str, &str)> = Vec::new();
        params.extend_from_slice(SETTINGS);
        let out = post(&self.cfg.endpoint, &params, format!("{sql} FORMAT JSONEachRow").as_bytes())
            .map_err(StoreError::Db)?;
        Ok(out
            .split(|b| *b == b'\n')
            .filter_map(|l| match serde_json::from_slice::<Value>(l) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            })
            .collect())
    }

    fn migration_sql(&self, sql: &str) -> Option<String> {
        let db = &self.cfg.database;
        let dist = |local: &str, name: &str| {
            self.cfg.cluster.as_ref().map(|c| {
                format!(
                    "CREATE TABLE IF NOT EXISTS {db}.{name} AS {db}.{local} \
                     ENGINE = Distributed({c}, {db}, {local}, cityHash64(session_id))"
                )
            })
        };
        match sql {
            "{distributed_events}" => dist(&self.events_local, &self.events),
            "{distributed_sessions}" => dist(&self.sessions_local, &self.sessions),
            "{distributed_replay}" => dist(&self.replay_local, &self.replay),
            s if s.starts_with("{alter_distributed_") => {
                // The Distributed tables exist with a cluster only, and must show the new column.
                let (marker, rest) = s.split_once("} ").unwrap_or((s, ""));
                let name = if marker.ends_with("events") { &self.events } else { &self.sessions };
                self.cfg.cluster.as_ref().map(|_| format!("ALTER TABLE {db}.{name} {rest}"))
            }
            s => Some(
                s.replace("{events_local}", &format!("{db}.{}", self.events_local))
                    .replace("{sessions_local}", &format!("{db}.{}", self.sessions_local))
                    .replace("{replay_local}", &format!("{db}.{}", self.replay_local)),
            ),
        }
    }

    /// Applies missing migrations on every shard; returns the schema version.
    fn migrate(&self) -> StoreResult<i64> {
        let db = &self.cfg.database;
        let known = MIGRATIONS.len() as i64;
        for shard in &self.shards {
            let plain = |sql: &str| post(shard, SETTINGS, sql.as_bytes()).map_err(StoreError::Db);
            plain(&format!("CREATE DATABASE IF NOT EXISTS {db}"))?;
            plain(&format!(
                "CREATE TABLE IF NOT EXISTS {db}.rum_schema (version Int64, applied_ms Int64) ENGINE = TinyLog"
            ))?;
            let out = plain(&format!("SELECT max(version) FROM {db}.rum_schema"))?;
            let current: i64 = String::from_utf8_lossy(&out).trim().parse().unwrap_or(0);
            if current > known {
                return Err(StoreError::Db(format!(
                    "ClickHouse schema version {current} on {shard} is newer than this collector ({known})"
                )));
            }
            for (i, stmts) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
                for s in stmts.iter() {
                    if let Some(sql) = self.migration_sql(s) {
                        plain(&sql)?;
                    }
                }
                plain(&format!(
                    "INSERT INTO {db}.rum_schema (version, applied_ms) VALUES ({}, {})",
                    i + 1,
                    crate::retention::now_ms()
                ))?;
            }
        }
        Ok(known)
    }

    /// Runs an ALTER ... DELETE on every shard's local table and waits until it is applied
    /// (mutations are asynchronous; 18.16 has no `mutations_sync`).
    fn mutate_delete(&self, local: &str, where_sql: &str) -> StoreResult<()> {
        let db = &self.cfg.database;
        for shard in &self.shards {
            self.on(shard, &format!("ALTER TABLE {db}.{local} DELETE WHERE {where_sql}"), None)?;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(300);
        for shard in &self.shards {
            loop {
                let out = self.on(
                    shard,
                    &format!(
                        "SELECT count() FROM system.mutations WHERE database = {} AND table = {} AND is_done = 0",
                        quote(db),
                        quote(local)
                    ),
                    None,
                )?;
                if String::from_utf8_lossy(&out).trim() == "0" {
                    break;
                }
                if std::time::Instant::now() > deadline {
                    return Err(StoreError::Db(format!("delete on {shard} still running after 300 s")));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(())
    }

    /// Deletes these sessions and their events (plus `extra_events`, a condition on events).
    fn delete_sessions(&self, ids: &[String], extra_events: Option<&str>) -> StoreResult<()> {
        if let Some(extra) = extra_events {
            self.mutate_delete(&self.events_local, extra)?;
        }
        for chunk in ids.chunks(DELETE_CHUNK) {
            let list = chunk.iter().map(|s| quote(s)).collect::<Vec<_>>().join(",");
            self.mutate_delete(&self.replay_local, &format!("session_id IN ({list})"))?;
            self.mutate_delete(&self.events_local, &format!("session_id IN ({list})"))?;
            self.mutate_delete(&self.sessions_local, &format!("session_id IN ({list})"))?;
        }
        Ok(())
    }
}

/// The row written to `events`.
#[derive(Serialize)]
struct EventInsert<'a> {
    session_id: &'a str,
    event_key: String,
    event_id: Option<&'a str>,
    seq: i64,
    ts: i64,
    received_ms: i64,
    event_type: &'a str,
    kind: Option<&'a str>,
    view_id: Option<&'a str>,
    view_name: Option<&'a str>,
    name: Option<&'a str>,
    url: Option<&'a str>,
    message: Option<&'a str>,
    status_code: Option<i64>,
    success: Option<i64>,
    duration: Option<f64>,
    load_ms: Option<f64>,
    is_pv: u8,
    is_error: u8,
    is_api: u8,
    is_api_failure: u8,
    is_slow: u8,
    user_id: Option<&'a str>,
    method: Option<&'a str>,
    group_key: Option<&'a str>,
    body: &'a str,
    /// The event's `properties` as JSON text ('' without), for the free-text search.
    props: String,
}

/// The row written to `sessions`, one per bundle.
#[derive(Serialize)]
struct SessionInsert<'a> {
    session_id: &'a str,
    received_ms: i64,
    app_id: &'a str,
    app_version: Option<&'a str>,
    env: Option<&'a str>,
    user_id: Option<&'a str>,
    user_name: Option<&'a str>,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    browser: Option<&'a str>,
    browser_version: Option<&'a str>,
    os: Option<&'a str>,
    device_type: Option<&'a str>,
    connection: Option<&'a str>,
    country: Option<&'a str>,
    region: Option<&'a str>,
    city: Option<&'a str>,
    sdk_version: Option<&'a str>,
    /// None: this bundle did not carry the session's metadata (the latest one that did wins).
    bundle_meta: Option<&'a str>,
    /// The app's own user id (`user.user_id` in the bundle), for the user filter.
    app_user_id: Option<String>,
    /// The span of this bundle's events (None without events).
    min_ts: Option<i64>,
    max_ts: Option<i64>,
    /// The bundle's `properties` as JSON text (None without metadata), for the free-text search.
    props: Option<String>,
}

type Reply = oneshot::Sender<StoreResult<WriteOutcome>>;

pub struct ClickHouseStore {
    ch: Arc<Ch>,
    spool: Arc<Spool>,
    tx: mpsc::SyncSender<(IngestBatch, Reply)>,
}

/// The `properties` of a JSON object's text, as JSON text (a string as itself, as SQLite's
/// json_extract gives it); None without.
fn properties_text(json: &str) -> Option<String> {
    let v: Value = serde_json::from_str(json).ok()?;
    match v.get("properties")? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        p => Some(p.to_string()),
    }
}

/// Keys of events sent without an id: unique per process run and event, never a retry's.
static LOCAL_KEYS: AtomicU64 = AtomicU64::new(0);

fn local_key(received_ms: i64) -> String {
    let n = LOCAL_KEYS.fetch_add(1, Ordering::Relaxed);
    format!("~{received_ms:x}-{:x}-{n:x}", std::process::id())
}

impl ClickHouseStore {
    /// Connects, migrates every shard, opens the spool and starts the writer and the forwarder.
    pub fn open(cfg: ClickHouseConfig) -> StoreResult<Self> {
        let spool = Arc::new(Spool::open(&cfg.spool_dir, cfg.spool_max_bytes).map_err(StoreError::Db)?);
        let ch = Arc::new(Ch::connect(cfg)?);
        ch.migrate()?;
        let (tx, rx) = mpsc::sync_channel::<(IngestBatch, Reply)>(QUEUE);
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..WRITERS {
            let (w_ch, w_spool, w_rx) = (ch.clone(), spool.clone(), rx.clone());
            std::thread::Builder::new()
                .name(format!("rum-clickhouse-writer-{i}"))
                .spawn(move || writer_loop(&w_ch, &w_spool, &w_rx))
                .map_err(|e| StoreError::Db(format!("cannot start the writer thread: {e}")))?;
        }
        let (f_ch, f_spool) = (ch.clone(), spool.clone());
        std::thread::Builder::new()
            .name("rum-clickhouse-spool".into())
            .spawn(move || forward_loop(&f_ch, &f_spool))
            .map_err(|e| StoreError::Db(format!("cannot start the spool thread: {e}")))?;
        Ok(ClickHouseStore { ch, spool, tx })
    }

    pub fn schema_version(&self) -> StoreResult<i64> {
        self.ch.scalar(&format!("SELECT max(version) FROM {}.rum_schema", self.ch.cfg.database))
    }

    /// Bytes waiting in the local spool (0 when ClickHouse has everything).
    pub fn spooled_bytes(&self) -> u64 {
        self.spool.used_bytes()
    }
}

type Queue = std::sync::Mutex<mpsc::Receiver<(IngestBatch, Reply)>>;

/// Takes what is waiting (up to MAX_GROUP bundles) and writes it as one group.
fn writer_loop(ch: &Ch, spool: &Spool, rx: &Queue) {
    let mut down = false;
    loop {
        let group = {
            let Ok(rx) = rx.lock() else { return };
            let Ok(first) = rx.recv() else { return };
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(item) => group.push(item),
                    Err(_) => break,
                }
            }
            group
        };
        let (outcomes, result) = write_group(ch, spool, group.iter().map(|(b, _)| b).collect(), &mut down);
        for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
            let _ = reply.send(match &result {
                Ok(()) => Ok(outcome),
                Err(e) => Err(StoreError::Db(e.clone())),
            });
        }
    }
}

/// Keys per look-up query: keeps the statement far below ClickHouse's max_query_size (256 KiB).
const LOOKUP_CHUNK: usize = 2000;

/// Event ids of this group already stored (a retry), as (session_id, event_key).
fn existing_keys(ch: &Ch, batches: &[&IngestBatch]) -> Result<HashSet<(String, String)>, String> {
    let pairs: Vec<(&str, &str)> = batches
        .iter()
        .flat_map(|b| b.events.iter())
        .filter_map(|e| e.event_id.as_deref().map(|id| (e.session_id.as_str(), id)))
        .collect();
    let mut found = HashSet::new();
    for chunk in pairs.chunks(LOOKUP_CHUNK) {
        let sids: HashSet<String> = chunk.iter().map(|(s, _)| quote(s)).collect();
        let keys: HashSet<String> = chunk.iter().map(|(_, k)| quote(k)).collect();
        let sql = format!(
            "SELECT DISTINCT session_id, event_key FROM {} WHERE session_id IN ({}) AND event_key IN ({})",
            ch.events,
            sids.into_iter().collect::<Vec<_>>().join(","),
            keys.into_iter().collect::<Vec<_>>().join(",")
        );
        let rows = ch.rows(&sql).map_err(|e| e.to_string())?;
        found.extend(rows.iter().map(|r| (get_str(r, "session_id"), get_str(r, "event_key"))));
    }
    Ok(found)
}

/// Inserts one group (one INSERT per table) or spools it; the outcomes are per bundle.
/// `down` remembers whether the last insert failed, so the log says it once per outage.
fn write_group(
    ch: &Ch,
    spool: &Spool,
    batches: Vec<&IngestBatch>,
    down: &mut bool,
) -> (Vec<WriteOutcome>, Result<(), String>) {
    // If ClickHouse cannot be asked, everything counts as new: the table de-duplicates anyway.
    let mut seen = existing_keys(ch, &batches).unwrap_or_default();
    let mut events = Vec::new();
    let mut sessions = Vec::new();
    let mut outcomes = Vec::with_capacity(batches.len());
    let mut ser_error = None;
    for b in &batches {
        let s = &b.session;
        let mut out = WriteOutcome::default();
        for (i, e) in b.events.iter().enumerate() {
            let key = match &e.event_id {
                Some(id) => id.clone(),
                None => local_key(s.received_ms),
            };
            if !seen.insert((e.session_id.clone(), key.clone())) {
                out.duplicates += 1;
                continue;
            }
            out.inserted += 1;
            let row = EventInsert {
                session_id: &e.session_id,
                event_key: key,
                event_id: e.event_id.as_deref(),
                seq: s.received_ms.saturating_mul(1000).saturating_add(i as i64),
                ts: e.ts,
                received_ms: s.received_ms,
                event_type: &e.event_type,
                kind: e.kind.as_deref(),
                view_id: e.view_id.as_deref(),
                view_name: e.view_name.as_deref(),
                name: e.name.as_deref(),
                url: e.url.as_deref(),
                message: e.message.as_deref(),
                status_code: e.status_code,
                success: e.success,
                duration: e.duration.filter(|d| d.is_finite()),
                load_ms: e.load_ms.filter(|d| d.is_finite()),
                is_pv: e.is_pv as u8,
                is_error: e.is_error as u8,
                is_api: e.is_api as u8,
                is_api_failure: e.is_api_failure as u8,
                is_slow: e.is_slow as u8,
                user_id: s.user_id.as_deref(),
                method: e.method.as_deref(),
                group_key: e.group_key.as_deref(),
                body: &e.body,
                props: properties_text(&e.body).unwrap_or_default(),
            };
            if let Err(err) = serde_json::to_writer(&mut events, &row) {
                ser_error = Some(err.to_string());
            }
            events.push(b'\n');
        }
        let row = SessionInsert {
            session_id: &s.session_id,
            received_ms: s.received_ms,
            app_id: &s.app_id,
            app_version: s.app_version.as_deref(),
            env: s.env.as_deref(),
            user_id: s.user_id.as_deref(),
            user_name: s.user_name.as_deref(),
            ip: s.ip.as_deref(),
            user_agent: s.user_agent.as_deref(),
            browser: s.browser.as_deref(),
            browser_version: s.browser_version.as_deref(),
            os: s.os.as_deref(),
            device_type: s.device_type.as_deref(),
            connection: s.connection.as_deref(),
            country: s.country.as_deref(),
            region: s.region.as_deref(),
            city: s.city.as_deref(),
            sdk_version: s.sdk_version.as_deref(),
            bundle_meta: s.bundle_meta.as_deref(),
            app_user_id: s
                .bundle_meta
                .as_deref()
                .and_then(|m| serde_json::from_str::<Value>(m).ok())
                .and_then(|m| m.get("user")?.get("user_id")?.as_str().map(str::to_string)),
            min_ts: b.events.iter().map(|e| e.ts).min(),
            max_ts: b.events.iter().map(|e| e.ts).max(),
            props: s.bundle_meta.as_deref().map(|m| properties_text(m).unwrap_or_default()),
        };
        if let Err(err) = serde_json::to_writer(&mut sessions, &row) {
            ser_error = Some(err.to_string());
        }
        sessions.push(b'\n');
        outcomes.push(out);
    }
    if let Some(e) = ser_error {
        return (outcomes, Err(e));
    }
    let result = match insert(ch, &events, &sessions) {
        Ok(()) => {
            if std::mem::take(down) {
                eprintln!("clickhouse: reachable again; the spool is being forwarded");
            }
            Ok(())
        }
        Err(e) => {
            if !std::mem::replace(down, true) {
                eprintln!("clickhouse: {e}; bundles go to the local spool until it answers");
            }
            spool.push(&events, &sessions)
        }
    };
    (outcomes, result)
}

fn insert(ch: &Ch, events: &[u8], sessions: &[u8]) -> Result<(), String> {
    if !events.is_empty() {
        ch.run(&format!("INSERT INTO {} FORMAT JSONEachRow", ch.events), Some(events)).map_err(|e| e.to_string())?;
    }
    if !sessions.is_empty() {
        ch.run(&format!("INSERT INTO {} FORMAT JSONEachRow", ch.sessions), Some(sessions))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Forwards spooled groups, oldest first; waits while ClickHouse is unreachable.
fn forward_loop(ch: &Ch, spool: &Spool) {
    let mut backoff = Duration::from_millis(200);
    let mut failing = false;
    loop {
        match spool.oldest() {
            Ok(Some(entry)) => match insert(ch, &entry.events, &entry.sessions) {
                Ok(()) => {
                    failing = false;
                    if let Err(e) = spool.remove(&entry) {
                        eprintln!("clickhouse spool: {e}");
                        std::thread::sleep(backoff);
                    }
                    backoff = Duration::from_millis(200);
                    continue;
                }
                // ClickHouse refused the data itself (not unreachable): keep it aside, go on.
                Err(e) if e.contains("HTTP 400") || e.contains("HTTP 500") && e.contains("Cannot parse") => {
                    eprintln!("clickhouse spool: {} refused ({e}); moved aside", entry.path.display());
                    spool.quarantine(&entry.path);
                    continue;
                }
                Err(e) => {
                    if !std::mem::replace(&mut failing, true) {
                        eprintln!("clickhouse spool: {e}; retrying until it answers");
                    }
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            },
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => {
                eprintln!("clickhouse spool: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

impl ClickHouseStore {
    /// One row per session from the session rows alone (cheap: no event scan): facts from the
    /// latest bundle that had them, start/end from the bundles' event spans (the first bundle's
    /// arrival when no bundle had events). `pre` narrows the scan (a condition on session_id).
    fn facts_sql(&self, pre: &str) -> String {
        let latest = [
            "app_version",
            "env",
            "user_id",
            "user_name",
            "ip",
            "user_agent",
            "browser",
            "browser_version",
            "os",
            "device_type",
            "connection",
            "country",
            "region",
            "city",
            "sdk_version",
        ]
        .iter()
        .map(|c| format!("argMax({c}, received_ms) AS {c}"))
        .chain(std::iter::once("argMax(app_user_id, received_ms) AS app_user_id".to_string()))
        .collect::<Vec<_>>()
        .join(", ");
        format!(
            "SELECT session_id, argMax(app_id, received_ms) AS app_id, {latest},
                argMax(bundle_meta, received_ms) AS bundle_meta, argMax(props, received_ms) AS props,
                min(received_ms) AS first_received, max(received_ms) AS last_received,
                ifNull(min(min_ts), first_received) AS start_ms, ifNull(max(max_ts), first_received) AS end_ms,
                end_ms - start_ms AS duration_ms
             FROM {} {pre} GROUP BY session_id",
            self.ch.sessions
        )
    }

    /// `facts_sql` plus the counters, from the de-duplicated events.
    fn summary_sql(&self, pre: &str) -> String {
        format!(
            "SELECT session_id, app_id, app_version, env, user_id, user_name, start_ms, end_ms, duration_ms,
                e_pvs AS pvs, e_errors AS js_errors, e_apis AS api_calls, e_api_failures AS api_failures,
                e_slow AS slow_loads, e_n AS events, ip, browser, browser_version, os, device_type, connection,
                country, region, city, sdk_version, user_agent, e_first_url AS first_url, bundle_meta, last_received,
                app_user_id, props
             FROM ({})
             ANY LEFT JOIN
                  (SELECT session_id, count() AS e_n,
                     sum(is_pv) AS e_pvs, sum(is_error) AS e_errors, sum(is_api) AS e_apis,
                     sum(is_api_failure) AS e_api_failures, sum(is_slow) AS e_slow,
                     argMin(if(is_pv = 1, url, NULL), ts) AS e_first_url
                   FROM {} FINAL {pre} GROUP BY session_id)
             USING session_id",
            self.facts_sql(pre),
            self.ch.events
        )
    }

    /// A diagnosis scan: `cols` of the events matching `cond` in `range`, ordered by `order` and
    /// limited to `limit`, each with its session's user name, app user id and visitor id
    /// (`r_user_name`, `r_app_user_id`, `r_visitor`) from the latest bundle that had them.
    pub(super) fn scan(
        &self,
        cols: &str,
        cond: &str,
        range: TimeRange,
        order: &str,
        limit: i64,
    ) -> StoreResult<Vec<Map<String, Value>>> {
        self.ch.rows(&format!(
            "SELECT * FROM
                (SELECT session_id, ts, {cols} FROM {events} FINAL WHERE {cond}{range} ORDER BY {order} LIMIT {limit})
             ANY LEFT JOIN
                (SELECT session_id, argMax(user_name, received_ms) AS r_user_name,
                    argMax(app_user_id, received_ms) AS r_app_user_id, argMax(user_id, received_ms) AS r_visitor
                 FROM {sessions} GROUP BY session_id)
             USING session_id ORDER BY {order}",
            events = self.ch.events,
            sessions = self.ch.sessions,
            range = range_sql("ts", range),
        ))
    }

    /// Distinct sessions with an error of this message in the range.
    pub(super) fn sessions_with_error(&self, message: &str, range: TimeRange) -> StoreResult<i64> {
        self.ch.scalar(&format!(
            "SELECT uniqExact(session_id) FROM {} FINAL WHERE is_error = 1 AND ifNull(message, '') = {}{}",
            self.ch.events,
            quote(message),
            range_sql("ts", range)
        ))
    }

    /// Rows of `SELECT {select}` over the summaries of the sessions `f` selects (and `extra`, a
    /// condition on the summary columns), then `tail`: the insight pages' aggregates.
    pub(super) fn over_sessions(
        &self,
        f: &SessionFilter,
        select: &str,
        extra: &str,
        tail: &str,
    ) -> StoreResult<Vec<Map<String, Value>>> {
        let w = session_where(f, &self.ch.events, &self.ch.replay);
        let w = match (w.is_empty(), extra.is_empty()) {
            (_, true) => w,
            (true, false) => format!("WHERE {extra}"),
            (false, false) => format!("{w} AND ({extra})"),
        };
        self.ch.rows(&format!("SELECT {select} FROM ({}) {w} {tail}", self.summary_sql("")))
    }

    fn sessions_where(&self, sql_where: &str, pre: &str, tail: &str) -> StoreResult<Vec<SessionSummary>> {
        let rows = self.ch.rows(&format!("SELECT * FROM ({}) {sql_where} {tail}", self.summary_sql(pre)))?;
        let mut out: Vec<SessionSummary> = rows.iter().map(summary_from_row).collect();
        if !out.is_empty() {
            // Which of these have a replay: one lookup for the page, not a join per row.
            let ids: Vec<String> = out.iter().map(|s| s.session_id.clone()).collect();
            let with: HashSet<String> = self
                .ch
                .rows(&format!("SELECT DISTINCT session_id FROM {} {}", self.ch.replay, owned_pre(&ids)))?
                .iter()
                .map(|r| get_str(r, "session_id"))
                .collect();
            for s in &mut out {
                s.has_replay = with.contains(&s.session_id);
            }
        }
        Ok(out)
    }
}

fn summary_from_row(r: &Map<String, Value>) -> SessionSummary {
    SessionSummary {
        // Set by `sessions_where` from the replay table.
        has_replay: false,
        session_id: get_str(r, "session_id"),
        app_id: get_str(r, "app_id"),
        app_version: get_opt_str(r, "app_version"),
        env: get_opt_str(r, "env"),
        user_id: get_opt_str(r, "user_id"),
        user_name: get_opt_str(r, "user_name"),
        start_ms: get_i64(r, "start_ms"),
        end_ms: get_i64(r, "end_ms"),
        duration_ms: get_i64(r, "duration_ms").max(0),
        pvs: get_i64(r, "pvs"),
        js_errors: get_i64(r, "js_errors"),
        api_calls: get_i64(r, "api_calls"),
        api_failures: get_i64(r, "api_failures"),
        slow_loads: get_i64(r, "slow_loads"),
        events: get_i64(r, "events"),
        ip: get_opt_str(r, "ip"),
        browser: get_opt_str(r, "browser"),
        browser_version: get_opt_str(r, "browser_version"),
        os: get_opt_str(r, "os"),
        device_type: get_opt_str(r, "device_type"),
        connection: get_opt_str(r, "connection"),
        country: get_opt_str(r, "country"),
        region: get_opt_str(r, "region"),
        city: get_opt_str(r, "city"),
        sdk_version: get_opt_str(r, "sdk_version"),
        user_agent: get_opt_str(r, "user_agent"),
        first_url: get_opt_str(r, "first_url"),
        bundle: get_json(r, "bundle_meta"),
    }
}

fn event_from_row(r: &Map<String, Value>) -> StoredEvent {
    let body = get_json(r, "body");
    StoredEvent {
        seq: get_i64(r, "seq"),
        ts: get_i64(r, "ts"),
        event_type: get_str(r, "event_type"),
        kind: get_opt_str(r, "kind"),
        view_id: get_opt_str(r, "view_id"),
        view_name: get_opt_str(r, "view_name"),
        name: get_opt_str(r, "name"),
        url: get_opt_str(r, "url"),
        message: get_opt_str(r, "message"),
        status_code: get_opt_i64(r, "status_code"),
        success: get_opt_i64(r, "success"),
        duration: get_opt_f64(r, "duration"),
        is_error: get_i64(r, "is_error") != 0,
        is_api: get_i64(r, "is_api") != 0,
        is_api_failure: get_i64(r, "is_api_failure") != 0,
        is_slow: get_i64(r, "is_slow") != 0,
        unreadable: !body.is_object(),
        body,
    }
}

/// The session list's WHERE, over the summary columns; values are quoted literals.
fn session_where(f: &SessionFilter, events: &str, replay: &str) -> String {
    let mut c: Vec<String> = Vec::new();
    if let Some(t) = &f.text {
        // As SQLite's search (store/search.rs): what the session visited, what failed, what the
        // user did, and the custom attributes of its events and bundle; ASCII case-insensitive.
        let q = quote(t);
        let has = |col: &str| format!("positionCaseInsensitive(ifNull({col}, ''), {q}) > 0");
        c.push(format!(
            "(session_id GLOBAL IN (SELECT session_id FROM {events} WHERE {} OR {} OR {} OR {}) OR {})",
            has("url"),
            has("message"),
            has("name"),
            has("props"),
            has("props")
        ));
    }
    if let Some(with) = f.has_replay {
        // 18.16 reads `GLOBAL NOT IN`, not `NOT GLOBAL IN`.
        let op = if with { "GLOBAL IN" } else { "GLOBAL NOT IN" };
        c.push(format!("session_id {op} (SELECT session_id FROM {replay})"));
    }
    if let Some(v) = f.from_ms {
        c.push(format!("end_ms >= {v}"));
    }
    if let Some(v) = f.to_ms {
        c.push(format!("start_ms <= {v}"));
    }
    if let Some(v) = &f.user {
        // Also the app's own user id, and a session id prefix long enough (8+) not to match by chance.
        let by_session = if v.len() >= 8 {
            format!(" OR startsWith(lower(session_id), lower({}))", quote(v))
        } else {
            String::new()
        };
        c.push(format!(
            "(user_id = {q} OR positionCaseInsensitive(user_name, {q}) > 0 OR app_user_id = {q}{by_session})",
            q = quote(v)
        ));
    }
    if let Some(v) = &f.session_id {
        c.push(format!("startsWith(session_id, {})", quote(v)));
    }
    if let Some(v) = &f.app_user_id {
        c.push(format!("app_user_id = {}", quote(v)));
    }
    let exact: [(&str, &Option<String>); 12] = [
        ("app_id", &f.app_id),
        ("ip", &f.ip),
        ("browser", &f.browser),
        ("browser_version", &f.browser_version),
        ("os", &f.os),
        ("device_type", &f.device_type),
        ("connection", &f.connection),
        ("country", &f.country),
        ("region", &f.region),
        ("city", &f.city),
        ("app_version", &f.app_version),
        ("env", &f.env),
    ];
    for (col, v) in exact {
        if let Some(v) = v {
            c.push(format!("lower({col}) = lower({})", quote(v)));
        }
    }
    // The caller's app scope (auth); an empty one sees nothing.
    if let Some(apps) = &f.apps {
        let list: Vec<String> = apps.iter().map(|a| quote(a)).collect();
        c.push(if list.is_empty() { "0".into() } else { format!("app_id IN ({})", list.join(", ")) });
    }
    if let Some(v) = &f.page_url {
        c.push(format!(
            "session_id GLOBAL IN (SELECT session_id FROM {events} WHERE is_pv = 1 AND positionCaseInsensitive(url, {}) > 0)",
            quote(v)
        ));
    }
    if let Some(v) = f.min_errors {
        c.push(format!("js_errors >= {v}"));
    }
    if let Some(v) = f.max_errors {
        c.push(format!("js_errors <= {v}"));
    }
    if let Some(v) = f.min_duration_ms {
        c.push(format!("duration_ms >= {v}"));
    }
    if let Some(v) = f.max_duration_ms {
        c.push(format!("duration_ms <= {v}"));
    }
    if c.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", c.join(" AND "))
    }
}

fn range_sql(col: &str, r: TimeRange) -> String {
    let mut s = String::new();
    if let Some(v) = r.from_ms {
        s.push_str(&format!(" AND {col} >= {v}"));
    }
    if let Some(v) = r.to_ms {
        s.push_str(&format!(" AND {col} <= {v}"));
    }
    s
}

fn str_list(r: &Map<String, Value>, k: &str) -> Vec<String> {
    r.get(k)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).filter(|s| !s.is_empty()).take(20).map(str::to_string).collect())
        .unwrap_or_default()
}

const EVENT_COLS: &str = "seq, ts, event_type, kind, view_id, view_name, name, url, message, status_code, success,
    duration, is_error, is_api, is_api_failure, is_slow, body";

impl Store for ClickHouseStore {
    fn write(
        &self,
        batch: IngestBatch,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<WriteOutcome>> + Send + '_>> {
        Box::pin(async move {
            let (reply, wait) = oneshot::channel();
            let tx = self.tx.clone();
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
        let w = session_where(f, &self.ch.events, &self.ch.replay);
        let order = match f.sort {
            SortKey::Start => "start_ms",
            SortKey::Duration => "duration_ms",
            SortKey::Errors => "js_errors",
        };
        let dir = if f.ascending { "ASC" } else { "DESC" };
        let tail =
            format!("ORDER BY {order} {dir}, start_ms DESC, session_id LIMIT {}, {}", f.offset.max(0), f.limit.max(0));
        // The page is chosen from the session rows alone (plus, when errors filter or sort, a count
        // of distinct error events per session, which reads three columns of the error rows and
        // needs no FINAL); the full counters are then computed for the page's sessions only.
        let needs_errors = f.min_errors.is_some() || f.max_errors.is_some() || f.sort == SortKey::Errors;
        let source = if needs_errors {
            format!(
                "SELECT * FROM ({}) ANY LEFT JOIN
                    (SELECT session_id, uniqExact(event_key) AS js_errors FROM {} WHERE is_error = 1 GROUP BY session_id)
                 USING session_id",
                self.facts_sql(""),
                self.ch.events
            )
        } else {
            self.facts_sql("")
        };
        let total = self.ch.scalar(&format!("SELECT count() AS n FROM ({source}) {w}"))?;
        let ids: Vec<String> = self
            .ch
            .rows(&format!("SELECT session_id FROM ({source}) {w} {tail}"))?
            .iter()
            .map(|r| get_str(r, "session_id"))
            .collect();
        if ids.is_empty() {
            return Ok(SessionPage { total, sessions: Vec::new() });
        }
        let order_by = tail.split(" LIMIT ").next().unwrap_or_default();
        let sessions = self.sessions_where("", &owned_pre(&ids), order_by)?;
        Ok(SessionPage { total, sessions })
    }

    fn session(&self, id: &str) -> StoreResult<Option<SessionSummary>> {
        let pre = format!("WHERE session_id = {}", quote(id));
        Ok(self.sessions_where("", &pre, "")?.into_iter().next())
    }

    fn session_events(&self, id: &str) -> StoreResult<Vec<StoredEvent>> {
        let rows = self.ch.rows(&format!(
            "SELECT {EVENT_COLS} FROM {} FINAL WHERE session_id = {} ORDER BY ts, seq",
            self.ch.events,
            quote(id)
        ))?;
        Ok(rows.iter().map(event_from_row).collect())
    }

    fn slow_loads(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<SlowLoad>> {
        let rows = self.ch.rows(&format!(
            "SELECT session_id, view_id, view_name, url, load_ms, ts FROM {} FINAL
             WHERE isNotNull(load_ms) AND is_slow = 1 {} ORDER BY load_ms DESC LIMIT {}",
            self.ch.events,
            range_sql("ts", range),
            limit.max(0)
        ))?;
        let ids: HashSet<String> = rows.iter().map(|r| quote(&get_str(r, "session_id"))).collect();
        let names: std::collections::HashMap<String, Option<String>> = if ids.is_empty() {
            Default::default()
        } else {
            self.ch
                .rows(&format!(
                    "SELECT session_id, argMax(user_name, received_ms) AS user_name FROM {}
                     WHERE session_id IN ({}) GROUP BY session_id",
                    self.ch.sessions,
                    ids.into_iter().collect::<Vec<_>>().join(",")
                ))?
                .iter()
                .map(|r| (get_str(r, "session_id"), get_opt_str(r, "user_name")))
                .collect()
        };
        Ok(rows
            .iter()
            .map(|r| {
                let session_id = get_str(r, "session_id");
                SlowLoad {
                    user_name: names.get(&session_id).cloned().flatten(),
                    session_id,
                    view_id: get_opt_str(r, "view_id"),
                    view_name: get_opt_str(r, "view_name"),
                    url: get_opt_str(r, "url"),
                    load_ms: get_opt_f64(r, "load_ms").unwrap_or(0.0),
                    ts: get_i64(r, "ts"),
                }
            })
            .collect())
    }

    fn error_groups(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<ErrorGroup>> {
        let rows = self.ch.rows(&format!(
            "SELECT msg, max(mname) AS name, sum(c) AS cnt, count() AS sessions, max(last) AS last_ts,
                arraySlice(arrayMap(x -> x.2, arrayReverseSort(groupArray((last, session_id)))), 1, 20) AS ids
             FROM (SELECT ifNull(group_key, '') AS msg, session_id, max(name) AS mname, count() AS c, max(ts) AS last
                   FROM {} FINAL WHERE is_error = 1 {} GROUP BY msg, session_id)
             GROUP BY msg ORDER BY cnt DESC, last_ts DESC LIMIT {}",
            self.ch.events,
            range_sql("ts", range),
            limit.max(0)
        ))?;
        Ok(rows
            .iter()
            .map(|r| ErrorGroup {
                message: get_str(r, "msg"),
                name: get_opt_str(r, "name"),
                count: get_i64(r, "cnt"),
                sessions: get_i64(r, "sessions"),
                last_ts: get_i64(r, "last_ts"),
                session_ids: str_list(r, "ids"),
                session_refs: Vec::new(),
            })
            .collect())
    }

    fn api_failure_groups(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<ApiFailureGroup>> {
        // group_key: the URL without query and fragment (set at ingest).
        let rows = self.ch.rows(&format!(
            "SELECT u, status_code, max(m) AS m, sum(c) AS cnt, count() AS sessions, max(last) AS last_ts,
                arraySlice(arrayMap(x -> x.2, arrayReverseSort(groupArray((last, session_id)))), 1, 20) AS ids
             FROM (SELECT ifNull(group_key, '') AS u, status_code, session_id, max(method) AS m, count() AS c,
                     max(ts) AS last
                   FROM {} FINAL WHERE is_api_failure = 1 {} GROUP BY u, status_code, session_id)
             GROUP BY u, status_code ORDER BY cnt DESC, last_ts DESC LIMIT {}",
            self.ch.events,
            range_sql("ts", range),
            limit.max(0)
        ))?;
        Ok(rows
            .iter()
            .map(|r| ApiFailureGroup {
                url: get_str(r, "u"),
                status_code: get_opt_i64(r, "status_code"),
                method: get_opt_str(r, "m"),
                count: get_i64(r, "cnt"),
                sessions: get_i64(r, "sessions"),
                last_ts: get_i64(r, "last_ts"),
                session_ids: str_list(r, "ids"),
                session_refs: Vec::new(),
            })
            .collect())
    }

    fn timeseries(&self, from_ms: i64, to_ms: i64, bucket_ms: i64) -> StoreResult<Vec<Bucket>> {
        let bucket_ms = bucket_ms.max(1);
        let n = ((to_ms - from_ms) / bucket_ms + 1).clamp(1, 2000);
        let mut buckets: Vec<Bucket> =
            (0..n).map(|i| Bucket { start_ms: from_ms + i * bucket_ms, sessions: 0, errors: 0 }).collect();
        let sessions = self.ch.rows(&format!(
            "SELECT intDiv(start_ms - {from_ms}, {bucket_ms}) AS b, count() AS n FROM ({})
             WHERE start_ms >= {from_ms} AND start_ms <= {to_ms} GROUP BY b",
            self.facts_sql("")
        ))?;
        for r in sessions {
            if let Some(b) = buckets.get_mut(get_i64(&r, "b") as usize) {
                b.sessions += get_i64(&r, "n");
            }
        }
        let errors = self.ch.rows(&format!(
            "SELECT intDiv(ts - {from_ms}, {bucket_ms}) AS b, count() AS n FROM {} FINAL
             WHERE is_error = 1 AND ts >= {from_ms} AND ts <= {to_ms} GROUP BY b",
            self.ch.events
        ))?;
        for r in errors {
            if let Some(b) = buckets.get_mut(get_i64(&r, "b") as usize) {
                b.errors += get_i64(&r, "n");
            }
        }
        Ok(buckets)
    }

    fn export_user(&self, user_id: &str) -> StoreResult<UserExport> {
        let pre = format!("WHERE session_id GLOBAL IN ({})", self.user_sessions_sql(user_id));
        let sessions =
            self.sessions_where(&format!("WHERE user_id = {}", quote(user_id)), &pre, "ORDER BY start_ms")?;
        let cond = self.events_of_user(user_id);
        let events = self
            .ch
            .rows(&format!("SELECT body FROM {} FINAL WHERE {cond} ORDER BY session_id, ts, seq", self.ch.events))?
            .iter()
            .map(|r| get_json(r, "body"))
            .collect();
        let replay_segments = self
            .ch
            .rows(&format!(
                "SELECT {REPLAY_META}, records FROM {} FINAL WHERE session_id GLOBAL IN ({})
                 ORDER BY session_id, start_ms, seq",
                self.ch.replay,
                self.user_sessions_sql(user_id)
            ))?
            .iter()
            .filter_map(|r| {
                let records = serde_json::value::RawValue::from_string(get_str(r, "records")).ok()?;
                Some(replay::ExportedSegment { session_id: get_str(r, "session_id"), meta: meta_from_row(r), records })
            })
            .collect();
        Ok(UserExport { user_id: user_id.to_string(), sessions, events, replay_segments })
    }

    fn delete_user(&self, user_id: &str) -> StoreResult<DeleteCounts> {
        let owned = self.user_sessions(user_id)?;
        let cond = self.events_of_user(user_id);
        let events = self.ch.scalar(&format!("SELECT count() FROM {} FINAL WHERE {cond}", self.ch.events))?;
        let segments = self.ch.scalar(&format!(
            "SELECT count() FROM {} FINAL WHERE session_id GLOBAL IN ({})",
            self.ch.replay,
            self.user_sessions_sql(user_id)
        ))?;
        self.ch.delete_sessions(&owned, Some(&format!("user_id = {}", quote(user_id))))?;
        Ok(DeleteCounts {
            sessions: owned.len() as u64,
            events: events.max(0) as u64,
            replay_segments: segments.max(0) as u64,
        })
    }

    fn delete_older_than(&self, cutoff_ms: i64) -> StoreResult<DeleteCounts> {
        // One mutation per table and shard, whatever the number of sessions: the shard's own
        // session rows say which of its sessions are old (a session lives on one shard).
        let old = |table: &str| {
            format!("SELECT session_id FROM {table} GROUP BY session_id HAVING max(received_ms) < {cutoff_ms}")
        };
        let db = &self.ch.cfg.database;
        // Segments of old sessions, and of sessions that never sent a bundle, by their own
        // receive time (a session lasts at most a day, far less than any retention).
        let replay_old = format!(
            "received_ms < {cutoff_ms} OR session_id IN ({})",
            old(&format!("{db}.{}", self.ch.sessions_local))
        );
        let segments = self.ch.scalar(&format!(
            "SELECT count() FROM {} FINAL WHERE received_ms < {cutoff_ms} OR session_id GLOBAL IN ({})",
            self.ch.replay,
            old(&self.ch.sessions)
        ))?;
        if segments > 0 {
            self.ch.mutate_delete(&self.ch.replay_local, &replay_old)?;
        }
        let sessions = self.ch.scalar(&format!("SELECT count() FROM ({})", old(&self.ch.sessions)))?;
        if sessions <= 0 {
            return Ok(DeleteCounts { replay_segments: segments.max(0) as u64, ..Default::default() });
        }
        let events = self.ch.scalar(&format!(
            "SELECT count() FROM {} FINAL WHERE session_id GLOBAL IN ({})",
            self.ch.events,
            old(&self.ch.sessions)
        ))?;
        let local_old = old(&format!("{db}.{}", self.ch.sessions_local));
        // Events first: their condition reads the session rows that the second mutation deletes.
        self.ch.mutate_delete(&self.ch.events_local, &format!("session_id IN ({local_old})"))?;
        self.ch.mutate_delete(&self.ch.sessions_local, &format!("session_id IN ({local_old})"))?;
        Ok(DeleteCounts {
            sessions: sessions as u64,
            events: events.max(0) as u64,
            replay_segments: segments.max(0) as u64,
        })
    }

    // Written at once, not through the bundles' spool: a segment is acknowledged when it is in
    // ClickHouse (synchronous distributed insert), and an unreachable ClickHouse is a 503 that the
    // SDK retries. The duplicate check and the session cap read what is stored; two collectors
    // racing on one session can pass the cap by a segment, and a retried segment they both store
    // is one row after merges (reads use FINAL).
    fn write_replay(&self, seg: replay::NewSegment, max_session_bytes: u64) -> StoreResult<replay::ReplayWrite> {
        let sid = quote(&seg.session_id);
        let dup = self.ch.scalar(&format!(
            "SELECT count() FROM {} WHERE session_id = {sid} AND segment_id = {}",
            self.ch.replay,
            quote(&seg.segment_id)
        ))?;
        if dup > 0 {
            return Ok(replay::ReplayWrite::Duplicate);
        }
        let used =
            self.ch.scalar(&format!("SELECT sum(bytes) FROM {} FINAL WHERE session_id = {sid}", self.ch.replay))?;
        let used = used.max(0) as u64;
        if used.saturating_add(seg.bytes) > max_session_bytes {
            return Ok(replay::ReplayWrite::SessionFull { used });
        }
        let row = serde_json::json!({
            "session_id": seg.session_id, "segment_id": seg.segment_id, "pid": seg.pid, "view_id": seg.view_id,
            "seq": seg.seq, "start_ms": seg.start_ms, "end_ms": seg.end_ms, "count": seg.count,
            "has_full_snapshot": seg.has_full_snapshot as u8, "source": seg.source, "bytes": seg.bytes,
            "received_ms": seg.received_ms, "records": seg.records,
        });
        self.ch.run(&format!("INSERT INTO {} FORMAT JSONEachRow", self.ch.replay), Some(row.to_string().as_bytes()))?;
        // A session row too, as SQLite keeps one: a session that has sent only its recording is
        // listed with its play button, and retention sees it. Its facts are NULL, which the
        // summaries' argMax skips, so a bundle's facts win whatever the order.
        let session = serde_json::json!({
            "session_id": seg.session_id, "received_ms": seg.received_ms, "app_id": seg.pid,
            "min_ts": seg.start_ms, "max_ts": seg.end_ms,
        });
        self.ch.run(
            &format!("INSERT INTO {} FORMAT JSONEachRow", self.ch.sessions),
            Some(session.to_string().as_bytes()),
        )?;
        Ok(replay::ReplayWrite::Stored)
    }

    fn session_refs(&self, ids: &[String]) -> StoreResult<Vec<insights::SessionRef>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.ch.rows(&format!(
            "SELECT session_id, start_ms, user_name, app_user_id, user_id FROM ({})",
            self.facts_sql(&owned_pre(ids))
        ))?;
        let opt = |r: &Map<String, Value>, k: &str| get_opt_str(r, k);
        Ok(rows
            .iter()
            .map(|r| insights::SessionRef {
                session_id: get_str(r, "session_id"),
                ts: get_i64(r, "start_ms"),
                user_name: opt(r, "user_name"),
                app_user_id: opt(r, "app_user_id"),
                visitor_id: opt(r, "user_id"),
                value: None,
            })
            .collect())
    }

    fn session_replay(&self, session_id: &str) -> StoreResult<Option<replay::SessionReplay>> {
        let rows = self.ch.rows(&format!(
            "SELECT {REPLAY_META}, records FROM {} FINAL WHERE session_id = {} ORDER BY start_ms, seq",
            self.ch.replay,
            quote(session_id)
        ))?;
        let rows = rows.iter().map(|r| (meta_from_row(r), get_str(r, "records"))).collect();
        Ok(replay::assemble(session_id, rows))
    }
}

impl ClickHouseStore {
    /// Web vitals of this session's views stored in the visitor's other sessions, and this
    /// session's vitals whose page view is elsewhere (see `view_owner`).
    pub(super) fn foreign_views_of(
        &self,
        session_id: &str,
        visitor_id: &str,
    ) -> StoreResult<super::view_owner::Foreign> {
        let (ev, sid) = (&self.ch.events, quote(session_id));
        let others = format!(
            "SELECT session_id FROM {} GROUP BY session_id HAVING argMax(user_id, received_ms) = {} AND session_id != {sid}",
            self.ch.sessions,
            quote(visitor_id)
        );
        let vitals_here = self
            .ch
            .rows(&format!(
                "SELECT {EVENT_COLS} FROM {ev} FINAL WHERE session_id GLOBAL IN ({others})
                   AND event_type = 'view' AND kind = 'webvitals'
                   AND view_id GLOBAL IN (SELECT view_id FROM {ev} WHERE session_id = {sid} AND is_pv = 1)"
            ))?
            .iter()
            .map(event_from_row)
            .collect();
        let views_elsewhere = self
            .ch
            .rows(&format!(
                "SELECT DISTINCT view_id FROM {ev} WHERE session_id GLOBAL IN ({others}) AND is_pv = 1
                   AND view_id GLOBAL IN (SELECT view_id FROM {ev} WHERE session_id = {sid} AND kind = 'webvitals')"
            ))?
            .iter()
            .filter_map(|r| get_opt_str(r, "view_id"))
            .collect();
        Ok(super::view_owner::Foreign { vitals_here, views_elsewhere })
    }

    /// Sessions whose latest user id is this one (as SQLite's `sessions.user_id`).
    fn user_sessions_sql(&self, user_id: &str) -> String {
        format!(
            "SELECT session_id FROM {} GROUP BY session_id HAVING argMax(user_id, received_ms) = {}",
            self.ch.sessions,
            quote(user_id)
        )
    }

    fn user_sessions(&self, user_id: &str) -> StoreResult<Vec<String>> {
        Ok(self.ch.rows(&self.user_sessions_sql(user_id))?.iter().map(|r| get_str(r, "session_id")).collect())
    }

    /// The user's events: sent with this user id, or in one of the user's sessions.
    fn events_of_user(&self, user_id: &str) -> String {
        format!("user_id = {} OR session_id GLOBAL IN ({})", quote(user_id), self.user_sessions_sql(user_id))
    }
}

const REPLAY_META: &str = "session_id, view_id, segment_id, seq, start_ms, end_ms, count, has_full_snapshot, source";

fn meta_from_row(r: &Map<String, Value>) -> replay::SegmentMeta {
    replay::SegmentMeta {
        view_id: get_str(r, "view_id"),
        segment_id: get_str(r, "segment_id"),
        seq: get_i64(r, "seq").clamp(0, u32::MAX as i64) as u32,
        start: get_i64(r, "start_ms"),
        end: get_i64(r, "end_ms"),
        count: get_i64(r, "count").max(0) as u64,
        has_full_snapshot: get_i64(r, "has_full_snapshot") != 0,
        source: get_str(r, "source"),
    }
}

/// A condition on session_id for a short list (a page of sessions).
fn owned_pre(ids: &[String]) -> String {
    format!("WHERE session_id IN ({})", ids.iter().map(|s| quote(s)).collect::<Vec<_>>().join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_is_parsed_and_checked() {
        let c = ClickHouseConfig::parse(
            "clickhouse+http://10.0.0.5:8123/rum?cluster=rum_cluster&shards=10.0.0.5:8123,10.0.0.6:8123&spool=/var/spool/rum&spool_max_mb=64",
        )
        .unwrap();
        assert_eq!(c.endpoint, Endpoint { host: "10.0.0.5".into(), port: 8123, auth: None });
        let auth = ClickHouseConfig::parse("clickhouse+http://ch:8123/rum?user=rum&password=s3cret").unwrap();
        assert_eq!(auth.endpoint.auth.as_deref(), Some("Basic cnVtOnMzY3JldA=="));
        assert_eq!(c.database, "rum");
        assert_eq!(c.cluster.as_deref(), Some("rum_cluster"));
        assert_eq!(c.shards.len(), 2);
        assert_eq!(c.spool_max_bytes, 64 << 20);
        let plain = ClickHouseConfig::parse("clickhouse+http://ch/").unwrap();
        assert_eq!((plain.endpoint.port, plain.database.as_str(), plain.cluster), (8123, "default", None));
        assert!(ClickHouseConfig::parse("clickhouse+http://ch:8123/rum;DROP").unwrap_err().contains("database"));
        assert!(ClickHouseConfig::parse("clickhouse+http://ch:8123/rum?cluster=a b").is_err());
        assert!(ClickHouseConfig::parse("clickhouse+http://ch:8123/rum?secret=x").unwrap_err().contains("unknown"));
        assert!(ClickHouseConfig::parse("http://ch:8123/rum").is_err());
    }
}
