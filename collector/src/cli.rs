//! Command line: flags with environment fallbacks, and the subcommands (declared with clap; the
//! flags table in collector/README.md is checked against it by collector/tests/cli.rs).

use crate::auth::access_setup::{self as access, AccessOptions};
use crate::auth::admin_cli::{self, TokenCommand, UserCommand};
use crate::enrich::Enricher;
use crate::http::{self, AppState, StaticDirs};
use crate::ingest::Limits;
use crate::remote_config::RemoteConfigs;
use crate::retention;
use crate::server::{self, ConnLimits};
use crate::store::clickhouse::{ClickHouseConfig, ClickHouseStore};
use crate::store::sqlite::{SqliteStore, Synchronous};
use crate::store::Store;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where `collector/geo/setup.sh` installs the default country database.
const DEFAULT_GEO: &str = "node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb";

/// The command line, declared: `--help`, errors and environment fallbacks come from clap.
/// Every flag has an environment variable (an empty one counts as unset) and is global, so it
/// may come before or after the subcommand. A new subcommand is a variant of `Command`; a new
/// group of flags (a store other than SQLite) is one more flattened `Args` struct.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "rum-collector",
    version,
    about = "rum-collector: receives RUM bundles (ARMS wire format), stores them, serves the console.",
    after_help = "Without a command, `serve` runs."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(flatten)]
    pub access: AccessOptions,
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the collector: ingest, query API, console (the default)
    Serve,
    /// Print all data of a user (sessions, events and replay segments) as JSON
    ExportUser {
        /// The user's id, as the SDK sent it
        user_id: String,
    },
    /// Delete all data of a user
    DeleteUser {
        /// The user's id, as the SDK sent it
        user_id: String,
    },
    /// Console and API users: add, remove, list, password
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// API tokens for scripts (`Authorization: Bearer`): create, revoke, list
    Token {
        #[command(subcommand)]
        action: TokenCommand,
    },
}

/// Where the data is kept: every command needs it.
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// SQLite file
    #[arg(long, global = true, env = "RUM_DB", default_value = "rum.db", value_name = "PATH")]
    pub db: PathBuf,
    /// normal: survives a process crash; full: also a power loss
    #[arg(long, global = true, env = "RUM_SYNCHRONOUS", value_enum, ignore_case = true, default_value = "normal")]
    pub synchronous: SyncMode,
    /// sqlite:PATH (default: SQLite at --db) or clickhouse+http://HOST:PORT/DATABASE[?cluster=NAME] (deploy/)
    #[arg(long, global = true, env = "RUM_STORE", value_name = "URL")]
    pub store: Option<String>,
}

/// What `serve` listens on, serves and keeps.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Listen address (`127.0.0.1:0`: a free port, printed on the first stdout line)
    #[arg(long, global = true, env = "RUM_ADDR", default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub addr: String,
    /// Static files served at /, the console at /console/
    #[arg(long, global = true, env = "RUM_WWW", default_value = "www", value_name = "DIR")]
    pub www: PathBuf,
    /// Served at /dist/ (the built SDK)
    #[arg(long, global = true, env = "RUM_DIST", default_value = "dist", value_name = "DIR")]
    pub dist: PathBuf,
    /// Remote configs, one <pid>.json each
    #[arg(long, global = true, env = "RUM_CONFIG_DIR", default_value = "remote-config", value_name = "DIR")]
    pub config_dir: PathBuf,
    /// Country MMDB, or `none`; default: collector/geo's database when installed
    #[arg(long, global = true, env = "RUM_GEO_DB", value_name = "PATH|none")]
    pub geo_db: Option<String>,
    /// City MMDB (optional, more precise)
    #[arg(long, global = true, env = "RUM_CITY_DB", value_name = "PATH")]
    pub city_db: Option<PathBuf>,
    /// Delete sessions older than N days; 0 keeps them
    #[arg(long, global = true, env = "RUM_RETENTION_DAYS", default_value_t = 30, value_name = "N")]
    pub retention_days: u32,
    /// Honour X-Forwarded-For from this peer; repeatable or a comma list
    #[arg(long = "trusted-proxy", global = true, env = "RUM_TRUSTED_PROXY", value_delimiter = ',', value_parser = ip, value_name = "IP")]
    pub trusted_proxies: Vec<IpAddr>,
    /// Request body limit in bytes (checked again after decompression)
    #[arg(long, global = true, env = "RUM_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes, value_parser = positive, value_name = "N")]
    pub max_body_bytes: usize,
    /// An admin API token with this value (user `admin-token`; the former single admin token)
    #[arg(long, global = true, env = "RUM_ADMIN_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub admin_token: Option<String>,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub replay: ReplayArgs,
}

