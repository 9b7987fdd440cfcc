//! Replay segments in SQLite: one row per segment, records kept as the JSON text received.
//! Called from `sqlite.rs` (the `Store` impl): writes on its writer thread, deletes through its
//! chunked deletes.

use super::replay::{ExportedSegment, NewSegment, ReplayWrite, SegmentMeta, SessionReplay};
use super::{SessionSummary, StoreResult};
use rusqlite::{named_params, Connection, OptionalExtension, Row};
use serde_json::value::RawValue;

/// Migration 3 of `sqlite.rs`.
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

/// The session list's `has_replay` filter on sessions aliased `s`. Not correlated: one pass over
/// the segments' index, whatever the number of sessions.
pub fn has_replay_clause(with: bool) -> &'static str {
    if with {
        "s.session_id IN (SELECT r.session_id FROM replay_segments r)"
    } else {
        "s.session_id NOT IN (SELECT r.session_id FROM replay_segments r)"
    }
}

/// Sets `has_replay` on the sessions a query returned: one index lookup each (a page is at most
/// 200 rows), instead of a subquery per matching row before the sort.
pub fn mark(c: &Connection, sessions: &mut [SessionSummary]) -> StoreResult<()> {
    let mut st = c.prepare_cached("SELECT EXISTS (SELECT 1 FROM replay_segments WHERE session_id = :sid)")?;
    for s in sessions {
        s.has_replay = st.query_row(named_params! {":sid": s.session_id}, |r| r.get(0))?;
    }
    Ok(())
}

/// Chunked deletes (`sqlite.rs` runs each until it deletes less than `:chunk` rows). The user's
/// and old sessions' segments go before their sessions, which find them.
pub const DELETE_USER: &str = "DELETE FROM replay_segments WHERE id IN (SELECT r.id FROM sessions s
    JOIN replay_segments r ON r.session_id = s.session_id WHERE s.user_id = :user LIMIT :chunk)";
pub const DELETE_OLD: &str = "DELETE FROM replay_segments WHERE id IN (SELECT r.id FROM sessions s
    JOIN replay_segments r ON r.session_id = s.session_id WHERE s.last_received_ms < :cutoff LIMIT :chunk)";
/// Segments without a session row, by their own receive time (stored before a segment also made
/// its session's row).
pub const DELETE_OLD_ORPHANS: &str = "DELETE FROM replay_segments WHERE id IN (SELECT id FROM replay_segments
    WHERE received_ms < :cutoff AND session_id NOT IN (SELECT session_id FROM sessions) LIMIT :chunk)";

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
    // A session that has sent only its recording so far (or whose events were not kept) is a
    // session all the same: the list shows it with its play button, and its first bundle fills
    // in the rest (`write_batch` updates this row). Receiving keeps it from retention.
    tx.execute(
        "INSERT INTO sessions (session_id, app_id, start_ms, end_ms, first_received_ms, last_received_ms)
         VALUES (:sid, :pid, :start, :end, :received, :received)
         ON CONFLICT(session_id) DO UPDATE SET end_ms = max(end_ms, :end),
            last_received_ms = max(last_received_ms, :received)",
        named_params! {
            ":sid": seg.session_id, ":pid": seg.pid, ":start": seg.start_ms, ":end": seg.end_ms,
            ":received": seg.received_ms,
        },
    )?;
    Ok(ReplayWrite::Stored)
}

const META_COLS: &str = "view_id, segment_id, seq, start_ms, end_ms, count, has_full_snapshot, source";

fn meta_from_row(r: &Row) -> rusqlite::Result<SegmentMeta> {
    Ok(SegmentMeta {
        view_id: r.get("view_id")?,
        segment_id: r.get("segment_id")?,
        seq: r.get("seq")?,
        start: r.get("start_ms")?,
        end: r.get("end_ms")?,
        count: r.get::<_, i64>("count")?.max(0) as u64,
        has_full_snapshot: r.get("has_full_snapshot")?,
        source: r.get("source")?,
    })
}

/// Segments by start (then seq), records merged into one time order for the player. `None` when
/// the session has no replay.
pub fn session_replay(c: &Connection, session_id: &str) -> StoreResult<Option<SessionReplay>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {META_COLS}, records FROM replay_segments WHERE session_id = :sid ORDER BY start_ms, seq, id"
    ))?;
    let rows = st
        .query_map(named_params! {":sid": session_id}, |r| Ok((meta_from_row(r)?, r.get::<_, String>("records")?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(super::replay::assemble(session_id, rows))
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
            Ok((meta_from_row(r)?, r.get::<_, String>("records")?, r.get::<_, String>("session_id")?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(meta, text, session_id)| {
            RawValue::from_string(text).ok().map(|records| ExportedSegment { session_id, meta, records })
        })
        .collect())
}
