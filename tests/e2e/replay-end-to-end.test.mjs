// Issue 11, "Done when", end to end: our SDK's own recorder in a page → the real collector's
// /replay → the console (logged in) playing it beside the session path. The page mutates the DOM,
// changes route, the user types a password and a name and clicks; at the route change the
// replayed page shows the new heading and the items added before it; no request body the SDK sent
// (decompressed) holds what was typed; with sessionReplaySampleRate 0 nothing goes to /replay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, launch, startServer, startCollector, scriptPage, until, hide, sleep } from './harness.mjs';

const OUT = path.join(ROOT, 'test-output');
const PASSWORD = 'hunter2-E2E-pass';
const NAME = 'Philippa Thistlewood';

const body = `
<h1 id="title">Welcome</h1>
<ul id="items"></ul>
<form onsubmit="return false"><input id="name" name="fullname"> <input id="pw" type="password"></form>
<button id="add" type="button">Add item</button>
<script>
let n = 0;
document.getElementById('add').onclick = () => {
  const li = document.createElement('li'); li.textContent = 'Item number ' + (++n);
  document.getElementById('items').append(li);
};
</script>`;

let browser, collector, site;
before(async () => {
  collector = await startCollector();
  const cfg = (rate) => `{pid: 'e2e-replay', endpoint: '${collector.origin}/collect', spaMode: 'history', sessionReplaySampleRate: ${rate}}`;
  site = await startServer({ pages: { '/shop': () => scriptPage(cfg(1), body), '/quiet': () => scriptPage(cfg(0), body) } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

const auth = () => ({ authorization: 'Bearer ' + collector.token });
const getJson = async (p) => {
  const r = await fetch(collector.origin + p, { headers: auth(), signal: AbortSignal.timeout(5000) });
  return r.status === 200 ? r.json() : null;
};
/** Every body a page sent to the collector, decompressed. */
function bodiesOf(page) {
  const sent = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(collector.origin)) return;
    const raw = r.postDataBuffer();
    if (!raw) return;
    const gz = raw[0] === 0x1f && raw[1] === 0x8b;
    sent.push({ url: r.url(), text: (gz ? zlib.gunzipSync(raw) : raw).toString('utf8') });
  });
  return sent;
}

test('our recorder → the real collector → the console plays it; nothing typed leaves the page', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const sent = bodiesOf(page);
    await page.goto(site.origin + '/shop');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    const sid = await page.evaluate(() => window.RumSDK.default.getSessionId());
    assert.match(sid, /^[0-9a-f]{32}$/);
    await sleep(500);
    for (let i = 0; i < 3; i++) await page.click('#add');
    await page.type('#name', NAME);
    await page.type('#pw', PASSWORD);
    await sleep(600);
    await page.evaluate(() => { history.pushState({}, '', '/shop/pay'); document.getElementById('title').textContent = 'Payment step'; });
    await sleep(600);
    await page.click('#add');
    await sleep(600);
    await hide(page);
    await page.evaluate(() => window.RumSDK.default.flush());

    // The collector holds the recording, from a full snapshot to the route change.
    const replay = await until(async () => {
      const j = await getJson(`/api/sessions/${sid}/replay`);
      return j && j.records.some((r) => r.type === 2) && JSON.stringify(j.records).includes('Payment step') && j;
    }, 'the replay in the collector', 20000);
    assert.ok(replay.segments.every((s) => s.source === 'sampled'));
    await until(() => getJson(`/api/sessions/${sid}`), 'the session in the collector', 20000);
    const replayRequests = sent.filter((s) => s.url.startsWith(collector.origin + '/replay'));
    assert.ok(replayRequests.length > 0, 'segments went to the collector\'s /replay');
    for (const s of sent) {
      assert.ok(!s.text.includes(PASSWORD), `the typed password in a body to ${s.url}`);
      assert.ok(!s.text.includes(NAME), `the typed name in a body to ${s.url}`);
    }
    assert.deepEqual(errors, []);

    // The console, logged in, plays it; clicking the route change's page view seeks there.
    const con = await ctx.newPage();
    await con.setExtraHTTPHeaders(auth());
    await con.goto(collector.origin + `/console/#/session/${sid}`);
    await con.waitForSelector('[data-testid=replay] .rr-player', { timeout: 15000 });
    const pv = con.locator('[data-testid=path-page][data-view-name="/shop/pay"] [data-testid=path-event][data-type=pv]');
    await pv.first().click();
    const replayed = () => con.evaluate(() => {
      const d = document.querySelector('[data-testid=replay] iframe')?.contentDocument;
      const h1 = d?.getElementById('title');
      return h1 ? { title: h1.textContent, items: [...d.querySelectorAll('#items li')].map((li) => li.textContent), inputs: [...d.querySelectorAll('input')].map((i) => i.value) } : null;
    });
    let seen;
    const at = await until(async () => { const r = seen = await replayed(); return r && r.title === 'Payment step' && r; }, 'the replayed page at the route change', 15000)
      .catch((e) => { e.message += ' ' + JSON.stringify(seen); throw e; });
    assert.deepEqual(at.items, ['Item number 1', 'Item number 2', 'Item number 3'], 'the three items added before the route change, with their text; the fourth not yet');
    assert.ok(at.inputs.every((v) => !v.includes(NAME) && !v.includes(PASSWORD)), `inputs replayed masked: ${at.inputs}`);
    fs.mkdirSync(OUT, { recursive: true });
    await con.locator('[data-testid=replay]').screenshot({ path: path.join(OUT, 'replay-e2e-route-change.png') });
  } finally {
    await ctx.close();
  }
});

test('sessionReplaySampleRate 0: no request to /replay', async () => {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const sent = bodiesOf(page);
    await page.goto(site.origin + '/quiet');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    await page.click('#add');
    await page.type('#name', NAME);
    await sleep(600);
    await hide(page);
    await page.evaluate(() => window.RumSDK.default.flush());
    await until(() => sent.some((s) => s.url.startsWith(collector.origin + '/collect')), 'a bundle', 15000);
    await sleep(1000);
    assert.deepEqual(sent.filter((s) => s.url.includes('/replay')).map((s) => s.url), []);
  } finally {
    await ctx.close();
  }
});
