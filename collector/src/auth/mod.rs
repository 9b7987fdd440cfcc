//! Access control: who may read the sessions, change remote config and manage access.
//!
//! One layer (`layer::guard`) sits in front of the whole router: ingest and the other public
//! routes listed in `policy` pass; everything else needs a console login (cookie + CSRF token)
//! or an API token (`Authorization: Bearer`), and the role and app scope `policy` asks for.
//! Users and tokens live behind `accounts::AccountStore`, apart from the session store.

pub mod access_setup;
pub mod accounts;
pub mod admin_cli;
pub mod layer;
pub mod password;
pub mod policy;
pub mod routes;
pub mod secret;
pub mod session;

use crate::enrich::Enricher;
use crate::ingest_guard::IngestGuard;
use crate::rate_limit::{Limiter, Rate};
use crate::store::Store;
use accounts::{AccountError, AccountStore, TokenInfo, User};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads sessions and the "ways in".
    Viewer,
    /// Also deletes and exports user data, writes remote config, manages users and tokens.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("a role is `viewer` or `admin`, got `{s}`")),
        }
    }
}

/// Who is asking, as the handlers see it (a request extension set by the layer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user: String,
    pub role: Role,
    /// `None`: every app; `Some(pids)`: only these apps' sessions.
    pub apps: Option<Vec<String>>,
    /// The CSRF token of a console login; `None` for API tokens (browsers never send those
    /// on their own, so they need none).
    #[serde(skip)]
    pub csrf: Option<String>,
}

impl Principal {
    /// `--no-auth`: local development only (the collector refuses it on other addresses).
    pub fn local() -> Self {
        Principal { user: "local".into(), role: Role::Admin, apps: None, csrf: None }
    }

    pub fn may_see(&self, app: &str) -> bool {
        self.apps.as_ref().is_none_or(|a| a.iter().any(|p| p == app))
    }
}

/// A token may narrow its owner's app scope, never widen it.
fn narrow(user: Option<Vec<String>>, token: Option<Vec<String>>) -> Option<Vec<String>> {
    match (user, token) {
        (None, t) => t,
        (u, None) => u,
        (Some(u), Some(t)) => Some(t.into_iter().filter(|p| u.contains(p)).collect()),
    }
}

/// When the console's cookie gets `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureCookie {
    /// Always (the collector is behind a TLS proxy that does not send `X-Forwarded-Proto`).
    Always,
    /// When a trusted proxy says the request came over HTTPS (`X-Forwarded-Proto: https`).
    Auto,
}

pub struct AuthConfig {
    pub enabled: bool,
    pub secure_cookie: SecureCookie,
    pub login_rate: Rate,
    pub trusted_proxies: Vec<IpAddr>,
}

pub struct Auth {
    pub enabled: bool,
    pub accounts: Arc<dyn AccountStore>,
    pub logins: session::Logins,
    /// Keyed by client address and by user name: guessing is slowed per source and per account.
    pub login_limiter: Limiter,
    pub secure_cookie: SecureCookie,
    pub trusted_proxies: Vec<IpAddr>,
}

impl Auth {
    pub fn new(accounts: Arc<dyn AccountStore>, cfg: AuthConfig) -> Self {
        Auth {
            enabled: cfg.enabled,
            accounts,
            logins: session::Logins::default(),
            login_limiter: Limiter::new(cfg.login_rate),
            secure_cookie: cfg.secure_cookie,
            trusted_proxies: cfg.trusted_proxies,
        }
    }

    /// The principal behind an API token, if it is a live one.
    pub fn by_token(&self, token: &str) -> Result<Option<Principal>, AccountError> {
        Ok(self.accounts.token(&secret::digest(token))?.map(|(t, u)| Principal {
            user: u.name,
            role: u.role,
            apps: narrow(u.apps, t.apps),
            csrf: None,
        }))
    }

    /// The principal behind a console login cookie; the user is read again on every request, so
    /// a removed user or a changed role takes effect at once.
    pub fn by_login(&self, cookie: &str, now_ms: i64) -> Result<Option<Principal>, AccountError> {
        let Some(login) = self.logins.get(cookie, now_ms) else { return Ok(None) };
        Ok(self.accounts.user(&login.user)?.map(|u| Principal {
            user: u.name,
            role: u.role,
            apps: u.apps,
            csrf: Some(login.csrf),
        }))
    }
}

/// What the auth layer and the auth routes work with: their own state, so that `auth` does not
/// depend on `http` (the router uses `auth`, never the other way round).
pub struct AccessState {
    pub auth: Auth,
    /// Shared with ingest (`http`), which checks pids after reading a bundle.
    pub ingest_guard: Arc<IngestGuard>,
    /// Client addresses behind trusted proxies (`X-Forwarded-For`), as ingest sees them.
    pub addresses: Enricher,
    /// To check the app of a session an app-scoped caller asks for (`/api/sessions/<id>/...`).
    pub store: Arc<dyn Store>,
}

