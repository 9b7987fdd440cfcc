// Remote configuration (issue 5) in a real Chromium: launch-first and remote-first, the cache
// under ARMS's key, cache expiry, bad remote configs, RegExps through the cache, and a remote
// sampleRate that waits for the next session. The remote config is served by a harness route
// (so a test can make it slow or broken) and, for one case, by the real collector's
// `PUT/GET /config/<pid>`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, scriptPage, until, hide, consoleOf, rumWarnings, sleep, startCollector } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const CACHE = 'arms_rum2_local_config';
const PID = 'rc-pid';
const QUIET = 'webVitals: false, api: false, staticResource: false, jsError: false, consoleError: false, action: false';
const rcfg = (origin, remote, { pid = PID, collectors = QUIET, extra = '' } = {}) =>
  `{pid: '${pid}', endpoint: '${origin}/collect', reportConfig: {flushTime: 200}, collectors: {${collectors}}, remoteConfig: ${remote}${extra}}`;

/** A remote-config route: answers `rc.body` with `rc.status` after `rc.delay` ms (as set when asked). */
function remoteRoute() {
  const rc = { body: '{}', status: 200, delay: 0, asked: [], answered: [] };
  const handler = (req, res) => {
    const { body, status, delay } = rc;
    rc.asked.push(Date.now());
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(body);
      rc.answered.push(Date.now());
    }, delay);
  };
  return { rc, handler };
}

async function withPage(fn, { pages = {}, routes = {} } = {}) {
  const { rc, handler } = remoteRoute();
  const served = [];
  const wrapped = {};
  for (const [k, v] of Object.entries(pages)) wrapped[k] = (req) => { served.push(Date.now()); return v(req); };
  const srv = await startServer({ pages: wrapped, routes: { '/rc': handler, ...routes } });
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const msgs = consoleOf(p);
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  try {
    await fn({ srv, rc, page: p, ctx, msgs, errors, served });
  } finally {
    await ctx.close();
    await srv.close();
  }
}

const custom = (p, names) => p.evaluate((ns) => { for (const n of ns) window.RumSDK.default.sendCustom({ type: 'rc', name: n }); }, names);
const flush = (p) => p.evaluate(() => window.RumSDK.default.flush());
const bundleWith = (srv, name, from = 0) => srv.received.slice(from).find((b) => b.json?.events.some((e) => e.type === 'rc' && e.name === name));
const pvBundle = (srv, from = 0) => srv.received.slice(from).find((b) => b.json?.events.some((e) => e.type === 'pv'));
const pvs = (srv) => srv.events().filter((e) => e.type === 'pv');
const readCache = (p) => p.evaluate((k) => localStorage.getItem(k), CACHE);
const show = (b) => JSON.stringify(b?.json ?? b).slice(0, 600);

