//! Command line: flags with environment fallbacks, and the subcommands.

use crate::auth::access_setup::{self as access, AccessOptions};
use crate::enrich::Enricher;
use crate::http::{self, AppState, StaticDirs};
use crate::ingest::Limits;
use crate::remote_config::RemoteConfigs;
use crate::retention;
use crate::store::sqlite::{SqliteStore, Synchronous};
use crate::store::Store;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

pub const USAGE: &str = "\
rum-collector: receives RUM bundles (ARMS wire format), stores them, serves the console.

USAGE:
  rum-collector [serve] [OPTIONS]
  rum-collector export-user [--db PATH] <USER_ID>   print all data of a user as JSON
  rum-collector delete-user [--db PATH] <USER_ID>   delete all data of a user
  rum-collector user ...  |  rum-collector token ...   users and API tokens (see ACCESS below)

OPTIONS (environment variable in brackets):
  --addr ADDR             listen address, default 127.0.0.1:8080 [RUM_ADDR]
  --db PATH               SQLite file, default rum.db [RUM_DB]
  --www DIR               static files served at /, console at /console/, default www [RUM_WWW]
  --dist DIR              served at /dist/, default dist [RUM_DIST]
  --config-dir DIR        remote configs <pid>.json, default remote-config [RUM_CONFIG_DIR]
  --geo-db PATH|none      country MMDB; default: collector/geo's database when installed [RUM_GEO_DB]
  --city-db PATH          city MMDB (optional, more precise) [RUM_CITY_DB]
  --retention-days N      delete sessions older than N days, 0 = keep, default 30 [RUM_RETENTION_DAYS]
  --trusted-proxy IP      honour X-Forwarded-For from this peer; repeatable or comma list [RUM_TRUSTED_PROXY]
  --max-body-bytes N      request body limit (also after gunzip), default 1048576 [RUM_MAX_BODY_BYTES]
  --synchronous MODE      normal (survives process crash) | full (also power loss), default normal [RUM_SYNCHRONOUS]
  --admin-token TOKEN     an admin API token with this value (user `admin-token`; the former single
                          admin token, kept for existing scripts) [RUM_ADMIN_TOKEN]
  --no-auth               no login at all: local development only, refused unless --addr is loopback
  --auth-db PATH          SQLite file of users and tokens, default: the --db file [RUM_AUTH_DB]
  --secure-cookie MODE    auto (Secure when a trusted proxy says X-Forwarded-Proto: https) | always
  --login-rate RATE       login attempts per client address and per user name, default 5/m,burst=10
  --ingest-allow-origin O page origins that may send (repeatable or comma list), default any [RUM_INGEST_ALLOW_ORIGIN]
  --ingest-allow-pid PID  pids that may send (repeatable or comma list), default any [RUM_INGEST_ALLOW_PID]
  --ingest-rate-ip RATE   ingest requests per client address, default 50/s,burst=500; off to disable
  --ingest-rate-pid RATE  ingest requests per pid, default 1000/s,burst=10000; off to disable
  --redact-param NAME     more URL parameter names whose values are stored as [redacted] (repeatable
                          or comma list; the built-in list is src/core/redact.rs) [RUM_REDACT_PARAMS]
  --ip-storage MODE       full | truncated (/24, /48) | off, default full [RUM_IP_STORAGE]

ACCESS (users and tokens; every route but ingest, remote-config reads, the demo and /dist needs one):
";

/// Where `collector/geo/setup.sh` installs the default country database.
const DEFAULT_GEO: &str = "node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb";

