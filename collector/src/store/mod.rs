//! The storage seam. HTTP handlers and background tasks talk to `dyn Store` only, so another
//! engine (a distributed one) can replace SQLite without touching ingest, query or the console.

pub mod clickhouse;
pub mod clickhouse_http;
mod clickhouse_insights;
pub mod insights;
pub mod replay;
mod search;
pub mod spool;
pub mod sqlite;
mod sqlite_replay;
pub mod view_owner;

use serde::Serialize;
use serde_json::Value;

/// Errors of the storage layer; the HTTP layer turns them into 500 (or 404 for `NotFound`).
#[derive(Debug)]
pub enum StoreError {
    Db(String),
    /// The writer thread is gone (shutdown or crash): the caller must not answer 2xx.
    WriterGone,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Db(e) => write!(f, "database error: {e}"),
            StoreError::WriterGone => write!(f, "the database writer has stopped"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Session-level facts carried by one bundle, already enriched (SDK-sent values won over guesses).
#[derive(Debug, Clone, Default)]
pub struct SessionFacts {
    pub session_id: String,
    pub app_id: String,
    pub app_version: Option<String>,
    pub env: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub device_type: Option<String>,
    pub connection: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub sdk_version: Option<String>,
    /// The bundle without its `events` (app, user, properties, ...), shown in the console; `None`
    /// for a session that only received events named by another session's bundle (kept as is).
    pub bundle_meta: Option<String>,
    /// Server clock at ingest: retention uses it because client clocks can be wrong.
    pub received_ms: i64,
}

/// One accepted event, flattened for indexing; `body` keeps the whole event JSON.
#[derive(Debug, Clone, Default)]
pub struct EventRow {
    pub event_id: Option<String>,
    pub session_id: String,
    pub ts: i64,
    pub event_type: String,
    pub kind: Option<String>,
    pub view_id: Option<String>,
    pub view_name: Option<String>,
    pub name: Option<String>,
    pub url: Option<String>,
    pub message: Option<String>,
    pub status_code: Option<i64>,
    pub success: Option<i64>,
    pub duration: Option<f64>,
    pub load_ms: Option<f64>,
    pub is_pv: bool,
    pub is_error: bool,
    pub is_api: bool,
    pub is_api_failure: bool,
    pub is_slow: bool,
    /// What the console groups by: an error's message, a failed API call's URL without query.
    pub group_key: Option<String>,
    /// HTTP method of an API call.
    pub method: Option<String>,
    pub body: String,
}

/// What one bundle writes: its session facts and its accepted events.
#[derive(Debug, Clone)]
pub struct IngestBatch {
    pub session: SessionFacts,
    pub events: Vec<EventRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Start,
    Duration,
    Errors,
}

/// Session list filters. `None` means "no filter"; text filters are exact unless noted.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Matches user name (substring, case-insensitive) or user id (exact).
    pub user: Option<String>,
    /// Prefix of the session id.
    pub session_id: Option<String>,
    /// The app's own user id (`user.user_id` on the wire), exact.
    pub app_user_id: Option<String>,
    /// Substring of any URL, error message, action or event name, or custom attribute.
    pub text: Option<String>,
    pub app_id: Option<String>,
    /// The caller's app scope (auth): `None` = every app, `Some(pids)` = only these.
    pub apps: Option<Vec<String>>,
    pub ip: Option<String>,
    /// Substring of any page (pv) URL of the session.
    pub page_url: Option<String>,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub device_type: Option<String>,
    pub connection: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub app_version: Option<String>,
    pub env: Option<String>,
    pub min_errors: Option<i64>,
    pub max_errors: Option<i64>,
    pub min_duration_ms: Option<i64>,
    pub max_duration_ms: Option<i64>,
    /// Sessions with (true) or without (false) a stored replay.
    pub has_replay: Option<bool>,
    pub sort: SortKey,
    pub ascending: bool,
    pub limit: i64,
    pub offset: i64,
}

/// A session row: what the list shows and what the summary adds.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub session_id: String,
    pub app_id: String,
    pub app_version: Option<String>,
    pub env: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub duration_ms: i64,
    pub pvs: i64,
    pub js_errors: i64,
    pub api_calls: i64,
    pub api_failures: i64,
    pub slow_loads: i64,
    pub events: i64,
    pub ip: Option<String>,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub device_type: Option<String>,
    pub connection: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub sdk_version: Option<String>,
    pub user_agent: Option<String>,
    pub first_url: Option<String>,
    pub has_replay: bool,
    /// The latest bundle without events (app, user, properties, ...).
    pub bundle: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionPage {
    pub total: i64,
    pub sessions: Vec<SessionSummary>,
}

/// One stored event as the console shows it: indexed columns plus the full JSON.
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub ts: i64,
    pub event_type: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub view_id: Option<String>,
    pub view_name: Option<String>,
    pub name: Option<String>,
    pub url: Option<String>,
    pub message: Option<String>,
    pub status_code: Option<i64>,
    pub success: Option<i64>,
    pub duration: Option<f64>,
    pub is_error: bool,
    pub is_api: bool,
    pub is_api_failure: bool,
    pub is_slow: bool,
    /// The stored JSON of the event is not a JSON object: shown as unreadable, not hidden.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unreadable: bool,
    pub body: Value,
}