test('launch-first: starts at once with a slow remote, applies and caches the remote config when it comes, no duplicate pv', async () => {
  const REMOTE = { reportConfig: { flushTime: 500 }, properties: { from_remote: 'yes' }, collectors: { perf: false } };
  await withPage(async ({ srv, rc, page: p, errors }) => {
    rc.body = JSON.stringify(REMOTE);
    rc.delay = 2000;
    await p.goto(srv.origin + '/lf');
    const first = await until(() => pvBundle(srv), 'the page view', 3000);
    await until(() => rc.asked.length, 'the remote config request', 3000);
    assert.ok(first.at < rc.asked[0] + 1500, `the pv was sent ${first.at - rc.asked[0]} ms after the remote config was asked (answer after 2000)`);
    assert.equal(first.json.properties?.from_remote, undefined);
    await until(() => rc.answered.length, 'the remote answer', 4000);
    const text = await until(() => readCache(p), 'the cache entry', 3000);
    const cached = JSON.parse(text);
    assert.deepEqual(Object.keys(cached).sort(), ['content', 'pid', 'timestamp']);
    assert.equal(cached.pid, PID);
    assert.deepEqual(cached.content, REMOTE);
    assert.ok(Math.abs(cached.timestamp - rc.answered[0]) < 2000, `timestamp ${cached.timestamp} vs answered ${rc.answered[0]}`);
    const c = await p.evaluate(() => window.RumSDK.default.getConfig());
    assert.equal(c.reportConfig?.flushTime, 500, JSON.stringify(c));
    assert.equal(c.collectors?.perf, false);
    assert.equal(c.properties?.from_remote, 'yes');
    assert.equal(c.pid, PID);
    const n = srv.received.length;
    const t0 = Date.now();
    await custom(p, ['after-remote']); // no flush: the remote flushTime (500 ms) sends it
    const b = await until(() => bundleWith(srv, 'after-remote', n), 'a bundle after the remote config', 3000);
    assert.equal(b.json.properties?.from_remote, 'yes', show(b));
    assert.ok(b.at - t0 >= 400, `sent ${b.at - t0} ms after the event: the remote flushTime of 500 ms applies`);
    await sleep(700);
    assert.equal(pvs(srv).length, 1, 'one page view: ' + JSON.stringify(pvs(srv)));
    assert.deepEqual(errors, []);
  }, { pages: { '/lf': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: 'http://${req.headers.host}/rc'}`, { collectors: QUIET.replace('webVitals: false, ', '') })) } });
});

test('the cached config is used at the next start; after cacheTimeout it is not', async () => {
  await withPage(async ({ srv, rc, page: p }) => {
    rc.body = JSON.stringify({ properties: { from_remote: 'yes' } });
    await p.goto(srv.origin + '/c');
    await until(() => readCache(p), 'the cache entry', 3000);
    // From now on the remote is slow: only the cache can be in the next page's first bundle.
    rc.body = JSON.stringify({ properties: { from_remote: 'fresh' } });
    rc.delay = 4000;
    await p.evaluate((k) => { const c = JSON.parse(localStorage.getItem(k)); c.timestamp = Date.now(); localStorage.setItem(k, JSON.stringify(c)); }, CACHE);
    let n = srv.received.length;
    await p.reload({ waitUntil: 'load' });
    const b = await until(() => pvBundle(srv, n), 'the first bundle after reload', 3000);
    assert.equal(b.json.properties?.from_remote, 'yes', 'the cached config applies from the first bundle: ' + show(b));
    // The entry is now more than cacheTimeout (1000 ms) old.
    await sleep(1300);
    n = srv.received.length;
    await p.reload({ waitUntil: 'load' });
    const b2 = await until(() => pvBundle(srv, n), 'the first bundle after the second reload', 3000);
    assert.equal(b2.json.properties?.from_remote, undefined, 'an expired cache is not used: ' + show(b2));
  }, { pages: { '/c': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: 'http://${req.headers.host}/rc', cacheTimeout: 1000}`)) } });
});

// Long enough that loading the page, a click and a sendCustom fit inside it on a loaded machine
// (800 ms did not, now and then), short against the remote's 5 s.
const RF_TIMEOUT = 2500;

