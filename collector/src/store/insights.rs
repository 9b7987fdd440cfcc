//! The console's diagnosis reads: KPIs of a session filter, page speed, JS error diagnosis, API
//! details and the custom event list. Rows are grouped here, in Rust, from one bounded scan each
//! (at most `MAX_ROWS` events), so percentiles need no SQL extension.

use super::sqlite::lenient;
use super::sqlite::{as_named, like_pattern, session_where, SqliteStore, APP_USER_ID};
use super::{SessionFilter, StoreResult, TimeRange};
use rusqlite::{params_from_iter, Row, ToSql};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Events read by one diagnosis query at most, newest first: older ones are left out.
pub const MAX_ROWS: i64 = 50_000;
/// Sessions listed per group.
const REFS: usize = 20;

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Kpis {
    pub sessions: i64,
    pub avg_duration_ms: f64,
    /// Share of sessions with at least one JS error, 0..1.
    pub error_rate: f64,
    pub pages_per_session: f64,
}

/// Who and when, so a link reads "alice, 10:42" rather than an id prefix.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRef {
    pub session_id: String,
    pub ts: i64,
    pub user_name: Option<String>,
    pub app_user_id: Option<String>,
    pub visitor_id: Option<String>,
    /// What the row measured (a load or a call duration), when it has one.
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageSpeed {
    pub page: String,
    pub loads: i64,
    pub p75_ms: f64,
    pub p95_ms: f64,
    pub slow: i64,
    pub slowest: Vec<SessionRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorDiagnosis {
    pub message: String,
    pub name: Option<String>,
    pub count: i64,
    pub users: i64,
    pub sessions: i64,
    pub first_ts: i64,
    pub last_ts: i64,
    pub stack: Option<String>,
    /// Most recent first.
    pub recent: Vec<SessionRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiDetail {
    pub method: String,
    /// URL without query string and fragment.
    pub url: String,
    pub calls: i64,
    pub failures: i64,
    pub p75_ms: f64,
    /// `[status or null (network error), calls]`, most calls first.
    pub by_status: Vec<(Option<i64>, i64)>,
    pub recent: Vec<SessionRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomEvent {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub view_name: Option<String>,
    pub body: Value,
    pub session: SessionRef,
}

#[derive(Debug, Clone, Serialize)]
pub struct CountryRow {
    pub country: String,
    pub sessions: i64,
    pub error_rate: f64,
    pub avg_duration_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlaceRow {
    pub country: String,
    pub region: Option<String>,
    pub city: Option<String>,
    pub sessions: i64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Geography {
    pub countries: Vec<CountryRow>,
    /// Region/city breakdown where the database has them (a country-only database has none).
    pub places: Vec<PlaceRow>,
    /// Sessions without a country, and how many of those came from a private or loopback IP.
    pub unknown: i64,
    pub unknown_private_ip: i64,
}

pub trait Insights {
    fn geography(&self, filter: &SessionFilter) -> StoreResult<Geography>;
    fn kpis(&self, filter: &SessionFilter) -> StoreResult<Kpis>;
    fn page_speed(&self, range: TimeRange) -> StoreResult<Vec<PageSpeed>>;
    fn error_diagnosis(&self, range: TimeRange) -> StoreResult<Vec<ErrorDiagnosis>>;
    fn api_details(&self, range: TimeRange) -> StoreResult<Vec<ApiDetail>>;
    /// Newest first; `text` matches name, type or body.
    fn custom_events(&self, range: TimeRange, text: Option<&str>, limit: i64) -> StoreResult<Vec<CustomEvent>>;
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1).min(sorted.len() - 1)).copied().unwrap_or(0.0)
}

fn range_sql(col: &str, r: TimeRange, args: &mut Vec<Box<dyn ToSql>>) -> String {
    let mut s = String::new();
    for (v, op) in [(r.from_ms, ">="), (r.to_ms, "<=")] {
        if let Some(v) = v {
            args.push(Box::new(v));
            s.push_str(&format!(" AND {col} {op} ?{}", args.len()));
        }
    }
    s
}

/// Columns 0..5 of every diagnosis scan: the session reference.
fn ref_cols() -> String {
    format!(
        "e.session_id AS sid, e.ts AS ts, s.user_name AS user_name, {APP_USER_ID} AS app_user_id, s.user_id AS visitor"
    )
}

/// Reads leniently: a stored field of the wrong type is shown as missing, the row still counts.
pub(super) fn ref_from_row(r: &Row, value: Option<f64>) -> rusqlite::Result<SessionRef> {
    Ok(SessionRef {
        session_id: lenient::text(r, "sid")?.unwrap_or_default(),
        ts: lenient::int(r, "ts")?.unwrap_or(0),
        user_name: lenient::text(r, "user_name")?,
        app_user_id: lenient::text(r, "app_user_id")?,
        visitor_id: lenient::text(r, "visitor")?,
        value,
    })
}

/// URL without query string and fragment (`/api/x?id=1` and `?id=2` are one endpoint).
fn base_url(u: &str) -> &str {
    u.split(['?', '#']).next().unwrap_or(u)
}

fn push_ref(refs: &mut Vec<SessionRef>, seen: &mut HashSet<String>, r: SessionRef) {
    if refs.len() < REFS && seen.insert(r.session_id.clone()) {
        refs.push(r);
    }
}

/// One event of a diagnosis scan, read the same way from either store: who and when, and the
/// fields the pages group on. The scans come newest (page speed: slowest) first.
pub(super) struct ScanRow {
    pub sref: SessionRef,
    /// Page speed: the page; errors: the message; API details: the URL.
    pub key: String,
    /// Page speed: the load time; API details: the duration.
    pub num: Option<f64>,
    /// Page speed: slow; API details: failed.
    pub flag: bool,
    pub status: Option<i64>,
    /// Errors: the error name; API details: the method.
    pub name: Option<String>,
    /// Errors: the stack.
    pub extra: Option<String>,
}

pub(super) fn group_page_speed(rows: impl IntoIterator<Item = ScanRow>) -> Vec<PageSpeed> {
    // Per page: its loads, its slow count, its slowest sessions (and their ids).
    type Acc = (Vec<f64>, i64, Vec<SessionRef>, HashSet<String>);
    let mut pages: BTreeMap<String, Acc> = BTreeMap::new();
    for r in rows {
        let Some(load) = r.num else { continue };
        let page = pages.entry(r.key).or_default();
        page.0.push(load);
        page.1 += r.flag as i64;
        // Rows come slowest first: the first ones are the slowest sessions.
        if page.2.len() < 5 {
            push_ref(&mut page.2, &mut page.3, SessionRef { value: Some(load), ..r.sref });
        }
    }
    let mut out: Vec<PageSpeed> = pages
        .into_iter()
        .map(|(page, (mut loads, slow, slowest, _))| {
            loads.sort_by(f64::total_cmp);
            PageSpeed {
                page,
                loads: loads.len() as i64,
                p75_ms: percentile(&loads, 0.75),
                p95_ms: percentile(&loads, 0.95),
                slow,
                slowest,
            }
        })
        .collect();
    out.sort_by(|a, b| b.p75_ms.total_cmp(&a.p75_ms).then(a.page.cmp(&b.page)));
    out
}

/// Error groups by message; `sessions_with(message)` counts every session with it in the range
/// (the scan is bounded, the count is not).
pub(super) fn group_errors(
    rows: impl IntoIterator<Item = ScanRow>,
    mut sessions_with: impl FnMut(&str) -> StoreResult<i64>,
) -> StoreResult<Vec<ErrorDiagnosis>> {
    let mut groups: HashMap<String, (ErrorDiagnosis, HashSet<String>, HashSet<String>)> = HashMap::new();
    for r in rows {
        let sref = r.sref;
        let (g, users, sessions) = groups.entry(r.key.clone()).or_insert_with(|| {
            (
                ErrorDiagnosis {
                    message: r.key,
                    name: None,
                    count: 0,
                    users: 0,
                    sessions: 0,
                    first_ts: sref.ts,
                    last_ts: sref.ts,
                    stack: None,
                    recent: Vec::new(),
                },
                HashSet::new(),
                HashSet::new(),
            )
        });
        g.count += 1;
        g.first_ts = g.first_ts.min(sref.ts);
        g.last_ts = g.last_ts.max(sref.ts);
        if g.name.is_none() {
            g.name = r.name;
        }
        if g.stack.is_none() {
            g.stack = r.extra;
        }
        let who = sref.app_user_id.clone().or(sref.user_name.clone()).or(sref.visitor_id.clone());
        users.insert(who.unwrap_or_else(|| sref.session_id.clone()));
        push_ref(&mut g.recent, sessions, sref);
        g.users = users.len() as i64;
    }
    let mut out: Vec<ErrorDiagnosis> = groups.into_values().map(|(g, ..)| g).collect();
    for g in &mut out {
        g.sessions = sessions_with(&g.message)?;
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_ts.cmp(&a.last_ts)).then(a.message.cmp(&b.message)));
    out.truncate(100);
    Ok(out)
}

/// API calls by method and URL without query.
pub(super) fn group_apis(rows: impl IntoIterator<Item = ScanRow>) -> Vec<ApiDetail> {
    type Acc = (ApiDetail, Vec<f64>, BTreeMap<Option<i64>, i64>, HashSet<String>);
    let mut groups: HashMap<(String, String), Acc> = HashMap::new();
    for r in rows {
        let method = r.name.unwrap_or_default();
        let url = base_url(&r.key).to_string();
        let acc = groups.entry((method.clone(), url.clone())).or_insert_with(|| {
            let detail = ApiDetail {
                method,
                url,
                calls: 0,
                failures: 0,
                p75_ms: 0.0,
                by_status: Vec::new(),
                recent: Vec::new(),
            };
            (detail, Vec::new(), BTreeMap::new(), HashSet::new())
        });
        acc.0.calls += 1;
        acc.0.failures += r.flag as i64;
        if let Some(d) = r.num {
            acc.1.push(d);
        }
        *acc.2.entry(r.status).or_default() += 1;
        push_ref(&mut acc.0.recent, &mut acc.3, SessionRef { value: r.num, ..r.sref });
    }
    let mut out: Vec<ApiDetail> = groups
        .into_values()
        .map(|(mut d, mut durations, statuses, _)| {
            durations.sort_by(f64::total_cmp);
            d.p75_ms = percentile(&durations, 0.75);
            d.by_status = statuses.into_iter().collect();
            d.by_status.sort_by_key(|s| std::cmp::Reverse(s.1));
            d
        })
        .collect();
    out.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.url.cmp(&b.url)).then(a.method.cmp(&b.method)));
    out.truncate(200);
    out
}

