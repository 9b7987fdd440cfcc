//! Replay segments in SQLite: one row per segment, records kept as the JSON text received.
//! Called from `sqlite.rs` (the `Store` impl) inside its transactions.

use super::replay::{ExportedSegment, NewSegment, ReplayWrite, SegmentMeta, SessionReplay};
use super::StoreResult;
use rusqlite::{named_params, Connection, OptionalExtension, Row};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Migration 2 of `sqlite.rs`.
pub const MIGRATION: &str = r#"
    CREATE TABLE replay_segments (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        segment_id TEXT NOT NULL,
        pid TEXT NOT NULL,
        view_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        count INTEGER NOT NULL,
        has_full_snapshot INTEGER NOT NULL,
        source TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        received_ms INTEGER NOT NULL,
        records TEXT NOT NULL
    );
    -- A retried segment is one segment; also the session lookup of the list's has_replay.
    CREATE UNIQUE INDEX replay_dedup ON replay_segments(session_id, segment_id);
    CREATE INDEX replay_received ON replay_segments(received_ms);
"#;

/// `has_replay` of a session row aliased `s` (see SESSION_COLS in sqlite.rs).
pub const HAS_REPLAY: &str = "EXISTS (SELECT 1 FROM replay_segments r WHERE r.session_id = s.session_id)";

/// Duplicate check, session cap and insert, in the caller's IMMEDIATE transaction.
pub fn write(tx: &Connection, seg: &NewSegment, max_session_bytes: u64) -> StoreResult<ReplayWrite> {
    let dup = tx
        .query_row(
            "SELECT 1 FROM replay_segments WHERE session_id = :sid AND segment_id = :seg",
            named_params! {":sid": seg.session_id, ":seg": seg.segment_id},
            |_| Ok(()),
        )
        .optional()?;
    if dup.is_some() {
        return Ok(ReplayWrite::Duplicate);
    }
    let used: i64 = tx.query_row(
        "SELECT coalesce(sum(bytes), 0) FROM replay_segments WHERE session_id = :sid",
        named_params! {":sid": seg.session_id},
        |r| r.get(0),
    )?;
    let used = used.max(0) as u64;
    if used.saturating_add(seg.bytes) > max_session_bytes {
        return Ok(ReplayWrite::SessionFull { used });
    }
    tx.execute(
        "INSERT INTO replay_segments (session_id, segment_id, pid, view_id, seq, start_ms, end_ms, count,
            has_full_snapshot, source, bytes, received_ms, records)
         VALUES (:sid, :seg, :pid, :view, :seq, :start, :end, :count, :full, :source, :bytes, :received, :records)",
        named_params! {
            ":sid": seg.session_id, ":seg": seg.segment_id, ":pid": seg.pid, ":view": seg.view_id,
            ":seq": seg.seq, ":start": seg.start_ms, ":end": seg.end_ms, ":count": seg.count as i64,
            ":full": seg.has_full_snapshot, ":source": seg.source, ":bytes": seg.bytes as i64,
            ":received": seg.received_ms, ":records": seg.records,
        },
    )?;
    Ok(ReplayWrite::Stored)
}

const META_COLS: &str = "view_id, segment_id, seq, start_ms, end_ms, count, has_full_snapshot, source";

fn meta_from_row(r: &Row) -> rusqlite::Result<SegmentMeta> {
    Ok(SegmentMeta {
        view_id: r.get(0)?,
        segment_id: r.get(1)?,
        seq: r.get(2)?,
        start: r.get(3)?,
        end: r.get(4)?,
        count: r.get::<_, i64>(5)?.max(0) as u64,
        has_full_snapshot: r.get(6)?,
        source: r.get(7)?,
    })
}

#[derive(Deserialize)]
struct Stamp {
    timestamp: i64,
}

/// Segments by start (then seq), records merged into one time order for the player. `None` when
/// the session has no replay.
pub fn session_replay(c: &Connection, session_id: &str) -> StoreResult<Option<SessionReplay>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {META_COLS}, records FROM replay_segments WHERE session_id = :sid ORDER BY start_ms, seq, id"
    ))?;
    let rows = st
        .query_map(named_params! {":sid": session_id}, |r| Ok((meta_from_row(r)?, r.get::<_, String>(8)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        return Ok(None);
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
    Ok(Some(SessionReplay {
        session_id: session_id.to_string(),
        segments,
        records: records.into_iter().map(|(_, r)| r).collect(),
    }))
}

/// Segments of every session of `user_id`, for the privacy export.
pub fn export_user(c: &Connection, user_id: &str) -> StoreResult<Vec<ExportedSegment>> {
    let mut st = c.prepare(&format!(
        "SELECT {META_COLS}, records, session_id FROM replay_segments
         WHERE session_id IN (SELECT session_id FROM sessions WHERE user_id = :uid)
         ORDER BY session_id, start_ms, seq, id"
    ))?;
    let rows = st
        .query_map(named_params! {":uid": user_id}, |r| {
            Ok((meta_from_row(r)?, r.get::<_, String>(8)?, r.get::<_, String>(9)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(meta, text, session_id)| {
            RawValue::from_string(text).ok().map(|records| ExportedSegment { session_id, meta, records })
        })
        .collect())
}

/// Before the user's sessions are deleted (it finds the segments through them).
pub fn delete_user(tx: &Connection, user_id: &str) -> StoreResult<u64> {
    let n = tx.execute(
        "DELETE FROM replay_segments WHERE session_id IN (SELECT session_id FROM sessions WHERE user_id = :uid)",
        named_params! {":uid": user_id},
    )?;
    Ok(n as u64)
}

/// Before old sessions are deleted: their segments, and segments of sessions that never sent a
/// bundle once they are older than the cutoff themselves.
pub fn delete_older_than(tx: &Connection, cutoff_ms: i64) -> StoreResult<u64> {
    let n = tx.execute(
        "DELETE FROM replay_segments WHERE session_id IN
            (SELECT session_id FROM sessions WHERE last_received_ms < :cutoff)
         OR (received_ms < :cutoff AND session_id NOT IN (SELECT session_id FROM sessions))",
        named_params! {":cutoff": cutoff_ms},
    )?;
    Ok(n as u64)
}
