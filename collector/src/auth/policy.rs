//! Which request needs what, in one place. Everything is closed unless listed here as public:
//! a route someone adds later needs a login (and `admin` for anything but reading) until it is
//! listed otherwise.

use axum::http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Ingest, the SDK's remote-config read, the demo shop, the SDK files, the login page.
    Public,
    /// Any logged-in user or token (reading, logging out).
    Viewer,
    /// Deleting, exporting, writing config, managing users and tokens.
    Admin,
}

/// Ingest routes: open to pages on any origin (CORS granted here, and only here).
pub fn is_ingest(method: &Method, path: &str) -> bool {
    let ingest = under(path, "/collect") || under(path, "/replay");
    ingest && (method == Method::POST || method == Method::OPTIONS)
}

/// The SDK reads its remote config from every page (`GET /config/<pid>`, ARMS's
/// `/config/<region>/<pid>`): public by design, like ARMS's. Writing it is for admins.
pub fn is_config_read(method: &Method, path: &str) -> bool {
    under(path, "/config") && (method == Method::GET || method == Method::HEAD || method == Method::OPTIONS)
}

fn under(path: &str, prefix: &str) -> bool {
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

/// Console files that the login page itself needs.
const LOGIN_FILES: &[&str] = &["/console/login.html", "/console/login.js", "/console/style.css"];

pub fn need(method: &Method, path: &str) -> Need {
    let read = method == Method::GET || method == Method::HEAD;
    if is_ingest(method, path) || is_config_read(method, path) {
        return Need::Public;
    }
    // The demo shop and its pretend backend (`/demo-api/*`) stand for a customer's site.
    let demo = under(path, "/demo") || under(path, "/demo-api");
    if read && (path == "/" || path == "/api/health" || demo || under(path, "/dist")) {
        return Need::Public;
    }
    if read && LOGIN_FILES.contains(&path) {
        return Need::Public;
    }
    if method == Method::POST && path == "/api/auth/login" {
        return Need::Public;
    }
    if method == Method::POST && path == "/api/auth/logout" {
        return Need::Viewer;
    }
    // Export carries whole user histories; the admin API manages access itself.
    if under(path, "/api/users") || under(path, "/api/admin") {
        return Need::Admin;
    }
    if read {
        Need::Viewer
    } else {
        Need::Admin
    }
}

/// Routes that read or change data across apps: an app-scoped user or token cannot use them.
/// (The session list, KPIs and the map take the caller's apps as a filter instead.)
pub fn spans_apps(path: &str) -> bool {
    const CROSS_APP: &[&str] = &["/api/users", "/api/admin", "/api/ways", "/api/timeseries", "/api/diagnosis"];
    CROSS_APP.iter().any(|p| under(path, p))
}

/// The session a route is about (`/api/sessions/<id>` and anything under it, such as its replay).
pub fn session_of(path: &str) -> Option<&str> {
    let id = path.strip_prefix("/api/sessions/")?.split('/').next()?;
    (!id.is_empty()).then_some(id)
}

/// The pid a config route is about (`PUT /config/<pid>`, `/api/config/<pid>/versions...`).
pub fn config_pid(path: &str) -> Option<&str> {
    if let Some(rest) = path.strip_prefix("/api/config/") {
        return rest.split('/').next().filter(|p| !p.is_empty());
    }
    let rest = path.strip_prefix("/config/")?;
    Some(rest.rsplit('/').next().unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_unless_listed() {
        let cases: &[(Method, &str, Need)] = &[
            (Method::POST, "/collect", Need::Public),
            (Method::POST, "/collect/abc", Need::Public),
            (Method::OPTIONS, "/collect", Need::Public),
            (Method::GET, "/collect", Need::Viewer),
            (Method::POST, "/collector", Need::Admin),
            (Method::POST, "/replay", Need::Public),
            (Method::GET, "/config/p1", Need::Public),
            (Method::PUT, "/config/p1", Need::Admin),
            (Method::GET, "/api/health", Need::Public),
            (Method::GET, "/demo/", Need::Public),
            (Method::GET, "/demo-api/slow", Need::Public),
            (Method::GET, "/console/", Need::Viewer),
            (Method::GET, "/console/app.js", Need::Viewer),
            (Method::GET, "/console/login.html", Need::Public),
            (Method::GET, "/api/sessions", Need::Viewer),
            (Method::GET, "/api/users/u1", Need::Admin),
            (Method::DELETE, "/api/users/u1", Need::Admin),
            (Method::POST, "/api/anything-new", Need::Admin),
            (Method::GET, "/api/anything-new", Need::Viewer),
            (Method::POST, "/api/auth/login", Need::Public),
            (Method::POST, "/api/auth/logout", Need::Viewer),
            (Method::GET, "/api/admin/users", Need::Admin),
        ];
        for (m, p, n) in cases {
            assert_eq!(need(m, p), *n, "{m} {p}");
        }
        assert_eq!(config_pid("/config/cn-hangzhou/p1"), Some("p1"));
        assert_eq!(config_pid("/config/p1"), Some("p1"));
        assert_eq!(config_pid("/api/config/p1/versions/3/restore"), Some("p1"));
        assert_eq!(session_of("/api/sessions/abc/replay"), Some("abc"));
        assert_eq!(session_of("/api/sessions/abc"), Some("abc"));
        assert_eq!(session_of("/api/sessions"), None);
        assert_eq!(session_of("/api/sessions/"), None);
    }
}
