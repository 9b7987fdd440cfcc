// The send worker (src/browser/send_worker.js, dist/rum-send.js): live bundles leave from a
// worker, off the page's main thread, gzip included; where it cannot run (a Content-Security-
// Policy without workers, the file missing, the SDK on another origin) the page sends them, and
// nothing is lost. Real Chromium against the harness endpoint. The page's `fetch` is wrapped
// before the SDK loads: the SDK captures that wrapper as the page's fetch, so it counts every
// bundle the page itself sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, startServer, scriptPage, until, consoleOf, rumWarnings, ROOT } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const QUIET = 'collectors: {perf: false, webVitals: false, api: false, staticResource: false, jsError: false, consoleError: false, action: false}';
const config = (endpoint, extra = '') => `{pid: 'sw-pid', endpoint: '${endpoint}', reportConfig: {flushTime: 200}, ${QUIET}${extra}}`;
const COUNT_POSTS = `window.__posts = 0; { const f = window.fetch;
  window.fetch = function (u) { if (String(u).includes('/collect')) window.__posts++; return f.apply(this, arguments); }; }`;

/** Three batches of custom events, each flushed, and waits until all 9 arrived. */
async function sendBatches(page, srv) {
  for (let b = 0; b < 3; b++) {
    await page.evaluate((b) => {
      for (let i = 0; i < 3; i++) window.RumSDK.default.sendCustom({ type: 'sw', name: 'b' + b + 'e' + i });
      window.RumSDK.default.flush();
    }, b);
    await until(() => srv.events().filter((e) => e.type === 'sw' && e.name.startsWith('b' + b)).length === 3, 'batch ' + b);
  }
  const names = new Set(srv.events().filter((e) => e.type === 'sw').map((e) => e.name));
  assert.equal(names.size, 9, 'every event arrived: ' + [...names].join(' '));
}

async function open(srv, path, { init = COUNT_POSTS } = {}) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.addInitScript(init);
  const msgs = consoleOf(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(srv.origin + path);
  assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
  return { ctx, page, msgs, errors, requested };
}

test('live bundles leave from the send worker, gzip and all: the page sends none, the Referer is never the page\'s URL', async () => {
  const srv = await startServer({ pages: { '/p': (req) => scriptPage(config(`http://${req.headers.host}/collect`, ', compress: true')) } });
  const { ctx, page, msgs, errors, requested } = await open(srv, '/p?token=SECRET-IN-PAGE-URL');
  try {
    await sendBatches(page, srv);
    assert.equal(await page.evaluate(() => window.__posts), 0, 'no bundle went through the page\'s fetch');
    assert.ok(requested.includes('/dist/rum-send.js'), 'the worker file was fetched: ' + requested.join(' '));
    // The worker's requests are not the page's: none in the page's resource timeline either.
    assert.equal(await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/collect')).length), 0);
    const bundles = srv.received.filter((b) => b.json?.events.some((e) => e.type === 'sw'));
    assert.ok(bundles.length >= 3);
    for (const b of bundles) {
      assert.equal(b.headers['content-encoding'], 'gzip', 'compress: gzip, in the worker');
      assert.equal(b.headers.referer, srv.origin + '/dist/rum-send.js', 'the worker\'s script as referrer: not the page\'s URL, whose query holds a secret');
    }
    assert.deepEqual(rumWarnings(msgs), []);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
    await srv.close();
  }
});

for (const [what, opts] of [
  ['a Content-Security-Policy without workers', { head: `<meta http-equiv="Content-Security-Policy" content="worker-src 'none'">` }],
  ['the worker file missing (404)', { routes: { '/dist/rum-send.js': (req, res) => { res.writeHead(404); res.end(); } } }],
  // A worker runs under the CSP of its own script's response: this one may not connect anywhere,
  // so its first send fails (status 0) and the page takes the sending over.
  ['the worker served with a CSP that keeps it from the endpoint', { routes: { '/dist/rum-send.js': (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/javascript', 'Content-Security-Policy': "connect-src 'none'" });
    res.end(fs.readFileSync(path.join(ROOT, 'dist/rum-send.js')));
  } } }],
]) {
  test(`${what}: the bundle the worker held and all after it go from the page, nothing lost`, async () => {
    const srv = await startServer({
      pages: { '/p': (req) => scriptPage(config(`http://${req.headers.host}/collect`, ', compress: true'), '', { head: opts.head || '' }) },
      routes: opts.routes || {},
    });
    const { ctx, page, msgs, errors } = await open(srv, '/p');
    try {
      await sendBatches(page, srv);
      // Every bundle arrived from the page, none lost: the first was handed to the worker, which
      // never ran (its error event gave it back) or could not send it (the retry is the page's).
      const posts = await page.evaluate(() => window.__posts);
      const bundles = srv.received.filter((b) => b.json);
      assert.equal(posts, bundles.length, 'the page sent every bundle: ' + posts + ' of ' + bundles.length);
      for (const b of bundles) assert.equal(b.headers['content-encoding'], undefined, 'from the page: uncompressed');
      assert.deepEqual(rumWarnings(msgs), []);
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
      await srv.close();
    }
  });
}

test('the SDK on another origin: no worker (a worker must be same-origin), the page sends everything', async () => {
  const cdn = await startServer();
  const srv = await startServer({
    pages: { '/p': (req) => `<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script>window.__rum = ${config(`http://${req.headers.host}/collect`)};</script>
<script src="${cdn.origin}/dist/rum.js"></script></head><body></body></html>` },
  });
  const { ctx, page, msgs, errors, requested } = await open(srv, '/p');
  try {
    await sendBatches(page, srv);
    assert.ok(await page.evaluate(() => window.__posts) >= 3, 'the page sent the bundles');
    assert.ok(!requested.includes('/dist/rum-send.js'), 'the worker file is not even fetched: ' + requested.join(' '));
    assert.deepEqual(rumWarnings(msgs), []);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
    await srv.close();
    await cdn.close();
  }
});
