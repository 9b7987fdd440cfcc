//! HTTP surface: routes, status codes and JSON shapes. Decoding/validation is in `ingest`,
//! enrichment in `enrich`, data access behind `store::Store`; handlers only wire them together.

use crate::auth::Principal;
use crate::enrich::Enricher;
use crate::ingest::{self, IngestError, Limits};
use crate::query;
use crate::remote_config::{ConfigError, RemoteConfigs, MAX_CONFIG_BYTES};
use crate::replay::{self, ReplayError};
use crate::retention::now_ms;
use crate::server;
use crate::session_path;
use crate::store::replay::ReplayWrite;
use crate::store::{Store, StoreError};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub enricher: Enricher,
    pub limits: Limits,
    pub configs: RemoteConfigs,
    pub replay_limits: replay::Limits,
    /// Users, tokens, logins, ingest limits (see `auth`): every request goes through `auth::layer`.
    pub access: Arc<crate::auth::AccessState>,
    pub minimise: crate::minimise::Minimise,
}

pub struct StaticDirs {
    pub www: PathBuf,
    pub dist: PathBuf,
}

pub(crate) type Shared = Arc<AppState>;

/// Every way a request can fail, mapped to its HTTP status in one place (`into_response`).
#[derive(Debug)]
pub enum ApiError {
    Ingest(IngestError),
    Replay(ReplayError),
    Store(StoreError),
    Config(ConfigError),
    BadRequest(String),
    NotFound(String),
    Unauthorized,
    /// The body did not arrive within `--body-timeout` (`server::TimedBody`).
    BodyTimeout,
    TooLarge(usize),
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, msg, extra) = match self {
            ApiError::Ingest(e) => {
                (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.to_string(), None)
            }
            ApiError::Replay(e) => {
                (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.to_string(), None)
            }
            ApiError::Store(e) => {
                eprintln!("store: {e}");
                (StatusCode::SERVICE_UNAVAILABLE, e.to_string(), None)
            }
            ApiError::Config(e @ (ConfigError::InvalidPid(_) | ConfigError::Invalid(_))) => {
                let all = match &e {
                    ConfigError::Invalid(list) => Some(json!(list)),
                    _ => None,
                };
                (StatusCode::BAD_REQUEST, e.to_string(), all)
            }
            ApiError::Config(e @ ConfigError::NoSuchVersion(_)) => (StatusCode::NOT_FOUND, e.to_string(), None),
            ApiError::Config(e @ ConfigError::Io(_)) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m, None),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m, None),
            ApiError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, "this route needs `Authorization: Bearer <admin token>`".to_string(), None)
            }
            ApiError::BodyTimeout => {
                (StatusCode::REQUEST_TIMEOUT, "request body not received in time".to_string(), None)
            }
            ApiError::TooLarge(n) => (StatusCode::PAYLOAD_TOO_LARGE, format!("body larger than {n} bytes"), None),
            ApiError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m, None),
        };
        let mut body = json!({ "error": msg });
        if let Some(all) = extra {
            body["errors"] = all;
        }
        let mut r = (status, Json(body)).into_response();
        if status == StatusCode::REQUEST_TIMEOUT {
            r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        // The SDK retries a 503 after `Retry-After` (bundles and replay segments alike).
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        r
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Store(e)
    }
}

impl From<ConfigError> for ApiError {
    fn from(e: ConfigError) -> Self {
        ApiError::Config(e)
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        ApiError::Ingest(e)
    }
}

pub(crate) type ApiResult = Result<Response, ApiError>;

/// Reads a whole body within `limit` bytes and the connection's body deadline.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        if server::is_body_timeout(&e) {
            ApiError::BodyTimeout
        } else {
            ApiError::TooLarge(limit)
        }
    })
}

