//! Query-string parsing for the console's API: turns `?range=1h&browser=Chrome&errors=>2...`
//! into store filters, with a clear message for each bad parameter. No SQL here.

use crate::store::{SessionFilter, SortKey, TimeRange};
use std::collections::HashMap;

pub const MAX_PAGE: i64 = 200;

type Params = HashMap<String, String>;

fn text(p: &Params, key: &str) -> Option<String> {
    p.get(key).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn int(p: &Params, key: &str) -> Result<Option<i64>, String> {
    match text(p, key) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| format!("`{key}` must be an integer, got `{s}`")),
    }
}

/// Free text is matched with LIKE over events: bounded so one query stays cheap.
fn bounded(p: &Params, key: &str) -> Result<Option<String>, String> {
    match text(p, key) {
        Some(s) if s.chars().count() > 200 => Err(format!("`{key}` longer than 200 characters")),
        v => Ok(v),
    }
}

/// `range=15m|1h|24h|7d` (relative to `now_ms`) or `from`/`to` in ms since epoch.
pub fn time_range(p: &Params, now_ms: i64) -> Result<TimeRange, String> {
    let mut r = TimeRange { from_ms: int(p, "from")?, to_ms: int(p, "to")? };
    if let Some(range) = text(p, "range") {
        let span =
            parse_span(&range).ok_or_else(|| format!("`range` must look like 15m, 1h, 24h or 7d, got `{range}`"))?;
        r.from_ms = Some(now_ms - span);
        r.to_ms = None;
    }
    Ok(r)
}

fn parse_span(s: &str) -> Option<i64> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(ms)
}

/// `errors`: `0` (none), `>0` / `gt0` (some), `>N` / `gtN` (more than N), `N` (exactly N);
/// `min_errors` / `max_errors` for anything else.
fn errors_filter(s: &str) -> Result<(Option<i64>, Option<i64>), String> {
    let bad = || format!("`errors` must be 0, >0 or >N, got `{s}`");
    let rest = s.strip_prefix('>').or_else(|| s.strip_prefix("gt"));
    match rest {
        Some(n) => {
            let n: i64 = n.trim().parse().map_err(|_| bad())?;
            Ok((Some(n + 1), None))
        }
        None => {
            let n: i64 = s.parse().map_err(|_| bad())?;
            Ok((Some(n), Some(n)))
        }
    }
}

pub fn session_filter(p: &Params, now_ms: i64) -> Result<SessionFilter, String> {
    let range = time_range(p, now_ms)?;
    let mut f = SessionFilter {
        from_ms: range.from_ms,
        to_ms: range.to_ms,
        user: text(p, "q").or_else(|| text(p, "user")),
        session_id: text(p, "session_id"),
        app_user_id: text(p, "app_user_id"),
        text: bounded(p, "text")?,
        app_id: text(p, "app_id"),
        ip: text(p, "ip"),
        page_url: text(p, "url"),
        browser: text(p, "browser"),
        browser_version: text(p, "browser_version"),
        os: text(p, "os"),
        device_type: text(p, "device"),
        connection: text(p, "connection"),
        country: text(p, "country"),
        region: text(p, "region"),
        city: text(p, "city"),
        app_version: text(p, "app_version"),
        env: text(p, "env"),
        min_errors: int(p, "min_errors")?,
        max_errors: int(p, "max_errors")?,
        min_duration_ms: int(p, "min_duration")?,
        max_duration_ms: int(p, "max_duration")?,
        ..SessionFilter::default()
    };
    if let Some(e) = text(p, "errors") {
        let (min, max) = errors_filter(&e)?;
        f.min_errors = min.or(f.min_errors);
        f.max_errors = max.or(f.max_errors);
    }
    f.sort = match text(p, "sort").as_deref() {
        None | Some("start") => SortKey::Start,
        Some("duration") => SortKey::Duration,
        Some("errors") => SortKey::Errors,
        Some(other) => return Err(format!("`sort` must be start, duration or errors, got `{other}`")),
    };
    f.ascending = match text(p, "order").as_deref() {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(other) => return Err(format!("`order` must be asc or desc, got `{other}`")),
    };
    f.limit = int(p, "limit")?.unwrap_or(50).clamp(1, MAX_PAGE);
    f.offset = int(p, "offset")?.unwrap_or(0).max(0);
    Ok(f)
}

/// Bucket size of the time series: ~60 buckets over the range, at least one minute.
pub fn bucket_for(from_ms: i64, to_ms: i64) -> i64 {
    ((to_ms - from_ms) / 60).max(60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn error_filters() {
        let f = session_filter(&p(&[("errors", "0")]), 0).unwrap();
        assert_eq!((f.min_errors, f.max_errors), (Some(0), Some(0)));
        let f = session_filter(&p(&[("errors", ">0")]), 0).unwrap();
        assert_eq!((f.min_errors, f.max_errors), (Some(1), None));
        let f = session_filter(&p(&[("errors", "gt5")]), 0).unwrap();
        assert_eq!((f.min_errors, f.max_errors), (Some(6), None));
        assert!(session_filter(&p(&[("errors", "many")]), 0).is_err());
    }

    #[test]
    fn ranges_and_paging() {
        let f = session_filter(&p(&[("range", "15m"), ("limit", "100000")]), 1_000_000).unwrap();
        assert_eq!(f.from_ms, Some(1_000_000 - 900_000));
        assert_eq!(f.limit, MAX_PAGE);
        assert!(session_filter(&p(&[("range", "soon")]), 0).is_err());
        assert!(session_filter(&p(&[("sort", "name")]), 0).is_err());
        assert!(session_filter(&p(&[("from", "yesterday")]), 0).is_err());
    }
}
