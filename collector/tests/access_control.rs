//! Issue 12: who may read the sessions. Every test runs the real collector binary with its
//! access control on (as a user's first start), over real HTTP, on a real SQLite file.

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const PW: &str = "a long enough password";

/// `rum-collector <args>` with `stdin`; its stdout as JSON lines.
fn cli(args: &[&str], stdin: &str) -> Result<Vec<Value>, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rum-collector"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect())
}

fn db(dir: &Path) -> String {
    dir.join("rum.db").to_string_lossy().into_owned()
}

/// Adds a user with the known password before the server starts (so no first-start admin).
fn add_user(dir: &Path, name: &str, role: &str, apps: Option<&str>) {
    let d = db(dir);
    let mut args = vec!["user", "add", name, "--role", role, "--db", &d, "--password-stdin"];
    if let Some(a) = apps {
        args.extend(["--apps", a]);
    }
    cli(&args, &format!("{PW}\n")).unwrap();
}

fn token(dir: &Path, user: &str, apps: Option<&str>) -> (String, String) {
    let d = db(dir);
    let mut args = vec!["token", "create", "--user", user, "--label", "test", "--db", &d];
    if let Some(a) = apps {
        args.extend(["--apps", a]);
    }
    let out = cli(&args, "").unwrap();
    (out[0]["token"]["id"].as_str().unwrap().to_string(), out[0]["secret"].as_str().unwrap().to_string())
}

/// A server with an admin `root` and a viewer `ann`, and an API token of each.
struct Fixture {
    s: Server,
    admin: String,
    viewer: String,
    _tmp: tempfile::TempDir,
}

fn fixture(extra: &[&str]) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    add_user(tmp.path(), "root", "admin", None);
    add_user(tmp.path(), "ann", "viewer", None);
    let (_, admin) = token(tmp.path(), "root", None);
    let (_, viewer) = token(tmp.path(), "ann", None);
    let s = Server::secure_in(tmp.path(), extra);
    Fixture { s, admin, viewer, _tmp: tmp }
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

impl Fixture {
    fn as_(&self, token: &str, method: &str, path: &str, body: &[u8]) -> Resp {
        self.s.request(method, path, &[("Authorization", &bearer(token))], body)
    }
}

