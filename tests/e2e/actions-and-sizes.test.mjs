// Issue 13, SDK side, in real Chromium against the real collector and console: edits of form
// fields as `input` actions (never what was typed or chosen), scroll gestures as `scroll`
// actions with where they ended, where a click was on the page,
// the request body size of API calls, and the screen and viewport in the bundle's `device`. Then
// the console shows them: the page header counts inputs, the Resources tab shows what a call
// sent, the session header the screen and viewport.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, startServer, startCollector, scriptPage, until, hide, ROOT } from './harness.mjs';

const TYPED = 'Zebediah-typed-7731';
const SECRET = 'hunter2-secret-9';
const CHOSEN = 'choice-tangerine';
const OUT = path.join(ROOT, 'test-output');
let browser, collector, site;

const form = `<form onsubmit="return false">
  <input id="who" name="who" aria-label="Your name">
  <input id="pw" type="password" name="pw">
  <textarea id="note" placeholder="Delivery note"></textarea>
  <select id="fruit" name="fruit"><option>choice-apple</option><option>${CHOSEN}</option></select>
  <label><input id="agree" type="checkbox"> I agree</label>
  <button id="send" type="button">Send</button>
</form>`;

const tall = `<div id="pane" class="list" style="height:200px;width:300px;overflow:auto"><div style="height:2000px">rows</div></div>
<div style="height:3000px">long page</div>`;

