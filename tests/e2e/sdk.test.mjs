// The SDK in a real Chromium against a real local endpoint: loading (npm ESM and script tag),
// the call queue, CSP and load failures, config errors, sessions in real localStorage and
// cookies, sampling, tabs, opt-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, scriptPage, until, hide } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const cfg = (origin, extra = '') => `{pid: 'e2e-pid', endpoint: '${origin}/collect', env: 'local', version: '1.2.3',
  app: {name: 'harness-app'}, user: {name: 'Alice', tags: 'vip'}, properties: {tenant: 'acme', build: 77}${extra}}`;

async function withPage(fn, { pages = {}, context } = {}) {
  const srv = await startServer({ pages });
  const ctx = context || await browser.newContext();
  const page = await ctx.newPage();
  const errors = [];
  const consoleMsgs = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => consoleMsgs.push(m.type() + ': ' + m.text()));
  try {
    await fn({ srv, page, ctx, errors, consoleMsgs });
  } finally {
    if (!context) await ctx.close();
    await srv.close();
  }
}

test('script tag + ARMS __rum snippet: initialises with no other change and sends the page view on hide', async () => {
  let origin;
  await withPage(async ({ srv, page, errors }) => {
    origin = srv.origin;
    await page.goto(srv.origin + '/app/home?from=harness');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    await hide(page);
    const [b] = await until(() => srv.received.length && srv.received, 'a bundle');
    assert.match(b.headers['content-type'], /^text\/plain;charset=UTF-8$/i);
    const j = b.json;
    // ARMS's keys, plus `device` (ARMS sends it only from the config): what the browser says of
    // the screen and the viewport.
    assert.deepEqual(Object.keys(j), ['app', 'user', 'session', 'net', 'view', 'events', 'properties', 'device', '_v']);
    const vp = page.viewportSize();
    assert.deepEqual(j.device, { screen: await page.evaluate(() => screen.width + 'x' + screen.height), viewport: `${vp.width}x${vp.height}` });
    assert.deepEqual(j.app, { id: 'e2e-pid', env: 'local', version: '1.2.3', type: 'browser', name: 'harness-app' });
    assert.match(j.user.id, /^uid_[0-9a-z]{16}$/);
    assert.equal(j.user.name, 'Alice');
    assert.match(j.session.id, /^[0-9a-f]{32}$/);
    assert.equal(j.view.name, '/app/home');
    const pv = j.events.find((e) => e.type === 'pv');
    assert.equal(pv.loading_type, 'initial_load');
    assert.equal(pv.url, origin + '/app/home?from=harness');
    assert.equal(pv.event_id.slice(0, 36), '00-' + j.session.id + '-');
    const stored = await page.evaluate(() => localStorage.getItem('_arms_session'));
    assert.match(stored, new RegExp('^' + j.session.id + '-1-\\d{13}-\\d{13}$'));
    assert.equal(await page.evaluate(() => localStorage.getItem('_arms_uid')), j.user.id);
    assert.deepEqual(errors, []);
  }, { pages: { '/app/home': (req) => scriptPage(cfg(`http://${req.headers.host}`)) } });
});

test('npm ESM entry: calls made before the wasm is ready are queued and replayed in order', async () => {
  const html = (host) => `<!doctype html><script type="module">
    import armsRum from '/dist/index.js';
    armsRum.init(${cfg('http://' + host, ", reportConfig: {flushTime: 200}")});
    armsRum.sendCustom({type: 'biz', name: 'first'});
    armsRum.sendCustom({type: 'biz', name: 'second'});
    armsRum.sendException(new TypeError('boom'));
    armsRum.sendCustom({type: 'biz'}); // invalid: warns, sends nothing
    window.armsRum = armsRum;
  </script>`;
  await withPage(async ({ srv, page, consoleMsgs, errors }) => {
    await page.goto(srv.origin + '/esm');
    assert.equal(await page.evaluate(() => window.armsRum.ready), true);
    await until(() => srv.events().length >= 4, 'four events');
    // Manual events only (automatic collection adds resources and timing around them).
    const ev = srv.events().filter((e) => ['pv', 'biz', 'custom'].includes(e.type));
    assert.deepEqual(ev.map((e) => e.type + ':' + (e.name || '')), ['pv:/esm', 'biz:first', 'biz:second', 'custom:TypeError']);
    assert.equal(ev[3].message, 'boom');
    assert.match(ev[3].stack, /TypeError: boom/);
    assert.equal(consoleMsgs.filter((m) => m.includes("sendCustom: 'type' and 'name'")).length, 1);
    assert.deepEqual(errors, []);
  }, { pages: { '/esm': (req) => html(req.headers.host) } });
});

