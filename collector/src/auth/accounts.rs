//! Users and API tokens: who may read and manage the collector. Kept behind their own small
//! trait, in their own tables (`auth_*`, their own schema version), so that another session store
//! (ClickHouse) never has to hold them: the SQLite implementation can live in any file.

use super::Role;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug)]
pub enum AccountError {
    Db(String),
    Exists(String),
    NotFound(String),
    Invalid(String),
}

impl std::fmt::Display for AccountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccountError::Db(e) => write!(f, "account database: {e}"),
            AccountError::Exists(w) => write!(f, "{w} exists already"),
            AccountError::NotFound(w) => write!(f, "no {w}"),
            AccountError::Invalid(e) => write!(f, "{e}"),
        }
    }
}

impl From<rusqlite::Error> for AccountError {
    fn from(e: rusqlite::Error) -> Self {
        AccountError::Db(e.to_string())
    }
}

pub type AccountResult<T> = Result<T, AccountError>;

/// A user as listed; the password hash never leaves this module's callers in `auth`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// `None`: every app; `Some(pids)`: only sessions of these apps.
    pub apps: Option<Vec<String>>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub label: String,
    pub user: String,
    /// Narrows the owner's apps further (never widens them).
    pub apps: Option<Vec<String>>,
    pub created_ms: i64,
}

pub trait AccountStore: Send + Sync + 'static {
    fn user_count(&self) -> AccountResult<i64>;
    fn add_user(&self, user: &User, password_hash: &str) -> AccountResult<()>;
    fn update_user(&self, name: &str, role: Role, apps: Option<&[String]>) -> AccountResult<()>;
    fn set_password(&self, name: &str, password_hash: &str) -> AccountResult<()>;
    /// Removes the user and its tokens.
    fn remove_user(&self, name: &str) -> AccountResult<()>;
    fn users(&self) -> AccountResult<Vec<User>>;
    fn user(&self, name: &str) -> AccountResult<Option<User>>;
    fn password_hash(&self, name: &str) -> AccountResult<Option<String>>;
    fn add_token(&self, token: &TokenInfo, digest: &str) -> AccountResult<()>;
    /// The token with this digest and its owner.
    fn token(&self, digest: &str) -> AccountResult<Option<(TokenInfo, User)>>;
    fn tokens(&self) -> AccountResult<Vec<TokenInfo>>;
    fn revoke_token(&self, id: &str) -> AccountResult<()>;
}

/// User names and pids: plain printable names, so they are safe in logs, cookies and lists.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || "@._-".contains(c))
}

pub fn check_apps(apps: Option<&[String]>) -> AccountResult<()> {
    match apps {
        Some([]) => {
            Err(AccountError::Invalid("an app scope lists at least one pid (leave it out for all apps)".into()))
        }
        Some(a) if a.len() > 100 => Err(AccountError::Invalid("an app scope lists at most 100 pids".into())),
        Some(a) => match a.iter().find(|p| !valid_name(p)) {
            Some(p) => Err(AccountError::Invalid(format!("`{p}` is not a valid pid"))),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

pub struct SqliteAccounts {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS auth_schema_version (version INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS auth_users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'admin')),
        apps TEXT,
        password_hash TEXT NOT NULL,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS auth_tokens (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        user_name TEXT NOT NULL REFERENCES auth_users(name) ON DELETE CASCADE,
        apps TEXT,
        digest TEXT NOT NULL UNIQUE,
        created_ms INTEGER NOT NULL
    );
";

fn apps_to_sql(apps: Option<&[String]>) -> Option<String> {
    apps.map(|a| serde_json::Value::from(a.to_vec()).to_string())
}

fn apps_from_sql(s: Option<String>) -> Option<Vec<String>> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

fn role_from_sql(s: &str) -> Role {
    // The CHECK constraint allows only these two; anything else gets the lesser right.
    if s == "admin" {
        Role::Admin
    } else {
        Role::Viewer
    }
}

/// A user's columns (table alias `u`), read by `user_from_row`.
const USER_COLS: &str = "u.name AS u_name, u.role AS u_role, u.apps AS u_apps, u.created_ms AS u_created_ms";
/// A token's columns (table alias `t`), read by `token_from_row`.
const TOKEN_COLS: &str =
    "t.id AS t_id, t.label AS t_label, t.user_name AS t_user, t.apps AS t_apps, t.created_ms AS t_created_ms";

fn user_from_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    let role: String = r.get("u_role")?;
    Ok(User {
        name: r.get("u_name")?,
        role: role_from_sql(&role),
        apps: apps_from_sql(r.get("u_apps")?),
        created_ms: r.get("u_created_ms")?,
    })
}

fn token_from_row(r: &rusqlite::Row) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.get("t_id")?,
        label: r.get("t_label")?,
        user: r.get("t_user")?,
        apps: apps_from_sql(r.get("t_apps")?),
        created_ms: r.get("t_created_ms")?,
    })
}

