//! From the command line's access flags to the running pieces: the account store, the auth
//! layer's settings, the ingest guard and the minimisation rules; the first-start admin; and the
//! refusal of `--no-auth` anywhere but on loopback.

use super::accounts::{AccountStore, SqliteAccounts};
use super::admin_cli::{accounts_path, split_list};
use super::{AccessState, Auth, AuthConfig, SecureCookie};
use crate::enrich::Enricher;
use crate::ingest_guard::{parse_rate, IngestGuard, DEFAULT_RATE_IP, DEFAULT_RATE_PID};
use crate::minimise::{IpStorage, Minimise};
use crate::rate_limit::Rate;
use crate::store::Store;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;

/// Access control and ingest-protection flags (see `auth`, `ingest_guard`, `minimise`).
#[derive(Debug, Clone, Default)]
pub struct AccessOptions {
    pub no_auth: bool,
    pub auth_db: Option<String>,
    pub secure_cookie: Option<String>,
    pub login_rate: Option<String>,
    pub allow_origins: Vec<String>,
    pub allow_pids: Vec<String>,
    pub rate_ip: Option<String>,
    pub rate_pid: Option<String>,
    pub redact_params: Vec<String>,
    pub ip_storage: Option<String>,
}

pub struct Access {
    pub state: Arc<AccessState>,
    pub minimise: Minimise,
    /// The generated password of the first-start admin, to print once.
    pub first_password: Option<String>,
}

fn list(values: &[String]) -> Option<Vec<String>> {
    let all: Vec<String> = values.iter().flat_map(|v| split_list(v)).collect();
    (!all.is_empty()).then_some(all)
}

/// `--no-auth` opens every session to whoever reaches the port: only on loopback.
pub fn refuse_open_no_auth(a: &AccessOptions, addr: &str) -> Result<(), String> {
    if !a.no_auth {
        return Ok(());
    }
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(|e| format!("--addr {addr}: {e}"))?.collect();
    if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
        return Err(format!(
            "--no-auth is for local development only and needs a loopback --addr (127.0.0.1, [::1]); `{addr}` is not"
        ));
    }
    Ok(())
}

pub fn build(
    a: &AccessOptions,
    db: &Path,
    trusted_proxies: &[IpAddr],
    admin_token: Option<&str>,
    store: Arc<dyn Store>,
) -> Result<Access, String> {
    let path = accounts_path(a.auth_db.clone(), Some(db.to_string_lossy().into_owned()));
    let accounts: Arc<dyn AccountStore> =
        Arc::new(SqliteAccounts::open(&path).map_err(|e| format!("{}: {e}", path.display()))?);
    let mut first_password = None;
    if !a.no_auth {
        first_password = super::bootstrap(accounts.as_ref()).map_err(|e| e.to_string())?;
    }
    if let Some(t) = admin_token {
        super::install_legacy_token(accounts.as_ref(), t).map_err(|e| format!("--admin-token: {e}"))?;
    }
    let secure_cookie = match a.secure_cookie.as_deref() {
        None | Some("auto") => SecureCookie::Auto,
        Some("always") => SecureCookie::Always,
        Some(other) => return Err(format!("--secure-cookie is auto or always, got `{other}`")),
    };
    let mut cfg = AuthConfig {
        enabled: !a.no_auth,
        secure_cookie,
        trusted_proxies: trusted_proxies.to_vec(),
        ..AuthConfig::default()
    };
    if let Some(r) = &a.login_rate {
        cfg.login_rate = Rate::parse(r).map_err(|e| format!("--login-rate: {e}"))?;
    }
    let rate_ip =
        parse_rate(a.rate_ip.as_deref().unwrap_or(DEFAULT_RATE_IP)).map_err(|e| format!("--ingest-rate-ip: {e}"))?;
    let rate_pid =
        parse_rate(a.rate_pid.as_deref().unwrap_or(DEFAULT_RATE_PID)).map_err(|e| format!("--ingest-rate-pid: {e}"))?;
    let ingest_guard = IngestGuard::new(list(&a.allow_origins), list(&a.allow_pids), rate_ip, rate_pid);
    let ip = match &a.ip_storage {
        Some(s) => IpStorage::parse(s)?,
        None => IpStorage::Full,
    };
    let minimise = Minimise { extra_secret_params: list(&a.redact_params).unwrap_or_default(), ip };
    let state = AccessState {
        auth: Auth::new(accounts, cfg),
        ingest_guard: Arc::new(ingest_guard),
        addresses: Enricher::new(trusted_proxies.to_vec()),
        store,
    };
    Ok(Access { state: Arc::new(state), minimise, first_password })
}

/// Printed on stderr after the `listening on` line (which stays the first line of stdout).
pub fn announce(first_password: Option<&str>, addr: SocketAddr, no_auth: bool) {
    if no_auth {
        eprintln!("auth: OFF (--no-auth): anyone who reaches {addr} can read and delete every session");
    }
    if let Some(pw) = first_password {
        eprintln!(
            "\n  First start: created the user `admin` (role admin). Its password, shown only this once:\n\n      {pw}\n\n  \
             Log in at http://{addr}/console/ ; add users on the console's Admin page or with\n  \
             `rum-collector user add NAME --role viewer`; a forgotten password: `rum-collector user password admin`.\n"
        );
    }
}