/// Caps of `POST /replay` (see `crate::replay`).
#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// Replay request body limit in bytes, as received
    #[arg(long, global = true, env = "RUM_REPLAY_MAX_WIRE_BYTES", default_value_t = crate::replay::Limits::default().max_wire_bytes, value_parser = positive, value_name = "N")]
    pub replay_max_wire_bytes: usize,
    /// One replay segment's limit in bytes, decoded
    #[arg(long, global = true, env = "RUM_REPLAY_MAX_SEGMENT_BYTES", default_value_t = crate::replay::Limits::default().max_segment_bytes, value_parser = positive, value_name = "N")]
    pub replay_max_segment_bytes: usize,
    /// All replay segments of one session, decoded bytes; past it segments get 413
    #[arg(long, global = true, env = "RUM_REPLAY_MAX_SESSION_BYTES", default_value_t = crate::replay::Limits::default().max_session_bytes as usize, value_parser = positive, value_name = "N")]
    pub replay_max_session_bytes: usize,
}

impl ReplayArgs {
    pub fn limits(&self) -> crate::replay::Limits {
        crate::replay::Limits {
            max_wire_bytes: self.replay_max_wire_bytes,
            max_segment_bytes: self.replay_max_segment_bytes,
            max_session_bytes: self.replay_max_session_bytes as u64,
        }
    }
}

/// What one connection may hold (`server.rs`): deadlines, and caps on open connections.
#[derive(Args, Debug, Clone)]
pub struct ConnArgs {
    /// A request's headers must arrive within this time (seconds)
    #[arg(long, global = true, env = "RUM_HEADER_TIMEOUT", default_value_t = 10, value_parser = positive, value_name = "SECS")]
    pub header_timeout: usize,
    /// A request's body must arrive within this time (seconds), else 408
    #[arg(long, global = true, env = "RUM_BODY_TIMEOUT", default_value_t = 30, value_parser = positive, value_name = "SECS")]
    pub body_timeout: usize,
    /// Close a connection without a request in progress and without a byte for this long (seconds)
    #[arg(long, global = true, env = "RUM_IDLE_TIMEOUT", default_value_t = 5, value_parser = positive, value_name = "SECS")]
    pub idle_timeout: usize,
    /// Open connections overall, then 503; 0 = no cap
    #[arg(long, global = true, env = "RUM_MAX_CONNECTIONS", default_value_t = 4096, value_name = "N")]
    pub max_connections: usize,
    /// Open connections per client address, then 503; 0 = no cap
    #[arg(long, global = true, env = "RUM_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 128, value_name = "N")]
    pub max_connections_per_client: usize,
}

impl ConnArgs {
    pub fn limits(&self) -> ConnLimits {
        let secs = |n: usize| std::time::Duration::from_secs(n as u64);
        ConnLimits {
            header_timeout: secs(self.header_timeout),
            body_timeout: secs(self.body_timeout),
            idle_timeout: secs(self.idle_timeout),
            max_connections: self.max_connections,
            max_per_client: self.max_connections_per_client,
        }
    }
}

/// SQLite's `synchronous` setting, as the command line names it.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    Normal,
    Full,
}

impl From<SyncMode> for Synchronous {
    fn from(m: SyncMode) -> Synchronous {
        match m {
            SyncMode::Normal => Synchronous::Normal,
            SyncMode::Full => Synchronous::Full,
        }
    }
}

fn ip(s: &str) -> Result<IpAddr, String> {
    s.trim().parse().map_err(|_| format!("`{s}` is not an IP address"))
}

fn positive(s: &str) -> Result<usize, String> {
    s.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("must be a positive number, got `{s}`"))
}

/// The command line (without the program name) with the environment's fallbacks. An `Err` is
/// clap's: help, version, or a usage error; `.exit()` prints it with the right status.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("rum-collector".to_string()).chain(args))
}

fn geo_path(o: &ServeArgs) -> Option<PathBuf> {
    match o.geo_db.as_deref() {
        Some("none") | Some("") => None,
        Some(p) => Some(PathBuf::from(p)),
        None => {
            let candidates = [PathBuf::from("collector/geo").join(DEFAULT_GEO), PathBuf::from("geo").join(DEFAULT_GEO)];
            candidates.into_iter().find(|p| p.is_file())
        }
    }
}

