//! The one layer in front of the router: CORS for ingest only, the ingest origin allowlist and
//! per-address rate limit, authentication and the role / app-scope check of `policy`, CSRF for
//! console logins, and the security headers of every answer.

use super::policy::{self, Need};
use super::{session, AccessState, Principal, Role, SecureCookie};
use crate::retention::now_ms;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

pub const CSRF_HEADER: &str = "x-csrf-token";

/// The console loads only its own files, talks only to its own origin, and is never framed.
/// `style-src 'unsafe-inline'`: the replay player rebuilds the recorded page (its `<style>`
/// elements and style attributes) in a sandboxed `about:blank` iframe, which inherits this
/// policy; without it a replay plays unstyled. Scripts stay `'self'` only.
pub const CONSOLE_CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn json_error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

pub async fn guard(
    State(st): State<Arc<AccessState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);

    if policy::is_ingest(&method, &path) || policy::is_config_read(&method, &path) {
        let granted = origin.as_deref().filter(|o| st.ingest_guard.origin_allowed(o)).map(str::to_string);
        if origin.is_some() && granted.is_none() && method != Method::GET && method != Method::HEAD {
            return with_base_headers(json_error(StatusCode::FORBIDDEN, "this origin may not send to this collector"));
        }
        if method == Method::OPTIONS {
            return with_base_headers(preflight(granted.as_deref(), req.headers()));
        }
        if method == Method::POST {
            let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
            let ip = st.addresses.client_ip(peer.ip(), forwarded);
            if let Err(r) = st.ingest_guard.admit_ip(ip) {
                return with_cors(with_base_headers(r), granted.as_deref());
            }
        }
        let resp = next.run(req).await;
        return with_cors(with_base_headers(resp), granted.as_deref());
    }

    let need = policy::need(&method, &path);
    if need == Need::Public {
        let r = next.run(req).await;
        // The login page and its API get the console's headers too.
        let console = path.starts_with("/console/") || path.starts_with("/api/auth/");
        return if console { console_headers(r) } else { with_base_headers(r) };
    }
    let principal = if st.auth.enabled {
        match identify(&st, req.headers()).await {
            Ok(Some(p)) => p,
            Ok(None) => return console_headers(unauthorized(&method, &path)),
            Err(r) => return console_headers(r),
        }
    } else {
        Principal::local()
    };
    if let Some(csrf) = &principal.csrf {
        if !(method == Method::GET || method == Method::HEAD) {
            if let Err(r) = check_csrf(csrf, req.headers(), origin.as_deref(), secure_request(&st, peer, req.headers()))
            {
                return console_headers(r);
            }
        }
    }
    if need == Need::Admin && principal.role != Role::Admin {
        return console_headers(json_error(StatusCode::FORBIDDEN, "this needs the admin role"));
    }
    if principal.apps.is_some() {
        // Config reads are public and never get here: what does is a write or a version of a pid.
        let outside = policy::config_pid(&path).is_some_and(|pid| !principal.may_see(pid));
        if policy::spans_apps(&path) || outside {
            return console_headers(json_error(StatusCode::FORBIDDEN, "this is outside the apps this user may see"));
        }
    }
    if let Some(id) = policy::session_of(&path).filter(|_| principal.apps.is_some()) {
        if let Err(r) = session_in_scope(&st, &principal, id).await {
            return console_headers(r);
        }
    }
    req.extensions_mut().insert(principal);
    let api = path.starts_with("/api/");
    let mut resp = next.run(req).await;
    if api {
        // Session data is personal: no shared cache, no browser cache.
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    console_headers(resp)
}

/// A session outside the caller's apps does not exist for them (404, as an unknown id), on every
/// route about one session: its page, its replay, whatever is added under it later.
async fn session_in_scope(st: &AccessState, who: &Principal, id: &str) -> Result<(), Response> {
    let (store, sid) = (st.store.clone(), id.to_string());
    match tokio::task::spawn_blocking(move || store.session(&sid)).await {
        Ok(Ok(Some(s))) if who.may_see(&s.app_id) => Ok(()),
        Ok(Ok(_)) => Err(json_error(StatusCode::NOT_FOUND, &format!("no session `{id}`"))),
        Ok(Err(e)) => {
            eprintln!("auth: {e}");
            Err(json_error(StatusCode::SERVICE_UNAVAILABLE, "the store is not available"))
        }
        Err(e) => Err(json_error(StatusCode::INTERNAL_SERVER_ERROR, &format!("scope check failed: {e}"))),
    }
}