impl SqliteAccounts {
    pub fn open(path: &Path) -> AccountResult<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        conn.execute_batch(SCHEMA)?;
        let v: Option<i64> =
            conn.query_row("SELECT max(version) FROM auth_schema_version", [], |r| r.get(0)).optional()?.flatten();
        if v.is_none() {
            conn.execute("INSERT INTO auth_schema_version (version) VALUES (1)", [])?;
        }
        Ok(SqliteAccounts { conn: Mutex::new(conn) })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> AccountResult<T>) -> AccountResult<T> {
        let conn = self.conn.lock().map_err(|_| AccountError::Db("account store lock poisoned".into()))?;
        f(&conn)
    }
}

impl AccountStore for SqliteAccounts {
    fn user_count(&self) -> AccountResult<i64> {
        self.with(|c| Ok(c.query_row("SELECT count(*) FROM auth_users", [], |r| r.get(0))?))
    }

    fn add_user(&self, u: &User, password_hash: &str) -> AccountResult<()> {
        if !valid_name(&u.name) {
            return Err(AccountError::Invalid(format!(
                "`{}` is not a valid user name (letters, digits, @ . _ -, at most 100)",
                u.name
            )));
        }
        check_apps(u.apps.as_deref())?;
        self.with(|c| {
            let n = c.execute(
                "INSERT OR IGNORE INTO auth_users (name, role, apps, password_hash, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![u.name, u.role.as_str(), apps_to_sql(u.apps.as_deref()), password_hash, u.created_ms],
            )?;
            if n == 0 {
                return Err(AccountError::Exists(format!("user `{}`", u.name)));
            }
            Ok(())
        })
    }

    fn update_user(&self, name: &str, role: Role, apps: Option<&[String]>) -> AccountResult<()> {
        check_apps(apps)?;
        self.with(|c| {
            let n = c.execute(
                "UPDATE auth_users SET role = ?2, apps = ?3 WHERE name = ?1",
                params![name, role.as_str(), apps_to_sql(apps)],
            )?;
            if n == 0 {
                return Err(AccountError::NotFound(format!("user `{name}`")));
            }
            Ok(())
        })
    }

    fn set_password(&self, name: &str, password_hash: &str) -> AccountResult<()> {
        self.with(|c| {
            let n =
                c.execute("UPDATE auth_users SET password_hash = ?2 WHERE name = ?1", params![name, password_hash])?;
            if n == 0 {
                return Err(AccountError::NotFound(format!("user `{name}`")));
            }
            Ok(())
        })
    }

    fn remove_user(&self, name: &str) -> AccountResult<()> {
        self.with(|c| {
            c.execute("DELETE FROM auth_tokens WHERE user_name = ?1", params![name])?;
            if c.execute("DELETE FROM auth_users WHERE name = ?1", params![name])? == 0 {
                return Err(AccountError::NotFound(format!("user `{name}`")));
            }
            Ok(())
        })
    }

    fn users(&self) -> AccountResult<Vec<User>> {
        self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {USER_COLS} FROM auth_users u ORDER BY u.name"))?;
            let rows = st.query_map([], user_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn user(&self, name: &str) -> AccountResult<Option<User>> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("SELECT {USER_COLS} FROM auth_users u WHERE u.name = ?1"),
                params![name],
                user_from_row,
            )
            .optional()?)
        })
    }

    fn password_hash(&self, name: &str) -> AccountResult<Option<String>> {
        self.with(|c| {
            Ok(c.query_row("SELECT password_hash FROM auth_users WHERE name = ?1", params![name], |r| r.get(0))
                .optional()?)
        })
    }

    fn add_token(&self, t: &TokenInfo, digest: &str) -> AccountResult<()> {
        check_apps(t.apps.as_deref())?;
        if t.label.len() > 200 {
            return Err(AccountError::Invalid("a token label has at most 200 bytes".into()));
        }
        self.with(|c| {
            let owner: Option<String> =
                c.query_row("SELECT name FROM auth_users WHERE name = ?1", params![t.user], |r| r.get(0)).optional()?;
            if owner.is_none() {
                return Err(AccountError::NotFound(format!("user `{}`", t.user)));
            }
            c.execute(
                "INSERT INTO auth_tokens (id, label, user_name, apps, digest, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![t.id, t.label, t.user, apps_to_sql(t.apps.as_deref()), digest, t.created_ms],
            )?;
            Ok(())
        })
    }

    fn token(&self, digest: &str) -> AccountResult<Option<(TokenInfo, User)>> {
        self.with(|c| {
            Ok(c.query_row(
                &format!(
                    "SELECT {TOKEN_COLS}, {USER_COLS}
                     FROM auth_tokens t JOIN auth_users u ON u.name = t.user_name WHERE t.digest = ?1"
                ),
                params![digest],
                |r| Ok((token_from_row(r)?, user_from_row(r)?)),
            )
            .optional()?)
        })
    }

    fn tokens(&self) -> AccountResult<Vec<TokenInfo>> {
        self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {TOKEN_COLS} FROM auth_tokens t ORDER BY t.created_ms, t.id"))?;
            let rows = st.query_map([], token_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn revoke_token(&self, id: &str) -> AccountResult<()> {
        self.with(|c| {
            if c.execute("DELETE FROM auth_tokens WHERE id = ?1", params![id])? == 0 {
                return Err(AccountError::NotFound(format!("token `{id}`")));
            }
            Ok(())
        })
    }
}
