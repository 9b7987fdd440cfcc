//! Which session a page view belongs to. The SDK sends a load's final web vitals when the page is
//! hidden, stamped with the load's first view but in the session current at that moment: after a
//! user switch on that page, the vitals land in the second user's session as a page without a
//! page view. The read side puts them back with the session that has the view's page view,
//! looking only at the other sessions of the same visitor (one browser), through indexes.

use super::sqlite::{event_from_row, SqliteStore, EVENT_COLS};
use super::{StoreResult, StoredEvent};
use rusqlite::params;
use std::collections::HashSet;

/// What other sessions of the visitor hold about this session's views.
#[derive(Debug, Default)]
pub struct Foreign {
    /// Web vitals stored elsewhere whose view has its page view in this session.
    pub vitals_here: Vec<StoredEvent>,
    /// Views of this session's web vitals whose page view is in another session.
    pub views_elsewhere: HashSet<String>,
}

pub trait ViewOwner {
    fn foreign_views(&self, session_id: &str, visitor_id: &str) -> StoreResult<Foreign>;
}

const OTHERS: &str = "SELECT session_id FROM sessions WHERE user_id = ?2 AND session_id != ?1";

impl ViewOwner for SqliteStore {
    fn foreign_views(&self, session_id: &str, visitor_id: &str) -> StoreResult<Foreign> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {EVENT_COLS} FROM events WHERE session_id IN ({OTHERS})
                   AND event_type = 'view' AND type = 'webvitals'
                   AND view_id IN (SELECT view_id FROM events WHERE session_id = ?1 AND is_pv = 1)"
            ))?;
            let vitals_here =
                st.query_map(params![session_id, visitor_id], event_from_row)?.collect::<Result<Vec<_>, _>>()?;
            let mut st = c.prepare_cached(&format!(
                "SELECT DISTINCT view_id FROM events WHERE session_id IN ({OTHERS}) AND is_pv = 1
                   AND view_id IN (SELECT view_id FROM events WHERE session_id = ?1 AND type = 'webvitals')"
            ))?;
            let views_elsewhere = st
                .query_map(params![session_id, visitor_id], |r| r.get::<_, Option<String>>(0))?
                .filter_map(|v| v.transpose())
                .collect::<Result<HashSet<_>, _>>()?;
            Ok(Foreign { vitals_here, views_elsewhere })
        })
    }
}

/// The session's events with the web vitals of its views put back, and those of other sessions'
/// views taken out; in time order again.
pub fn rehome(own: Vec<StoredEvent>, foreign: Foreign) -> Vec<StoredEvent> {
    let elsewhere = |e: &StoredEvent| {
        e.kind.as_deref() == Some("webvitals")
            && e.view_id.as_ref().is_some_and(|v| foreign.views_elsewhere.contains(v))
    };
    let mut out: Vec<StoredEvent> = own.into_iter().filter(|e| !elsewhere(e)).collect();
    out.extend(foreign.vitals_here);
    out.sort_by_key(|e| (e.ts, e.seq));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: i64, kind: &str, view: &str) -> StoredEvent {
        StoredEvent {
            seq,
            ts: seq * 10,
            event_type: "view".into(),
            kind: Some(kind.into()),
            view_id: Some(view.into()),
            view_name: None,
            name: None,
            url: None,
            message: None,
            status_code: None,
            success: None,
            duration: None,
            is_error: false,
            is_api: false,
            is_api_failure: false,
            is_slow: false,
            unreadable: false,
            body: serde_json::Value::Null,
        }
    }

    #[test]
    fn vitals_go_back_to_the_session_of_their_view() {
        // Session B holds its own pv (v2) and the vitals of A's view v1.
        let b = vec![ev(1, "pv", "v2"), ev(3, "webvitals", "v1")];
        let foreign = Foreign { vitals_here: vec![], views_elsewhere: ["v1".to_string()].into() };
        let kept: Vec<i64> = rehome(b, foreign).iter().map(|e| e.seq).collect();
        assert_eq!(kept, [1]);
        // Session A gets them, in time order.
        let a = vec![ev(0, "pv", "v1"), ev(2, "leave", "v1")];
        let foreign = Foreign { vitals_here: vec![ev(3, "webvitals", "v1")], views_elsewhere: HashSet::new() };
        let got: Vec<i64> = rehome(a, foreign).iter().map(|e| e.seq).collect();
        assert_eq!(got, [0, 2, 3]);
    }

    #[test]
    fn vitals_of_a_view_nobody_else_has_stay() {
        let own = vec![ev(1, "webvitals", "v9")];
        assert_eq!(rehome(own, Foreign::default()).len(), 1);
    }
}