test('a CSP without wasm-unsafe-eval: the facade stays callable, no exception, one message naming the fix', async () => {
  const page = (host) => ({
    headers: { 'Content-Security-Policy': "script-src 'self' 'unsafe-inline'" },
    body: scriptPage(cfg('http://' + host), '<script>RumSDK.default.sendCustom({type:"a",name:"b"}); RumSDK.default.setConfig("env","x"); window.cfg = RumSDK.default.getConfig();</script>'),
  });
  await withPage(async ({ srv, page: p, errors, consoleMsgs }) => {
    await p.goto(srv.origin + '/csp');
    assert.equal(await p.evaluate(() => window.RumSDK.default.ready), false);
    assert.equal(await p.evaluate(() => window.cfg.pid), 'e2e-pid');
    await p.evaluate(() => { window.RumSDK.default.sendCustom({ type: 'a', name: 'b' }); window.RumSDK.default.flush(); });
    const msgs = consoleMsgs.filter((m) => m.includes('[rum-wasm]'));
    assert.equal(msgs.length, 1, msgs.join('\n'));
    assert.match(msgs[0], /wasm-unsafe-eval/);
    assert.deepEqual(errors, []);
    assert.equal(srv.received.length, 0);
  }, { pages: { '/csp': (req) => page(req.headers.host) } });
});

test('a .wasm that fails to load: no exception, one message, the page goes on', async () => {
  await withPage(async ({ srv, page, errors, consoleMsgs }) => {
    await page.goto(srv.origin + '/nowasm');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), false);
    assert.equal(await page.evaluate(() => document.body.textContent), 'page works');
    const msgs = consoleMsgs.filter((m) => m.includes('[rum-wasm]'));
    assert.equal(msgs.length, 1, msgs.join('\n'));
    assert.match(msgs[0], /could not load the SDK/);
    assert.deepEqual(errors, []);
  }, { pages: { '/nowasm': (req) => scriptPage(cfg('http://' + req.headers.host, ", wasmUrl: '/dist/missing.wasm'"), 'page works') } });
});

test('bad config: one clear message per bad field, missing endpoint keeps the SDK off, init twice warns once', async () => {
  const html = (host) => scriptPage(`{pid: 'p', endpoint: 'http://${host}/collect', reportConfig: {flushTime: -5}, sessionConfig: {overtime: 5}}`,
    `<script>RumSDK.default.init({pid: 'again', endpoint: 'x'}); RumSDK.default.init({});</script>`);
  await withPage(async ({ srv, page, errors, consoleMsgs }) => {
    await page.goto(srv.origin + '/bad');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    const msgs = consoleMsgs.filter((m) => m.includes('[rum-wasm]'));
    assert.ok(msgs.some((m) => m.includes('reportConfig.flushTime: -5 is not valid; using 3000')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.includes('sessionConfig.overtime: 5 is not valid; using 3600000')), msgs.join('\n'));
    assert.equal(msgs.filter((m) => m.includes('init() was called again')).length, 2);
    assert.deepEqual(errors, []);
  }, { pages: { '/bad': (req) => html(req.headers.host) } });
  await withPage(async ({ srv, page, errors, consoleMsgs }) => {
    await page.goto(srv.origin + '/noendpoint');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), false);
    const msgs = consoleMsgs.filter((m) => m.includes('[rum-wasm]'));
    assert.deepEqual(msgs.map((m) => m.replace(/^\w+: /, '')), ['[rum-wasm] config.endpoint is missing or not a string; the SDK stays off']);
    await hide(page);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(srv.received.length, 0);
    assert.deepEqual(errors, []);
  }, { pages: { '/noendpoint': scriptPage(`{pid: 'p'}`) } });
});