pub(super) fn private_ip(ip: &str) -> bool {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v)) => v.is_private() || v.is_loopback() || v.is_link_local(),
        Ok(std::net::IpAddr::V6(v)) => v.is_loopback() || (v.segments()[0] & 0xfe00) == 0xfc00,
        Err(_) => false,
    }
}

impl Insights for SqliteStore {
    fn geography(&self, f: &SessionFilter) -> StoreResult<Geography> {
        self.read(|c| {
            let (where_sql, args) = session_where(f);
            let args = as_named(&args);
            let and = if where_sql.is_empty() { "WHERE" } else { "AND" };
            let mut st = c.prepare(&format!(
                "SELECT s.country AS country, count(*) AS sessions, avg(s.js_errors > 0) AS error_rate,
                        avg(s.end_ms - s.start_ms) AS avg_duration FROM sessions s
                 {where_sql} {and} s.country IS NOT NULL GROUP BY s.country ORDER BY count(*) DESC, s.country LIMIT 300"
            ))?;
            let countries = st
                .query_map(&*args, |r| {
                    Ok(CountryRow {
                        country: lenient::text(r, "country")?.unwrap_or_default(),
                        sessions: r.get("sessions")?,
                        error_rate: lenient::real(r, "error_rate")?.unwrap_or(0.0),
                        avg_duration_ms: lenient::real(r, "avg_duration")?.unwrap_or(0.0),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut st = c.prepare(&format!(
                "SELECT s.country AS country, s.region AS region, s.city AS city, count(*) AS sessions FROM sessions s
                 {where_sql} {and} s.country IS NOT NULL AND (s.region IS NOT NULL OR s.city IS NOT NULL)
                 GROUP BY 1, 2, 3 ORDER BY count(*) DESC, 1, 2, 3 LIMIT 100"
            ))?;
            let places = st
                .query_map(&*args, |r| {
                    Ok(PlaceRow {
                        country: lenient::text(r, "country")?.unwrap_or_default(),
                        region: lenient::text(r, "region")?,
                        city: lenient::text(r, "city")?,
                        sessions: r.get("sessions")?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut st = c.prepare(&format!(
                "SELECT coalesce(s.ip, '') FROM sessions s {where_sql} {and} s.country IS NULL LIMIT {MAX_ROWS}"
            ))?;
            let ips = st.query_map(&*args, |r| lenient::text(r, 0).map(Option::unwrap_or_default))?;
            let mut g = Geography { countries, places, ..Geography::default() };
            for ip in ips {
                g.unknown += 1;
                g.unknown_private_ip += private_ip(&ip?) as i64;
            }
            Ok(g)
        })
    }

    fn kpis(&self, f: &SessionFilter) -> StoreResult<Kpis> {
        self.read(|c| {
            let (where_sql, args) = session_where(f);
            let args = as_named(&args);
            let sql = format!(
                "SELECT count(*) AS sessions, coalesce(avg(s.end_ms - s.start_ms), 0) AS avg_duration,
                        coalesce(avg(s.js_errors > 0), 0) AS error_rate,
                        coalesce(avg(s.pvs), 0) AS pages FROM sessions s {where_sql}"
            );
            Ok(c.query_row(&sql, &*args, |r| {
                Ok(Kpis {
                    sessions: r.get("sessions")?,
                    avg_duration_ms: lenient::real(r, "avg_duration")?.unwrap_or(0.0),
                    error_rate: lenient::real(r, "error_rate")?.unwrap_or(0.0),
                    pages_per_session: lenient::real(r, "pages")?.unwrap_or(0.0),
                })
            })?)
        })
    }

    fn page_speed(&self, range: TimeRange) -> StoreResult<Vec<PageSpeed>> {
        self.read(|c| {
            let mut args: Vec<Box<dyn ToSql>> = Vec::new();
            let rc = range_sql("e.ts", range, &mut args);
            let sql = format!(
                "SELECT {}, e.load_ms AS num, e.is_slow AS flag, coalesce(e.view_name, e.url, '') AS key
                 FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id
                 WHERE e.load_ms IS NOT NULL {rc} ORDER BY e.load_ms DESC, e.ts DESC LIMIT {MAX_ROWS}",
                ref_cols()
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok(ScanRow {
                        sref: ref_from_row(r, None)?,
                        num: lenient::real(r, "num")?,
                        flag: lenient::flag(r, "flag")?,
                        key: lenient::text(r, "key")?.unwrap_or_default(),
                        status: None,
                        name: None,
                        extra: None,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(group_page_speed(rows))
        })
    }

    fn error_diagnosis(&self, range: TimeRange) -> StoreResult<Vec<ErrorDiagnosis>> {
        self.read(|c| {
            let mut args: Vec<Box<dyn ToSql>> = Vec::new();
            let rc = range_sql("e.ts", range, &mut args);
            let sql = format!(
                "SELECT {}, coalesce(e.message, '') AS key, (CASE WHEN json_valid(e.body) THEN json_extract(e.body, '$.name') END) AS name,
                        (CASE WHEN json_valid(e.body) THEN json_extract(e.body, '$.stack') END) AS extra
                 FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id
                 WHERE e.is_error = 1 {rc} ORDER BY e.ts DESC LIMIT {MAX_ROWS}",
                ref_cols()
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok(ScanRow {
                        sref: ref_from_row(r, None)?,
                        key: lenient::text(r, "key")?.unwrap_or_default(),
                        name: lenient::text(r, "name")?,
                        extra: lenient::text(r, "extra")?,
                        num: None,
                        flag: false,
                        status: None,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            group_errors(rows, |message| {
                let mut a: Vec<Box<dyn ToSql>> = vec![Box::new(message.to_string())];
                let rc = range_sql("ts", range, &mut a);
                Ok(c.query_row(
                    &format!(
                        "SELECT count(DISTINCT session_id) FROM events WHERE is_error = 1 AND coalesce(message, '') = ?1 {rc}"
                    ),
                    params_from_iter(a.iter()),
                    |r| r.get(0),
                )?)
            })
        })
    }

    fn api_details(&self, range: TimeRange) -> StoreResult<Vec<ApiDetail>> {
        self.read(|c| {
            let mut args: Vec<Box<dyn ToSql>> = Vec::new();
            let rc = range_sql("e.ts", range, &mut args);
            let sql = format!(
                "SELECT {}, coalesce(e.url, e.name, '') AS key, coalesce((CASE WHEN json_valid(e.body) THEN json_extract(e.body, '$.method') END), 'GET') AS name,
                        e.status_code AS status, e.is_api_failure AS flag, e.duration AS num
                 FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id
                 WHERE e.is_api = 1 {rc} ORDER BY e.ts DESC LIMIT {MAX_ROWS}",
                ref_cols()
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok(ScanRow {
                        sref: ref_from_row(r, None)?,
                        key: lenient::text(r, "key")?.unwrap_or_default(),
                        name: lenient::text(r, "name")?,
                        status: lenient::int(r, "status")?,
                        flag: lenient::flag(r, "flag")?,
                        num: lenient::real(r, "num")?,
                        extra: None,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(group_apis(rows))
        })
    }

    fn custom_events(&self, range: TimeRange, text: Option<&str>, limit: i64) -> StoreResult<Vec<CustomEvent>> {
        self.read(|c| {
            let mut args: Vec<Box<dyn ToSql>> = Vec::new();
            let mut rc = range_sql("e.ts", range, &mut args);
            if let Some(t) = text {
                args.push(Box::new(like_pattern(t)));
                let n = args.len();
                rc.push_str(&format!(
                    " AND (e.name LIKE ?{n} ESCAPE '\\' OR e.type LIKE ?{n} ESCAPE '\\' OR e.body LIKE ?{n} ESCAPE '\\')"
                ));
            }
            let sql = format!(
                "SELECT {}, e.name AS name, e.type AS kind, e.view_name AS view_name, e.body AS body
                 FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id
                 WHERE e.event_type = 'custom' {rc} ORDER BY e.ts DESC LIMIT {}",
                ref_cols(),
                limit.clamp(1, 500)
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params_from_iter(args.iter()), |r| {
                    let body = lenient::text(r, "body")?.unwrap_or_default();
                    Ok(CustomEvent {
                        name: lenient::text(r, "name")?,
                        kind: lenient::text(r, "kind")?,
                        view_name: lenient::text(r, "view_name")?,
                        body: serde_json::from_str(&body).unwrap_or(Value::Null),
                        session: ref_from_row(r, None)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.75), 15.0);
        assert_eq!(percentile(&v, 0.95), 19.0);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
        assert_eq!(percentile(&[], 0.75), 0.0);
    }

    #[test]
    fn private_addresses() {
        assert!(private_ip("127.0.0.1") && private_ip("10.1.2.3") && private_ip("192.168.0.0") && private_ip("::1"));
        assert!(!private_ip("8.8.8.0") && !private_ip("") && !private_ip("2001:db8::"));
    }

    #[test]
    fn endpoints_drop_query_and_fragment() {
        assert_eq!(base_url("https://a/x?id=1#f"), "https://a/x");
        assert_eq!(base_url("/y#f"), "/y");
    }
}