test('remote-first with a slow remote: nothing sent before the timeout, then everything, including what happened while waiting', async () => {
  await withPage(async ({ srv, rc, page: p, served }) => {
    rc.body = JSON.stringify({ properties: { from_remote: 'late' } });
    rc.delay = 5000;
    await p.goto(srv.origin + '/rf');
    await p.click('#buy');
    await custom(p, ['waiting']);
    const waited = Date.now() - served[0];
    assert.ok(waited < RF_TIMEOUT - 50, `the click and sendCustom must happen while waiting (${waited} ms after the page was served)`);
    await until(() => srv.received.length, 'the first bundle after the timeout', RF_TIMEOUT + 3000);
    const firstAttempt = srv.control.attempts[0].at - served[0];
    assert.ok(firstAttempt >= RF_TIMEOUT - 20, `first send ${firstAttempt} ms after the page was served (timeout ${RF_TIMEOUT})`);
    assert.ok(firstAttempt < rc.delay, `sent soon after the timeout, not after the remote (${firstAttempt} ms)`);
    await flush(p);
    await until(() => bundleWith(srv, 'waiting') && bundleWith(srv, 'early') && srv.events().some((e) => e.event_type === 'action'),
      'pv, the inline event, the click and the sendCustom', 3000);
    const ev = srv.events();
    assert.equal(ev.filter((e) => e.type === 'pv').length, 1);
    assert.equal(ev.filter((e) => e.type === 'rc' && e.name === 'early').length, 1);
    assert.equal(ev.filter((e) => e.type === 'rc' && e.name === 'waiting').length, 1);
    assert.equal(ev.filter((e) => e.event_type === 'action').length, 1, JSON.stringify(ev.filter((e) => e.event_type === 'action')));
  }, {
    pages: {
      '/rf': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: 'http://${req.headers.host}/rc', mode: 'remote-first', timeout: ${RF_TIMEOUT}}`,
        { collectors: QUIET.replace(', action: false', '') }),
      '<button id="buy">Buy</button><script>RumSDK.default.sendCustom({type: "rc", name: "early"});</script>'),
    },
  });
});

test('remote-first with a fast remote (the real collector\'s /config/<pid>): the first bundle already has the remote properties', async () => {
  const coll = await startCollector();
  try {
    const put = await fetch(coll.origin + '/config/rc-fast', { method: 'PUT', headers: { authorization: 'Bearer ' + coll.token },
      body: JSON.stringify({ properties: { from_remote: 'fast' } }) });
    assert.ok(put.ok, 'PUT /config/rc-fast: ' + put.status);
    await withPage(async ({ srv, page: p }) => {
      await p.goto(srv.origin + '/fast');
      const b = await until(() => pvBundle(srv), 'the first bundle', 5000);
      assert.equal(srv.received.indexOf(b), 0);
      assert.equal(b.json.properties?.from_remote, 'fast', show(b));
      const cached = JSON.parse(await readCache(p));
      assert.equal(cached.pid, 'rc-fast');
      assert.deepEqual(cached.content, { properties: { from_remote: 'fast' } });
    }, {
      pages: { '/fast': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: '${coll.origin}/config/rc-fast', mode: 'remote-first', timeout: 3000}`, { pid: 'rc-fast' })) },
    });
  } finally {
    await coll.close();
  }
});

