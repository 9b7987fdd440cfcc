// Issue 11, collector and console: a page on its own origin runs the SDK (script tag) and records
// itself with @rrweb/record (from node_modules; the project's own recorder will replace it here),
// sending segments to the real collector per the replay contract (gzip with Content-Encoding
// through fetch, and one by sendBeacon, recognised by its magic bytes). The user mutates the DOM,
// changes route, types a name and a password, clicks. Then the console (served by the collector
// under the collector's own Content-Security-Policy, with the harness's admin token) lists the session with a play
// button, plays it beside the path, seeks when a path event is clicked, highlights the path while
// playing; a screenshot of the replayed page at a chosen moment is saved under test-output/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, launch, until, sleep, startServer, startCollector } from './harness.mjs';

const OUT = path.join(ROOT, 'test-output');
const NAME = 'replay-user-' + Date.now().toString(36);
const TYPED_NAME = 'Zebediah Quux';
const TYPED_PASSWORD = 'hunter2-Sup3rSecret';
// What the console needs: no inline script, no eval. Styles: the replayed page's own <style>
// elements and style attributes are inline styles of the player's about:blank iframe, which
// inherits the console's policy, hence 'unsafe-inline' for styles only (see README).

let collector, site, browser, ctx, shop, con, sid, start;
const moments = {};

// The recorded page. The glue below is what our own recorder will do: buffer rrweb events, cut
// a segment, gzip it (CompressionStream), send it with fetch, or with sendBeacon at the end.
const shopPage = (endpoint) => `<!doctype html><html><head><meta charset="utf-8"><title>Replay shop</title>
<style>#title { color: rgb(200, 30, 30); } li { padding: 2px; }</style>
<script src="/vendor/record.js"></script>
<script>
window.__rum = { pid: 'replay-shop', endpoint: ${JSON.stringify(endpoint + '/collect')}, spaMode: 'history',
  user: { name: ${JSON.stringify(NAME)} }, beforeReport: (b) => { if (b && b.view) window.__viewId = b.view.id; return b; } };
</script>
<script src="/dist/rum.js"></script>
<script>
window.__replay = (() => {
  const buf = []; let seq = 0; const sent = [];
  const hex = () => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
  rrwebRecord.record({ emit: (e) => buf.push(e), maskAllInputs: true });
  async function segment() {
    const records = buf.splice(0);
    if (!records.length) return null;
    const seg = { pid: 'replay-shop', session_id: RumSDK.default.getSessionId(), view_id: window.__viewId || 'unknown',
      segment_id: hex(), seq: seq++, start: records[0].timestamp, end: records[records.length - 1].timestamp,
      count: records.length, has_full_snapshot: records.some((r) => r.type === 2), source: 'sampled', records };
    const gz = await new Response(new Blob([JSON.stringify(seg)]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
    return gz;
  }
  return {
    sent,
    async flush() {
      const gz = await segment();
      if (!gz) return 0;
      const r = await fetch(${JSON.stringify(endpoint + '/replay')}, { method: 'POST', body: gz,
        headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'Content-Encoding': 'gzip' } });
      sent.push(r.status);
      return r.status;
    },
    async beacon() {
      const gz = await segment();
      return !!gz && navigator.sendBeacon(${JSON.stringify(endpoint + '/replay')}, new Blob([gz], { type: 'text/plain;charset=UTF-8' }));
    },
  };
})();
</script></head><body>
<h1 id="title">Welcome to the shop</h1>
<nav><a id="to-catalogue" href="/shop/catalogue">Catalogue</a></nav>
<ul id="items"></ul>
<button id="add">Add item</button>
<form id="login" onsubmit="return false"><input id="name" name="name" placeholder="name"> <input id="pw" type="password"></form>
<button id="checkout">Checkout</button>
<script>
let n = 0;
document.getElementById('add').onclick = () => { const li = document.createElement('li'); li.textContent = 'Item number ' + (++n); document.getElementById('items').append(li); };
document.getElementById('to-catalogue').onclick = (e) => { e.preventDefault(); history.pushState({}, '', '/shop/catalogue'); document.getElementById('title').textContent = 'Catalogue page'; };
document.getElementById('checkout').onclick = () => { document.getElementById('title').textContent = 'Checkout complete'; };
</script></body></html>`;