#[derive(Debug, Clone)]
pub struct Options {
    pub command: String,
    pub user_id: Option<String>,
    pub addr: String,
    pub db: PathBuf,
    pub www: PathBuf,
    pub dist: PathBuf,
    pub config_dir: PathBuf,
    pub geo_db: Option<String>,
    pub city_db: Option<PathBuf>,
    pub retention_days: u32,
    pub trusted_proxies: Vec<IpAddr>,
    pub max_body_bytes: usize,
    pub synchronous: Synchronous,
    pub admin_token: Option<String>,
    pub access: AccessOptions,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        command: "serve".into(),
        user_id: None,
        addr: env("RUM_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into()),
        db: env("RUM_DB").unwrap_or_else(|| "rum.db".into()).into(),
        www: env("RUM_WWW").unwrap_or_else(|| "www".into()).into(),
        dist: env("RUM_DIST").unwrap_or_else(|| "dist".into()).into(),
        config_dir: env("RUM_CONFIG_DIR").unwrap_or_else(|| "remote-config".into()).into(),
        geo_db: env("RUM_GEO_DB"),
        city_db: env("RUM_CITY_DB").map(PathBuf::from),
        retention_days: 30,
        trusted_proxies: Vec::new(),
        max_body_bytes: Limits::default().max_body_bytes,
        synchronous: Synchronous::Normal,
        admin_token: env("RUM_ADMIN_TOKEN"),
        access: AccessOptions {
            allow_origins: env("RUM_INGEST_ALLOW_ORIGIN").into_iter().collect(),
            allow_pids: env("RUM_INGEST_ALLOW_PID").into_iter().collect(),
            redact_params: env("RUM_REDACT_PARAMS").into_iter().collect(),
            ip_storage: env("RUM_IP_STORAGE"),
            ..AccessOptions::default()
        },
    };
    let mut retention = env("RUM_RETENTION_DAYS");
    let mut proxies: Vec<String> = env("RUM_TRUSTED_PROXY").into_iter().collect();
    let mut max_body = env("RUM_MAX_BODY_BYTES");
    let mut sync = env("RUM_SYNCHRONOUS");
    let mut positional = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            return Err(String::new());
        }
        let Some(flag) = arg.strip_prefix("--") else {
            positional.push(arg);
            continue;
        };
        if flag == "no-auth" {
            o.access.no_auth = true;
            continue;
        }
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.to_string(), None),
        };
        let value = match inline.or_else(|| it.next()) {
            Some(v) => v,
            None => return Err(format!("--{name} needs a value")),
        };
        match name.as_str() {
            "addr" => o.addr = value,
            "db" => o.db = value.into(),
            "www" => o.www = value.into(),
            "dist" => o.dist = value.into(),
            "config-dir" => o.config_dir = value.into(),
            "geo-db" => o.geo_db = Some(value),
            "city-db" => o.city_db = Some(value.into()),
            "retention-days" => retention = Some(value),
            "trusted-proxy" => proxies.push(value),
            "max-body-bytes" => max_body = Some(value),
            "synchronous" => sync = Some(value),
            "admin-token" => o.admin_token = Some(value),
            "auth-db" => o.access.auth_db = Some(value),
            "secure-cookie" => o.access.secure_cookie = Some(value),
            "login-rate" => o.access.login_rate = Some(value),
            "ingest-allow-origin" => o.access.allow_origins.push(value),
            "ingest-allow-pid" => o.access.allow_pids.push(value),
            "ingest-rate-ip" => o.access.rate_ip = Some(value),
            "ingest-rate-pid" => o.access.rate_pid = Some(value),
            "redact-param" => o.access.redact_params.push(value),
            "ip-storage" => o.access.ip_storage = Some(value),
            _ => return Err(format!("unknown option --{name}")),
        }
    }
    if let Some(r) = retention {
        o.retention_days = r.parse().map_err(|_| format!("--retention-days must be a whole number, got `{r}`"))?;
    }
    for p in proxies.iter().flat_map(|p| p.split(',')).map(str::trim).filter(|p| !p.is_empty()) {
        o.trusted_proxies.push(p.parse().map_err(|_| format!("--trusted-proxy: `{p}` is not an IP address"))?);
    }
    if let Some(m) = max_body {
        o.max_body_bytes = m
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("--max-body-bytes must be a positive number, got `{m}`"))?;
    }
    if let Some(s) = sync {
        o.synchronous = match s.to_ascii_lowercase().as_str() {
            "normal" => Synchronous::Normal,
            "full" => Synchronous::Full,
            _ => return Err(format!("--synchronous must be normal or full, got `{s}`")),
        };
    }
    let mut pos = positional.into_iter();
    if let Some(cmd) = pos.next() {
        match cmd.as_str() {
            "serve" => {}
            "export-user" | "delete-user" => {
                o.user_id = Some(pos.next().ok_or_else(|| format!("{cmd} needs a user id"))?);
                o.command = cmd;
            }
            other => return Err(format!("unknown command `{other}`")),
        }
    }
    if let Some(extra) = pos.next() {
        return Err(format!("unexpected argument `{extra}`"));
    }
    Ok(o)
}

fn geo_path(o: &Options) -> Option<PathBuf> {
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(args.first().map(String::as_str), Some("user" | "token")) {
        return match crate::auth::admin_cli::run(&args) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::from(2)
            }
        };
    }
    let opts = match parse(args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}{}", crate::auth::admin_cli::USAGE);
            return std::process::ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(opts) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(o: Options) -> Result<(), String> {
    let store = SqliteStore::open(&o.db, o.synchronous).map_err(|e| format!("{}: {e}", o.db.display()))?;
    match o.command.as_str() {
        "export-user" => {
            let user = o.user_id.unwrap_or_default();
            let data = store.export_user(&user).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&data).map_err(|e| e.to_string())?);
            Ok(())
        }
        "delete-user" => {
            let user = o.user_id.unwrap_or_default();
            let n = store.delete_user(&user).map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({"user_id": user, "deleted": n}));
            Ok(())
        }
        _ => serve(o, store),
    }
}

fn serve(o: Options, store: SqliteStore) -> Result<(), String> {
    access::refuse_open_no_auth(&o.access, &o.addr)?;
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
    let store: Arc<dyn Store> = Arc::new(store);
    let access = access::build(&o.access, &o.db, &o.trusted_proxies, o.admin_token.as_deref(), store.clone())?;
    let state = Arc::new(AppState {
        store: store.clone(),
        enricher,
        limits: Limits { max_body_bytes: o.max_body_bytes, ..Limits::default() },
        configs: RemoteConfigs::new(&o.config_dir),
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
        access::announce(access.first_password.as_deref(), addr, o.access.no_auth);
        eprintln!("console: http://{addr}/console/  ingest: POST http://{addr}/collect  db: {}", o.db.display());
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| e.to_string())
    })
}
