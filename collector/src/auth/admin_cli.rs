//! `rum-collector user add|remove|list|password` and `rum-collector token create|revoke|list`:
//! access management from the shell, on the same account tables the server reads.

use super::accounts::{AccountStore, SqliteAccounts};
use super::Role;
use std::io::BufRead;
use std::path::PathBuf;

pub const USAGE: &str = "\
  rum-collector user add NAME [--role viewer|admin] [--apps PID,PID] [--password-stdin]
                                  add a user (default role viewer); prints a generated password
                                  unless one is read from stdin
  rum-collector user remove NAME  remove a user and its tokens
  rum-collector user list         users, roles and app scopes (JSON lines)
  rum-collector user password NAME [--password-stdin]   set a new password (printed if generated)
  rum-collector token create --user NAME [--label TEXT] [--apps PID,PID]
                                  create an API token (`Authorization: Bearer`); printed once
  rum-collector token revoke ID   revoke a token
  rum-collector token list        tokens (without their secrets)
  Each takes --db PATH (default rum.db [RUM_DB]) or --auth-db PATH [RUM_AUTH_DB] for the account tables.
";

#[derive(Debug, Default, PartialEq)]
struct Args {
    positional: Vec<String>,
    db: Option<String>,
    auth_db: Option<String>,
    role: Option<String>,
    apps: Option<Vec<String>>,
    user: Option<String>,
    label: Option<String>,
    password_stdin: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(flag) = arg.strip_prefix("--") else {
            a.positional.push(arg.clone());
            continue;
        };
        if flag == "password-stdin" {
            a.password_stdin = true;
            continue;
        }
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, None),
        };
        let value = inline.or_else(|| it.next().cloned()).ok_or_else(|| format!("--{name} needs a value"))?;
        match name {
            "db" => a.db = Some(value),
            "auth-db" => a.auth_db = Some(value),
            "role" => a.role = Some(value),
            "apps" => a.apps = Some(split_list(&value)),
            "user" => a.user = Some(value),
            "label" => a.label = Some(value),
            _ => return Err(format!("unknown option --{name}")),
        }
    }
    Ok(a)
}

pub fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// Where the account tables are: `--auth-db`, else the session database.
pub fn accounts_path(auth_db: Option<String>, db: Option<String>) -> PathBuf {
    let env = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    auth_db.or_else(|| env("RUM_AUTH_DB")).or(db).or_else(|| env("RUM_DB")).unwrap_or_else(|| "rum.db".into()).into()
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

/// Runs `user …` or `token …` (`args` starts after the binary's name).
pub fn run(args: &[String]) -> Result<(), String> {
    let a = parse(args)?;
    let path = accounts_path(a.auth_db.clone(), a.db.clone());
    let accounts = SqliteAccounts::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let acc: &dyn AccountStore = &accounts;
    let pos: Vec<&str> = a.positional.iter().map(String::as_str).collect();
    let e = |e: super::accounts::AccountError| e.to_string();
    match pos.as_slice() {
        ["user", "add", name] => {
            let role = Role::parse(a.role.as_deref().unwrap_or("viewer"))?;
            let pw = if a.password_stdin { Some(read_password()?) } else { None };
            let (user, generated) = super::create_user(acc, name, role, a.apps.clone(), pw).map_err(e)?;
            print_json(&serde_json::json!({ "user": user, "password": generated }))
        }
        ["user", "remove", name] => {
            if super::would_orphan(acc, name, None).map_err(e)? {
                return Err("this is the last admin of all apps: add another first".into());
            }
            acc.remove_user(name).map_err(e)?;
            print_json(&serde_json::json!({ "removed": name }))
        }
        ["user", "list"] => {
            for u in acc.users().map_err(e)? {
                print_json(&u)?;
            }
            Ok(())
        }
        ["user", "password", name] => {
            let (pw, generated) =
                if a.password_stdin { (read_password()?, false) } else { (super::password::generate()?, true) };
            super::set_password(acc, name, &pw).map_err(e)?;
            print_json(&serde_json::json!({ "user": name, "password": generated.then_some(pw) }))
        }
        ["token", "create"] => {
            let user = a.user.as_deref().ok_or("token create needs --user NAME")?;
            let (info, secret) =
                super::create_token(acc, user, a.label.as_deref().unwrap_or(""), a.apps.clone()).map_err(e)?;
            print_json(&serde_json::json!({ "token": info, "secret": secret }))
        }
        ["token", "revoke", id] => {
            acc.revoke_token(id).map_err(e)?;
            print_json(&serde_json::json!({ "revoked": id }))
        }
        ["token", "list"] => {
            for t in acc.tokens().map_err(e)? {
                print_json(&t)?;
            }
            Ok(())
        }
        _ => Err(format!("unknown or incomplete command `{}`\n\n{USAGE}", pos.join(" "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_positionals() {
        let v = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let a = parse(&v("user add ann --role admin --apps a,b --db x.db --password-stdin")).unwrap();
        assert_eq!(a.positional, v("user add ann"));
        assert_eq!(a.role.as_deref(), Some("admin"));
        assert_eq!(a.apps, Some(v("a b").into_iter().collect()));
        assert!(a.password_stdin);
        assert!(parse(&v("user add ann --nope 1")).is_err());
        assert!(parse(&v("user add ann --role")).is_err());
    }
}
