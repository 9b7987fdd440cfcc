// Issue 6 end to end: the real collector binary, the demo shop with the script-tag SDK, a scripted
// user (login, clicks, a good and a failing API call, a JS error, two route changes), then the
// session-trace console finding that session by user name and showing its summary and path.
// The collector runs as after `npm start`: access control on, the first start's admin password read
// from its output, and the console used after logging in (issue 12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, launch, until, hide } from './harness.mjs';

const BIN = path.join(ROOT, 'target/collector/rum-collector');
const OUT = path.join(ROOT, 'test-output');
const NAME = 'e2e-shopper-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);

let tmp, collector, base, browser, collectorLog = '';
// The first start's admin password (printed once on stderr) and the API's login cookie.
let adminPassword, cookie;
// Shared by the tests below, in order: the visit, then the console showing it.
let ctx, sid, detail, con, shown, summaryOf;

/** Starts the collector on a free port and resolves with its origin from the first stdout line. */
function startCollector() {
  return new Promise((resolve, reject) => {
    collector = spawn(BIN, ['--addr', '127.0.0.1:0', '--db', path.join(tmp, 'rum.db'), '--www', 'www', '--dist', 'dist',
      '--config-dir', path.join(tmp, 'remote-config'), '--geo-db', 'none', '--retention-days', '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error('collector did not start in 10 s:\n' + collectorLog)), 10000);
    let first = '';
    collector.stdout.on('data', (d) => {
      collectorLog += d;
      if (first !== null) {
        first += d;
        const nl = first.indexOf('\n');
        if (nl >= 0) {
          const line = first.slice(0, nl);
          first = null;
          clearTimeout(timer);
          const m = line.match(/^listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/);
          if (m) resolve(m[1]); else reject(new Error('unexpected first line: ' + line));
        }
      }
    });
    collector.stderr.on('data', (d) => { collectorLog += d; });
    collector.on('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`collector exited (${code ?? sig}):\n${collectorLog}`)); });
  });
}

async function stopCollector() {
  if (!collector || collector.exitCode !== null || collector.signalCode) return;
  const exited = new Promise((r) => collector.once('exit', r));
  collector.kill('SIGTERM');
  const t = setTimeout(() => collector.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

const text = async (id) => (await con.textContent(`[data-testid=${id}]`)).trim();

/** Logs in through the API as a script would; resolves to the cookie and the CSRF token. */
async function login(user, password) {
  const r = await fetch(base + '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }), signal: AbortSignal.timeout(5000) });
  assert.equal(r.status, 200, 'login as ' + user);
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: (await r.json()).csrf };
}

async function api(p) {
  const r = await fetch(base + p, { headers: { cookie }, signal: AbortSignal.timeout(5000) });
  assert.equal(r.status, 200, `${p} → ${r.status}`);
  return r.json();
}

before(async () => {
  assert.ok(fs.existsSync(BIN), 'collector binary missing: cargo build -p rum-collector --profile collector');
  assert.ok(fs.existsSync(path.join(ROOT, 'dist/rum.js')), 'dist/ missing: npm run build');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rum-console-'));
  base = await startCollector();
  await until(() => /shown only this once:\s+(\S+)/.test(collectorLog), 'the first start\'s admin password', 5000);
  adminPassword = collectorLog.match(/shown only this once:\s+(\S+)/)[1];
  ({ cookie } = await login('admin', adminPassword));
  browser = await launch();
});
after(async () => {
  await ctx?.close();
  await browser?.close();
  await stopCollector();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('without a login the API answers 401 and the console sends to its login page', async () => {
  const r = await fetch(base + '/api/sessions', { signal: AbortSignal.timeout(5000) });
  assert.equal(r.status, 401);
  const p = await (await browser.newContext()).newPage();
  await p.goto(base + '/console/#/ways');
  await p.waitForSelector('[data-testid=login-user]', { timeout: 10000 });
  assert.match(p.url(), /\/console\/login\.html\?next=/);
  await p.context().close();
});

test('the scripted visit is one session, found by user name through GET /api/sessions?q=', async () => {
  assert.deepEqual(await api('/api/health'), { ok: true });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const shop = await ctx.newPage();
  const pageErrors = [];
  shop.on('pageerror', (e) => pageErrors.push(String(e.message || e)));
  // The user name is known before the SDK's first load (as after an earlier login), so the
  // whole visit is one session under that name.
  await shop.goto(base + '/api/health');
  await shop.evaluate((n) => localStorage.setItem('demo_user', n), NAME);
  await shop.goto(base + '/demo/');
  assert.equal(await shop.evaluate(() => window.RumSDK.default.ready), true);
  sid = await shop.evaluate(() => window.RumSDK.default.getSessionId());
  assert.match(sid, /^[0-9a-f]{32}$/);
  assert.equal(await shop.inputValue('#username'), NAME);
  const log = (text) => until(() => shop.evaluate((t) => document.getElementById('log').textContent.includes(t), text), 'demo log: ' + text, 5000);

  // Logging in again as the same user keeps the session.
  await shop.fill('#username', NAME);
  await shop.click('#login');
  await log('logged in as ' + NAME);
  assert.equal(await shop.evaluate(() => window.RumSDK.default.getSessionId()), sid);

  for (let i = 0; i < 3; i++) await shop.click('#buy');
  await shop.click('#api-ok');
  await log('GET /api/health → 200');
  await shop.click('#api-fail');
  // The collector answers a POST to an unknown path with 405 (its static routes are GET/HEAD).
  await log('POST /demo-api/checkout → 4');
  await shop.click('#throw');
  await until(() => pageErrors.some((m) => m.includes('demo: checkout button exploded')), 'the thrown error', 5000);
  await shop.click('#nav-cart');
  await until(() => shop.evaluate(() => location.pathname === '/demo/cart' && document.getElementById('title').textContent === 'Cart'), 'cart route');
  await shop.click('#nav-checkout');
  await until(() => shop.evaluate(() => location.pathname === '/demo/checkout'), 'checkout route');
  assert.equal(await shop.evaluate(() => window.RumSDK.default.getSessionId()), sid, 'one session for the whole visit');
  await hide(shop);
  assert.deepEqual(pageErrors, ['demo: checkout button exploded']);

  const q = '/api/sessions?q=' + encodeURIComponent(NAME);
  let seen;
  const found = await until(async () => {
    seen = await api(q);
    return seen.sessions.length === 1 && seen.sessions[0].pvs >= 3 && seen.sessions[0];
  }, `session of ${NAME} with 3 PVs in ${q}`, 15000).catch(async (e) => {
    const all = await api('/api/sessions').catch(() => null);
    const sess = seen?.sessions[0] && await api('/api/sessions/' + seen.sessions[0].session_id).catch(() => null);
    e.message += `\nlast answer: ${JSON.stringify(seen?.sessions.map(({ bundle, ...x }) => x))}` +
      `\nall sessions: ${JSON.stringify(all?.sessions.map((x) => [x.session_id, x.user_name, x.pvs, x.events]))}` +
      `\npath: ${JSON.stringify(sess?.pages.map((p) => [p.view_name, p.loading_type, p.events.map((x) => x.event_type + '/' + x.type)]))}`;
    throw e;
  });
  assert.equal(found.session_id, sid);
  assert.equal(found.user_name, NAME);
  assert.equal(found.app_id, 'demo-shop');
  // Let any bundle still in flight land: the event count stays the same for 1.2 s.
  let last = -1, stable = 0;
  await until(async () => {
    const n = (await api(q)).sessions[0].events;
    stable = n === last ? stable + 1 : 0;
    last = n;
    if (stable < 3) await new Promise((r) => setTimeout(r, 400));
    return stable >= 3;
  }, 'event count to settle', 8000);
  detail = await api('/api/sessions/' + sid);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'session-path.json'), JSON.stringify(detail, null, 2));
});

test('console: search by user name → one row → the session page (screenshot); user, id, 3 PVs, pages /demo/ → cart → checkout', async () => {
  assert.ok(detail, 'needs the visit from the previous test');
  con = await ctx.newPage();
  const consoleErrors = [];
  con.on('pageerror', (e) => consoleErrors.push(String(e)));
  // Anything the strict Content-Security-Policy blocks is reported on the page's console.
  con.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) consoleErrors.push(m.text()); });
  await con.goto(base + '/console/');
  // The console asks for a login first, then comes back.
  await con.waitForSelector('[data-testid=login-user]', { timeout: 10000 });
  await con.fill('[data-testid=login-user]', 'admin');
  await con.fill('[data-testid=login-password]', 'not the password');
  await con.click('[data-testid=login-submit]');
  await until(async () => (await con.textContent('[data-testid=login-error]')).includes('wrong user name or password'), 'the wrong-password message');
  await con.fill('[data-testid=login-password]', adminPassword);
  await con.click('[data-testid=login-submit]');
  await con.waitForSelector('[data-testid=search-input]', { timeout: 10000 });
  assert.equal(new URL(con.url()).pathname, '/console/');
  await until(async () => (await con.textContent('[data-testid=who]'))?.includes('admin (admin)'), 'the user in the header');
  const cookies = await ctx.cookies(base);
  const sessionCookie = cookies.find((c) => c.name === 'rum_session');
  assert.ok(sessionCookie && sessionCookie.httpOnly && sessionCookie.sameSite === 'Strict', JSON.stringify(cookies));
  assert.equal(await con.evaluate(() => document.cookie.includes('rum_session')), false, 'HttpOnly: not readable by scripts');
  // Already logged in, the login page sends straight back (where a link from another site lands,
  // as the SameSite=Strict cookie does not come with it).
  await con.goto(base + '/console/login.html?next=/console/');
  await con.waitForSelector('[data-testid=search-input]', { timeout: 10000 });
  assert.equal(new URL(con.url()).pathname, '/console/');
  await con.fill('[data-testid=search-input]', NAME);
  await con.click('[data-testid=search-button]');
  const row = con.locator('[data-testid=session-row]');
  await until(async () => (await row.count()) === 1 && (await row.getAttribute('data-session-id')) === sid, 'exactly one session row for the user', 10000);
  await row.click();
  await con.waitForSelector('[data-testid=summary-pvs]', { timeout: 10000 });
  await con.waitForSelector('[data-testid=path-page]', { timeout: 10000 });
  fs.mkdirSync(OUT, { recursive: true });
  await con.screenshot({ path: path.join(OUT, 'session-path.png'), fullPage: true });
  assert.match(con.url(), new RegExp('#/session/' + sid + '$'));

  assert.equal(await text('summary-user'), NAME);
  assert.equal(await text('summary-session-id'), sid);
  const views = await con.$$eval('[data-testid=path-page]', (els) => els.map((e) => e.getAttribute('data-view-name')));
  assert.deepEqual(views, ['/demo/', '/demo/cart', '/demo/checkout'], 'path pages in order');
  assert.equal(await text('summary-pvs'), '3', 'PVs: home, cart, checkout');

  // The first page's events as the console lists them, and as the API gives them (with ms).
  const first = con.locator('[data-testid=path-page]').first();
  shown = await first.locator('[data-testid=path-event]').evaluateAll((els) => els.map((e) => ({
    event_type: e.getAttribute('data-event-type'), type: e.getAttribute('data-type'), text: e.textContent,
  })));
  const apiEvents = detail.pages[0].events;
  assert.deepEqual(shown.map((e) => e.event_type + '/' + e.type), apiEvents.map((e) => e.event_type + '/' + (e.type || '')), 'the console shows the API path');
  for (let i = 1; i < apiEvents.length; i++) assert.ok(apiEvents[i].ts >= apiEvents[i - 1].ts, 'events in time order');
  summaryOf = shown.map((e) => e.event_type + '/' + e.type).join(' ') + '\nwhole path: ' +
    JSON.stringify(detail.pages.map((p) => [p.view_name, p.events.map((x) => x.event_type + '/' + x.type + (x.url ? ' ' + x.url.replace(base, '') : ''))]));
  assert.deepEqual(consoleErrors, []);
});

// ---- what the automatic collectors (clicks, fetch/XHR, JS errors) add ----

test('summary: JS errors ≥ 1 (the thrown error)', async () => {
  assert.ok(shown, 'needs the console page');
  assert.ok(Number(await text('summary-errors')) >= 1, `JS errors: ${await text('summary-errors')}; first page: ${summaryOf}`);
});

test('summary: API calls ≥ 2 (GET /api/health, POST /demo-api/checkout)', async () => {
  assert.ok(shown, 'needs the console page');
  assert.ok(Number(await text('summary-api-calls')) >= 2, `API calls: ${await text('summary-api-calls')}; ${summaryOf}`);
});

test('summary: API failures ≥ 1 (the 4xx POST)', async () => {
  assert.ok(shown, 'needs the console page');
  assert.ok(Number(await text('summary-api-failures')) >= 1, `API failures: ${await text('summary-api-failures')}; ${summaryOf}`);
});

test('first page: clicks (action), fetches (resource) and the exception, in the order the user caused them', () => {
  assert.ok(shown, 'needs the console page');
  const at = (what, pred) => {
    const i = shown.findIndex(pred);
    assert.ok(i >= 0, `${what} on the first page: ${summaryOf}`);
    return i;
  };
  const click = (label) => at(`a click on "${label}"`, (e) => e.event_type === 'action' && e.text.includes(label));
  const fetchOf = (url) => at(`a fetch of ${url}`, (e) => e.event_type === 'resource' && e.type === 'fetch' && e.text.includes(url));
  // Each call's response arrived before the next click (the test waits for the demo's log line),
  // so in time order: click → its fetch → next click → its fetch → click → the exception.
  const order = [
    ['click Call API (ok)', click('Call API (ok)')],
    ['fetch /api/health', fetchOf('/api/health')],
    ['click Call API (fails)', click('Call API (fails)')],
    ['fetch /demo-api/checkout', fetchOf('/demo-api/checkout')],
    ['click Throw an error', click('Throw an error')],
    ['exception', at('the exception', (e) => e.event_type === 'exception')],
  ];
  const got = [...order].sort((a, b) => a[1] - b[1]).map(([n]) => n);
  assert.deepEqual(got, order.map(([n]) => n), `events out of order: ${summaryOf}`);
  assert.ok(shown[order[5][1]].text.includes('demo: checkout button exploded'), shown[order[5][1]].text);
});

test('first page: the failing POST /demo-api/checkout is shown with its 4xx status and marked failed', () => {
  assert.ok(shown, 'needs the console page');
  const failed = shown.find((e) => e.type === 'fetch' && e.text.includes('/demo-api/checkout'));
  assert.ok(failed, 'the POST on the first page: ' + summaryOf);
  assert.match(failed.text, /→ 4\d\d/);
  assert.match(failed.text, /failed/);
});

// ---- the Admin page (issue 12), under the console's CSP ----

test('admin page: an admin adds a viewer (password shown once) and a token; the viewer logs in without the Admin link; logout ends the login', async () => {
  assert.ok(con, 'needs the logged-in console page');
  const blocked = [];
  con.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) blocked.push(m.text()); });
  con.on('pageerror', (e) => blocked.push(String(e)));
  await con.click('[data-testid=admin-link]');
  await con.waitForSelector('[data-testid=user-row][data-user=admin]', { timeout: 10000 });
  await con.fill('[data-testid=new-user-name]', 'vera');
  await con.selectOption('[data-testid=new-user-role]', 'viewer');
  await con.click('[data-testid=add-user]');
  await con.waitForSelector('[data-testid=user-row][data-user=vera]', { timeout: 10000 });
  const note = await con.textContent('[data-testid=admin-notice]');
  const vpw = note.match(/\(shown once\): (\S+)/)?.[1];
  assert.ok(vpw, note);
  await con.fill('[data-testid=new-token-user]', 'vera');
  await con.fill('[data-testid=new-token-label]', 'e2e');
  await con.click('[data-testid=add-token]');
  await con.waitForSelector('[data-testid=token-row]', { timeout: 10000 });
  const secret = (await con.textContent('[data-testid=admin-notice]')).match(/(rum_\S+)$/)?.[1];
  assert.ok(secret, 'token secret shown');
  const r = await fetch(base + '/api/sessions', { headers: { authorization: 'Bearer ' + secret }, signal: AbortSignal.timeout(5000) });
  assert.equal(r.status, 200, 'the new token reads');
  assert.equal((await fetch(base + '/api/users/x', { headers: { authorization: 'Bearer ' + secret } })).status, 403, 'a viewer token does not export');
  assert.deepEqual(blocked, []);

  const vctx = await browser.newContext();
  const v = await vctx.newPage();
  await v.goto(base + '/console/login.html');
  await v.fill('[data-testid=login-user]', 'vera');
  await v.fill('[data-testid=login-password]', vpw);
  await v.click('[data-testid=login-submit]');
  await v.waitForSelector('[data-testid=who]', { timeout: 10000 });
  assert.match(await v.textContent('[data-testid=who]'), /vera \(viewer\)/);
  assert.equal(await v.locator('[data-testid=admin-link]').count(), 0);
  await v.click('[data-testid=logout]');
  await v.waitForSelector('[data-testid=login-user]', { timeout: 10000 });
  const after = await v.evaluate(async () => (await fetch('/api/sessions')).status);
  assert.equal(after, 401, 'logged out on the server');
  await vctx.close();
});