pub fn router(state: Shared, dirs: StaticDirs) -> Router {
    let www_index = dirs.www.join("index.html");
    let dist = ServeDir::new(&dirs.dist);
    Router::new()
        .route("/collect", post(collect))
        .route("/collect/{*rest}", post(collect))
        .route("/replay", post(replay_ingest))
        .route("/config/{pid}", get(config_get).put(config_put))
        .route("/config/{region}/{pid}", get(config_get_region))
        .route("/api/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/api/sessions", get(list_sessions))
        .route("/api/sessions/{id}", get(session))
        .route("/api/sessions/{id}/replay", get(session_replay))
        .route("/api/ways/slow-loads", get(slow_loads))
        .route("/api/ways/errors", get(error_groups))
        .route("/api/ways/api-failures", get(api_failures))
        .route("/api/timeseries", get(timeseries))
        .route("/api/users/{user_id}", get(export_user).delete(delete_user))
        .route("/api/config/{pid}/versions", get(config_versions))
        .route("/api/config/{pid}/versions/{version}/restore", post(config_restore))
        .route(
            "/",
            get(move || async move {
                match tokio::fs::read(&www_index).await {
                    Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
                    Err(_) => Redirect::to("/console/").into_response(),
                }
            }),
        )
        .merge(crate::diagnosis_http::routes())
        // The demo is a history-mode SPA: a reload of /demo/cart gets the shop, not a 404.
        .nest_service(
            "/demo",
            ServeDir::new(dirs.www.join("demo")).fallback(ServeFile::new(dirs.www.join("demo/index.html"))),
        )
        .nest_service("/dist", dist)
        .fallback_service(ServeDir::new(&dirs.www))
        .merge(crate::auth::routes::router().with_state(state.access.clone()))
        // CORS (ingest only), authentication, roles, app scope, CSRF, security headers.
        .layer(axum::middleware::from_fn_with_state(state.access.clone(), crate::auth::layer::guard))
        .with_state(state)
}

async fn collect(
    State(st): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let limits = st.limits;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return Err(IngestError::TooLarge(limits.max_body_bytes).into());
    }
    let raw = read_body(body, limits.max_body_bytes).await.map_err(|e| match e {
        ApiError::TooLarge(n) => IngestError::TooLarge(n).into(),
        other => other,
    })?;
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok());
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let ip = st.enricher.client_ip(peer.ip(), forwarded);
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let mut ingested = ingest::ingest(&raw, encoding, &limits, now_ms(), |facts, sent| {
        st.enricher.enrich(facts, sent, ip, ua);
        st.minimise.session(facts, ip);
    })?;
    // Every batch of a bundle carries the bundle's app: one pid to admit.
    if let Some(b) = ingested.batches.first() {
        if let Err(refused) = st.access.ingest_guard.admit_pid(&b.session.app_id) {
            return Ok(refused);
        }
    }
    for ev in ingested.batches.iter_mut().flat_map(|b| b.events.iter_mut()) {
        st.minimise.event(ev);
    }
    let (mut accepted, mut duplicates) = (0usize, 0usize);
    for batch in ingested.batches {
        let o = st.store.write(batch).await?;
        accepted += o.inserted;
        duplicates += o.duplicates;
    }
    let p = &ingested.problems;
    let mut body = json!({
        "accepted": accepted,
        "duplicates": duplicates,
        "rejected": p.refused_count(),
        "errors": p.list,
    });
    if p.omitted > 0 {
        body["errors_omitted"] = json!(p.omitted);
    }
    Ok(Json(body).into_response())
}

fn config_response(st: &AppState, key: &str) -> ApiResult {
    let v = st.configs.get(key)?.ok_or_else(|| ApiError::NotFound(format!("no remote config for `{key}`")))?;
    // The SDK fetches on every init; a short cache keeps edits visible quickly.
    let mut r = Json(v).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=60"));
    Ok(r)
}

async fn config_get(State(st): State<Shared>, Path(pid): Path<String>) -> ApiResult {
    config_response(&st, &pid)
}

async fn config_get_region(State(st): State<Shared>, Path((_region, pid)): Path<(String, String)>) -> ApiResult {
    config_response(&st, &pid)
}

