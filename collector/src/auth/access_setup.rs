//! From the command line's access flags to the running pieces: the account store, the auth
//! layer's settings, the ingest guard and the minimisation rules; the first-start admin; and the
//! refusal of `--no-auth` anywhere but on loopback.

use super::accounts::{AccountStore, SqliteAccounts};
use super::admin_cli::split_list;
use super::{AccessState, Auth, AuthConfig, SecureCookie};
use crate::enrich::Enricher;
use crate::ingest_guard::{parse_rate, IngestGuard, DEFAULT_RATE_IP, DEFAULT_RATE_PID};
use crate::minimise::{IpStorage, Minimise};
use crate::rate_limit::Rate;
use crate::store::Store;
use clap::Args;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Access control and ingest-protection flags (see `auth`, `ingest_guard`, `minimise`); part of
/// the collector's command line (`cli::Cli` flattens them), global like every flag.
#[derive(Args, Debug, Clone, Default)]
pub struct AccessOptions {
    /// No login at all: local development only, refused unless --addr is loopback
    #[arg(long, global = true, env = "RUM_NO_AUTH")]
    pub no_auth: bool,
    /// SQLite file of users and tokens; default: the --db file
    #[arg(long, global = true, env = "RUM_AUTH_DB", value_name = "PATH")]
    pub auth_db: Option<PathBuf>,
    /// auto: Secure cookie when a trusted proxy says X-Forwarded-Proto: https; always
    #[arg(long, global = true, env = "RUM_SECURE_COOKIE", default_value = "auto", value_name = "MODE")]
    pub secure_cookie: String,
    /// Login attempts per client address and per user name (N/s, N/m or N/h, optional ,burst=B)
    #[arg(long, global = true, env = "RUM_LOGIN_RATE", default_value = "5/m,burst=10", value_name = "RATE")]
    pub login_rate: String,
    /// Page origins that may send to ingest; repeatable or a comma list
    #[arg(
        long = "ingest-allow-origin",
        global = true,
        env = "RUM_INGEST_ALLOW_ORIGIN",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub allow_origins: Vec<String>,
    /// Pids that may send to ingest; repeatable or a comma list
    #[arg(
        long = "ingest-allow-pid",
        global = true,
        env = "RUM_INGEST_ALLOW_PID",
        value_delimiter = ',',
        value_name = "PID"
    )]
    pub allow_pids: Vec<String>,
    /// Ingest requests per client address (a rate, or off)
    #[arg(long = "ingest-rate-ip", global = true, env = "RUM_INGEST_RATE_IP", default_value = DEFAULT_RATE_IP, value_name = "RATE")]
    pub rate_ip: String,
    /// Ingest requests per pid (a rate, or off)
    #[arg(long = "ingest-rate-pid", global = true, env = "RUM_INGEST_RATE_PID", default_value = DEFAULT_RATE_PID, value_name = "RATE")]
    pub rate_pid: String,
    /// More URL parameter names whose values are stored as [redacted]; repeatable or a comma list
    #[arg(long = "redact-param", global = true, env = "RUM_REDACT_PARAMS", value_delimiter = ',', value_name = "NAME")]
    pub redact_params: Vec<String>,
    /// Visitor addresses: full, truncated (/24, /48) or off
    #[arg(long, global = true, env = "RUM_IP_STORAGE", default_value = "full", value_name = "MODE")]
    pub ip_storage: String,
}

/// Where the account tables are: `--auth-db`, else the session database's file.
pub fn accounts_file(a: &AccessOptions, db: &Path) -> PathBuf {
    a.auth_db.clone().unwrap_or_else(|| db.to_path_buf())
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
    let path = accounts_file(a, db);
    let accounts: Arc<dyn AccountStore> =
        Arc::new(SqliteAccounts::open(&path).map_err(|e| format!("{}: {e}", path.display()))?);
    let mut first_password = None;
    if !a.no_auth {
        first_password = super::bootstrap(accounts.as_ref()).map_err(|e| e.to_string())?;
    }
    if let Some(t) = admin_token {
        super::install_legacy_token(accounts.as_ref(), t).map_err(|e| format!("--admin-token: {e}"))?;
    }
    let secure_cookie = match a.secure_cookie.as_str() {
        "auto" => SecureCookie::Auto,
        "always" => SecureCookie::Always,
        other => return Err(format!("--secure-cookie is auto or always, got `{other}`")),
    };
    let cfg = AuthConfig {
        enabled: !a.no_auth,
        secure_cookie,
        login_rate: Rate::parse(&a.login_rate).map_err(|e| format!("--login-rate: {e}"))?,
        trusted_proxies: trusted_proxies.to_vec(),
    };
    let rate_ip = parse_rate(&a.rate_ip).map_err(|e| format!("--ingest-rate-ip: {e}"))?;
    let rate_pid = parse_rate(&a.rate_pid).map_err(|e| format!("--ingest-rate-pid: {e}"))?;
    let ingest_guard = IngestGuard::new(list(&a.allow_origins), list(&a.allow_pids), rate_ip, rate_pid);
    let ip = IpStorage::parse(&a.ip_storage)?;
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
