//! The session path: pages (views) in time order, each with its events in time order.
//!
//! A page is one view id. Its time is its pv event's time, or its first event's when the pv was
//! not received (e.g. sent before the collector ran). Events without any view go to a page with
//! `view_id: null` so nothing is hidden.

use crate::store::StoredEvent;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub view_id: Option<String>,
    pub view_name: Option<String>,
    pub url: Option<String>,
    pub ts: i64,
    pub has_pv: bool,
    pub loading_type: Option<String>,
    pub events: Vec<StoredEvent>,
}

/// `events` must be in time order (the store returns them by `ts, seq`).
pub fn build(events: Vec<StoredEvent>) -> Vec<Page> {
    let mut pages: Vec<Page> = Vec::new();
    for ev in events {
        let idx = match pages.iter().position(|p| p.view_id == ev.view_id) {
            Some(i) => i,
            None => {
                pages.push(Page {
                    view_id: ev.view_id.clone(),
                    view_name: ev.view_name.clone(),
                    url: None,
                    ts: ev.ts,
                    has_pv: false,
                    loading_type: None,
                    events: Vec::new(),
                });
                pages.len() - 1
            }
        };
        let page = &mut pages[idx];
        if ev.event_type == "view" && ev.kind.as_deref() == Some("pv") && !page.has_pv {
            page.has_pv = true;
            page.ts = ev.ts;
            page.url = ev.url.clone();
            page.loading_type = ev.body.get("loading_type").and_then(|v| v.as_str()).map(str::to_string);
            if let Some(name) = ev.name.clone() {
                page.view_name = Some(name);
            }
        }
        if page.url.is_none() {
            page.url =
                ev.body.get("url").and_then(|v| v.as_str()).filter(|_| ev.event_type == "view").map(str::to_string);
        }
        page.events.push(ev);
    }
    pages.sort_by_key(|p| p.ts);
    pages
}