/// Creates a user; with no password given, generates one and returns it (shown once).
pub fn create_user(
    accounts: &dyn AccountStore,
    name: &str,
    role: Role,
    apps: Option<Vec<String>>,
    password: Option<String>,
) -> Result<(User, Option<String>), AccountError> {
    let (pw, generated) = match password {
        Some(p) => {
            password::check_strength(&p).map_err(AccountError::Invalid)?;
            (p, false)
        }
        None => (password::generate().map_err(AccountError::Invalid)?, true),
    };
    let hash = password::hash(&pw).map_err(AccountError::Invalid)?;
    let user = User { name: name.to_string(), role, apps, created_ms: crate::retention::now_ms() };
    accounts.add_user(&user, &hash)?;
    Ok((user, generated.then_some(pw)))
}

pub fn set_password(accounts: &dyn AccountStore, name: &str, password: &str) -> Result<(), AccountError> {
    password::check_strength(password).map_err(AccountError::Invalid)?;
    let hash = password::hash(password).map_err(AccountError::Invalid)?;
    accounts.set_password(name, &hash)
}

/// Creates an API token for `user`; the secret is returned once and only its digest is kept.
pub fn create_token(
    accounts: &dyn AccountStore,
    user: &str,
    label: &str,
    apps: Option<Vec<String>>,
) -> Result<(TokenInfo, String), AccountError> {
    let secret = secret::new_api_token().map_err(AccountError::Invalid)?;
    let id = format!("t_{}", secret::random_string(9).map_err(AccountError::Invalid)?);
    let info = TokenInfo {
        id,
        label: label.to_string(),
        user: user.to_string(),
        apps,
        created_ms: crate::retention::now_ms(),
    };
    accounts.add_token(&info, &secret::digest(&secret))?;
    Ok((info, secret))
}

/// Removing or demoting the last admin would lock everybody out of user management.
pub fn would_orphan(accounts: &dyn AccountStore, name: &str, new_role: Option<Role>) -> Result<bool, AccountError> {
    let users = accounts.users()?;
    let admins = users.iter().filter(|u| u.role == Role::Admin && u.apps.is_none()).count();
    let is_admin = users.iter().any(|u| u.name == name && u.role == Role::Admin && u.apps.is_none());
    Ok(is_admin && admins == 1 && new_role != Some(Role::Admin))
}

/// The name of the user that `--admin-token` (the former single admin token) maps to.
pub const LEGACY_TOKEN_USER: &str = "admin-token";
const LEGACY_TOKEN_ID: &str = "admin-token";

/// `--admin-token` / `RUM_ADMIN_TOKEN` still work: the value becomes an admin API token (of the
/// user `admin-token`, which has no usable password), replaced when the value changes.
pub fn install_legacy_token(accounts: &dyn AccountStore, token: &str) -> Result<(), AccountError> {
    if accounts.user(LEGACY_TOKEN_USER)?.is_none() {
        let unusable = password::hash(&secret::random_string(32).map_err(AccountError::Invalid)?)
            .map_err(AccountError::Invalid)?;
        let user = User {
            name: LEGACY_TOKEN_USER.into(),
            role: Role::Admin,
            apps: None,
            created_ms: crate::retention::now_ms(),
        };
        accounts.add_user(&user, &unusable)?;
    }
    match accounts.revoke_token(LEGACY_TOKEN_ID) {
        Ok(()) | Err(AccountError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let info = TokenInfo {
        id: LEGACY_TOKEN_ID.into(),
        label: "--admin-token".into(),
        user: LEGACY_TOKEN_USER.into(),
        apps: None,
        created_ms: crate::retention::now_ms(),
    };
    accounts.add_token(&info, &secret::digest(token))
}

/// Secure by default: with no user at all, the first start creates `admin` with a generated
/// password, which the caller prints once.
pub fn bootstrap(accounts: &dyn AccountStore) -> Result<Option<String>, AccountError> {
    if accounts.user_count()? > 0 {
        return Ok(None);
    }
    let (_, pw) = create_user(accounts, "admin", Role::Admin, None, None)?;
    Ok(pw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_narrow_their_owners_scope() {
        let s = |v: &[&str]| Some(v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(narrow(None, None), None);
        assert_eq!(narrow(s(&["a", "b"]), None), s(&["a", "b"]));
        assert_eq!(narrow(None, s(&["c"])), s(&["c"]));
        assert_eq!(narrow(s(&["a", "b"]), s(&["b", "c"])), s(&["b"]));
        assert_eq!(narrow(s(&["a"]), s(&["c"])), s(&[]), "no overlap: nothing visible");
    }
}
