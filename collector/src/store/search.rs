//! Free-text search over a session: what it visited, what failed, what the user did, and the
//! custom attributes of its bundle and events. One SQL fragment, `:text` is a LIKE pattern.

/// Used inside `session_where` (table alias `s`).
pub(super) const TEXT_MATCH: &str = "EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.session_id AND (
        e.url LIKE :text ESCAPE '\\' OR e.message LIKE :text ESCAPE '\\' OR e.name LIKE :text ESCAPE '\\'
        OR json_extract(e.body, '$.properties') LIKE :text ESCAPE '\\'))
    OR json_extract(s.bundle_meta, '$.properties') LIKE :text ESCAPE '\\'";