before(async () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'dist/rum.js')), 'dist/ missing: npm run build');
  assert.ok(fs.existsSync(path.join(ROOT, 'www/console/vendor/rrweb-player.js')), 'player missing: bash scripts/console-vendor.sh');
  collector = await startCollector();
  const record = fs.readFileSync(path.join(ROOT, 'node_modules/@rrweb/record/dist/record.umd.min.cjs'));
  site = await startServer({
    pages: { '/shop': shopPage(collector.origin), '/shop/catalogue': shopPage(collector.origin) },
    routes: { '/vendor/record.js': (req, res) => { res.writeHead(200, { 'Content-Type': 'text/javascript' }); res.end(record); } },
  });
  browser = await launch();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
});
after(async () => {
  await ctx?.close();
  await browser?.close();
  await site?.close();
  await collector?.close();
});

const auth = () => ({ authorization: 'Bearer ' + collector.token });

async function api(p) {
  const r = await fetch(collector.origin + p, { headers: auth(), signal: AbortSignal.timeout(5000) });
  assert.equal(r.status, 200, `${p} → ${r.status}`);
  return r.json();
}

test('a recorded visit reaches the collector as replay segments (fetch + gzip, and a beacon)', async () => {
  shop = await ctx.newPage();
  const errors = [];
  shop.on('pageerror', (e) => errors.push(String(e)));
  await shop.goto(site.origin + '/shop');
  assert.equal(await shop.evaluate(() => window.RumSDK.default.ready), true);
  sid = await shop.evaluate(() => window.RumSDK.default.getSessionId());
  assert.match(sid, /^[0-9a-f]{32}$/);
  const stamp = (k) => shop.evaluate(() => Date.now()).then((t) => { moments[k] = t; });

  await sleep(400);
  for (let i = 0; i < 3; i++) await shop.click('#add');
  await stamp('items');
  await sleep(700);
  assert.equal(await shop.evaluate(() => window.__replay.flush()), 200, 'first segment (full snapshot) accepted');
  await shop.click('#to-catalogue');
  await stamp('catalogue');
  await sleep(700);
  await shop.fill('#name', TYPED_NAME);
  await shop.fill('#pw', TYPED_PASSWORD);
  await shop.click('#add');
  await sleep(700);
  assert.equal(await shop.evaluate(() => window.__replay.flush()), 200, 'second segment accepted');
  await shop.click('#checkout');
  await stamp('checkout');
  await sleep(500);
  assert.equal(await shop.evaluate(() => window.__replay.beacon()), true, 'the last segment was queued by sendBeacon');
  await shop.evaluate(() => window.RumSDK.default.flush());
  assert.deepEqual(errors, []);

  const replay = await until(async () => {
    const r = await fetch(collector.origin + `/api/sessions/${sid}/replay`, { headers: auth() });
    const j = r.status === 200 ? await r.json() : null;
    return j && j.segments.length === 3 && j;
  }, 'three segments stored', 10000);
  assert.deepEqual(replay.segments.map((s) => s.seq), [0, 1, 2]);
  assert.equal(replay.segments[0].has_full_snapshot, true);
  const text = JSON.stringify(replay.records);
  for (const s of ['Catalogue page', 'Checkout complete', 'Item number 4']) assert.ok(text.includes(s), `records hold "${s}"`);
  // maskAllInputs: what the user typed never reached the store.
  assert.ok(!text.includes(TYPED_NAME) && !text.includes(TYPED_PASSWORD), 'typed text is masked');
  start = replay.records[0].timestamp;
  // The SDK's bundles may land after the segments: until then the session is a 404.
  await until(async () => {
    const r = await fetch(collector.origin + '/api/sessions/' + sid, { headers: auth() });
    const s = r.status === 200 && (await r.json()).session;
    return s && s.pvs >= 2 && s.has_replay;
  }, 'the session with its two page views', 15000);
});