/// Every `.route("PATH", METHOD(...)...)` registered anywhere in the collector's sources, so a
/// route added later is in this test without anyone listing it here.
fn registered_routes() -> Vec<(String, String)> {
    let mut files = vec![];
    let mut dirs = vec![repo_root().join("collector/src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut routes = vec![];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, _) in text.match_indices(".route(") {
            let rest = &text[i + 7..];
            let end = [".route(", ".nest", ".fallback", ".merge(", ".layer(", ".with_state", "\n}"]
                .iter()
                .filter_map(|m| rest.find(m))
                .min()
                .unwrap_or(rest.len());
            let call = &rest[..end];
            let Some(q) = call.find('"') else { continue };
            let Some(q2) = call[q + 1..].find('"') else { continue };
            let path = &call[q + 1..q + 1 + q2];
            if !path.starts_with('/') {
                continue;
            }
            let tail = &call[q + 2 + q2..];
            for m in ["get", "post", "put", "delete", "patch"] {
                let pat = format!("{m}(");
                let found = tail.match_indices(&pat).any(|(j, _)| {
                    j == 0 || !tail.as_bytes()[j - 1].is_ascii_alphanumeric() && tail.as_bytes()[j - 1] != b'_'
                });
                if found {
                    routes.push((m.to_uppercase(), path.to_string()));
                }
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

/// Path parameters (`{id}`, `{*rest}`) filled with a plain value.
fn concrete(path: &str) -> String {
    path.split('/').map(|seg| if seg.starts_with('{') { "x" } else { seg }).collect::<Vec<_>>().join("/")
}

/// What is public by design (issue 12): ingest, the SDK's config read, health, the demo root,
/// and the login itself. Everything else must refuse a request without credentials.
fn public(method: &str, path: &str) -> bool {
    let ingest =
        path == "/collect" || path.starts_with("/collect/") || path == "/replay" || path.starts_with("/replay/");
    (ingest && method == "POST")
        || (path.starts_with("/config/") && method == "GET")
        || (method == "GET" && (path == "/api/health" || path == "/" || path.starts_with("/demo-api/")))
        || (method == "POST" && path == "/api/auth/login")
}

/// Changing or personal: admin only (logging out is every user's).
fn admin_only(method: &str, path: &str) -> bool {
    let own = method == "POST" && path == "/api/auth/logout";
    !own && (method != "GET" || path.starts_with("/api/users/") || path.starts_with("/api/admin/"))
}

#[test]
fn every_non_ingest_route_answers_401_without_credentials_and_403_to_a_viewer_on_admin_routes() {
    let f = fixture(&[]);
    let routes = registered_routes();
    assert!(routes.len() >= 15, "the route scan found too little: {routes:?}");
    assert!(routes.contains(&("DELETE".into(), "/api/users/{user_id}".into())), "{routes:?}");
    let mut checked = 0;
    for (m, p) in &routes {
        let url = concrete(p);
        let anon = f.s.request(m, &url, &[], b"");
        if public(m, p) {
            assert_ne!(anon.status, 401, "{m} {p} is public");
            continue;
        }
        checked += 1;
        assert_eq!(anon.status, 401, "{m} {p} without credentials: {}", String::from_utf8_lossy(&anon.body));
        let bad = f.s.request(m, &url, &[("Authorization", "Bearer rum_not-a-token")], b"");
        assert_eq!(bad.status, 401, "{m} {p} with an unknown token");
        let cookie = f.s.request(m, &url, &[("Cookie", "rum_session=forged")], b"");
        assert_eq!(cookie.status, 401, "{m} {p} with a forged login cookie");
        let viewer = f.as_(&f.viewer, m, &url, b"");
        if admin_only(m, p) {
            assert_eq!(viewer.status, 403, "{m} {p} as a viewer");
            let admin = f.as_(&f.admin, m, &url, b"");
            assert!(admin.status != 401 && admin.status != 403, "{m} {p} as admin: {}", admin.status);
        } else {
            assert!(viewer.status != 401 && viewer.status != 403, "{m} {p} as a viewer: {}", viewer.status);
        }
    }
    assert!(checked >= 10, "{checked}");
    // The console's files and any unknown path are closed too; the login page and demo are not.
    for p in ["/console/", "/console/index.html", "/console/app.js", "/no-such-file", "/api/no-such-route"] {
        assert_eq!(f.s.get(p).status, 401, "GET {p}");
    }
    let page = f.s.request("GET", "/console/", &[("Accept", "text/html")], b"");
    assert!(String::from_utf8_lossy(&page.body).contains("/console/login.html?next=/console/"), "points to the login");
    assert_eq!(f.s.request("POST", "/api/new-thing", &[], b"").status, 401);
    assert_eq!(f.as_(&f.viewer, "POST", "/api/new-thing", b"").status, 403, "new changing routes are admin-only");
    for p in ["/console/login.html", "/console/login.js", "/console/style.css", "/api/health"] {
        assert_eq!(f.s.get(p).status, 200, "GET {p}");
    }
    assert_eq!(f.as_(&f.viewer, "GET", "/console/app.js", b"").status, 200);
}

#[test]
fn console_answers_carry_the_security_headers() {
    let f = fixture(&[]);
    for p in ["/console/login.html", "/console/"] {
        let r = f.as_(&f.viewer, "GET", p, b"");
        assert_eq!(r.status, 200, "{p}");
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{p}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    }
    let api = f.as_(&f.viewer, "GET", "/api/sessions", b"");
    assert_eq!(api.header("cache-control"), Some("no-store"));
}

#[test]
fn a_foreign_origin_gets_no_cors_grant_on_the_query_api_while_ingest_stays_open() {
    let f = fixture(&[]);
    let evil = "https://evil.example";
    let pre = f.s.request(
        "OPTIONS",
        "/api/sessions",
        &[
            ("Origin", evil),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
        b"",
    );
    assert!(pre.header("access-control-allow-origin").is_none(), "preflight granted: {:?}", pre.headers);
    assert!(pre.header("access-control-allow-credentials").is_none());
    let get = f.s.request("GET", "/api/sessions", &[("Origin", evil), ("Authorization", &bearer(&f.viewer))], b"");
    assert_eq!(get.status, 200);
    assert!(get.header("access-control-allow-origin").is_none(), "{:?}", get.headers);
    assert!(get.header("access-control-allow-credentials").is_none());
    // Ingest: any page may send, with credentials (sendBeacon).
    let pre = f.s.request("OPTIONS", "/collect", &[("Origin", evil), ("Access-Control-Request-Method", "POST")], b"");
    assert_eq!(pre.header("access-control-allow-origin"), Some(evil));
    let body = bundle("s-cors", "u", json!([pv(now_ms(), "e1")]));
    let post = f.s.request("POST", "/collect", &[("Origin", evil)], &body);
    assert_eq!(post.status, 200);
    assert_eq!(post.header("access-control-allow-origin"), Some(evil));
    assert_eq!(post.header("access-control-allow-credentials"), Some("true"));
}

#[test]
fn ingest_can_be_limited_to_origins_and_pids() {
    let s = Server::secure(&["--ingest-allow-origin", "https://shop.example", "--ingest-allow-pid", "test-app,other"]);
    let body = bundle("s-o", "u", json!([pv(now_ms(), "e1")]));
    let ok = s.request("POST", "/collect", &[("Origin", "https://shop.example")], &body);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("access-control-allow-origin"), Some("https://shop.example"));
    let bad = s.request("POST", "/collect", &[("Origin", "https://evil.example")], &body);
    assert_eq!(bad.status, 403);
    assert!(bad.header("access-control-allow-origin").is_none());
    let pre = s.request("OPTIONS", "/collect", &[("Origin", "https://evil.example")], b"");
    assert!(pre.header("access-control-allow-origin").is_none());
    let foreign_pid = String::from_utf8(body).unwrap().replace("test-app", "stranger");
    let r = s.request("POST", "/collect", &[("Origin", "https://shop.example")], foreign_pid.as_bytes());
    assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
    assert!(String::from_utf8_lossy(&r.body).contains("stranger"));
    // Replay segments answer to the same pid allowlist.
    let seg = |pid: &str| {
        json!({"pid": pid, "session_id": "s-o", "view_id": "v1", "segment_id": format!("seg-{pid}"), "seq": 0,
            "start": now_ms(), "end": now_ms(), "count": 1, "has_full_snapshot": false, "source": "sampled",
            "records": [{"type": 3, "data": {"source": 2}, "timestamp": now_ms()}]})
        .to_string()
    };
    let own = s.request("POST", "/replay", &[("Origin", "https://shop.example")], seg("test-app").as_bytes());
    assert_eq!(own.status, 200, "{}", String::from_utf8_lossy(&own.body));
    let other = s.request("POST", "/replay", &[("Origin", "https://shop.example")], seg("stranger").as_bytes());
    assert_eq!(other.status, 403, "{}", String::from_utf8_lossy(&other.body));
    assert!(String::from_utf8_lossy(&other.body).contains("stranger"));
}

fn login(s: &Server, user: &str, pw: &str, extra: &[(&str, &str)]) -> Resp {
    let body = json!({"user": user, "password": pw}).to_string();
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(extra);
    s.request("POST", "/api/auth/login", &h, body.as_bytes())
}

fn cookie_of(r: &Resp) -> String {
    let set = r.header("set-cookie").expect("Set-Cookie");
    set.split(';').next().unwrap().to_string()
}

#[test]
fn login_cookie_flags_csrf_and_logout() {
    let f = fixture(&[]);
    let s = &f.s;
    assert_eq!(login(s, "root", "wrong password!!", &[]).status, 401);
    assert_eq!(login(s, "nobody", PW, &[]).status, 401);
    let r = login(s, "root", PW, &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let set = r.header("set-cookie").unwrap().to_string();
    assert!(set.starts_with("rum_session="), "{set}");
    assert!(set.contains("; HttpOnly") && set.contains("; SameSite=Strict") && set.contains("; Path=/"), "{set}");
    assert!(!set.contains("Secure"), "plain HTTP from a non-proxy: no Secure flag: {set}");
    let csrf = r.json()["csrf"].as_str().unwrap().to_string();
    let c = cookie_of(&r);
    let me = s.request("GET", "/api/auth/me", &[("Cookie", &c)], b"");
    assert_eq!(me.json()["user"], "root");
    assert_eq!(me.json()["role"], "admin");
    assert_eq!(me.json()["csrf"], csrf.as_str());
    assert_eq!(s.request("GET", "/api/sessions", &[("Cookie", &c)], b"").status, 200);
    // A change needs the login's CSRF token, and no foreign Origin.
    let cfg = br#"{"env":"prod"}"#;
    assert_eq!(s.request("PUT", "/config/p1", &[("Cookie", &c)], cfg).status, 403, "no CSRF token");
    assert_eq!(s.request("PUT", "/config/p1", &[("Cookie", &c), ("X-CSRF-Token", "guess")], cfg).status, 403);
    let foreign = [("Cookie", c.as_str()), ("X-CSRF-Token", csrf.as_str()), ("Origin", "https://evil.example")];
    assert_eq!(s.request("PUT", "/config/p1", &foreign, cfg).status, 403, "foreign origin");
    let own_origin = format!("http://{}", s.addr);
    let good = [("Cookie", c.as_str()), ("X-CSRF-Token", csrf.as_str()), ("Origin", own_origin.as_str())];
    let put = s.request("PUT", "/config/p1", &good, cfg);
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    // Logout ends the login on the server, not only in the browser.
    assert_eq!(s.request("POST", "/api/auth/logout", &[("Cookie", &c)], b"").status, 403, "logout needs CSRF too");
    let out = s.request("POST", "/api/auth/logout", &[("Cookie", &c), ("X-CSRF-Token", &csrf)], b"");
    assert_eq!(out.status, 200);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(s.request("GET", "/api/sessions", &[("Cookie", &c)], b"").status, 401);
}

#[test]
fn the_cookie_is_secure_behind_a_trusted_tls_proxy_or_when_configured() {
    let f = fixture(&["--trusted-proxy", "127.0.0.1"]);
    let r = login(&f.s, "root", PW, &[("X-Forwarded-Proto", "https")]);
    assert!(r.header("set-cookie").unwrap().contains("; Secure"));
    let r = login(&f.s, "root", PW, &[]);
    assert!(!r.header("set-cookie").unwrap().contains("Secure"));
    let f = fixture(&["--secure-cookie", "always"]);
    assert!(login(&f.s, "root", PW, &[]).header("set-cookie").unwrap().contains("; Secure"));
}

#[test]
fn logins_are_rate_limited_with_retry_after() {
    let f = fixture(&["--login-rate", "3/m,burst=3"]);
    for _ in 0..3 {
        assert_eq!(login(&f.s, "root", "wrong password!!", &[]).status, 401);
    }
    let r = login(&f.s, "root", PW, &[]);
    assert_eq!(r.status, 429, "even the right password waits");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
}

#[test]
fn tokens_are_created_and_revoked_from_the_command_line_and_the_admin_api() {
    let tmp = tempfile::tempdir().unwrap();
    add_user(tmp.path(), "root", "admin", None);
    let (id, secret) = token(tmp.path(), "root", None);
    let s = Server::secure_in(tmp.path(), &[]);
    let auth = bearer(&secret);
    assert_eq!(s.request("GET", "/api/sessions", &[("Authorization", &auth)], b"").status, 200);
    let listed = cli(&["token", "list", "--db", &db(tmp.path())], "").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(!listed[0].to_string().contains(&secret), "secrets are never listed");
    cli(&["token", "revoke", &id, "--db", &db(tmp.path())], "").unwrap();
    assert_eq!(s.request("GET", "/api/sessions", &[("Authorization", &auth)], b"").status, 401, "revoked");
    assert!(cli(&["token", "revoke", &id, "--db", &db(tmp.path())], "").is_err(), "unknown id: an error");

    // The same through the admin API (what the console's Admin page calls).
    let (_, admin) = token(tmp.path(), "root", None);
    let adm = [("Authorization", bearer(&admin))];
    let h: Vec<(&str, &str)> = adm.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made =
        s.request("POST", "/api/admin/tokens", &h, json!({"user": "root", "label": "ci"}).to_string().as_bytes());
    assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
    let (tid, tsecret) =
        (made.json()["token"]["id"].as_str().unwrap().to_string(), made.json()["secret"].as_str().unwrap().to_string());
    assert_eq!(s.request("GET", "/api/sessions", &[("Authorization", &bearer(&tsecret))], b"").status, 200);
    assert_eq!(s.request("DELETE", &format!("/api/admin/tokens/{tid}"), &h, b"").status, 200);
    assert_eq!(s.request("GET", "/api/sessions", &[("Authorization", &bearer(&tsecret))], b"").status, 401);
}

#[test]
fn users_are_managed_from_the_command_line_and_the_admin_api() {
    let tmp = tempfile::tempdir().unwrap();
    let d = db(tmp.path());
    let made = cli(&["user", "add", "bea", "--db", &d], "").unwrap();
    assert_eq!(made[0]["user"]["role"], "viewer");
    let generated = made[0]["password"].as_str().unwrap().to_string();
    assert!(generated.len() >= 20);
    assert!(cli(&["user", "add", "bea", "--db", &d], "").unwrap_err().contains("exists"));
    assert!(cli(&["user", "add", "cy", "--db", &d, "--password-stdin"], "short\n").unwrap_err().contains("12"));
    add_user(tmp.path(), "root", "admin", None);
    let users = cli(&["user", "list", "--db", &d], "").unwrap();
    assert_eq!(users.iter().map(|u| u["name"].as_str().unwrap()).collect::<Vec<_>>(), ["bea", "root"]);
    assert!(!users.iter().any(|u| u.to_string().contains("argon2")), "no hash is listed");
    let s = Server::secure_in(tmp.path(), &[]);
    assert_eq!(login(&s, "bea", &generated, &[]).status, 200);
    // The last admin cannot be removed (that would lock everybody out).
    assert!(cli(&["user", "remove", "root", "--db", &d], "").unwrap_err().contains("last admin"));
    cli(&["user", "remove", "bea", "--db", &d], "").unwrap();
    assert_eq!(login(&s, "bea", &generated, &[]).status, 401, "removed users cannot log in");

    let (_, admin) = token(tmp.path(), "root", None);
    let h = [("Authorization", bearer(&admin))];
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.request(
        "POST",
        "/api/admin/users",
        &h,
        json!({"name": "dee", "role": "viewer", "apps": ["shop"]}).to_string().as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let pw = r.json()["password"].as_str().unwrap().to_string();
    let l = login(&s, "dee", &pw, &[]);
    assert_eq!(l.json()["apps"], json!(["shop"]));
    let list = s.request("GET", "/api/admin/users", &h, b"").json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let r = s.request("PUT", "/api/admin/users/dee", &h, json!({"role": "admin"}).to_string().as_bytes());
    assert_eq!(r.status, 200);
    let c = cookie_of(&l);
    assert_eq!(s.request("GET", "/api/auth/me", &[("Cookie", &c)], b"").json()["role"], "admin", "roles apply at once");
    assert_eq!(s.request("DELETE", "/api/admin/users/dee", &h, b"").status, 200);
    assert_eq!(s.request("GET", "/api/auth/me", &[("Cookie", &c)], b"").status, 401, "their logins end");
    assert_eq!(s.request("DELETE", "/api/admin/users/root", &h, b"").status, 409);
}

fn app_bundle(app: &str, session: &str, ts: i64) -> Vec<u8> {
    String::from_utf8(bundle(session, "u1", json!([pv(ts, &format!("{session}-pv")),
        {"event_type": "exception", "type": "error", "timestamp": ts + 1, "event_id": format!("{session}-err"), "message": "boom"}])))
    .unwrap()
    .replace("\"test-app\"", &format!("\"{app}\""))
    .into_bytes()
}

#[test]
fn users_and_tokens_scoped_to_apps_see_only_those_apps() {
    let tmp = tempfile::tempdir().unwrap();
    add_user(tmp.path(), "root", "admin", None);
    add_user(tmp.path(), "shopper", "viewer", Some("shop,blog"));
    add_user(tmp.path(), "shopadmin", "admin", Some("shop"));
    let (_, viewer) = token(tmp.path(), "shopper", None);
    let (_, narrow) = token(tmp.path(), "shopper", Some("blog"));
    let (_, wide) = token(tmp.path(), "shopper", Some("bank"));
    let (_, shopadmin) = token(tmp.path(), "shopadmin", None);
    let (_, root) = token(tmp.path(), "root", None);
    let s = Server::secure_in(tmp.path(), &[]);
    let t = now_ms();
    for (app, sid) in [("shop", "s-shop"), ("blog", "s-blog"), ("bank", "s-bank")] {
        assert_eq!(s.collect(&app_bundle(app, sid, t)).status, 200);
    }
    let get = |tok: &str, p: &str| s.request("GET", p, &[("Authorization", &bearer(tok))], b"");
    let ids = |tok: &str| -> Vec<String> {
        let mut v: Vec<String> = get(tok, "/api/sessions").json()["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["session_id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&root), ["s-bank", "s-blog", "s-shop"]);
    assert_eq!(ids(&viewer), ["s-blog", "s-shop"]);
    assert_eq!(get(&viewer, "/api/sessions").json()["total"], 2);
    assert_eq!(ids(&narrow), ["s-blog"], "a token narrows its user's scope");
    assert_eq!(ids(&wide), Vec::<String>::new(), "and never widens it");
    assert_eq!(get(&viewer, "/api/sessions?app_id=bank").json()["total"], 0);
    assert_eq!(get(&viewer, "/api/sessions/s-shop").status, 200);
    assert_eq!(get(&viewer, "/api/sessions/s-bank").status, 404, "outside the scope a session does not exist");
    // Also on every route under a session (its replay, ...): refused before any handler runs.
    let sub = get(&viewer, "/api/sessions/s-bank/replay");
    assert_eq!(sub.status, 404);
    assert_eq!(sub.json()["error"], "no session `s-bank`");
    assert_ne!(get(&viewer, "/api/sessions/s-shop/replay").body, sub.body);
    assert_eq!(get(&viewer, "/api/ways/errors").status, 403, "cross-app aggregates are refused to scoped users");
    assert_eq!(get(&root, "/api/ways/errors").status, 200);
    for p in ["/api/diagnosis/errors", "/api/timeseries"] {
        assert_eq!(get(&viewer, p).status, 403, "{p} for a scoped user");
    }
    // KPIs and the map answer for the caller's apps only.
    let sessions = |tok: &str, p: &str| get(tok, p).json()["current"]["sessions"].as_i64();
    assert_eq!(sessions(&root, "/api/kpis"), Some(3));
    assert_eq!(sessions(&viewer, "/api/kpis"), Some(2));
    assert_eq!(sessions(&narrow, "/api/kpis"), Some(1));
    assert_eq!(sessions(&viewer, "/api/kpis?app_id=bank"), Some(0), "a filter cannot reach outside the scope");
    assert_eq!(get(&viewer, "/api/geo").status, 200);
    let put =
        |tok: &str, pid: &str| s.request("PUT", &format!("/config/{pid}"), &[("Authorization", &bearer(tok))], b"{}");
    assert_eq!(put(&shopadmin, "shop").status, 200);
    assert_eq!(put(&shopadmin, "bank").status, 403);
    let versions = |pid: &str| get(&shopadmin, &format!("/api/config/{pid}/versions")).status;
    assert_eq!(versions("shop"), 200);
    assert_eq!(versions("bank"), 403, "config history of another app");
    assert_eq!(s.request("DELETE", "/api/users/u1", &[("Authorization", &bearer(&shopadmin))], b"").status, 403);
}

#[test]
fn ingest_is_rate_limited_per_address_and_per_pid_with_retry_after() {
    let s = Server::secure(&["--ingest-rate-ip", "3/m,burst=3", "--ingest-rate-pid", "off"]);
    let t = now_ms();
    for i in 0..3 {
        assert_eq!(s.collect(&app_bundle("a", &format!("s{i}"), t)).status, 200);
    }
    let r = s.collect(&app_bundle("a", "s9", t));
    assert_eq!(r.status, 429, "{}", String::from_utf8_lossy(&r.body));
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");

    let s = Server::secure(&["--ingest-rate-pid", "2/m,burst=2"]);
    for i in 0..2 {
        assert_eq!(s.collect(&app_bundle("busy", &format!("s{i}"), t)).status, 200);
    }
    let r = s.collect(&app_bundle("busy", "s9", t));
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    assert_eq!(s.collect(&app_bundle("calm", "c1", t)).status, 200, "other apps are not held back");
}

#[test]
fn secret_query_parameters_are_redacted_before_storage_and_addresses_truncated() {
    let s = Server::secure(&["--redact-param", "ticket", "--ip-storage", "truncated"]);
    let t = now_ms();
    let body = json!({
        "app": {"id": "shop", "type": "browser"},
        "user": {"id": "u1"},
        "session": {"id": "s-redact"},
        "view": {"id": "v1", "name": "/p", "url": "https://shop.test/p?token=VIEWSECRET&q=shoes"},
        "events": [
            {"event_type": "view", "type": "pv", "timestamp": t, "event_id": "e1", "name": "/p",
             "url": "https://shop.test/p?token=PVSECRET&q=shoes#access_token=FRAGSECRET"},
            {"event_type": "resource", "type": "script", "timestamp": t + 1, "event_id": "e2",
             "name": "https://cdn.test/a.js?api_key=RESSECRET&v=2", "url": "https://cdn.test/a.js?api_key=RESSECRET&v=2"},
            {"event_type": "resource", "type": "xmlhttprequest", "timestamp": t + 2, "event_id": "e3",
             "url": "https://api.test/login?password=APISECRET&ticket=TICKETSECRET&lang=en", "status_code": 200, "success": 1}
        ]
    });
    let r = s.collect(body.to_string().as_bytes());
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["accepted"], 3);
    // Everything the store holds, every table and column, as text.
    let c = rusqlite::Connection::open(s.dir.join("rum.db")).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut all = String::new();
    for t in &tables {
        let mut st = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                if let Ok(v) = row.get::<_, String>(i) {
                    all.push_str(&v);
                    all.push('\n');
                }
            }
        }
    }
    assert!(all.contains("s-redact"), "the bundle is stored");
    for secret in ["VIEWSECRET", "PVSECRET", "FRAGSECRET", "RESSECRET", "APISECRET", "TICKETSECRET"] {
        assert!(!all.contains(secret), "{secret} reached the store");
    }
    for kept in ["q=shoes", "v=2", "lang=en", "token=[redacted]", "ticket=[redacted]", "password=[redacted]"] {
        assert!(all.contains(kept), "{kept} is missing");
    }
    let ip: Option<String> =
        c.query_row("SELECT ip FROM sessions WHERE session_id = 's-redact'", [], |r| r.get(0)).unwrap();
    assert_eq!(ip.as_deref(), Some("127.0.0.0"), "truncated to its /24");
}

#[test]
fn ip_storage_off_keeps_no_address() {
    let s = Server::secure(&["--ip-storage", "off"]);
    assert_eq!(s.collect(&app_bundle("a", "s-ip", now_ms())).status, 200);
    let c = rusqlite::Connection::open(s.dir.join("rum.db")).unwrap();
    let ip: Option<String> =
        c.query_row("SELECT ip FROM sessions WHERE session_id = 's-ip'", [], |r| r.get(0)).unwrap();
    assert_eq!(ip, None);
}

#[test]
fn no_auth_is_refused_on_a_non_loopback_address() {
    let tmp = tempfile::tempdir().unwrap();
    let d = db(tmp.path());
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let out = Command::new(env!("CARGO_BIN_EXE_rum-collector"))
            .args(["--no-auth", "--addr", addr, "--db", &d, "--geo-db", "none"])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{addr}");
        assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "it never listened");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--no-auth") && err.contains("loopback"), "{err}");
    }
    // On loopback it runs, and everything is open (the harness' default for the other tests).
    let s = Server::start(&[]);
    assert_eq!(s.get("/api/sessions").status, 200);
}

#[test]
fn the_first_start_creates_an_admin_and_prints_its_password_once() {
    let s = Server::secure(&[]);
    let pw = s.first_password().expect("the first start prints a password");
    assert!(pw.len() >= 20, "{pw}");
    assert_eq!(s.get("/api/sessions").status, 401, "secure by default");
    let r = login(&s, "admin", &pw, &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["role"], "admin");
    let dir = s.dir.clone();
    let tmp = s.kill9();
    let again = Server::secure_in(&dir, &[]);
    assert_eq!(again.first_password(), None, "shown once");
    assert!(!again.stderr.lock().unwrap().contains(&pw));
    assert_eq!(login(&again, "admin", &pw, &[]).status, 200, "the password stays valid");
    drop(tmp);
}