/// The caller, from an API token or a login cookie. The account store is SQLite behind a lock:
/// read on a blocking thread, not on the async workers.
async fn identify(st: &Arc<AccessState>, headers: &HeaderMap) -> Result<Option<Principal>, Response> {
    enum Credential {
        Token(String),
        Cookie(String),
    }
    let credential = if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let token = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 200) else {
            return Err(json_error(StatusCode::UNAUTHORIZED, "Authorization must be `Bearer <API token>`"));
        };
        Credential::Token(token.to_string())
    } else {
        let cookie =
            headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(session::cookie_value);
        match cookie {
            Some(c) => Credential::Cookie(c.to_string()),
            None => return Ok(None),
        }
    };
    let st = st.clone();
    let found = tokio::task::spawn_blocking(move || match &credential {
        Credential::Token(t) => st.auth.by_token(t).map(|p| (p, true)),
        Credential::Cookie(c) => st.auth.by_login(c, now_ms()).map(|p| (p, false)),
    })
    .await;
    match found {
        Ok(Ok((Some(p), _))) => Ok(Some(p)),
        Ok(Ok((None, true))) => Err(json_error(StatusCode::UNAUTHORIZED, "unknown or revoked API token")),
        Ok(Ok((None, false))) => Ok(None),
        Ok(Err(e)) => {
            eprintln!("auth: {e}");
            Err(json_error(StatusCode::SERVICE_UNAVAILABLE, "the account store is not available"))
        }
        Err(e) => Err(json_error(StatusCode::INTERNAL_SERVER_ERROR, &format!("authentication failed: {e}"))),
    }
}

fn unauthorized(method: &Method, path: &str) -> Response {
    if method == Method::GET && !path.starts_with("/api/") {
        // A person opening a console page: the login page, then back here.
        let next =
            if path.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b)) { path } else { "/console/" };
        let html = format!(
            "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=\"0;url=/console/login.html?next={next}\">\
             <title>Log in</title><p>This page needs a login: <a href=\"/console/login.html?next={next}\">log in</a>.</p>"
        );
        let mut r = (StatusCode::UNAUTHORIZED, html).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        return r;
    }
    let mut r =
        json_error(StatusCode::UNAUTHORIZED, "this needs a console login or `Authorization: Bearer <API token>`");
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"rum-collector\""));
    r
}

/// Cookie logins change nothing without the login's CSRF token in `X-CSRF-Token`, and a
/// browser-sent `Origin` must be our own (SameSite=Strict already keeps other sites' requests
/// cookie-less; these two hold even where it does not).
fn check_csrf(expected: &str, headers: &HeaderMap, origin: Option<&str>, https: bool) -> Result<(), Response> {
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !super::secret::same(sent, expected) {
        return Err(json_error(StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token (reload the console)"));
    }
    if let Some(o) = origin {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        // Over HTTPS only the https origin is ours; over plain HTTP (local use) either.
        let ok = o == format!("https://{host}") || (!https && o == format!("http://{host}"));
        if !ok {
            return Err(json_error(StatusCode::FORBIDDEN, "cross-origin request refused"));
        }
    }
    Ok(())
}

/// Whether the browser reached us over HTTPS: said by a trusted proxy, or configured.
pub fn secure_request(st: &AccessState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    match st.auth.secure_cookie {
        SecureCookie::Always => true,
        SecureCookie::Auto => {
            st.auth.trusted_proxies.contains(&peer.ip())
                && headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
        }
    }
}

fn preflight(granted: Option<&str>, req: &HeaderMap) -> Response {
    let Some(origin) = granted else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
    if let Some(asked) = req.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("3600"));
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    r
}

/// Ingest answers any allowed page origin, with credentials (sendBeacon sends cookies).
fn with_cors(mut r: Response, granted: Option<&str>) -> Response {
    if let Some(v) = granted.and_then(|o| HeaderValue::from_str(o).ok()) {
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Retry-After"));
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    r
}

fn with_base_headers(mut r: Response) -> Response {
    r.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

/// Everything behind the login: strict CSP, no referrer, never framed.
fn console_headers(r: Response) -> Response {
    let mut r = with_base_headers(r);
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONSOLE_CSP));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    r
}