test('a page that already has an ARMS session in localStorage continues it; an idle-expired one is replaced', async () => {
  const ctx = await browser.newContext();
  await withPage(async ({ srv, page }) => {
    await page.goto(srv.origin + '/blank');
    const now = Date.now();
    await page.evaluate((now) => {
      localStorage.setItem('_arms_session', `aaaabbbbccccddddeeeeffff00001111-1-${now - 3600e3}-${now - 60e3}`);
      localStorage.setItem('_arms_uid', 'uid_knownuser12345');
    }, now);
    await page.goto(srv.origin + '/app');
    await page.evaluate(() => window.RumSDK.default.ready);
    await hide(page);
    await until(() => srv.received.length, 'bundle');
    assert.equal(srv.received[0].json.session.id, 'aaaabbbbccccddddeeeeffff00001111');
    assert.equal(srv.received[0].json.user.id, 'uid_knownuser12345');
    await page.evaluate((now) => localStorage.setItem('_arms_session', `aaaabbbbccccddddeeeeffff00001111-1-${now - 7200e3}-${now - 3601e3}`), Date.now());
    await page.reload();
    await page.evaluate(() => window.RumSDK.default.ready);
    await hide(page);
    // The first page's exit bundle (old session) may arrive before or after the reloaded
    // page's: look for the new session's bundle, whichever position it has.
    const old = 'aaaabbbbccccddddeeeeffff00001111';
    await until(() => srv.received.some((b) => b.json.session.id !== old), 'a bundle of a new session');
    const fresh = srv.received.find((b) => b.json.session.id !== old).json.session.id;
    assert.match(await page.evaluate(() => localStorage.getItem('_arms_session')), new RegExp('^' + fresh + '-'));
  }, { context: ctx, pages: { '/blank': '<!doctype html>', '/app': (req) => scriptPage(cfg('http://' + req.headers.host)) } });
  await ctx.close();
});

test('sampleRate 0: stores -0- and sends nothing at all', async () => {
  await withPage(async ({ srv, page }) => {
    await page.goto(srv.origin + '/s');
    await page.evaluate(() => window.RumSDK.default.ready);
    await page.evaluate(() => { for (let i = 0; i < 30; i++) window.RumSDK.default.sendCustom({ type: 'a', name: 'b' }); window.RumSDK.default.flush(); });
    await page.click('button');
    await hide(page);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(srv.received.length, 0);
    assert.match(await page.evaluate(() => localStorage.getItem('_arms_session')), /^[0-9a-f]{32}-0-\d+-\d+$/);
  }, { pages: { '/s': (req) => scriptPage(cfg('http://' + req.headers.host, ', sessionConfig: {sampleRate: 0}'), '<button>b</button>') } });
});

test("storage: 'cookie' keeps the session in ARMS's cookies", async () => {
  await withPage(async ({ srv, page, ctx }) => {
    await page.goto(srv.origin + '/c');
    await page.evaluate(() => window.RumSDK.default.ready);
    await hide(page);
    await until(() => srv.received.length, 'bundle');
    const cookies = Object.fromEntries((await ctx.cookies()).map((c) => [c.name, c]));
    assert.match(cookies._arms_session.value, new RegExp('^' + srv.received[0].json.session.id + '-1-\\d+-\\d+$'));
    assert.equal(cookies._arms_uid.value, srv.received[0].json.user.id);
    assert.equal(cookies._arms_session.path, '/');
    assert.ok(cookies._arms_session.expires > Date.now() / 1000 + 364 * 86400);
    assert.equal(await page.evaluate(() => localStorage.getItem('_arms_session')), null);
  }, { pages: { '/c': (req) => scriptPage(cfg('http://' + req.headers.host, ", sessionConfig: {storage: 'cookie'}")) } });
});

test('two tabs of the site share one session', async () => {
  const ctx = await browser.newContext();
  await withPage(async ({ srv, page }) => {
    const second = await ctx.newPage();
    await Promise.all([page.goto(srv.origin + '/t?tab=1'), second.goto(srv.origin + '/t?tab=2')]);
    await Promise.all([page.evaluate(() => window.RumSDK.default.ready), second.evaluate(() => window.RumSDK.default.ready)]);
    await page.evaluate(() => window.RumSDK.default.sendCustom({ type: 'tab', name: 'one' }));
    await second.evaluate(() => window.RumSDK.default.sendCustom({ type: 'tab', name: 'two' }));
    await hide(page);
    await hide(second);
    await until(() => srv.events().filter((e) => e.type === 'tab').length === 2, 'both tabs');
    const ids = new Set(srv.events().map((e) => e.session_id));
    assert.equal(ids.size, 1, [...ids].join(','));
  }, { context: ctx, pages: { '/t': (req) => scriptPage(cfg('http://' + req.headers.host)) } });
  await ctx.close();
});

test('opt-out stops sending, deletes stored ids, and persists across reloads; opt-in resumes', async () => {
  const ctx = await browser.newContext();
  await withPage(async ({ srv, page }) => {
    await page.goto(srv.origin + '/o');
    await page.evaluate(() => window.RumSDK.default.ready);
    await page.evaluate(() => window.RumSDK.default.optOut());
    assert.equal(await page.evaluate(() => localStorage.getItem('_arms_session')), null);
    assert.equal(await page.evaluate(() => localStorage.getItem('_arms_uid')), null);
    await page.reload();
    await page.evaluate(() => window.RumSDK.default.ready);
    await page.evaluate(() => window.RumSDK.default.sendCustom({ type: 'x', name: 'y' }));
    await hide(page);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(srv.received.length, 0);
    assert.equal(await page.evaluate(() => localStorage.getItem('_arms_session')), null);
    await page.evaluate(() => window.RumSDK.default.optIn());
    await hide(page);
    await until(() => srv.received.length, 'bundle after opt-in');
  }, { context: ctx, pages: { '/o': (req) => scriptPage(cfg('http://' + req.headers.host)) } });
  await ctx.close();
});

