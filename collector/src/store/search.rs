//! Free-text search over a session: what it visited, what failed, what the user did, and the
//! custom attributes of its bundle and events. One SQL fragment, `?` is a LIKE pattern.

/// Used inside `session_where` (table alias `s`); every `?` there becomes the same parameter.
pub(super) const TEXT_MATCH: &str = "EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.session_id AND (
        e.url LIKE ? ESCAPE '\\' OR e.message LIKE ? ESCAPE '\\' OR e.name LIKE ? ESCAPE '\\'
        OR json_extract(e.body, '$.properties') LIKE ? ESCAPE '\\'))
    OR json_extract(s.bundle_meta, '$.properties') LIKE ? ESCAPE '\\'";
