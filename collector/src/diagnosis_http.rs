//! Routes of the console's diagnosis pages and KPIs (reads in `store::insights`), and the demo
//! shop's slow endpoint. Merged into `http::router`.

use crate::auth::Principal;
use crate::http::{read, ApiError, ApiResult, Shared};
use crate::query;
use crate::retention::now_ms;
use crate::store::insights::Kpis;
use crate::store::StoreError;
use axum::extract::{Extension, Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::collections::HashMap;

type Params = HashMap<String, String>;

/// The demo's slow API answers after `ms` (at most this long, so it holds no connection long).
const MAX_DEMO_DELAY_MS: u64 = 5_000;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/kpis", get(kpis))
        .route("/api/geo", get(geo))
        .route("/api/diagnosis/speed", get(speed))
        .route("/api/diagnosis/errors", get(errors))
        .route("/api/diagnosis/apis", get(apis))
        .route("/api/diagnosis/custom", get(custom))
        .route("/demo-api/slow", get(demo_slow))
}

#[derive(Serialize)]
struct KpiAnswer {
    from_ms: Option<i64>,
    to_ms: i64,
    current: Kpis,
    /// The same filters over the range just before (as long as this one); none for "all time".
    previous: Option<Kpis>,
}

async fn kpis(State(st): State<Shared>, Extension(who): Extension<Principal>, Query(p): Query<Params>) -> ApiResult {
    let now = now_ms();
    let mut filter = query::session_filter(&p, now).map_err(ApiError::BadRequest)?;
    // An app-scoped caller gets the figures of its apps only.
    filter.apps = who.apps;
    read(&st, move |s| -> Result<KpiAnswer, StoreError> {
        let to = filter.to_ms.unwrap_or(now);
        let current = s.kpis(&filter)?;
        let previous = match filter.from_ms {
            Some(from) if from < to => {
                let mut prev = filter.clone();
                prev.from_ms = Some(from - (to - from));
                prev.to_ms = Some(from);
                Some(s.kpis(&prev)?)
            }
            _ => None,
        };
        Ok(KpiAnswer { from_ms: filter.from_ms, to_ms: to, current, previous })
    })
    .await
}

#[derive(Serialize)]
struct GeoAnswer {
    #[serde(flatten)]
    geo: crate::store::insights::Geography,
    /// Which IP databases the collector loaded: without one, no session has a country.
    country_db: bool,
    city_db: bool,
}

async fn geo(State(st): State<Shared>, Extension(who): Extension<Principal>, Query(p): Query<Params>) -> ApiResult {
    let mut filter = query::session_filter(&p, now_ms()).map_err(ApiError::BadRequest)?;
    filter.apps = who.apps;
    let (country_db, city_db) = st.enricher.databases();
    read(&st, move |s| Ok(GeoAnswer { geo: s.geography(&filter)?, country_db, city_db })).await
}

async fn speed(State(st): State<Shared>, Query(p): Query<Params>) -> ApiResult {
    let r = query::time_range(&p, now_ms()).map_err(ApiError::BadRequest)?;
    read(&st, move |s| s.page_speed(r)).await
}

async fn errors(State(st): State<Shared>, Query(p): Query<Params>) -> ApiResult {
    let r = query::time_range(&p, now_ms()).map_err(ApiError::BadRequest)?;
    read(&st, move |s| s.error_diagnosis(r)).await
}

async fn apis(State(st): State<Shared>, Query(p): Query<Params>) -> ApiResult {
    let r = query::time_range(&p, now_ms()).map_err(ApiError::BadRequest)?;
    read(&st, move |s| s.api_details(r)).await
}

async fn custom(State(st): State<Shared>, Query(p): Query<Params>) -> ApiResult {
    let r = query::time_range(&p, now_ms()).map_err(ApiError::BadRequest)?;
    let text = p.get("text").map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::BadRequest("`text` longer than 200 characters".into()));
    }
    let limit = p.get("limit").and_then(|l| l.parse().ok()).unwrap_or(200);
    read(&st, move |s| s.custom_events(r, text.as_deref(), limit)).await
}

async fn demo_slow(Query(p): Query<Params>) -> ApiResult {
    let ms = p.get("ms").and_then(|m| m.parse::<u64>().ok()).unwrap_or(1500).min(MAX_DEMO_DELAY_MS);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    Ok(Json(serde_json::json!({ "slow_ms": ms })).into_response())
}