test('session list: a play button and a "has replay" filter; the play button opens the player playing', async () => {
  assert.ok(start, 'needs the recorded visit');
  con = await ctx.newPage();
  const problems = [];
  con.on('pageerror', (e) => problems.push('pageerror: ' + e));
  // Chromium logs the sandbox refusing the recorded page's <script> elements (rrweb rebuilds them
  // empty, the iframe has no allow-scripts): that is the sandbox working, not a problem.
  con.on('console', (m) => {
    if (/frame is sandboxed and the 'allow-scripts' permission is not set/.test(m.text())) return;
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.type() + ': ' + m.text());
  });
  // The console needs credentials (issue 12): the harness collector's admin token, on the console
  // page's requests only; the policy checked is the collector's own Content-Security-Policy.
  await con.setExtraHTTPHeaders({ authorization: 'Bearer ' + collector.token });
  const doc = await con.goto(collector.origin + '/console/#/?range=all&has_replay=1');
  const csp = doc.headers()['content-security-policy'] || '';
  assert.match(csp, /script-src 'self';/, 'the console is served under a strict script policy');
  assert.doesNotMatch(csp, /unsafe-eval/);
  const row = con.locator(`[data-testid=session-row][data-session-id="${sid}"]`);
  await row.waitFor({ timeout: 10000 });
  assert.equal(await con.locator('[data-testid=session-row]').count(), 1, 'only sessions with a replay');
  assert.equal(await con.inputValue('select[name=has_replay]'), '1');
  fs.mkdirSync(OUT, { recursive: true });
  await con.screenshot({ path: path.join(OUT, 'replay-console-list.png') });
  await row.locator('[data-testid=play-replay]').click();
  await until(() => con.evaluate(() => location.hash.includes('play=1')), 'the session page with play=1');
  await con.waitForSelector('[data-testid=replay] .rr-player', { timeout: 15000 });
  await until(() => con.evaluate(() => document.querySelector('[data-testid=replay]').dataset.state === 'playing'), 'the player playing', 10000);
  // While it plays, the path follows: an event at or before the playhead is marked.
  await until(() => con.evaluate(() => !!document.querySelector('[data-testid=path-event].now')), 'a path event marked while playing', 15000);
  // Speed 1x/2x/4x and skip inactivity come with rrweb's controller.
  const speeds = await con.$$eval('[data-testid=replay] .rr-controller button', (bs) => bs.map((b) => b.textContent.trim()));
  for (const s of ['1x', '2x', '4x']) assert.ok(speeds.includes(s), `speed ${s} in ${speeds}`);
  assert.equal(await con.isChecked('[data-testid=replay] input#skip'), true, 'skip inactivity on');
  // Readable: the console's own button style (white on blue) must not make them white on white.
  const color = await con.$eval('[data-testid=replay] .rr-controller button:text("2x")', (b) => getComputedStyle(b).color);
  assert.notEqual(color, 'rgb(255, 255, 255)', 'the 2x button is readable');
  await con.click('[data-testid=replay] .rr-controller button:text("4x")');
  assert.match(await con.getAttribute('[data-testid=replay] .rr-controller button:text("4x")', 'class'), /\bactive\b/, '4x chosen');
  assert.deepEqual(problems.filter((p) => !p.includes('favicon')), [], 'no errors and no CSP violations');
});

