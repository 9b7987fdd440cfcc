//! The console's insight pages and the web-vitals rehoming on the ClickHouse store.
//!
//! `foreign_views` (the session page), KPIs and geography (aggregates over the same session
//! summaries the list reads) are implemented. Page speed, error diagnosis, API details and custom
//! events are not yet: they answer a clear error (503 naming the page) instead of a wrong or
//! empty answer.

use super::clickhouse::ClickHouseStore;
use super::insights::{
    private_ip, ApiDetail, CountryRow, CustomEvent, ErrorDiagnosis, Geography, Insights, Kpis, PageSpeed, PlaceRow,
    MAX_ROWS,
};
use super::view_owner::{Foreign, ViewOwner};
use super::{SessionFilter, StoreError, StoreResult, TimeRange};
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

fn not_yet<T>(page: &str) -> StoreResult<T> {
    Err(StoreError::Db(format!("the {page} page is not available on the ClickHouse store yet (SQLite has it)")))
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
    fn page_speed(&self, _range: TimeRange) -> StoreResult<Vec<PageSpeed>> {
        not_yet("page speed")
    }
    fn error_diagnosis(&self, _range: TimeRange) -> StoreResult<Vec<ErrorDiagnosis>> {
        not_yet("error diagnosis")
    }
    fn api_details(&self, _range: TimeRange) -> StoreResult<Vec<ApiDetail>> {
        not_yet("API details")
    }
    fn custom_events(&self, _range: TimeRange, _text: Option<&str>, _limit: i64) -> StoreResult<Vec<CustomEvent>> {
        not_yet("custom events")
    }
}

impl ViewOwner for ClickHouseStore {
    fn foreign_views(&self, session_id: &str, visitor_id: &str) -> StoreResult<Foreign> {
        self.foreign_views_of(session_id, visitor_id)
    }
}
