//! HTTP surface: routes, status codes and JSON shapes. Decoding/validation is in `ingest`,
//! enrichment in `enrich`, data access behind `store::Store`; handlers only wire them together.

use crate::auth::Principal;
use crate::enrich::Enricher;
use crate::ingest::{self, IngestError, Limits};
use crate::query;
use crate::remote_config::{RemoteConfigs, MAX_CONFIG_BYTES};
use crate::retention::now_ms;
use crate::session_path;
use crate::store::{IngestBatch, Store, StoreError};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::services::ServeDir;

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub enricher: Enricher,
    pub limits: Limits,
    pub configs: RemoteConfigs,
    /// Users, tokens, logins, ingest limits (see `auth`): every request goes through `auth::layer`.
    pub access: Arc<crate::auth::AccessState>,
    pub minimise: crate::minimise::Minimise,
}

pub struct StaticDirs {
    pub www: PathBuf,
    pub dist: PathBuf,
}

type Shared = Arc<AppState>;

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({ "error": msg.into() }))).into_response()
}

fn store_error(e: StoreError) -> Response {
    eprintln!("store: {e}");
    error(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
}

pub fn router(state: Shared, dirs: StaticDirs) -> Router {
    let www_index = dirs.www.join("index.html");
    let dist = ServeDir::new(&dirs.dist);
    Router::new()
        .route("/collect", post(collect))
        .route("/collect/{*rest}", post(collect))
        .route("/config/{pid}", get(config_get).put(config_put))
        .route("/config/{region}/{pid}", get(config_get_region))
        .route("/api/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/api/sessions", get(list_sessions))
        .route("/api/sessions/{id}", get(session))
        .route("/api/ways/slow-loads", get(slow_loads))
        .route("/api/ways/errors", get(error_groups))
        .route("/api/ways/api-failures", get(api_failures))
        .route("/api/timeseries", get(timeseries))
        .route("/api/users/{user_id}", get(export_user).delete(delete_user))
        .route(
            "/",
            get(move || async move {
                match tokio::fs::read(&www_index).await {
                    Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
                    Err(_) => Redirect::to("/console/").into_response(),
                }
            }),
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
) -> Response {
    let limits = st.limits;
    let too_large = || error(StatusCode::PAYLOAD_TOO_LARGE, IngestError::TooLarge(limits.max_body_bytes).to_string());
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return too_large();
    }
    let raw: Bytes = match axum::body::to_bytes(body, limits.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return too_large(),
    };
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok());
    let received = now_ms();
    let parsed =
        ingest::decode_body(&raw, encoding, &limits).and_then(|text| ingest::parse_bundle(&text, &limits, received));
    let mut bundle = match parsed {
        Ok(b) => b,
        Err(e) => return error(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.to_string()),
    };
    if let Err(r) = st.access.ingest_guard.admit_pid(&bundle.facts.app_id) {
        return r;
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let ip = st.enricher.client_ip(peer.ip(), forwarded);
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    st.enricher.enrich(&mut bundle.facts, &bundle.sent, ip, ua);
    st.minimise.session(&mut bundle.facts, ip);
    bundle.events.iter_mut().for_each(|ev| st.minimise.event(ev));

    // Normally one session per bundle; an event with its own `session_id` goes to that session.
    let mut groups: Vec<IngestBatch> = Vec::new();
    for ev in std::mem::take(&mut bundle.events) {
        match groups.iter_mut().find(|g| g.session.session_id == ev.session_id) {
            Some(g) => g.events.push(ev),
            None => {
                let mut session = bundle.facts.clone();
                session.session_id = ev.session_id.clone();
                groups.push(IngestBatch { session, events: vec![ev] });
            }
        }
    }
    if !groups.iter().any(|g| g.session.session_id == bundle.facts.session_id) {
        groups.insert(0, IngestBatch { session: bundle.facts.clone(), events: Vec::new() });
    }
    let (mut accepted, mut duplicates) = (0usize, 0usize);
    for g in groups {
        match st.store.write(g).await {
            Ok(o) => {
                accepted += o.inserted;
                duplicates += o.duplicates;
            }
            Err(e) => return store_error(e),
        }
    }
    Json(json!({
        "accepted": accepted,
        "duplicates": duplicates,
        "rejected": bundle.rejected.len(),
        "errors": bundle.rejected,
    }))
    .into_response()
}

fn config_response(st: &AppState, key: &str) -> Response {
    match st.configs.get(key) {
        Ok(Some(v)) => {
            // The SDK fetches on every init; a short cache keeps edits visible quickly.
            let mut r = Json(v).into_response();
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=60"));
            r
        }
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no remote config for `{key}`")),
        Err(e) if e.starts_with("invalid pid") => error(StatusCode::BAD_REQUEST, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn config_get(State(st): State<Shared>, Path(pid): Path<String>) -> Response {
    config_response(&st, &pid)
}

async fn config_get_region(State(st): State<Shared>, Path((_region, pid)): Path<(String, String)>) -> Response {
    config_response(&st, &pid)
}

async fn config_put(State(st): State<Shared>, Path(pid): Path<String>, body: Body) -> Response {
    let raw = match axum::body::to_bytes(body, MAX_CONFIG_BYTES).await {
        Ok(b) => b,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, format!("config larger than {MAX_CONFIG_BYTES} bytes")),
    };
    let value: Value = match serde_json::from_slice(&raw) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("config is not valid JSON: {e}")),
    };
    match st.configs.put(&pid, &value) {
        Ok(()) => Json(json!({"ok": true, "pid": pid})).into_response(),
        Err(e) if e.starts_with("invalid pid") || e.starts_with("config must") => error(StatusCode::BAD_REQUEST, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// Runs a blocking store read off the async runtime.
async fn read<T: serde::Serialize + Send + 'static>(
    st: &Shared,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Response {
    let store = st.store.clone();
    match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => store_error(e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("query failed: {e}")),
    }
}

async fn list_sessions(
    State(st): State<Shared>,
    Extension(who): Extension<Principal>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let mut filter = match query::session_filter(&p, now_ms()) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    filter.apps = who.apps;
    read(&st, move |s| s.list_sessions(&filter)).await
}

async fn session(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    let store = st.store.clone();
    let sid = id.clone();
    let res = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
        let Some(summary) = store.session(&sid)? else { return Ok(None) };
        let pages = session_path::build(store.session_events(&sid)?);
        Ok(Some((summary, pages)))
    })
    .await;
    match res {
        Ok(Ok(Some((summary, pages)))) => Json(json!({ "session": summary, "pages": pages })).into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, format!("no session `{id}`")),
        Ok(Err(e)) => store_error(e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("query failed: {e}")),
    }
}