test('bad remote config: not JSON, or a field of the wrong type → one warning, the SDK keeps running, good fields apply', async () => {
  const pages = { '/bad': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: 'http://${req.headers.host}/rc'}`)) };
  await withPage(async ({ srv, rc, page: p, msgs, errors }) => {
    rc.body = 'this is not JSON {';
    await p.goto(srv.origin + '/bad');
    await until(() => rc.answered.length, 'the remote answer', 3000);
    await sleep(200);
    await custom(p, ['still-running']);
    await flush(p);
    const b = await until(() => bundleWith(srv, 'still-running'), 'an event after the bad config', 3000);
    assert.equal(b.json.properties?.from_remote, undefined);
    const w = rumWarnings(msgs);
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.match(w[0], /remote config/i);
    assert.equal(await readCache(p), null, 'a config that is not JSON is not cached');
    assert.deepEqual(errors, []);
  }, { pages });
  await withPage(async ({ srv, rc, page: p, msgs, errors }) => {
    rc.body = JSON.stringify({ sessionConfig: { overtime: 5 }, properties: { ok: 'yes' } });
    await p.goto(srv.origin + '/bad');
    await until(() => rc.answered.length, 'the remote answer', 3000);
    await sleep(200);
    const n = srv.received.length;
    await custom(p, ['after-bad-field']);
    await flush(p);
    const b = await until(() => bundleWith(srv, 'after-bad-field', n), 'an event after the partly bad config', 3000);
    assert.equal(b.json.properties?.ok, 'yes', 'the good field applies: ' + show(b));
    const w = rumWarnings(msgs);
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.match(w[0], /sessionConfig/);
    const c = await p.evaluate(() => window.RumSDK.default.getConfig());
    assert.notEqual(c.sessionConfig?.overtime, 5, 'the bad field is not applied: ' + JSON.stringify(c));
    assert.equal(pvs(srv).length, 1);
    assert.deepEqual(errors, []);
  }, { pages });
});

test('a RegExp in remote filters.resource survives the cache and filters at the next start', async () => {
  const api = (req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{}'); };
  await withPage(async ({ srv, rc, page: p }) => {
    rc.body = '{"filters":{"resource":"/api\\\\/skip/"},"properties":{"from_remote":"re"}}';
    assert.equal(JSON.parse(rc.body).filters.resource, '/api\\/skip/');
    await p.goto(srv.origin + '/re');
    const text = await until(() => readCache(p), 'the cache entry', 3000);
    assert.ok(text.includes('"/api\\\\/skip/"'), 'the cached JSON keeps the string form: ' + text);
    assert.equal(JSON.parse(text).content.filters.resource, '/api\\/skip/');
    // Next start: the remote does not answer in time, only the cache can filter.
    rc.delay = 5000;
    const n = srv.received.length;
    await p.reload({ waitUntil: 'load' });
    // The calls must come after init has installed the fetch hook (init loads the wasm first).
    await p.evaluate(() => window.RumSDK.default.ready);
    await p.evaluate(async () => { await fetch('/api/skip?a=1'); await fetch('/api/keep?a=1'); });
    await flush(p);
    const urls = () => srv.received.slice(n).flatMap((b) => b.json.events).filter((e) => e.event_type === 'resource').map((e) => e.url || e.name);
    await until(() => urls().some((u) => u.includes('/api/keep')), 'the api call that is not filtered', 5000);
    const first = pvBundle(srv, n);
    assert.equal(first.json.properties?.from_remote, 're', 'the cached config is in use: ' + show(first));
    assert.deepEqual(urls().filter((u) => u.includes('/api/skip')), [], 'filtered by the cached RegExp');
  }, {
    pages: { '/re': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: 'http://${req.headers.host}/rc'}`, { collectors: QUIET.replace('api: false, ', '') })) },
    routes: { '/api/skip': api, '/api/keep': api },
  });
});

