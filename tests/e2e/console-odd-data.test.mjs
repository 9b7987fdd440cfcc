// Issue 17, finding 7: one odd event (`loading_type: 5`) made the whole session page show
// `b.loading_type.replace is not a function`. The console must render whatever the store holds:
// here the real collector's SQLite file is edited the way an older collector, a bug or a manual
// fix could leave it (numbers in text columns, text in number columns, damaged JSON, markup,
// 100 KB texts), then every console page is loaded in real Chromium: no uncaught error, the odd
// event shown as unreadable, the rest of the page working, markup staying text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, startCollector, until } from './harness.mjs';

let coll, browser, page;
const errors = [];
const T = Date.now() - 60_000;
const MARKUP = '<img src=x onerror=window.__pwned=1>';

const ev = (id, type, kind, extra = {}) => ({ event_type: type, type: kind, timestamp: T + Number(id.slice(1)), event_id: id, ...extra });

async function collect(session, user, events) {
  const body = {
    app: { id: 'odd-app', env: 'prod' }, user: { id: user, name: 'name-' + user }, session: { id: session },
    view: { id: 'v1', name: '/home' }, events, properties: { plan: 'gold' }, _v: 'test',
  };
  const r = await fetch(coll.origin + '/collect', { method: 'POST', body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.text());
}

/** Runs SQL on the collector's own database file (WAL: the running collector sees it). */
function sql(statements) {
  execFileSync('sqlite3', [coll.db], { input: statements, stdio: ['pipe', 'pipe', 'inherit'] });
}

before(async () => {
  coll = await startCollector();
  await collect('odd-session-1', 'u1', [
    ev('e1', 'view', 'pv', { name: '/home', url: 'https://shop.test/home', loading_type: 'initial_load' }),
    ev('e2', 'view', 'perf', { load_event: 4200, url: 'https://shop.test/home' }),
    ev('e3', 'resource', 'fetch', { url: 'https://shop.test/api/cart?x=1', method: 'POST', status_code: 500, success: 0, duration: 120 }),
    ev('e4', 'exception', 'error', { name: 'TypeError', message: 'boom', stack: 'at x (a.js:1:2)' }),
    ev('e5', 'action', 'click', { name: 'click on button: Buy', times: 2 }),
    ev('e6', 'custom', 'biz', { name: 'checkout', value: 3, properties: { a: 'b' } }),
    ev('e7', 'longTask', 'fps', { duration: 300, fps: 5 }),
    ev('e8', 'view', 'webvitals', { largest_contentful_paint: 1200 }),
    ev('e9', 'resource', 'xmlhttprequest', { url: 'https://shop.test/api/x', method: 'GET', status_code: 200, success: 1,
      timing_data: JSON.stringify({ startTime: 1, duration: 20, responseEnd: 21, requestStart: 2, responseStart: 10 }) }),
  ]);
  await collect('odd-session-2', 'u2', [ev('e1', 'view', 'pv', { name: '/a', url: 'https://shop.test/a' })]);
  const big = 'x'.repeat(100_000);
  sql(`
    UPDATE events SET body = json_set(body, '$.loading_type', 5) WHERE event_id = 'e1' AND session_id = 'odd-session-1';
    UPDATE events SET name = '${big}', view_name = 42, body = json_set(body, '$.load_event', 'slow', '$.name', '${MARKUP}') WHERE event_id = 'e2';
    UPDATE events SET status_code = 'five hundred', duration = 'long', url = '${MARKUP}',
      body = json_set(body, '$.method', json('{"a":1}'), '$.timing_data', 'not json') WHERE event_id = 'e3';
    UPDATE events SET message = X'FF00FE', body = json_set(body, '$.stack', json('[1,2]'), '$.name', json('{}')) WHERE event_id = 'e4';
    UPDATE events SET body = '{damaged' WHERE event_id = 'e5';
    UPDATE events SET body = '[1,2,3]', event_type = 'teleport', type = 7 WHERE event_id = 'e6';
    UPDATE events SET body = json_set(body, '$.fps', 'fast', '$.snapshots', json('{"deep":{"deeper":[1,{"x":"${MARKUP}"}]}}')) WHERE event_id = 'e7';
    UPDATE events SET body = json_set(body, '$.largest_contentful_paint', json('[1]'), '$.properties', 'str') WHERE event_id = 'e8';
    UPDATE events SET ts = 'yesterday' WHERE event_id = 'e9';
    UPDATE sessions SET user_name = '${MARKUP}', js_errors = 'many', bundle_meta = '{bad', browser = 77,
      start_ms = 'then', country = X'C3' WHERE session_id = 'odd-session-1';
    UPDATE sessions SET user_name = '${big}' WHERE session_id = 'odd-session-2';
  `);
  browser = await launch();
  // The console needs credentials (issue 12): the harness collector's admin API token on every request.
  page = await (await browser.newContext({ extraHTTPHeaders: { authorization: 'Bearer ' + coll.token } })).newPage();
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console.error: ' + m.text()); });
});

after(async () => {
  await browser?.close();
  await coll?.close();
});

async function visit(hash) {
  await page.goto(coll.origin + '/console/' + hash);
  await until(async () => !(await page.textContent('#app')).includes('Loading…'), 'the page to render ' + hash);
}

test('the session list shows odd sessions', async () => {
  await visit('#/?range=all');
  const rows = await page.$$('[data-testid=session-row]');
  assert.equal(rows.length, 2);
  const text = await page.textContent('#app');
  assert.ok(text.includes(MARKUP.slice(0, 20)), 'markup in a user name is shown as text');
  assert.ok(text.length < 20_000, 'a 100 KB user name is cut for display: ' + text.length);
  assert.deepEqual(errors, []);
});

test('a session page with odd events shows every event, the unreadable ones as such', async () => {
  await visit('#/session/odd-session-1');
  const events = await page.$$('[data-testid=path-event]');
  assert.equal(events.length, 9, 'every stored event is listed');
  const unreadable = await page.$$('[data-testid=path-event] [data-testid=unreadable]');
  assert.equal(unreadable.length, 2, 'the damaged JSON and the array body are unreadable');
  assert.equal(await page.textContent('[data-testid=summary-session-id]'), 'odd-session-1');
  // Open every event's details: none throws.
  for (const li of await page.$$('[data-testid=path-event]')) {
    await li.click();
    await page.waitForSelector('[data-testid=event-details] h2');
  }
  assert.deepEqual(errors, []);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'markup never runs');
  assert.equal(await page.$$eval('img', (imgs) => imgs.length), 0, 'markup never becomes elements');
});

test('the ways-in page and the other session render', async () => {
  await visit('#/ways?range=all');
  assert.ok(await page.$('[data-testid=ways-errors]'));
  assert.ok(await page.$('[data-testid=chart]'));
  await visit('#/session/odd-session-2');
  assert.equal((await page.$$('[data-testid=path-event]')).length, 1);
  assert.deepEqual(errors, []);
  // A missing session: Chromium logs the 404 of the request, the page says so and throws nothing.
  await visit('#/session/no-such-session');
  assert.match(await page.textContent('#app'), /No session/);
  assert.deepEqual(errors.filter((e) => !e.includes('Failed to load resource')), []);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
});