/// Time-range filter of the "ways in" queries.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeRange {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlowLoad {
    pub session_id: String,
    pub view_id: Option<String>,
    pub view_name: Option<String>,
    pub url: Option<String>,
    pub load_ms: f64,
    pub ts: i64,
    pub user_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorGroup {
    pub message: String,
    pub name: Option<String>,
    pub count: i64,
    pub sessions: i64,
    pub last_ts: i64,
    /// At most 20 session ids, most recent first.
    pub session_ids: Vec<String>,
    /// The same sessions with who and when (start), for links that read "alice, 10:42".
    pub session_refs: Vec<insights::SessionRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiFailureGroup {
    /// URL without query string and fragment.
    pub url: String,
    pub status_code: Option<i64>,
    pub method: Option<String>,
    pub count: i64,
    pub sessions: i64,
    pub last_ts: i64,
    pub session_ids: Vec<String>,
    /// The same sessions with who and when (start).
    pub session_refs: Vec<insights::SessionRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub start_ms: i64,
    pub sessions: i64,
    pub errors: i64,
}

/// Everything stored about one user id (privacy export).
#[derive(Debug, Serialize)]
pub struct UserExport {
    pub user_id: String,
    pub sessions: Vec<SessionSummary>,
    pub events: Vec<Value>,
    pub replay_segments: Vec<replay::ExportedSegment>,
}

#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq, Eq)]
pub struct DeleteCounts {
    pub sessions: u64,
    pub events: u64,
    pub replay_segments: u64,
}

/// Result of one write: how many events were new (retries of the same `event_id` are ignored).
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOutcome {
    pub inserted: usize,
    pub duplicates: usize,
}

/// The storage seam. Writes are async because an engine may group them; a returned `Ok` means
/// the data is durable (the collector answers 2xx only after it).
pub trait Store: insights::Insights + view_owner::ViewOwner + Send + Sync + 'static {
    fn write(
        &self,
        batch: IngestBatch,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<WriteOutcome>> + Send + '_>>;

    // Reads are blocking: callers run them on a blocking thread (see http.rs).
    fn list_sessions(&self, filter: &SessionFilter) -> StoreResult<SessionPage>;
    fn session(&self, session_id: &str) -> StoreResult<Option<SessionSummary>>;
    fn session_events(&self, session_id: &str) -> StoreResult<Vec<StoredEvent>>;
    fn slow_loads(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<SlowLoad>>;
    fn error_groups(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<ErrorGroup>>;
    fn api_failure_groups(&self, range: TimeRange, limit: i64) -> StoreResult<Vec<ApiFailureGroup>>;
    fn timeseries(&self, from_ms: i64, to_ms: i64, bucket_ms: i64) -> StoreResult<Vec<Bucket>>;
    fn export_user(&self, user_id: &str) -> StoreResult<UserExport>;
    fn delete_user(&self, user_id: &str) -> StoreResult<DeleteCounts>;
    /// Deletes sessions (and their events and replays) whose last bundle arrived before
    /// `cutoff_ms`, and replays without a session received before it.
    fn delete_older_than(&self, cutoff_ms: i64) -> StoreResult<DeleteCounts>;

    /// Stores one replay segment unless it is a retry or the session's replays would pass
    /// `max_session_bytes`. Blocking, like the reads; `Ok` means durable.
    fn write_replay(&self, segment: replay::NewSegment, max_session_bytes: u64) -> StoreResult<replay::ReplayWrite>;
    fn session_replay(&self, session_id: &str) -> StoreResult<Option<replay::SessionReplay>>;
    /// Who and when (start) of these sessions, in no particular order; unknown ids are left out.
    fn session_refs(&self, ids: &[String]) -> StoreResult<Vec<insights::SessionRef>>;
}