pub fn main() -> std::process::ExitCode {
    // An empty variable means unset (as before clap, which would read it as an empty value).
    // Still one thread here, so changing the environment is sound.
    for (name, value) in std::env::vars_os() {
        if value.is_empty() && name.to_str().is_some_and(|n| n.starts_with("RUM_")) {
            std::env::remove_var(name);
        }
    }
    let cli = match parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Opens the store named by `--store` (or SQLite at `--db`).
fn open_store(s: &StoreArgs) -> Result<Arc<dyn Store>, String> {
    match s.store.as_deref() {
        Some(url) if url.starts_with("clickhouse+http://") => {
            let cfg = ClickHouseConfig::parse(url)?;
            let store = ClickHouseStore::open(cfg).map_err(|e| format!("--store {}: {e}", store_name(s)))?;
            Ok(Arc::new(store))
        }
        Some(url) => {
            let path = url.strip_prefix("sqlite:").ok_or_else(|| {
                format!("--store must be sqlite:PATH or clickhouse+http://HOST:PORT/DATABASE, got `{url}`")
            })?;
            let store = SqliteStore::open(path, s.synchronous.into()).map_err(|e| format!("{path}: {e}"))?;
            Ok(Arc::new(store))
        }
        None => {
            let store =
                SqliteStore::open(&s.db, s.synchronous.into()).map_err(|e| format!("{}: {e}", s.db.display()))?;
            Ok(Arc::new(store))
        }
    }
}

/// Where the data goes, for the log: the URL without its options (they may name local paths).
fn store_name(s: &StoreArgs) -> String {
    match s.store.as_deref() {
        Some(url) => url.split('?').next().unwrap_or(url).to_string(),
        None => format!("sqlite:{}", s.db.display()),
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let Cli { command, store: s, serve: o, access: a } = cli;
    let command = command.unwrap_or(Command::Serve);
    // Users and tokens live in their own tables (`--auth-db`, by default in the `--db` file),
    // whatever the session store.
    match command {
        Command::User { action } => return admin_cli::run_user(action, &access::accounts_file(&a, &s.db)),
        Command::Token { action } => return admin_cli::run_token(action, &access::accounts_file(&a, &s.db)),
        _ => {}
    }
    let store = open_store(&s)?;
    match command {
        Command::ExportUser { user_id: user } => {
            let data = store.export_user(&user).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&data).map_err(|e| e.to_string())?);
            Ok(())
        }
        Command::DeleteUser { user_id: user } => {
            let n = store.delete_user(&user).map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({"user_id": user, "deleted": n}));
            Ok(())
        }
        Command::Serve => serve(o, a, &s.db, &store_name(&s), store),
        Command::User { .. } | Command::Token { .. } => Ok(()),
    }
}

fn serve(o: ServeArgs, a: AccessOptions, db: &Path, store_name: &str, store: Arc<dyn Store>) -> Result<(), String> {
    access::refuse_open_no_auth(&a, &o.addr)?;
    let mut enricher = Enricher::new(o.trusted_proxies.clone());
    match geo_path(&o) {
        Some(p) => {
            enricher = enricher.with_country_db(&p)?;
            eprintln!("geo: country database {}", p.display());
        }
        None => eprintln!("geo: no country database (run collector/geo/setup.sh); geo fields stay empty"),
    }
    if let Some(p) = &o.city_db {
        enricher = enricher.with_city_db(p)?;
        eprintln!("geo: city database {}", p.display());
    }
    let access = access::build(&a, db, &o.trusted_proxies, o.admin_token.as_deref(), store.clone())?;
    let state = Arc::new(AppState {
        store: store.clone(),
        enricher,
        limits: Limits { max_body_bytes: o.max_body_bytes, ..Limits::default() },
        configs: RemoteConfigs::new(&o.config_dir),
        replay_limits: o.replay.limits(),
        access: access.state,
        minimise: access.minimise,
    });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(&o.addr).await.map_err(|e| format!("cannot listen on {}: {e}", o.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        retention::spawn(store, o.retention_days, std::time::Duration::from_secs(3600));
        let app = http::router(state, StaticDirs { www: o.www.clone(), dist: o.dist.clone() });
        // Tests and scripts read this first stdout line to learn the port of `--addr 127.0.0.1:0`.
        println!("listening on http://{addr}");
        access::announce(access.first_password.as_deref(), addr, a.no_auth);
        eprintln!("console: http://{addr}/console/  ingest: POST http://{addr}/collect  store: {store_name}");
        server::serve(listener, app, o.conn.limits(), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
    })
}
