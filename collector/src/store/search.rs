//! Free-text search over a session: what it visited, what failed, what the user did, and the
//! custom attributes of its bundle and events. One SQL fragment, `:text` is a LIKE pattern.

/// Used inside `session_where` (table alias `s`).
pub(super) const TEXT_MATCH: &str = "EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.session_id AND (
        e.url LIKE :text ESCAPE '\\' OR e.message LIKE :text ESCAPE '\\' OR e.name LIKE :text ESCAPE '\\'
        OR (CASE WHEN json_valid(e.body) THEN json_extract(e.body, '$.properties') END) LIKE :text ESCAPE '\\'))
    OR (CASE WHEN json_valid(s.bundle_meta) THEN json_extract(s.bundle_meta, '$.properties') END) LIKE :text ESCAPE '\\'";
