//! Replay types of the storage seam: what `POST /replay` writes and what the console reads.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// One validated segment (see `crate::replay`); `records` is the JSON array text as received.
#[derive(Debug, Clone)]
pub struct NewSegment {
    pub pid: String,
    pub session_id: String,
    pub view_id: String,
    pub segment_id: String,
    pub seq: u32,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: u64,
    pub has_full_snapshot: bool,
    pub source: String,
    /// Decoded size of the whole segment; the per-session cap adds these up.
    pub bytes: u64,
    /// Server clock at ingest: retention uses it for replays without a session row.
    pub received_ms: i64,
    pub records: String,
}

/// What a replay write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayWrite {
    Stored,
    /// Same (session_id, segment_id) already stored: a retry, ignored.
    Duplicate,
    /// The session already holds `used` bytes; this segment would pass the cap.
    SessionFull {
        used: u64,
    },
}

/// A segment as the console lists it (wire names of the replay contract).
#[derive(Debug, Clone, Serialize)]
pub struct SegmentMeta {
    pub view_id: String,
    pub segment_id: String,
    pub seq: u32,
    pub start: i64,
    pub end: i64,
    pub count: u64,
    pub has_full_snapshot: bool,
    pub source: String,
}

/// `GET /api/sessions/{id}/replay`: the segments and all their records in time order.
#[derive(Debug, Serialize)]
pub struct SessionReplay {
    pub session_id: String,
    pub segments: Vec<SegmentMeta>,
    pub records: Vec<Box<RawValue>>,
}

/// One segment in a privacy export, records included.
#[derive(Debug, Serialize)]
pub struct ExportedSegment {
    pub session_id: String,
    #[serde(flatten)]
    pub meta: SegmentMeta,
    pub records: Box<RawValue>,
}

#[derive(Deserialize)]
struct Stamp {
    timestamp: i64,
}

/// A session's segments (in start, then seq order) with their records' JSON array text, as the
/// player wants them: the segments, and every record merged into one time order. `None` without
/// segments. Both stores read through this.
pub fn assemble(session_id: &str, rows: Vec<(SegmentMeta, String)>) -> Option<SessionReplay> {
    if rows.is_empty() {
        return None;
    }
    let mut segments = Vec::with_capacity(rows.len());
    let mut records: Vec<(i64, Box<RawValue>)> = Vec::new();
    for (meta, text) in rows {
        // Stored rows passed validation; a row that no longer parses is skipped, not fatal.
        if let Ok(list) = serde_json::from_str::<Vec<Box<RawValue>>>(&text) {
            for rec in list {
                let ts = serde_json::from_str::<Stamp>(rec.get()).map_or(meta.start, |s| s.timestamp);
                records.push((ts, rec));
            }
        }
        segments.push(meta);
    }
    // Stable: records of equal time keep segment order.
    records.sort_by_key(|(ts, _)| *ts);
    Some(SessionReplay {
        session_id: session_id.to_string(),
        segments,
        records: records.into_iter().map(|(_, r)| r).collect(),
    })
}