test('remote sampleRate 0 does not flip the current session, but applies to the next one', async () => {
  await withPage(async ({ srv, rc, page: p }) => {
    rc.body = JSON.stringify({ sessionConfig: { sampleRate: 0 }, properties: { rs: 'yes' } });
    await p.goto(srv.origin + '/s');
    await until(() => readCache(p), 'the cache entry', 3000);
    await sleep(100);
    await custom(p, ['same-session']);
    await flush(p);
    const b = await until(() => bundleWith(srv, 'same-session'), 'events keep flowing in the current session', 3000);
    assert.equal(b.json.properties?.rs, 'yes', 'the remote config was applied: ' + show(b));
    const session = await p.evaluate(() => localStorage.getItem('_arms_session'));
    assert.match(session, /^[0-9a-f]{32}-1-/);
    // A reload continues the session: still sampled.
    let n = srv.received.length;
    await p.reload({ waitUntil: 'load' });
    await custom(p, ['continued']);
    await flush(p);
    const b2 = await until(() => bundleWith(srv, 'continued', n), 'the continued session keeps sending', 3000);
    assert.equal(b2.json.session.id, b.json.session.id);
    // A new session: the remote sampleRate 0 applies, nothing is sent.
    await p.evaluate(() => localStorage.removeItem('_arms_session'));
    n = srv.received.length;
    await p.reload({ waitUntil: 'load' });
    await custom(p, ['new-session']);
    await flush(p);
    await hide(p);
    await sleep(1500);
    assert.match(await p.evaluate(() => localStorage.getItem('_arms_session')), /^[0-9a-f]{32}-0-/, 'the new session is unsampled');
    assert.deepEqual(srv.received.slice(n).map((x) => show(x)), [], 'nothing sent in the unsampled session');
  }, { pages: { '/s': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: 'http://${req.headers.host}/rc'}`)) } });
});

// Remote config's rules live in a file of their own (dist/rum-remote.js + rum_remote_bg.wasm):
// the core page does not carry them (1.4 KB gzip), only pages with `remoteConfig` load them.
test('the remote-config file loads only for a config with remoteConfig; its own fetch is no API event', async () => {
  const requested = [];
  const track = (p) => p.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const plain = (req) => scriptPage(`{pid: '${PID}', endpoint: 'http://${req.headers.host}/collect', reportConfig: {flushTime: 200}, collectors: {${QUIET}}}`);
  await withPage(async ({ srv, page: p, errors }) => {
    track(p);
    await p.goto(srv.origin + '/plain');
    await until(() => pvBundle(srv), 'the page view', 3000);
    assert.ok(requested.includes('/dist/rum_wasm_bg.wasm'), requested.join(' '));
    assert.deepEqual(requested.filter((r) => r.includes('remote')), [], 'no remote-config file without remoteConfig');
    assert.deepEqual(errors, []);
  }, { pages: { '/plain': plain } });
  // With remoteConfig (and the API collector on): the file and its wasm load once, the remote
  // config is fetched once, and that fetch is not reported as the page's API call.
  await withPage(async ({ srv, rc, page: p, errors }) => {
    track(p);
    requested.length = 0;
    rc.body = JSON.stringify({ properties: { from_remote: 'loaded' } });
    await p.goto(srv.origin + '/with');
    await until(() => rc.answered.length, 'the remote answer', 3000);
    await p.evaluate(() => window.RumSDK.default.ready);
    await p.evaluate(() => fetch('/api/ok'));
    await sleep(300);
    await custom(p, ['lazy']);
    await flush(p);
    const b = await until(() => bundleWith(srv, 'lazy'), 'an event after the remote config', 3000);
    assert.equal(b.json.properties?.from_remote, 'loaded', show(b));
    assert.deepEqual(requested.filter((r) => r.includes('remote')), ['/dist/rum-remote.js', '/dist/rum_remote_bg.wasm']);
    assert.equal(rc.asked.length, 1);
    const apis = srv.events().filter((e) => e.event_type === 'resource').map((e) => e.url || e.name);
    assert.ok(apis.some((u) => u.includes('/api/ok')), 'the page\'s own call is reported: ' + JSON.stringify(apis));
    assert.deepEqual(apis.filter((u) => u.includes('/rc')), [], 'the SDK\'s remote-config fetch is not: ' + JSON.stringify(apis));
    assert.deepEqual(errors, []);
  }, { pages: { '/with': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: 'http://${req.headers.host}/rc'}`, { collectors: QUIET.replace('api: false, ', '') })) } });
});

test('the remote-config file cannot load: one warning, the SDK runs on the local config and sends (launch-first and remote-first)', async () => {
  const gone = (req, res) => { res.writeHead(404); res.end('gone'); };
  for (const mode of ['launch-first', 'remote-first']) {
    await withPage(async ({ srv, rc, page: p, msgs, errors }) => {
      const t0 = Date.now();
      await p.goto(srv.origin + '/gone');
      const first = await until(() => pvBundle(srv), 'the page view', 4000);
      assert.ok(first.at - t0 < 2500, `${mode}: sent ${first.at - t0} ms after the page was asked for (not held until the 3 s timeout)`);
      assert.equal(rc.asked.length, 0, 'no remote config without its rules');
      await custom(p, ['local']);
      await flush(p);
      const b = await until(() => bundleWith(srv, 'local'), 'an event', 3000);
      assert.equal(b.json.properties?.local, 'yes', show(b));
      const w = rumWarnings(msgs);
      assert.equal(w.length, 1, JSON.stringify(w));
      assert.match(w[0], /no remote config/);
      assert.deepEqual(errors, []);
    }, {
      pages: { '/gone': (req) => scriptPage(rcfg('http://' + req.headers.host, `{url: 'http://${req.headers.host}/rc', mode: '${mode}'}`, { extra: ", properties: {local: 'yes'}" })) },
      routes: { '/dist/rum-remote.js': gone },
    });
  }
});