test('clicking a path event seeks the replay there: the replayed page at that moment (screenshot)', async () => {
  assert.ok(con, 'needs the console page');
  await con.goto(collector.origin + `/console/#/session/${sid}`);
  await con.waitForSelector('[data-testid=replay] .rr-player', { timeout: 15000 });
  // The page view of /shop/catalogue: the moment of the route change.
  const pv = con.locator('[data-testid=path-page][data-view-name="/shop/catalogue"] [data-testid=path-event][data-type=pv]');
  await pv.first().click();
  const ts = Number(await pv.first().getAttribute('data-ts'));
  assert.ok(Math.abs(ts - moments.catalogue) < 1500, `pv at ${ts}, route change at ${moments.catalogue}`);
  const replayed = () => con.evaluate(() => {
    const d = document.querySelector('[data-testid=replay] iframe')?.contentDocument;
    const h1 = d?.getElementById('title');
    return h1 ? { title: h1.textContent, items: d.querySelectorAll('#items li').length, color: getComputedStyle(h1).color } : null;
  });
  let seen;
  const at = await until(async () => { const r = seen = await replayed(); return r && r.title === 'Catalogue page' && r; }, 'the replayed page at the route change', 10000)
    .catch((e) => { e.message += ' ' + JSON.stringify(seen) + ' ' + JSON.stringify(moments) + ' ts ' + ts + ' start ' + start; throw e; });
  assert.equal(at.items, 3, 'three items added before the route change, the fourth not yet');
  assert.equal(at.color, 'rgb(200, 30, 30)', "the page's own <style> applies under the console's CSP");
  assert.equal(await con.locator('[data-testid=path-event].sel').getAttribute('data-ts'), String(ts), 'the event is selected (details shown)');
  assert.equal(await con.locator('[data-testid=path-page].now').getAttribute('data-view-name'), '/shop/catalogue', 'its page is marked');
  fs.mkdirSync(OUT, { recursive: true });
  await con.locator('[data-testid=replay]').screenshot({ path: path.join(OUT, 'replay-console-catalogue.png') });
  await con.screenshot({ path: path.join(OUT, 'replay-console-page.png'), fullPage: true });

  // A later event: the checkout click; the replay moves forward to it.
  const checkout = con.locator('[data-testid=path-event][data-event-type=action]').last();
  await checkout.click();
  const later = await until(async () => { const r = await replayed(); return r && r.title === 'Checkout complete' && r; }, 'the replayed page after checkout', 10000);
  assert.equal(later.items, 4);
  const inputs = await con.evaluate(() => [...document.querySelector('[data-testid=replay] iframe').contentDocument.querySelectorAll('input')].map((i) => i.value));
  assert.ok(inputs.every((v) => !v.includes('Zebediah') && !v.includes('hunter2')), `inputs replayed masked: ${inputs}`);
  await con.locator('[data-testid=replay]').screenshot({ path: path.join(OUT, 'replay-console-checkout.png') });
});

test('a replay with a missing segment says so above the player; one without a full snapshot says why it cannot play', async () => {
  assert.ok(start, 'needs the recorded visit');
  const { records } = await api(`/api/sessions/${sid}/replay`);
  const post = async (p, body) => {
    const r = await fetch(collector.origin + p, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
    assert.equal(r.status, 200, `${p}: ${await r.text()}`);
  };
  const seg = (session_id, seq, recs) => ({ pid: 'replay-shop', session_id, view_id: 'v1', segment_id: 'seg' + seq, seq,
    start: recs[0].timestamp, end: recs[recs.length - 1].timestamp, count: recs.length,
    has_full_snapshot: recs.some((r) => r.type === 2), source: 'sampled', records: recs });
  const bundleOf = (id) => ({ app: { id: 'replay-shop', type: 'browser' }, user: { id: 'u-' + id }, session: { id }, view: { id: 'v1', name: '/x' },
    events: [{ event_type: 'view', type: 'pv', timestamp: start, event_id: id + '-pv', name: '/x', url: 'http://x.test/x' }] });
  const full = records.findIndex((r) => r.type === 2);
  // seq 0 and 2 stored, 1 lost.
  await post('/collect', bundleOf('gap-session'));
  await post('/replay', seg('gap-session', 0, records.slice(0, full + 3)));
  await post('/replay', seg('gap-session', 2, records.slice(full + 6)));
  await con.goto(collector.origin + '/console/#/session/gap-session');
  await con.waitForSelector('[data-testid=replay] .rr-player', { timeout: 15000 });
  assert.match(await con.textContent('[data-testid=replay-gaps]'), /^1 segment of this recording did not reach the collector/);
  // Only incremental records: nothing to draw.
  await post('/collect', bundleOf('no-snapshot'));
  await post('/replay', seg('no-snapshot', 3, records.slice(full + 1, full + 5)));
  await con.goto(collector.origin + '/console/#/session/no-snapshot');
  await con.waitForSelector('[data-testid=replay] .error', { timeout: 15000 });
  assert.match(await con.textContent('[data-testid=replay]'), /cannot be played: it has no full page snapshot/);
  assert.equal(await con.locator('[data-testid=replay] .rr-player').count(), 0);
});
