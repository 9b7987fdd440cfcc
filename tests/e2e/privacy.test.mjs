// What the SDK never sends (issue 17, in the page), in a real Chromium against a real local
// endpoint: what a user typed, and secrets in URLs. Every request the page makes is read
// (the endpoint keeps every attempt's body, gzip decompressed), not only the bundles it parsed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, scriptPage, until } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Where the page sent something (every request with a body). */
function postsOf(page) {
  const out = [];
  page.on('request', (req) => { if (req.method() !== 'GET') out.push(req.url()); });
  return out;
}

async function withPage(config, body, fn, path = '/app/form') {
  const srv = await startServer({ pages: { [path.split('?')[0]]: (req) => scriptPage(config(`http://${req.headers.host}`), body) } });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const posts = postsOf(page);
  try {
    await page.goto(srv.origin + path);
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    await fn({ srv, page, bodies: srv.control.attempts });
    // Nothing else left the page with a body: the endpoint saw all of it.
    assert.ok(posts.every((u) => u.startsWith(srv.origin + '/collect')), posts.join(' '));
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
    await srv.close();
  }
}

const FORM = `
<input id="pw" type="password" name="pw" class="secret-field">
<input id="txt" type="text" name="q">
<textarea id="note"></textarea>
<div id="ed" onclick="void 0" contenteditable="true"></div>
<input id="sub" type="submit" value="Send form">
<button id="buy" type="button">Buy now</button>
<button id="named" type="button" data-rum-action-name="checkout-confirm">Pay 1,234.00 EUR to Jane</button>
<div data-rum-privacy="mask"><button id="masked" type="button">Jane Doe's order 991</button></div>`;

const TYPED = { '#pw': 'hunter2-pass', '#txt': 'my-search-words', '#note': 'a private note', '#ed': 'edited by hand' };

test('typed text never leaves the page; buttons keep their labels; the action-name and privacy attributes apply', async () => {
  const config = (origin) => `{pid: 'e2e-pid', endpoint: '${origin}/collect', compress: true, reportConfig: {flushTime: 300}}`;
  await withPage(config, FORM, async ({ srv, page, bodies }) => {
    for (const [sel, text] of Object.entries(TYPED)) {
      await page.click(sel);
      await page.keyboard.type(text);
      await page.click('#buy'); // away...
      await page.click(sel); // ...and back into the field to fix a typo
    }
    await page.click('#sub');
    await page.click('#named');
    await page.click('#masked');
    await page.evaluate(() => window.RumSDK.default.flush());
    const names = () => srv.events().filter((e) => e.type === 'click').map((e) => e.name);
    // The last three clicks, in order: once the masked one is in, all are.
    await until(() => ['click on submit-input: Send form', 'click on button-button: checkout-confirm', 'click on button-button']
      .every((n) => names().includes(n)), 'the clicks');
    // The bundles arrived compressed: the harness decompressed them, and so does bodiesOf.
    assert.ok(bodies.length >= 1 && bodies.every((b) => b.headers['content-encoding'] === 'gzip'));
    for (const b of bodies) {
      for (const typed of Object.values(TYPED)) assert.ok(!b.text.includes(typed), `"${typed}" was sent`);
      assert.ok(!b.text.includes('Jane'), 'masked text was sent');
    }
    const n = names();
    assert.ok(n.includes('click on password-input'), n.join(' | '));
    assert.ok(n.includes('click on text-input'), n.join(' | '));
    assert.ok(n.includes('click on textarea'), n.join(' | '));
    assert.ok(n.includes('click on div'), n.join(' | '));
    assert.ok(n.includes('click on button-button: Buy now'), n.join(' | '));
    assert.ok(n.includes('click on submit-input: Send form'), n.join(' | '));
    assert.ok(n.includes('click on button-button: checkout-confirm'), n.join(' | '));
    assert.ok(n.includes('click on button-button'), n.join(' | '));
  });
});

test('secret URL parameters are redacted in page, referrer, fetch and XHR URLs; harmless ones stay; the requests themselves are unchanged', async () => {
  const seen = [];
  const config = (origin) => `{pid: 'e2e-pid', endpoint: '${origin}/collect', reportConfig: {flushTime: 300},
    redactQueryParams: ['orderRef'], tracing: {enable: true, allowedUrls: ['${origin}/api']}}`;
  const srv = await startServer({
    pages: { '/app/pay': (req) => scriptPage(config(`http://${req.headers.host}`), '') },
    routes: {
      '/api/seen': (req, res) => { seen.push({ url: req.url, traced: !!req.headers.traceparent }); res.writeHead(200); res.end('{}'); },
    },
  });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(srv.origin + '/app/pay?token=PAGE-SECRET&q=shoes#access_token=HASH-SECRET&state=ok', { referer: 'https://idp.example/cb?code=REF-SECRET&lang=en' });
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    await page.evaluate(async () => {
      await fetch('/api/seen?access_token=FETCH-SECRET&page=2');
      await new Promise((done) => {
        const x = new XMLHttpRequest();
        x.open('GET', '/api/seen?password=XHR-SECRET&lang=en&orderRef=ORDER-SECRET');
        x.onloadend = done;
        x.send();
      });
    });
    const api = () => srv.events().filter((e) => e.event_type === 'resource' && String(e.url).includes('/api/seen'));
    await until(() => api().length >= 2 && srv.events().some((e) => e.type === 'pv'), 'the page view and both calls', 8000);
    await page.evaluate(() => window.RumSDK.default.flush());
    const all = srv.control.attempts.map((a) => a.text).join('\n');
    for (const secret of ['PAGE-SECRET', 'HASH-SECRET', 'REF-SECRET', 'FETCH-SECRET', 'XHR-SECRET', 'ORDER-SECRET']) {
      assert.ok(!all.includes(secret), secret + ' was sent');
    }
    const pv = srv.events().find((e) => e.type === 'pv');
    assert.equal(pv.url, srv.origin + '/app/pay?token=[redacted]&q=shoes#access_token=[redacted]&state=ok');
    assert.equal(pv.referrer, 'https://idp.example/cb?code=[redacted]&lang=en');
    const urls = api().map((e) => e.url).sort();
    assert.deepEqual(urls, [
      srv.origin + '/api/seen?access_token=[redacted]&page=2',
      srv.origin + '/api/seen?password=[redacted]&lang=en&orderRef=[redacted]',
    ]);
    // The page's own requests went out as the page made them, traced.
    assert.deepEqual(seen.map((s) => s.url).sort(), ['/api/seen?access_token=FETCH-SECRET&page=2', '/api/seen?password=XHR-SECRET&lang=en&orderRef=ORDER-SECRET']);
    assert.ok(seen.every((s) => s.traced), JSON.stringify(seen));
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
    await srv.close();
  }
});