async fn config_put(State(st): State<Shared>, Path(pid): Path<String>, body: Body) -> ApiResult {
    let raw = read_body(body, MAX_CONFIG_BYTES).await?;
    let value: Value = serde_json::from_slice(&raw)
        .map_err(|e| ApiError::Config(ConfigError::Invalid(vec![format!("config is not valid JSON: {e}")])))?;
    st.configs.put(&pid, &value)?;
    Ok(Json(json!({"ok": true, "pid": pid})).into_response())
}

async fn config_versions(State(st): State<Shared>, Path(pid): Path<String>) -> ApiResult {
    let versions = st.configs.versions(&pid)?;
    Ok(Json(json!({"pid": pid, "current": st.configs.get(&pid)?, "versions": versions})).into_response())
}

async fn config_restore(State(st): State<Shared>, Path((pid, version)): Path<(String, String)>) -> ApiResult {
    let version: u64 =
        version.parse().map_err(|_| ApiError::BadRequest(format!("`{version}` is not a version number")))?;
    let config = st.configs.restore(&pid, version)?;
    Ok(Json(json!({"ok": true, "pid": pid, "restored": version, "config": config})).into_response())
}

/// Runs a blocking store call off the async runtime.
async fn blocking<T: Send + 'static>(
    st: &Shared,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = st.store.clone();
    match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(ApiError::Internal(format!("query failed: {e}"))),
    }
}

pub(crate) async fn read<T: serde::Serialize + Send + 'static>(
    st: &Shared,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> ApiResult {
    Ok(Json(blocking(st, f).await?).into_response())
}

async fn list_sessions(
    State(st): State<Shared>,
    Extension(who): Extension<Principal>,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut filter = query::session_filter(&p, now_ms()).map_err(ApiError::BadRequest)?;
    filter.apps = who.apps;
    read(&st, move |s| s.list_sessions(&filter)).await
}

async fn session(State(st): State<Shared>, Path(id): Path<String>) -> ApiResult {
    let sid = id.clone();
    let found = blocking(&st, move |store| {
        let Some(summary) = store.session(&sid)? else { return Ok(None) };
        let mut events = store.session_events(&sid)?;
        // Web vitals sent after a user switch belong to the session of their view.
        if let Some(visitor) = summary.user_id.as_deref() {
            events = crate::store::view_owner::rehome(events, store.foreign_views(&sid, visitor)?);
        }
        let pages = session_path::build(events);
        Ok(Some((summary, pages)))
    })
    .await?;
    let (summary, pages) = found.ok_or_else(|| ApiError::NotFound(format!("no session `{id}`")))?;
    Ok(Json(json!({ "session": summary, "pages": pages })).into_response())
}

fn range(p: &HashMap<String, String>) -> Result<crate::store::TimeRange, ApiError> {
    query::time_range(p, now_ms()).map_err(ApiError::BadRequest)
}

fn limit(p: &HashMap<String, String>, default: i64) -> i64 {
    p.get("limit").and_then(|s| s.parse().ok()).unwrap_or(default).clamp(1, query::MAX_PAGE)
}

async fn slow_loads(State(st): State<Shared>, Query(p): Query<HashMap<String, String>>) -> ApiResult {
    let (r, n) = (range(&p)?, limit(&p, 20));
    read(&st, move |s| s.slow_loads(r, n)).await
}

async fn error_groups(State(st): State<Shared>, Query(p): Query<HashMap<String, String>>) -> ApiResult {
    let (r, n) = (range(&p)?, limit(&p, 50));
    read(&st, move |s| {
        let mut groups = s.error_groups(r, n)?;
        let refs = refs_of(s, groups.iter().flat_map(|g| &g.session_ids))?;
        for g in &mut groups {
            g.session_refs = g.session_ids.iter().filter_map(|id| refs.get(id).cloned()).collect();
        }
        Ok(groups)
    })
    .await
}

