//! The console's insight pages and the web-vitals rehoming on the ClickHouse store.
//!
//! KPIs and geography aggregate over the same session summaries the list reads; page speed,
//! error diagnosis, API details and custom events scan events like SQLite and group them with
//! the same code (`insights::group_*`), so both stores give the same answers.

use super::clickhouse::ClickHouseStore;
use super::clickhouse_http::quote;
use super::insights::{
    group_apis, group_errors, group_page_speed, private_ip, ApiDetail, CountryRow, CustomEvent, ErrorDiagnosis,
    Geography, Insights, Kpis, PageSpeed, PlaceRow, ScanRow, SessionRef, MAX_ROWS,
};
use super::view_owner::{Foreign, ViewOwner};
use super::{SessionFilter, StoreResult, TimeRange};
use serde_json::{Map, Value};

fn str_of(r: &Map<String, Value>, k: &str) -> String {
    r.get(k).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn int_of(r: &Map<String, Value>, k: &str) -> i64 {
    r.get(k).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))).unwrap_or(0)
}

fn num_of(r: &Map<String, Value>, k: &str) -> f64 {
    r.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}

impl Insights for ClickHouseStore {
    fn geography(&self, f: &SessionFilter) -> StoreResult<Geography> {
        let countries = self
            .over_sessions(
                f,
                "country, count() AS n, avg(js_errors > 0) AS e, avg(duration_ms) AS d",
                "country IS NOT NULL",
                "GROUP BY country ORDER BY n DESC, country LIMIT 300",
            )?
            .iter()
            .map(|r| CountryRow {
                country: str_of(r, "country"),
                sessions: int_of(r, "n"),
                error_rate: num_of(r, "e"),
                avg_duration_ms: num_of(r, "d"),
            })
            .collect();
        let places = self
            .over_sessions(
                f,
                "country, region, city, count() AS n",
                "country IS NOT NULL AND (region IS NOT NULL OR city IS NOT NULL)",
                "GROUP BY country, region, city ORDER BY n DESC, country, region, city LIMIT 100",
            )?
            .iter()
            .map(|r| PlaceRow {
                country: str_of(r, "country"),
                region: r.get("region").and_then(|v| v.as_str()).map(str::to_string),
                city: r.get("city").and_then(|v| v.as_str()).map(str::to_string),
                sessions: int_of(r, "n"),
            })
            .collect();
        let mut g = Geography { countries, places, ..Geography::default() };
        for r in self.over_sessions(f, "ifNull(ip, '') AS ip", "country IS NULL", &format!("LIMIT {MAX_ROWS}"))? {
            g.unknown += 1;
            g.unknown_private_ip += private_ip(&str_of(&r, "ip")) as i64;
        }
        Ok(g)
    }

    fn kpis(&self, f: &SessionFilter) -> StoreResult<Kpis> {
        // `if`: avg over no rows is nan, which is not JSON.
        let rows = self.over_sessions(
            f,
            "count() AS n, if(n = 0, 0, avg(duration_ms)) AS d, if(n = 0, 0, avg(js_errors > 0)) AS e,
             if(n = 0, 0, avg(pvs)) AS p",
            "",
            "",
        )?;
        let r = rows.first().cloned().unwrap_or_default();
        Ok(Kpis {
            sessions: int_of(&r, "n"),
            avg_duration_ms: num_of(&r, "d"),
            error_rate: num_of(&r, "e"),
            pages_per_session: num_of(&r, "p"),
        })
    }
    fn page_speed(&self, range: TimeRange) -> StoreResult<Vec<PageSpeed>> {
        let rows = self.scan(
            "load_ms, is_slow, ifNull(view_name, ifNull(url, '')) AS page",
            "load_ms IS NOT NULL",
            range,
            "load_ms DESC, ts DESC",
            MAX_ROWS,
        )?;
        Ok(group_page_speed(rows.iter().map(|r| ScanRow {
            sref: sref(r),
            key: str_of(r, "page"),
            num: r.get("load_ms").and_then(Value::as_f64),
            flag: int_of(r, "is_slow") != 0,
            status: None,
            name: None,
            extra: None,
        })))
    }

    fn error_diagnosis(&self, range: TimeRange) -> StoreResult<Vec<ErrorDiagnosis>> {
        // Name and stack from the event's JSON, as SQLite reads them (18.16 has no JSONExtract).
        let rows = self.scan("ifNull(message, '') AS msg, body", "is_error = 1", range, "ts DESC", MAX_ROWS)?;
        let scanned = rows.iter().map(|r| {
            let body: Value = serde_json::from_str(&str_of(r, "body")).unwrap_or(Value::Null);
            let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
            ScanRow {
                sref: sref(r),
                key: str_of(r, "msg"),
                name: field("name"),
                extra: field("stack"),
                num: None,
                flag: false,
                status: None,
            }
        });
        group_errors(scanned.collect::<Vec<_>>(), |message| self.sessions_with_error(message, range))
    }

    fn api_details(&self, range: TimeRange) -> StoreResult<Vec<ApiDetail>> {
        let rows = self.scan(
            "ifNull(url, ifNull(name, '')) AS api_url, status_code, is_api_failure, duration, body",
            "is_api = 1",
            range,
            "ts DESC",
            MAX_ROWS,
        )?;
        Ok(group_apis(rows.iter().map(|r| {
            let body: Value = serde_json::from_str(&str_of(r, "body")).unwrap_or(Value::Null);
            ScanRow {
                sref: sref(r),
                key: str_of(r, "api_url"),
                name: Some(body.get("method").and_then(Value::as_str).unwrap_or("GET").to_string()),
                status: r.get("status_code").and_then(Value::as_i64),
                flag: int_of(r, "is_api_failure") != 0,
                num: r.get("duration").and_then(Value::as_f64),
                extra: None,
            }
        })))
    }

    fn custom_events(&self, range: TimeRange, text: Option<&str>, limit: i64) -> StoreResult<Vec<CustomEvent>> {
        let mut cond = String::from("event_type = 'custom'");
        if let Some(t) = text {
            let q = quote(t);
            cond.push_str(&format!(
                " AND (positionCaseInsensitive(ifNull(name, ''), {q}) > 0 OR positionCaseInsensitive(ifNull(kind, ''), {q}) > 0
                       OR positionCaseInsensitive(body, {q}) > 0)"
            ));
        }
        let rows = self.scan("name, kind, view_name, body", &cond, range, "ts DESC", limit.clamp(1, 500))?;
        Ok(rows
            .iter()
            .map(|r| CustomEvent {
                name: r.get("name").and_then(Value::as_str).map(str::to_string),
                kind: r.get("kind").and_then(Value::as_str).map(str::to_string),
                view_name: r.get("view_name").and_then(Value::as_str).map(str::to_string),
                body: serde_json::from_str(&str_of(r, "body")).unwrap_or(Value::Null),
                session: sref(r),
            })
            .collect())
    }
}

/// The session reference of a scan row (see `ClickHouseStore::scan`).
fn sref(r: &Map<String, Value>) -> SessionRef {
    let opt = |k: &str| r.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    SessionRef {
        session_id: str_of(r, "session_id"),
        ts: int_of(r, "ts"),
        user_name: opt("r_user_name"),
        app_user_id: opt("r_app_user_id"),
        visitor_id: opt("r_visitor"),
        value: None,
    }
}

impl ViewOwner for ClickHouseStore {
    fn foreign_views(&self, session_id: &str, visitor_id: &str) -> StoreResult<Foreign> {
        self.foreign_views_of(session_id, visitor_id)
    }
}
