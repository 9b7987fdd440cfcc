//! The console's insight pages and the web-vitals rehoming on the ClickHouse store.
//!
//! `foreign_views` (the session page) is implemented. The insight pages (KPIs, geography, page
//! speed, error diagnosis, API details, custom events) arrived on main after this store was
//! written and are not implemented for ClickHouse yet: they answer a clear error (503 naming the
//! page) instead of a wrong or empty answer.

use super::clickhouse::ClickHouseStore;
use super::insights::{ApiDetail, CustomEvent, ErrorDiagnosis, Geography, Insights, Kpis, PageSpeed};
use super::view_owner::{Foreign, ViewOwner};
use super::{SessionFilter, StoreError, StoreResult, TimeRange};

fn not_yet<T>(page: &str) -> StoreResult<T> {
    Err(StoreError::Db(format!("the {page} page is not available on the ClickHouse store yet (SQLite has it)")))
}

impl Insights for ClickHouseStore {
    fn geography(&self, _filter: &SessionFilter) -> StoreResult<Geography> {
        not_yet("geography")
    }
    fn kpis(&self, _filter: &SessionFilter) -> StoreResult<Kpis> {
        not_yet("KPI")
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