async fn api_failures(State(st): State<Shared>, Query(p): Query<HashMap<String, String>>) -> ApiResult {
    let (r, n) = (range(&p)?, limit(&p, 50));
    read(&st, move |s| {
        let mut groups = s.api_failure_groups(r, n)?;
        let refs = refs_of(s, groups.iter().flat_map(|g| &g.session_ids))?;
        for g in &mut groups {
            g.session_refs = g.session_ids.iter().filter_map(|id| refs.get(id).cloned()).collect();
        }
        Ok(groups)
    })
    .await
}

/// Who and when of the sessions a ways-in answer links to: one store read for all its groups.
fn refs_of<'a>(
    s: &dyn Store,
    ids: impl Iterator<Item = &'a String>,
) -> Result<HashMap<String, crate::store::insights::SessionRef>, StoreError> {
    let mut wanted: Vec<String> = ids.cloned().collect();
    wanted.sort();
    wanted.dedup();
    Ok(s.session_refs(&wanted)?.into_iter().map(|r| (r.session_id.clone(), r)).collect())
}

async fn timeseries(State(st): State<Shared>, Query(p): Query<HashMap<String, String>>) -> ApiResult {
    let r = range(&p)?;
    let to = r.to_ms.unwrap_or_else(now_ms);
    let from = r.from_ms.unwrap_or(to - 86_400_000);
    if from >= to {
        return Err(ApiError::BadRequest("`from` must be before `to`".into()));
    }
    let bucket = match p.get("bucket").map(|b| b.parse::<i64>()) {
        Some(Ok(b)) if b > 0 => b.max((to - from) / 2000),
        Some(_) => return Err(ApiError::BadRequest("`bucket` must be a positive integer (ms)".into())),
        None => query::bucket_for(from, to),
    };
    let b = blocking(&st, move |s| s.timeseries(from, to, bucket)).await?;
    Ok(Json(json!({"from": from, "to": to, "bucket_ms": bucket, "buckets": b})).into_response())
}

async fn export_user(State(st): State<Shared>, Path(user_id): Path<String>) -> ApiResult {
    read(&st, move |s| s.export_user(&user_id)).await
}

async fn delete_user(State(st): State<Shared>, Path(user_id): Path<String>) -> ApiResult {
    read(&st, move |s| s.delete_user(&user_id)).await
}

/// `POST /replay`: one rrweb segment (see `crate::replay`). Public like `/collect`.
async fn replay_ingest(State(st): State<Shared>, headers: HeaderMap, body: Body) -> ApiResult {
    let limits = st.replay_limits;
    let too_large =
        || ApiError::Replay(ReplayError::TooLarge(format!("replay body larger than {} bytes", limits.max_wire_bytes)));
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_wire_bytes) {
        return Err(too_large());
    }
    let raw = read_body(body, limits.max_wire_bytes).await.map_err(|e| match e {
        ApiError::TooLarge(_) => too_large(),
        other => other,
    })?;
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok());
    let segment = replay::decode(&raw, encoding, &limits)
        .and_then(|text| replay::parse(&text, now_ms()))
        .map_err(ApiError::Replay)?;
    // The same pid allowlist and per-pid limit as bundles.
    if let Err(refused) = st.access.ingest_guard.admit_pid(&segment.pid) {
        return Ok(refused);
    }
    let cap = limits.max_session_bytes;
    match blocking(&st, move |s| s.write_replay(segment, cap)).await? {
        ReplayWrite::Stored => Ok(Json(json!({"ok": true})).into_response()),
        ReplayWrite::Duplicate => Ok(Json(json!({"ok": true, "duplicate": true})).into_response()),
        ReplayWrite::SessionFull { used } => Err(ApiError::Replay(ReplayError::TooLarge(format!(
            "this session's replay is full ({used} of {cap} bytes stored); the segment was not stored"
        )))),
    }
}

async fn session_replay(State(st): State<Shared>, Path(id): Path<String>) -> ApiResult {
    let sid = id.clone();
    let found = blocking(&st, move |s| s.session_replay(&sid)).await?;
    let replay = found.ok_or_else(|| ApiError::NotFound(format!("no replay for session `{id}`")))?;
    Ok(Json(replay).into_response())
}
