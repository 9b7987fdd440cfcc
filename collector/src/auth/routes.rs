//! The login API (`/api/auth/*`) and the admin API (`/api/admin/*`) the console's pages use.
//! Who may call them is decided by the layer (`policy`); handlers find the caller in
//! `Extension<Principal>`.

use super::accounts::{AccountError, User};
use super::{layer, session, AccessState, Principal, Role};
use crate::rate_limit::retry_after_secs;
use crate::retention::now_ms;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

type Shared = Arc<AccessState>;

/// Bodies of this API are a few short fields.
const MAX_BODY: usize = 16 * 1024;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/admin/users", get(list_users).post(add_user))
        .route("/api/admin/users/{name}", put(update_user).delete(remove_user))
        .route("/api/admin/tokens", get(list_tokens).post(add_token))
        .route("/api/admin/tokens/{id}", delete(revoke_token))
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({ "error": msg.into() }))).into_response()
}

fn account_error(e: AccountError) -> Response {
    match e {
        AccountError::Db(d) => {
            eprintln!("auth: {d}");
            error(StatusCode::SERVICE_UNAVAILABLE, "the account store is not available")
        }
        AccountError::Exists(_) => error(StatusCode::CONFLICT, e.to_string()),
        AccountError::NotFound(_) => error(StatusCode::NOT_FOUND, e.to_string()),
        AccountError::Invalid(_) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

async fn body_json<T: for<'de> Deserialize<'de>>(body: Body) -> Result<T, Response> {
    let raw: Bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| error(StatusCode::PAYLOAD_TOO_LARGE, format!("body larger than {MAX_BODY} bytes")))?;
    serde_json::from_slice(&raw).map_err(|e| error(StatusCode::BAD_REQUEST, format!("bad JSON body: {e}")))
}

#[derive(Deserialize)]
struct LoginBody {
    user: String,
    password: String,
}

async fn login(
    State(st): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !st.auth.enabled {
        return error(StatusCode::BAD_REQUEST, "this collector runs with --no-auth: there is nothing to log in to");
    }
    let b: LoginBody = match body_json(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let ip = st.addresses.client_ip(peer.ip(), forwarded);
    // Only real user names get a bucket of their own: arbitrary strings would grow the table.
    let user_key = super::accounts::valid_name(&b.user).then(|| format!("user:{}", b.user));
    for key in std::iter::once(format!("ip:{ip}")).chain(user_key) {
        if let Err(wait) = st.auth.login_limiter.take(&key) {
            let secs = retry_after_secs(wait);
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, format!("too many login attempts; retry in {secs} s"));
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
    }
    let accounts = st.auth.accounts.clone();
    let name = b.user.clone();
    // Argon2 takes tens of milliseconds of CPU: off the async workers.
    let checked = tokio::task::spawn_blocking(move || -> Result<Option<User>, AccountError> {
        match accounts.password_hash(&name)? {
            Some(h) if super::password::verify(&b.password, &h) => accounts.user(&name),
            Some(_) => Ok(None),
            None => {
                super::password::waste_time(&b.password);
                Ok(None)
            }
        }
    })
    .await;
    let user = match checked {
        Ok(Ok(Some(u))) => u,
        Ok(Ok(None)) => return error(StatusCode::UNAUTHORIZED, "wrong user name or password"),
        Ok(Err(e)) => return account_error(e),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, format!("login failed: {e}")),
    };
    let (id, csrf) = match st.auth.logins.create(&user.name, now_ms()) {
        Ok(x) => x,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let secure = layer::secure_request(&st, peer, &headers);
    let mut r = Json(json!({ "user": user.name, "role": user.role, "apps": user.apps, "csrf": csrf })).into_response();
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(&id, secure)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn logout(State(st): State<Shared>, ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap) -> Response {
    let cookie = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(session::cookie_value);
    if let Some(c) = cookie {
        st.auth.logins.end(c);
    }
    let mut r = Json(json!({ "ok": true })).into_response();
    let secure = layer::secure_request(&st, peer, &headers);
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(secure)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn me(State(st): State<Shared>, Extension(p): Extension<Principal>) -> Response {
    Json(json!({ "user": p.user, "role": p.role, "apps": p.apps, "csrf": p.csrf, "auth": st.auth.enabled }))
        .into_response()
}

async fn list_users(State(st): State<Shared>) -> Response {
    match st.auth.accounts.users() {
        Ok(u) => Json(u).into_response(),
        Err(e) => account_error(e),
    }
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
    role: Role,
    #[serde(default)]
    apps: Option<Vec<String>>,
    #[serde(default)]
    password: Option<String>,
}

async fn add_user(State(st): State<Shared>, body: Body) -> Response {
    let b: NewUser = match body_json(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let accounts = st.auth.accounts.clone();
    let res =
        tokio::task::spawn_blocking(move || super::create_user(accounts.as_ref(), &b.name, b.role, b.apps, b.password))
            .await;
    match res {
        Ok(Ok((user, generated))) => {
            (StatusCode::CREATED, Json(json!({ "user": user, "password": generated }))).into_response()
        }
        Ok(Err(e)) => account_error(e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[derive(Deserialize)]
struct UserChange {
    role: Role,
    #[serde(default)]
    apps: Option<Vec<String>>,
}

async fn update_user(State(st): State<Shared>, Path(name): Path<String>, body: Body) -> Response {
    let b: UserChange = match body_json(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let accounts = st.auth.accounts.as_ref();
    let demotes_last = b.role != Role::Admin || b.apps.is_some();
    match super::would_orphan(accounts, &name, if demotes_last { Some(Role::Viewer) } else { Some(Role::Admin) }) {
        Ok(true) => return error(StatusCode::CONFLICT, "this is the last admin of all apps: add another first"),
        Ok(false) => {}
        Err(e) => return account_error(e),
    }
    match accounts.update_user(&name, b.role, b.apps.as_deref()) {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(e) => account_error(e),
    }
}

async fn remove_user(State(st): State<Shared>, Path(name): Path<String>) -> Response {
    let accounts = st.auth.accounts.as_ref();
    match super::would_orphan(accounts, &name, None) {
        Ok(true) => return error(StatusCode::CONFLICT, "this is the last admin of all apps: add another first"),
        Ok(false) => {}
        Err(e) => return account_error(e),
    }
    match accounts.remove_user(&name) {
        Ok(()) => {
            st.auth.logins.end_user(&name);
            Json(json!({ "ok": true })).into_response()
        }
        Err(e) => account_error(e),
    }
}

async fn list_tokens(State(st): State<Shared>) -> Response {
    match st.auth.accounts.tokens() {
        Ok(t) => Json(t).into_response(),
        Err(e) => account_error(e),
    }
}

#[derive(Deserialize)]
struct NewToken {
    user: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    apps: Option<Vec<String>>,
}

async fn add_token(State(st): State<Shared>, body: Body) -> Response {
    let b: NewToken = match body_json(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    match super::create_token(st.auth.accounts.as_ref(), &b.user, &b.label, b.apps) {
        Ok((info, secret)) => (StatusCode::CREATED, Json(json!({ "token": info, "secret": secret }))).into_response(),
        Err(e) => account_error(e),
    }
}

async fn revoke_token(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match st.auth.accounts.revoke_token(&id) {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(e) => account_error(e),
    }
}