before(async () => {
  collector = await startCollector();
  const cfg = `{pid: 'e2e-actions', endpoint: '${collector.origin}/collect', reportConfig: {flushTime: 100},
    collectors: {webVitals: false, perf: false, staticResource: false}}`;
  const own = `{pid: 'e2e-actions', endpoint: '${collector.origin}/collect', reportConfig: {flushTime: 100},
    device: {model: 'kiosk-9', viewport: 'set by the app'}, collectors: {webVitals: false, perf: false, staticResource: false}}`;
  site = await startServer({
    pages: { '/form': () => scriptPage(cfg, form), '/own-device': () => scriptPage(own, '<p>own</p>'), '/scroll': () => scriptPage(cfg, tall) },
    routes: { '/echo': (req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); } },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

const api = (p) => collector.api(p);

/** A page of the site with the SDK running: its errors, the bundles it sent (parsed), its session. */
async function opened(ctx, path) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const sent = [];
  page.on('request', (r) => { if (r.url() === collector.origin + '/collect' && r.postData()) sent.push(JSON.parse(r.postData())); });
  await page.goto(site.origin + path);
  assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
  return { page, errors, sent, sid: await page.evaluate(() => window.RumSDK.default.getSessionId()) };
}

test('edits are input actions named by their label only; clicks say where; calls say what they sent; the bundle says the screen and viewport; the console shows them (screenshot)', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const sent = [];
    page.on('request', (r) => { if (r.url() === collector.origin + '/collect' && r.postData()) sent.push(r.postData()); });
    await page.goto(site.origin + '/form');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    const sid = await page.evaluate(() => window.RumSDK.default.getSessionId());

    // Real typing and choosing; `change` fires when a field is left.
    await page.click('#who');
    await page.keyboard.type(TYPED);
    await page.click('#pw');
    await page.keyboard.type(SECRET);
    await page.click('#note');
    await page.keyboard.type(TYPED + ' in a note');
    await page.selectOption('#fruit', CHOSEN);
    await page.click('#agree');
    await page.click('#send');
    // Calls with bodies of known sizes: text (UTF-8 bytes), a Blob, a buffer; FormData and a
    // plain GET say nothing.
    await page.evaluate(async () => {
      await fetch('/echo?text', { method: 'POST', body: 'héllo' });
      await fetch('/echo?blob', { method: 'POST', body: new Blob(['0123456789']) });
      await fetch('/echo?buffer', { method: 'POST', body: new Uint8Array(16) });
      const fd = new FormData();
      fd.append('a', 'b');
      await fetch('/echo?form', { method: 'POST', body: fd });
      await fetch('/echo?get');
      await new Promise((r) => { const x = new XMLHttpRequest(); x.open('POST', '/echo?xhr'); x.onloadend = r; x.send('abc'); });
    });
    await page.waitForTimeout(400);
    await hide(page);

    const events = await until(async () => {
      const all = sent.flatMap((t) => JSON.parse(t).events);
      return all.filter((e) => e.event_type === 'resource' && /\/echo\?xhr/.test(e.url)).length
        && all.filter((e) => e.event_type === 'action' && e.type === 'input').length >= 5 && all;
    }, 'the input actions and the calls', 15000);
    assert.deepEqual(errors, []);

    // Nothing typed or chosen left the page, in any bundle.
    for (const t of sent) for (const s of [TYPED, SECRET, CHOSEN]) assert.ok(!t.includes(s), `"${s}" was sent: ${t.slice(0, 300)}`);

    const inputs = events.filter((e) => e.event_type === 'action' && e.type === 'input');
    const byTarget = Object.fromEntries(inputs.map((e) => [e.target_name, e]));
    assert.equal(byTarget['//*[@id="who"]'].name, 'input on input: Your name', 'the developer-set label names it');
    assert.equal(byTarget['//*[@id="pw"]'].name, 'input on password-input');
    assert.equal(byTarget['//*[@id="note"]'].name, 'input on textarea: Delivery note', 'or its placeholder');
    assert.equal(byTarget['//*[@id="fruit"]'].name, 'input on select', 'a choice is not named by what was chosen');
    assert.equal(byTarget['//*[@id="agree"]'].name, 'input on checkbox-input');
    for (const e of inputs) {
      assert.equal(e.session_id ?? sid, sid);
      assert.ok(typeof e.duration === 'number', 'duration');
      assert.ok(!('x' in JSON.parse(e.snapshots)), 'an edit has no pointer position');
    }

    const click = events.find((e) => e.event_type === 'action' && e.type === 'click' && e.target_name === '//*[@id="send"]');
    const box = await page.locator('#send').boundingBox();
    const snap = JSON.parse(click.snapshots);
    assert.ok(Math.abs(snap.x - (box.x + box.width / 2)) <= 2 && Math.abs(snap.y - (box.y + box.height / 2)) <= 2,
      `the click's page coordinates ${click.snapshots} are the button's centre`);

    const call = (q) => events.find((e) => e.event_type === 'resource' && e.url.endsWith('/echo?' + q));
    assert.equal(call('text').request_size, 6, 'héllo is 6 bytes of UTF-8');
    assert.equal(call('blob').request_size, 10);
    assert.equal(call('buffer').request_size, 16);
    assert.equal(call('xhr').request_size, 3);
    assert.equal(call('xhr').type, 'xmlhttprequest');
    assert.equal(call('form').request_size, undefined, 'FormData: no size is claimed');
    assert.equal(call('get').request_size, undefined, 'no body, no field');

    const bundle = JSON.parse(sent[0]);
    assert.deepEqual(bundle.device, { screen: await page.evaluate(() => screen.width + 'x' + screen.height), viewport: '1100x700' });

    // The console: inputs per page, what a call sent, the screen and viewport.
    await until(async () => (await api('/api/sessions/' + sid)).session?.events >= events.length, 'the collector to store the session', 15000);
    const con = await ctx.newPage();
    await con.setExtraHTTPHeaders({ authorization: 'Bearer ' + collector.token });
    await con.goto(collector.origin + '/console/#/session/' + sid);
    await con.waitForSelector('[data-testid=page-inputs]');
    assert.equal(await con.textContent('[data-testid=page-inputs]'), '5 inputs');
    assert.match(await con.textContent('[data-testid=summary-screen]'), /screen \d+x\d+.*viewport 1100x700/);
    await con.click('[data-testid=tab-resources]');
    await con.waitForSelector('[data-testid=resource-row]');
    const sizes = await con.$$eval('[data-testid=resource-row]', (rs) => rs.map((r) => [r.querySelector('.res-name').textContent, r.querySelector('[data-testid=resource-size]').textContent]));
    const echo = sizes.filter(([n]) => n === '/echo').map(([, s]) => s);
    assert.ok(echo.some((s) => s.startsWith('↑ 6 B')), `what the text call sent: ${JSON.stringify(sizes)}`);
    assert.ok(echo.some((s) => s.startsWith('↑ 16 B')), 'what the buffer call sent');
    await con.locator('[data-testid=resource-row]', { hasText: '↑ 6 B' }).first().click();
    await con.waitForSelector('[data-testid=event-details]');
    assert.match(await con.textContent('[data-testid=event-details]'), /Request body\s*6 B\s*Response body\s*2 B/);
    fs.mkdirSync(OUT, { recursive: true });
    await con.screenshot({ path: path.join(OUT, 'actions-and-sizes-resources.png'), fullPage: true });
  } finally {
    await ctx.close();
  }
});