test('a deeply nested config is parsed within the SDK\'s small stack; too deep is refused with a message, never a crash', async () => {
  const nest = (n) => '['.repeat(n) + ']'.repeat(n);
  await withPage(async ({ srv, page, errors }) => {
    await page.goto(srv.origin + '/deep');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    await page.evaluate(() => window.RumSDK.default.sendCustom({ type: 'deep', name: 'ok' }));
    await hide(page);
    await until(() => srv.events().some((e) => e.type === 'deep'), 'an event after a 60-deep config');
    assert.deepEqual(errors, []);
  }, { pages: { '/deep': (req) => scriptPage(cfg('http://' + req.headers.host, `, extra: ${nest(60)}`)) } });
  await withPage(async ({ srv, page, errors, consoleMsgs }) => {
    await page.goto(srv.origin + '/too-deep');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), false);
    assert.ok(consoleMsgs.some((m) => m.includes('the config could not be read')), consoleMsgs.join('\n'));
    assert.deepEqual(errors, []);
  }, { pages: { '/too-deep': (req) => scriptPage(cfg('http://' + req.headers.host, `, extra: ${nest(200)}`)) } });
});

test('setConfig of parseResourceName and slowResourceThreshold alone applies to the next API call', async () => {
  await withPage(async ({ srv, page }) => {
    await page.goto(srv.origin + '/p');
    await page.evaluate(() => window.RumSDK.default.ready);
    await page.evaluate(() => {
      window.RumSDK.default.setConfig('parseResourceName', (u) => 'renamed:' + new URL(u).pathname);
      window.RumSDK.default.setConfig('slowResourceThreshold', 0);
    });
    await page.evaluate(() => fetch('/api/after-set-config').catch(() => {}));
    await new Promise((r) => setTimeout(r, 400)); // the hook reports a call 200 ms after it ends
    await hide(page);
    const call = () => srv.received.flatMap((b) => b.json.events).find((e) => e.event_type === 'resource' && String(e.url).includes('/api/after-set-config'));
    await until(call, 'the API call');
    assert.equal(call().name, 'renamed:/api/after-set-config');
    assert.equal(call().slow, 1);
  }, { pages: { '/p': (req) => scriptPage(cfg('http://' + req.headers.host, ", collectors: {api: true}")) } });
});

test('npm ESM entry on a page that locked history.pushState and console.error: the SDK hooks what it can, every other collector still reports', async () => {
  // ES modules are strict: assigning over a non-writable method throws there (the script tag is
  // sloppy and fails silently). One locked method must cost that hook only.
  const html = (host) => `<!doctype html><button id="b" type="button">Pay</button><script>
    for (const [o, k] of [[history, 'pushState'], [console, 'error']]) Object.defineProperty(o, k, { value: o[k], writable: false, configurable: false });
  </script><script type="module">
    import armsRum from '/dist/index.js';
    armsRum.init(${cfg('http://' + host, ", spaMode: 'history', reportConfig: {flushTime: 200}")});
    window.armsRum = armsRum;
  </script>`;
  await withPage(async ({ srv, page, errors }) => {
    await page.goto(srv.origin + '/locked');
    assert.equal(await page.evaluate(() => window.armsRum.ready), true);
    await page.click('#b');
    await page.evaluate(() => { setTimeout(() => { throw new Error('locked-page-error'); }); });
    await page.evaluate(() => fetch('/api/ok'));
    await page.evaluate(() => history.pushState({}, '', '/locked/next'));
    await hide(page);
    await until(() => srv.events().some((e) => e.event_type === 'action' && /Pay/.test(e.name)), 'the click');
    await until(() => srv.events().some((e) => e.event_type === 'exception' && e.message === 'locked-page-error'), 'the error');
    await until(() => srv.events().some((e) => e.type === 'fetch' && /\/api\/ok$/.test(e.url)), 'the fetch');
    assert.equal(await page.evaluate(() => location.pathname), '/locked/next', 'the page\'s own pushState still works');
    assert.deepEqual(errors.filter((e) => !e.includes('locked-page-error')), []);
  }, { pages: { '/locked': (req) => html(req.headers.host) } });
});
