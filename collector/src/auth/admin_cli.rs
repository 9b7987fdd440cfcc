//! `rum-collector user add|remove|list|password` and `rum-collector token create|revoke|list`:
//! access management from the shell, on the same account tables the server reads.

use super::accounts::{AccountError, AccountStore, SqliteAccounts};
use super::Role;
use clap::Subcommand;
use std::io::BufRead;
use std::path::Path;

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    /// Add a user; prints a generated password unless one is read from stdin
    Add {
        name: String,
        /// viewer (reads sessions) or admin (also deletes, exports, writes config, manages access)
        #[arg(long, default_value = "viewer")]
        role: String,
        /// Only these apps' sessions (pids, comma list); all apps when left out
        #[arg(long, value_delimiter = ',')]
        apps: Option<Vec<String>>,
        /// Read the password from the first line of stdin
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user and its tokens (not the last admin of all apps)
    Remove { name: String },
    /// Users, roles and app scopes, one JSON line each (never a password hash)
    List,
    /// Set a new password (generated and printed unless read from stdin); ends the user's logins
    /// at the server's next start
    Password {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum TokenCommand {
    /// Create an API token; its secret is printed once
    Create {
        /// The user the token acts as (its role and app scope)
        #[arg(long)]
        user: String,
        /// What the token is for
        #[arg(long, default_value = "")]
        label: String,
        /// Narrow the user's app scope (pids, comma list)
        #[arg(long, value_delimiter = ',')]
        apps: Option<Vec<String>>,
    },
    /// Revoke a token by its id
    Revoke { id: String },
    /// Tokens, one JSON line each (never a secret)
    List,
}

pub fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

fn read_password() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("reading the password from stdin: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn print_json(v: &impl serde::Serialize) -> Result<(), String> {
    println!("{}", serde_json::to_string(v).map_err(|e| e.to_string())?);
    Ok(())
}

fn open(path: &Path) -> Result<SqliteAccounts, String> {
    SqliteAccounts::open(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn text(e: AccountError) -> String {
    e.to_string()
}

pub fn run_user(cmd: UserCommand, path: &Path) -> Result<(), String> {
    let accounts = open(path)?;
    let acc: &dyn AccountStore = &accounts;
    match cmd {
        UserCommand::Add { name, role, apps, password_stdin } => {
            let role = Role::parse(&role)?;
            let pw = if password_stdin { Some(read_password()?) } else { None };
            let (user, generated) = super::create_user(acc, &name, role, apps, pw).map_err(text)?;
            print_json(&serde_json::json!({ "user": user, "password": generated }))
        }
        UserCommand::Remove { name } => {
            if super::would_orphan(acc, &name, None).map_err(text)? {
                return Err("this is the last admin of all apps: add another first".into());
            }
            acc.remove_user(&name).map_err(text)?;
            print_json(&serde_json::json!({ "removed": name }))
        }
        UserCommand::List => {
            for u in acc.users().map_err(text)? {
                print_json(&u)?;
            }
            Ok(())
        }
        UserCommand::Password { name, password_stdin } => {
            let (pw, generated) =
                if password_stdin { (read_password()?, false) } else { (super::password::generate()?, true) };
            super::set_password(acc, &name, &pw).map_err(text)?;
            print_json(&serde_json::json!({ "user": name, "password": generated.then_some(pw) }))
        }
    }
}

pub fn run_token(cmd: TokenCommand, path: &Path) -> Result<(), String> {
    let accounts = open(path)?;
    let acc: &dyn AccountStore = &accounts;
    match cmd {
        TokenCommand::Create { user, label, apps } => {
            let (info, secret) = super::create_token(acc, &user, &label, apps).map_err(text)?;
            print_json(&serde_json::json!({ "token": info, "secret": secret }))
        }
        TokenCommand::Revoke { id } => {
            acc.revoke_token(&id).map_err(text)?;
            print_json(&serde_json::json!({ "revoked": id }))
        }
        TokenCommand::List => {
            for t in acc.tokens().map_err(text)? {
                print_json(&t)?;
            }
            Ok(())
        }
    }
}