test('the config\'s own device fields win over what the browser says', async () => {
  const ctx = await browser.newContext();
  try {
    const { page, sent } = await opened(ctx, '/own-device');
    await hide(page);
    const [b] = await until(() => sent.length && sent, 'a bundle');
    assert.deepEqual(b.device, { screen: await page.evaluate(() => screen.width + 'x' + screen.height), viewport: 'set by the app', model: 'kiosk-9' });
  } finally {
    await ctx.close();
  }
});

test('a scroll gesture is one action with where it ended, for the page and for a scrolling element; a nudge under 50 px is none; the console counts them', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  try {
    const { page, errors, sent, sid } = await opened(ctx, '/scroll');
    // The page: three wheel turns in one gesture (less than 500 ms apart), then still.
    await page.mouse.move(600, 400);
    for (let i = 0; i < 3; i++) { await page.mouse.wheel(0, 200); await page.waitForTimeout(60); }
    await page.waitForTimeout(900);
    const pageY = await page.evaluate(() => scrollY);
    // A nudge of 20 px: no action.
    await page.mouse.wheel(0, 20);
    await page.waitForTimeout(900);
    // The list: scrolled inside it.
    await page.evaluate(() => scrollTo(0, 0));
    await page.waitForTimeout(900);
    await page.mouse.move(100, 100);
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(900);
    const paneY = await page.evaluate(() => document.getElementById('pane').scrollTop);
    await hide(page);
    const scrolls = await until(() => {
      const all = sent.flatMap((b) => b.events).filter((e) => e.event_type === 'action' && e.type === 'scroll');
      return all.length >= 3 && all;
    }, 'the scroll actions', 10000);
    assert.deepEqual(errors, []);
    assert.ok(pageY >= 500 && paneY >= 250, `the page moved ${pageY}, the list ${paneY}`);
    assert.deepEqual(scrolls.map((e) => [e.name, e.target_name, JSON.parse(e.snapshots).y]), [
      ['scroll on page', '/html[1]', pageY],
      ['scroll on page', '/html[1]', 0],
      ['scroll on div', '//*[@id="pane"]', paneY],
    ], 'one action a gesture (the nudge of 20 px is none; back to the top by script is one), ending where it stopped');
    for (const e of scrolls) {
      assert.equal(e.session_id ?? sid, sid);
      assert.ok(e.duration >= 0 && e.duration < 2000, 'duration ' + e.duration);
      assert.ok(!(e.times > 1), 'never merged: ' + e.times);
    }
    assert.equal(JSON.parse(scrolls[2].snapshots).id, 'pane');
    assert.equal(JSON.parse(scrolls[2].snapshots).className, 'list');

    await until(async () => (await api('/api/sessions/' + sid)).session?.events >= 4, 'the collector to store the session', 15000);
    const con = await ctx.newPage();
    await con.setExtraHTTPHeaders({ authorization: 'Bearer ' + collector.token });
    await con.goto(collector.origin + '/console/#/session/' + sid);
    await con.waitForSelector('[data-testid=page-scrolls]');
    assert.equal(await con.textContent('[data-testid=page-scrolls]'), '3 scrolls');
  } finally {
    await ctx.close();
  }
});

test('a burst of clicks in one task: the element is read once, the repeats count on its action; another element between them is its own', async () => {
  const ctx = await browser.newContext();
  try {
    const { page, sent } = await opened(ctx, '/form');
    await page.evaluate(() => {
      const send = document.getElementById('send');
      const who = document.getElementById('who');
      send.click(); send.click(); send.click();
      who.click();
      send.textContent = 'Send again'; // read again only once its first report is built
      send.click(); send.click();
    });
    await hide(page);
    const clicks = await until(() => {
      const c = sent.flatMap((b) => b.events).filter((e) => e.event_type === 'action' && e.type === 'click');
      return c.length >= 2 && c;
    }, 'the click actions');
    assert.deepEqual(clicks.map((e) => [e.name, e.times]), [['click on button-button: Send', 5], ['click on input: Your name', 1]]);
  } finally {
    await ctx.close();
  }
});