fn range_or_400(p: &HashMap<String, String>) -> Result<crate::store::TimeRange, Response> {
    query::time_range(p, now_ms()).map_err(|e| error(StatusCode::BAD_REQUEST, e))
}

fn limit(p: &HashMap<String, String>, default: i64) -> i64 {
    p.get("limit").and_then(|s| s.parse().ok()).unwrap_or(default).clamp(1, query::MAX_PAGE)
}

async fn slow_loads(State(st): State<Shared>, Query(p): Query<HashMap<String, String>>) -> Response {
    let r = match range_or_400(&p) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let n = limit(&p, 20);
    read(&st, move |s| s.slow_loads(r, n)).await
}

async fn error_groups(State(st): State<Shared>, Query(p): Query<HashMap<String, String>>) -> Response {
    let r = match range_or_400(&p) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let n = limit(&p, 50);
    read(&st, move |s| s.error_groups(r, n)).await
}

async fn api_failures(State(st): State<Shared>, Query(p): Query<HashMap<String, String>>) -> Response {
    let r = match range_or_400(&p) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let n = limit(&p, 50);
    read(&st, move |s| s.api_failure_groups(r, n)).await
}

async fn timeseries(State(st): State<Shared>, Query(p): Query<HashMap<String, String>>) -> Response {
    let r = match range_or_400(&p) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let to = r.to_ms.unwrap_or_else(now_ms);
    let from = r.from_ms.unwrap_or(to - 86_400_000);
    if from >= to {
        return error(StatusCode::BAD_REQUEST, "`from` must be before `to`");
    }
    let bucket = match p.get("bucket").map(|b| b.parse::<i64>()) {
        Some(Ok(b)) if b > 0 => b.max((to - from) / 2000),
        Some(_) => return error(StatusCode::BAD_REQUEST, "`bucket` must be a positive integer (ms)"),
        None => query::bucket_for(from, to),
    };
    let store = st.store.clone();
    match tokio::task::spawn_blocking(move || store.timeseries(from, to, bucket)).await {
        Ok(Ok(b)) => Json(json!({"from": from, "to": to, "bucket_ms": bucket, "buckets": b})).into_response(),
        Ok(Err(e)) => store_error(e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("query failed: {e}")),
    }
}

async fn export_user(State(st): State<Shared>, Path(user_id): Path<String>) -> Response {
    read(&st, move |s| s.export_user(&user_id)).await
}

async fn delete_user(State(st): State<Shared>, Path(user_id): Path<String>, method: Method) -> Response {
    debug_assert_eq!(method, Method::DELETE);
    read(&st, move |s| s.delete_user(&user_id)).await
}
