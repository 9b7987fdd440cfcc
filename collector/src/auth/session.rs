//! Console logins: a random session id in an `HttpOnly`, `SameSite=Strict` cookie, and a CSRF
//! token the page reads from `/api/auth/me` and sends back in `X-CSRF-Token` on every change.
//! Held in memory under the id's digest: a restart logs everybody out, which is the safe side.

use super::secret;
use std::collections::HashMap;
use std::sync::Mutex;

pub const COOKIE: &str = "rum_session";
/// A login lasts at most this long, and ends sooner after `IDLE_MS` without a request.
pub const MAX_AGE_MS: i64 = 12 * 3_600_000;
pub const IDLE_MS: i64 = 2 * 3_600_000;
/// Bounds the memory a flood of logins can take; the oldest login goes first.
const MAX_SESSIONS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct Login {
    pub user: String,
    pub csrf: String,
    created_ms: i64,
    seen_ms: i64,
}

#[derive(Default)]
pub struct Logins {
    by_digest: Mutex<HashMap<String, Login>>,
}

impl Logins {
    /// A new login for `user`: the cookie value and the CSRF token.
    pub fn create(&self, user: &str, now_ms: i64) -> Result<(String, String), String> {
        let id = secret::random_string(32)?;
        let csrf = secret::random_string(32)?;
        let mut map = self.by_digest.lock().map_err(|_| "login table lock poisoned".to_string())?;
        map.retain(|_, l| live(l, now_ms));
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map.iter().min_by_key(|(_, l)| l.created_ms).map(|(k, _)| k.clone()) {
                map.remove(&oldest);
            }
        }
        map.insert(
            secret::digest(&id),
            Login { user: user.to_string(), csrf: csrf.clone(), created_ms: now_ms, seen_ms: now_ms },
        );
        Ok((id, csrf))
    }

    /// The live login behind a cookie value, refreshed.
    pub fn get(&self, id: &str, now_ms: i64) -> Option<Login> {
        let mut map = self.by_digest.lock().ok()?;
        let key = secret::digest(id);
        let login = map.get_mut(&key)?;
        if !live(login, now_ms) {
            map.remove(&key);
            return None;
        }
        login.seen_ms = now_ms;
        Some(login.clone())
    }

    pub fn end(&self, id: &str) {
        if let Ok(mut map) = self.by_digest.lock() {
            map.remove(&secret::digest(id));
        }
    }

    /// Ends every login of a user (removed, or its password changed).
    pub fn end_user(&self, user: &str) {
        if let Ok(mut map) = self.by_digest.lock() {
            map.retain(|_, l| l.user != user);
        }
    }
}

fn live(l: &Login, now_ms: i64) -> bool {
    now_ms - l.created_ms < MAX_AGE_MS && now_ms - l.seen_ms < IDLE_MS
}

/// The `Set-Cookie` value of a login; `secure` when the console is reached over HTTPS.
pub fn set_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
        MAX_AGE_MS / 1000,
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(secure: bool) -> String {
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

/// Our cookie's value in a `Cookie` header.
pub fn cookie_value(header: &str) -> Option<&str> {
    header.split(';').filter_map(|kv| kv.trim().split_once('=')).find(|(k, _)| *k == COOKIE).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_expire_when_idle_or_old_and_end() {
        let l = Logins::default();
        let (id, csrf) = l.create("ann", 0).unwrap();
        assert_eq!(l.get(&id, 1000).unwrap().csrf, csrf);
        assert!(l.get("other", 1000).is_none());
        assert!(l.get(&id, 1000 + IDLE_MS).is_none(), "idle too long");
        let (id, _) = l.create("ann", 0).unwrap();
        let mut t = 0;
        while t + IDLE_MS / 2 < MAX_AGE_MS {
            t += IDLE_MS / 2;
            assert!(l.get(&id, t).is_some());
        }
        assert!(l.get(&id, MAX_AGE_MS).is_none(), "older than the maximum age");
        let (id, _) = l.create("bob", 0).unwrap();
        l.end_user("bob");
        assert!(l.get(&id, 1).is_none());
        assert_eq!(cookie_value("a=1; rum_session=xyz; b=2"), Some("xyz"));
        assert!(set_cookie("v", true).ends_with("HttpOnly; SameSite=Strict; Secure"));
    }
}
