// Never break the host page (issue 4): whatever goes wrong in a request, in another library's
// patch or inside the SDK itself, the page's own calls behave exactly as without the SDK —
// same results, same objects, same errors, no extra exceptions. Where it makes sense, the same
// page script runs on a page without the SDK (baseline) and on one with it, and both results
// must be equal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch, startServer, scriptPage, until, hide } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const routes = {
  // Echoes what arrived: method, headers, body.
  '/api/echo': (req, res, body) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, headers: req.headers, body: body.toString('utf8') }));
  },
  '/api/xhr': (req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"xhr":1}'); },
};

const cfg = (origin, extra) => `{pid: 'e2e-pid', endpoint: '${origin}/collect', env: 'local', spaMode: 'history',
  tracing: true, reportConfig: {flushTime: 300}${extra}}`;

// Installed before the SDK: the originals, and the page's window/document listeners as they are.
const SPY = `<script>
window.__current = () => ({ fetch: window.fetch, open: XMLHttpRequest.prototype.open, send: XMLHttpRequest.prototype.send,
  setRequestHeader: XMLHttpRequest.prototype.setRequestHeader, error: console.error,
  pushState: history.pushState, replaceState: history.replaceState });
window.__orig = __current();
window.__sameAsOrig = () => { const c = __current(); return Object.fromEntries(Object.keys(c).map((k) => [k, c[k] === __orig[k]])); };
(function () {
  const add = EventTarget.prototype.addEventListener, rem = EventTarget.prototype.removeEventListener;
  const label = (t) => (t === window ? 'window' : t === document ? 'document' : null);
  const cap = (o) => (typeof o === 'boolean' ? o : !!(o && o.capture));
  window.__listeners = [];
  EventTarget.prototype.addEventListener = function (type, fn, opts) {
    const l = label(this);
    if (l && !__listeners.some((x) => x.l === l && x.type === type && x.fn === fn && x.cap === cap(opts))) __listeners.push({ l, type, fn, cap: cap(opts) });
    return add.apply(this, arguments);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, opts) {
    const l = label(this);
    const i = __listeners.findIndex((x) => x.l === l && x.type === type && x.fn === fn && x.cap === cap(opts));
    if (i >= 0) __listeners.splice(i, 1);
    return rem.apply(this, arguments);
  };
  window.__activeListeners = (types) => __listeners.filter((x) => types.includes(x.type)).map((x) => x.l + ':' + x.type + (x.cap ? ':capture' : ''));
})();
</script>`;

const plainPage = (body, head) => `<!doctype html><html><head><meta charset="utf-8"><title>t</title>${head}</head><body>${body}</body></html>`;

/**
 * Opens `/p` (with the SDK, or without it when `sdk` is false) and runs `fn`. `pageErrors` lists
 * every uncaught exception and unhandled rejection the page saw.
 */
async function withPage({ head = '', body = '<button id="b">b</button>', extra = '', sdk = true } = {}, fn) {
  const srv = await startServer({
    routes,
    pages: { '/p': (req) => (sdk ? scriptPage(cfg('http://' + req.headers.host, extra), body, { head: SPY + head }) : plainPage(body, SPY + head)) },
  });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const pageErrors = [];
  const consoleMsgs = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => consoleMsgs.push(m.type() + ': ' + m.text()));
  try {
    await page.goto(srv.origin + '/p');
    if (sdk) assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true, 'SDK ready');
    return await fn({ srv, page, pageErrors, consoleMsgs });
  } finally {
    await ctx.close();
    await srv.close();
  }
}

/** Runs the same page script without and with the SDK; returns both results. */
async function baselineAndSdk(opts, script, arg) {
  const run = (sdk) => withPage({ ...opts, sdk }, async ({ page, pageErrors }) => {
    const result = await page.evaluate(script, arg);
    await new Promise((r) => setTimeout(r, 300));
    return { result, pageErrors: [...pageErrors] };
  });
  return [await run(false), await run(true)];
}

const flushed = async (page, srv, pred, what) => {
  await hide(page);
  return until(() => { const e = srv.events().filter(pred); return e.length && e; }, what, 5000);
};

// A recorder installed before the SDK sees what the browser's fetch really returned.
const RECORDER = `<script>
  window.__got = [];
  window.__record = true;
  const f = window.fetch;
  window.fetch = function () {
    const p = f.apply(this, arguments);
    const rec = { p, u: String(arguments[0] && arguments[0].url || arguments[0]) };
    __got.push(rec);
    if (__record) p.catch((e) => { rec.err = e; });
    return p;
  };
  window.__unhandled = [];
  addEventListener('unhandledrejection', (e) => __unhandled.push(String(e.reason)));
</script>`;

// The SDK hands the page a promise chained on the original one (so that a rejection nobody
// catches stays unhandled, see the next test): the page gets the very same error object and
// the very same Response, not the very same Promise object.
test('a fetch that rejects: the page\'s catch gets the very same TypeError, and no extra unhandled rejection', async () => {
  const script = async () => {
    const p = fetch('http://127.0.0.1:9/refused');
    const caught = await p.then(() => null, (e) => e);
    await new Promise((r) => setTimeout(r, 500));
    const rec = window.__got.filter((g) => g.u === 'http://127.0.0.1:9/refused').pop();
    return {
      samePromise: p instanceof Promise,
      sameError: caught === rec.err,
      isTypeError: caught instanceof TypeError,
      text: String(caught),
      unhandled: window.__unhandled,
    };
  };
  const [base, sdk] = await baselineAndSdk({ head: RECORDER }, script);
  assert.deepEqual(base.result, { samePromise: true, sameError: true, isTypeError: true, text: 'TypeError: Failed to fetch', unhandled: [] });
  assert.deepEqual(sdk.result, base.result);
  assert.deepEqual(sdk.pageErrors, base.pageErrors);
  // The SDK still reports the failed call.
  await withPage({ head: RECORDER }, async ({ srv, page }) => {
    await page.evaluate(() => fetch('http://127.0.0.1:9/refused').catch(() => {}));
    const [e] = await flushed(page, srv, (x) => x.event_type === 'resource' && x.url === 'http://127.0.0.1:9/refused', 'the failed call');
    assert.equal(e.success, 0);
    assert.equal(e.type, 'fetch');
  });
});

test('a failed fetch the page does not catch is still an unhandled rejection, exactly once, as without the SDK', async () => {
  // Without the SDK the page (and its own error tracking, and DevTools' "Uncaught (in promise)")
  // sees one unhandledrejection. The SDK observes the very promise it returns to the page.
  const script = async () => {
    window.__record = false;
    fetch('http://127.0.0.1:9/uncaught');
    await new Promise((r) => setTimeout(r, 800));
    return window.__unhandled;
  };
  const [base, sdk] = await baselineAndSdk({ head: RECORDER }, script);
  assert.deepEqual(base.result, ['TypeError: Failed to fetch']);
  assert.deepEqual(base.pageErrors, ['TypeError: Failed to fetch']);
  assert.deepEqual({ unhandled: sdk.result, pageErrors: sdk.pageErrors }, { unhandled: base.result, pageErrors: base.pageErrors });
});

test('an XHR that aborts: the page\'s onabort fires, status 0, same events as without the SDK', async () => {
  const script = () => new Promise((done) => {
    const x = new XMLHttpRequest();
    const seen = [];
    for (const t of ['loadstart', 'progress', 'abort', 'error', 'timeout', 'load', 'loadend']) {
      x.addEventListener(t, () => seen.push(t + ':' + x.status + ':' + x.readyState));
    }
    x.onabort = () => seen.push('onabort:' + x.status);
    x.onloadend = () => setTimeout(() => done({ seen, status: x.status, readyState: x.readyState }), 0);
    x.open('GET', '/api/slow?ms=3000');
    x.send();
    setTimeout(() => x.abort(), 100);
  });
  const [base, sdk] = await baselineAndSdk({}, script);
  assert.ok(base.result.seen.includes('onabort:0'), JSON.stringify(base.result));
  assert.equal(base.result.status, 0);
  assert.deepEqual(sdk.result, base.result);
  assert.deepEqual(sdk.pageErrors, []);
  await withPage({}, async ({ srv, page }) => {
    await page.evaluate(script);
    const [e] = await flushed(page, srv, (x) => x.event_type === 'resource' && x.type === 'xmlhttprequest' && x.name === '/api/slow', 'the aborted XHR');
    assert.equal(e.success, 0, JSON.stringify(e));
    // The failure's kind, on its own call: the abort listener set it, not a later call's.
    assert.equal(e.message, 'Error: abort', JSON.stringify(e));
    assert.equal(e.status_code, undefined, JSON.stringify(e));
  });
});

test('an XHR that times out (xhr.timeout): the page\'s ontimeout fires, same events as without the SDK; reported failed, "Error: timeout"', async () => {
  const script = () => new Promise((done) => {
    const x = new XMLHttpRequest();
    const seen = [];
    for (const t of ['loadstart', 'abort', 'error', 'timeout', 'load', 'loadend']) {
      x.addEventListener(t, () => seen.push(t + ':' + x.status + ':' + x.readyState));
    }
    x.ontimeout = () => seen.push('ontimeout:' + x.status);
    x.onloadend = () => setTimeout(() => done({ seen, status: x.status, readyState: x.readyState }), 0);
    x.open('GET', '/api/slow?ms=3000&t=1');
    x.timeout = 150;
    x.send();
  });
  const [base, sdk] = await baselineAndSdk({}, script);
  assert.ok(base.result.seen.includes('ontimeout:0'), JSON.stringify(base.result));
  assert.deepEqual(sdk.result, base.result);
  assert.deepEqual(sdk.pageErrors, []);
  await withPage({}, async ({ srv, page }) => {
    await page.evaluate(script);
    const [e] = await flushed(page, srv, (x) => x.event_type === 'resource' && x.type === 'xmlhttprequest' && x.url.endsWith('t=1'), 'the XHR that timed out');
    assert.equal(e.success, 0, JSON.stringify(e));
    assert.equal(e.message, 'Error: timeout', JSON.stringify(e));
    assert.ok(e.duration >= 140 && e.duration < 2000, 'duration up to the timeout: ' + e.duration);
  });
});

test('fetch and XHR patched by another library before the SDK loads, and fetch patched after init: every patch runs, the SDK reports', async () => {
  const head = `<script>
    window.libFetch = 0; window.libOpen = 0;
    const f = window.fetch;
    // Counts the page's calls only: the SDK sends its own batches with the fetch it found at init.
    const mine = (u) => !String(u && u.url || u).includes('/collect');
    window.fetch = function (u) { if (mine(u)) libFetch++; return f.apply(this, arguments); };
    const open = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function () { libOpen++; return open.apply(this, arguments); };
  </script>`;
  await withPage({ head }, async ({ srv, page, pageErrors }) => {
    const r = await page.evaluate(async () => {
      window.libFetch = 0; window.libOpen = 0; // the SDK's own .wasm download went through the library's fetch
      const mine = (u) => !String(u && u.url || u).includes('/collect');
      const out = {};
      out.before = await (await fetch('/api/ok?lib=before')).json();
      out.xhr = await new Promise((done) => { const x = new XMLHttpRequest(); x.open('GET', '/api/xhr?lib=before'); x.onload = () => done(x.responseText); x.send(); });
      window.libAfter = 0;
      const g = window.fetch;
      window.fetch = function (u) { if (mine(u)) window.libAfter++; return g.apply(this, arguments); };
      out.after = await (await fetch('/api/ok?lib=after')).json();
      out.counts = [window.libFetch, window.libOpen, window.libAfter];
      return out;
    });
    assert.deepEqual(r, { before: { ok: true }, xhr: '{"xhr":1}', after: { ok: true }, counts: [2, 1, 1] });
    const ev = await flushed(page, srv, (e) => e.event_type === 'resource' && /lib=/.test(e.url), 'the three calls');
    await until(() => srv.events().filter((e) => /lib=/.test(e.url || '')).length >= 3, 'all three calls', 3000).catch(() => {});
    const got = srv.events().filter((e) => /lib=/.test(e.url || '')).map((e) => e.type + ' ' + new URL(e.url).search).sort();
    assert.deepEqual(got, ['fetch ?lib=after', 'fetch ?lib=before', 'xmlhttprequest ?lib=before'], JSON.stringify(ev));
    // optOut with a library patched over the SDK: the library's patch stays and still works.
    const afterOptOut = await page.evaluate(async () => {
      const mine = window.fetch;
      window.RumSDK.default.optOut();
      const kept = window.fetch === mine;
      const body = await (await fetch('/api/ok?lib=optout')).json();
      return { kept, body, counts: [window.libFetch, window.libAfter] };
    });
    assert.deepEqual(afterOptOut, { kept: true, body: { ok: true }, counts: [3, 2] });
    assert.deepEqual(pageErrors, []);
  });
});

test('a page that overrides console.error before init: its override still runs, with the same this and arguments', async () => {
  const head = `<script>
    window.__seen = [];
    const o = console.error;
    console.error = function () { __seen.push({ self: this, args: Array.from(arguments) }); return o.apply(this, arguments); };
  </script>`;
  await withPage({ head }, async ({ srv, page, pageErrors, consoleMsgs }) => {
    const r = await page.evaluate(() => {
      const err = new RangeError('ranged');
      const obj = { k: 1 };
      // (Primitive extra arguments have their own test below.)
      const ret = console.error('msg %s', err, obj);
      const s = window.__seen[window.__seen.length - 1];
      return { ret, calls: window.__seen.length, self: s.self === console, n: s.args.length, fmt: s.args[0], err: s.args[1] === err, obj: s.args[2] === obj };
    });
    assert.deepEqual(r, { ret: undefined, calls: 1, self: true, n: 3, fmt: 'msg %s', err: true, obj: true });
    assert.equal(consoleMsgs.filter((m) => m.startsWith('error: msg ')).length, 1, 'printed once: ' + consoleMsgs.join('\n'));
    const [e] = await flushed(page, srv, (x) => x.event_type === 'exception' && x.source === 'console.error', 'the console.error event');
    assert.equal(e.name, 'ConsoleError');
    assert.match(e.message, /^msg %s /);
    assert.deepEqual(pageErrors, []);
  });
});

// The page's own work in the tests below: requests, a route change, a click, console.error.
const pageWork = async () => {
  const out = {};
  out.fetch = await (await fetch('/api/ok?w=1')).json();
  out.xhr = await new Promise((done) => { const x = new XMLHttpRequest(); x.open('POST', '/api/echo'); x.onload = () => done(JSON.parse(x.responseText).body); x.send('xhr-body'); });
  history.pushState({ s: 1 }, '', '/app/next?x=1');
  out.path = location.pathname + location.search;
  out.state = history.state;
  let clicked = 0;
  document.getElementById('b').addEventListener('click', () => { clicked++; });
  document.getElementById('b').click();
  out.clicked = clicked;
  console.error('page says %s', 'hello');
  history.back();
  await new Promise((r) => addEventListener('popstate', r, { once: true }));
  out.back = location.pathname;
  return out;
};
const EXPECTED_WORK = { fetch: { ok: true }, xhr: 'xhr-body', path: '/app/next?x=1', state: { s: 1 }, clicked: 1, back: '/p' };

test('errors thrown inside the SDK\'s own callbacks (parseViewName, parseResourceName, filters.resource, filters.exception) never reach the page', async () => {
  const boom = (where) => `function () { throw new Error('thrown in ${where}'); }`;
  const extra = `, parseViewName: ${boom('parseViewName')}, parseResourceName: ${boom('parseResourceName')},
    filters: {resource: [${boom('filters.resource')}], exception: [${boom('filters.exception')}]}`;
  const [base, sdk] = await baselineAndSdk({ extra }, pageWork);
  assert.deepEqual(base.result, EXPECTED_WORK);
  assert.deepEqual(sdk.result, base.result);
  assert.deepEqual(sdk.pageErrors, []);
  // And the SDK goes on: default names, nothing filtered.
  await withPage({ extra }, async ({ srv, page, pageErrors }) => {
    await page.evaluate(pageWork);
    await flushed(page, srv, (e) => e.event_type === 'resource' && e.url?.endsWith('/api/ok?w=1'), 'the fetch event');
    const pv = srv.events().filter((e) => e.type === 'pv').map((e) => e.name);
    assert.deepEqual(pv, ['/p', '/app/next', '/p']);
    assert.equal(srv.events().find((e) => e.url?.endsWith('/api/ok?w=1')).name, '/api/ok');
    assert.deepEqual(pageErrors, []);
  });
});

test('thrown/rejected/logged values that are neither Errors nor strings are reported, and the SDK keeps working', async () => {
  // Everyday values: a cross-origin "Script error." has no error object, libraries throw
  // strings, reject with numbers or nothing, and log numbers, booleans, null.
  const cases = {
    // [code, what the message must contain]
    'console.error string + Error': [`console.error('context:', new RangeError('ranged'))`, 'context: RangeError: ranged'],
    'console.error number': `console.error('page says %d', 7)`,
    'console.error boolean': `console.error('flag', true)`,
    'console.error null': `console.error('value', null)`,
    'console.error undefined': `console.error('value', undefined)`,
    'rejection number': `Promise.reject(42)`,
    'rejection undefined': `Promise.reject()`,
    'throw string': `setTimeout(() => { throw 'thrown string'; })`,
    'error event without error object': `dispatchEvent(new ErrorEvent('error', {message: 'boom from elsewhere', filename: 'http://x/a.js', lineno: 3, colno: 4}))`,
  };
  const problems = [];
  for (const [name, code] of Object.entries(cases)) {
    await withPage({}, async ({ srv, page }) => {
      await page.evaluate(`${Array.isArray(code) ? code[0] : code}; 1`);
      await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
      const sid = await page.evaluate(() => { window.RumSDK.default.sendCustom({ type: 'probe', name: 'after' }); return window.RumSDK.default.getSessionId(); });
      await hide(page);
      await until(() => srv.events().some((e) => e.type === 'probe'), 'probe', 3000).catch(() => {});
      const got = srv.events();
      const exc = got.filter((e) => e.event_type === 'exception');
      const want = Array.isArray(code) ? code[1] : null;
      if (!got.some((e) => e.type === 'probe')) {
        problems.push(`${name}: the SDK stopped — nothing more was sent (${srv.received.length} bundles in all, not even the pv), getSessionId() = '${sid}'`);
      } else if (exc.length !== 1) {
        problems.push(`${name}: expected one exception event, got ${JSON.stringify(exc.map(({ _bundle, ...e }) => e))}`);
      } else if (want && !exc[0].message.includes(want)) {
        problems.push(`${name}: message should read like the console line ('${want}'), got '${exc[0].message}'`);
      }
    });
  }
  assert.deepEqual(problems, []);
});

test('a beforeReport that throws never reaches the page', async () => {
  const extra = `, beforeReport: function () { throw new Error('thrown in beforeReport'); }`;
  await withPage({ extra }, async ({ page, pageErrors, srv }) => {
    assert.deepEqual(await page.evaluate(pageWork), EXPECTED_WORK);
    await hide(page);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 800)));
    assert.deepEqual(pageErrors, []);
    // The SDK's documented choice: a batch whose scrubbing failed is dropped, not sent unscrubbed.
    assert.equal(srv.received.length, 0);
  });
});

test('browser APIs the SDK relies on throwing (Request, performance.getEntriesByName): the page\'s calls still work', async () => {
  const head = `<script>
    // Another script broke these; the page's own code never uses them.
    performance.getEntriesByName = function () { throw new Error('broken getEntriesByName'); };
    window.Request = function () { throw new Error('broken Request'); };
  </script>`;
  const [base, sdk] = await baselineAndSdk({ head }, pageWork);
  assert.deepEqual(base.result, EXPECTED_WORK);
  assert.deepEqual(sdk.result, base.result);
  assert.deepEqual(sdk.pageErrors, []);
});

test('fetch settles with the very same Response (or error) the original settled with', async () => {
  const head = `<script>
    const f = window.fetch;
    window.__returned = [];
    window.fetch = function () {
      const p = f.apply(this, arguments);
      const rec = {};
      __returned.push(rec);
      p.then((r) => { rec.v = r; }, (e) => { rec.v = e; });
      return p;
    };
  </script>`;
  await withPage({ head }, async ({ page, pageErrors }) => {
    const r = await page.evaluate(async (other) => {
      const cases = {
        traced: () => fetch('/api/ok?same=1'),
        tracedWithInit: () => fetch('/api/echo', { method: 'POST', body: 'x', headers: { 'X-Custom': '1' } }),
        request: () => fetch(new Request('/api/ok?same=req')),
        crossOrigin: () => fetch(other + '/x'),
        refused: () => fetch('http://127.0.0.1:9/nope'),
      };
      const out = {};
      for (const [k, call] of Object.entries(cases)) {
        const p = call();
        const rec = window.__returned[window.__returned.length - 1];
        const v = await p.then((r) => r, (e) => e);
        out[k] = p instanceof Promise && v === rec.v;
      }
      return out;
    }, 'http://localhost:9');
    assert.deepEqual(r, { traced: true, tracedWithInit: true, request: true, crossOrigin: true, refused: true });
    assert.deepEqual(pageErrors, []);
  });
});

test('request arguments pass through untouched: method, body, headers, credentials, signal; trace headers only where allowed, never duplicated', async () => {
  // A second origin that allows simple CORS requests but not preflights: a trace header added
  // there would make the page's request fail.
  const other = [];
  const otherSrv = http.createServer((req, res) => {
    other.push({ method: req.method, headers: req.headers });
    if (req.method === 'OPTIONS') { res.writeHead(403); return res.end(); }
    res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
    res.end('other');
  });
  await new Promise((r) => otherSrv.listen(0, '127.0.0.1', r));
  const otherOrigin = 'http://localhost:' + otherSrv.address().port;
  const APP_TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const script = async ({ otherOrigin, APP_TP }) => {
    const echo = async (p) => { const r = await p; return r.json(); };
    const out = {};
    out.post = await echo(fetch('/api/echo', { method: 'POST', headers: { 'X-Custom': 'v1', 'Content-Type': 'application/json' }, body: '{"a":1}' }));
    out.request = await echo(fetch(new Request('/api/echo', { method: 'PUT', headers: { 'X-Custom': 'req' }, body: 'from a Request' })));
    out.requestPlusInit = await echo(fetch(new Request('/api/echo', { method: 'PUT', body: 'r' }), { method: 'PATCH', headers: { 'X-Custom': 'init' }, body: 'from init' }));
    const h = new Headers(); h.append('X-Custom', 'a'); h.append('X-Custom', 'b');
    out.form = await echo(fetch('/api/echo', { method: 'POST', headers: h, body: new URLSearchParams({ a: '1', b: 'two words' }) }));
    out.blob = await echo(fetch('/api/echo', { method: 'POST', body: new Blob(['blob-body'], { type: 'text/x-blob' }) }));
    out.ownTraceparent = await echo(fetch('/api/echo', { headers: { traceparent: APP_TP } }));
    document.cookie = 'c=1; path=/';
    out.omit = await echo(fetch('/api/echo', { credentials: 'omit' }));
    out.include = await echo(fetch('/api/echo'));
    const ac = new AbortController();
    const slow = fetch('/api/slow?ms=3000', { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    out.aborted = await slow.then(() => 'resolved', (e) => e.name);
    const pre = new AbortController(); pre.abort();
    out.preAborted = await fetch('/api/ok', { signal: pre.signal }).then(() => 'resolved', (e) => e.name);
    out.reqAborted = await fetch(new Request('/api/ok', { signal: pre.signal })).then(() => 'resolved', (e) => e.name);
    out.other = await fetch(otherOrigin + '/x').then((r) => r.text(), (e) => 'failed: ' + e);
    out.xhr = await new Promise((done) => {
      const x = new XMLHttpRequest();
      x.open('POST', '/api/echo');
      x.setRequestHeader('X-Custom', 'xhr');
      x.setRequestHeader('traceparent', APP_TP);
      x.onload = () => done(JSON.parse(x.responseText));
      x.send('xhr body');
    });
    out.xhrTraced = await new Promise((done) => {
      const x = new XMLHttpRequest();
      x.open('GET', '/api/echo');
      x.onload = () => done(JSON.parse(x.responseText));
      x.send();
    });
    return out;
  };
  const pick = (e) => ({ method: e.method, body: e.body, custom: e.headers['x-custom'], type: e.headers['content-type'], cookie: e.headers.cookie });
  try {
    const [base, sdk] = await baselineAndSdk({}, script, { otherOrigin, APP_TP });
    const b = base.result;
    const s = sdk.result;
    assert.deepEqual(pick(b.post), { method: 'POST', body: '{"a":1}', custom: 'v1', type: 'application/json', cookie: undefined });
    for (const k of ['post', 'request', 'requestPlusInit', 'form', 'blob', 'ownTraceparent', 'omit', 'include', 'xhr', 'xhrTraced']) {
      assert.deepEqual(pick(s[k]), pick(b[k]), k);
    }
    assert.equal(b.include.headers.cookie, 'c=1');
    assert.equal(s.omit.headers.cookie, undefined, 'credentials: omit kept');
    for (const k of ['aborted', 'preAborted', 'reqAborted', 'other']) assert.equal(s[k], b[k], k);
    assert.equal(s.aborted, 'AbortError');
    assert.equal(s.other, 'other');
    // Trace headers: ours on same-origin requests, the app's own never replaced or doubled.
    assert.match(s.post.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.match(s.xhrTraced.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(s.ownTraceparent.headers.traceparent, APP_TP);
    assert.equal(s.xhr.headers.traceparent, APP_TP);
    assert.ok(!other.some((r) => r.method === 'OPTIONS' || r.headers.traceparent || r.headers.tracestate), JSON.stringify(other));
    assert.deepEqual(sdk.pageErrors, []);
  } finally {
    await new Promise((r) => otherSrv.close(r));
  }
});

test('collectors switched off register nothing: fetch, XHR and console.error stay the originals, no error listeners, no such events', async () => {
  const extra = ', collectors: {api: false, jsError: false, action: false, consoleError: false}';
  await withPage({ extra }, async ({ srv, page, pageErrors }) => {
    const r = await page.evaluate(() => ({ same: window.__sameAsOrig(), listeners: window.__activeListeners(['error', 'unhandledrejection']) }));
    assert.deepEqual(r.same, { fetch: true, open: true, send: true, setRequestHeader: true, error: true, pushState: false, replaceState: false });
    assert.deepEqual(r.listeners, []);
    await page.evaluate(async () => {
      await fetch('/api/ok?off=1');
      await new Promise((done) => { const x = new XMLHttpRequest(); x.open('GET', '/api/xhr?off=1'); x.onloadend = done; x.send(); });
      console.error(new Error('off console'));
      setTimeout(() => { throw new Error('off thrown'); });
      Promise.reject(new Error('off rejected'));
      await new Promise((r) => setTimeout(r, 50));
    });
    await page.click('#b');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 400)));
    await hide(page);
    await until(() => srv.events().some((e) => e.type === 'pv'), 'the pv');
    await new Promise((r) => setTimeout(r, 500));
    const unwanted = srv.events().filter((e) => e.event_type === 'exception' || e.event_type === 'action'
      || (e.event_type === 'resource' && (e.type === 'fetch' || e.type === 'xmlhttprequest')));
    assert.deepEqual(unwanted.map(({ _bundle, ...e }) => e), []);
    assert.deepEqual(pageErrors.sort(), ['Error: off rejected', 'Error: off thrown']);
  });
});

test('optOut() restores the originals and removes the SDK\'s error listeners', async () => {
  await withPage({}, async ({ page, pageErrors }) => {
    const before = await page.evaluate(() => window.__sameAsOrig());
    assert.deepEqual(before, { fetch: false, open: false, send: false, setRequestHeader: false, error: false, pushState: false, replaceState: false });
    assert.ok((await page.evaluate(() => window.__activeListeners(['error', 'unhandledrejection']))).length > 0, 'the SDK listens while on');
    const r = await page.evaluate(async () => {
      window.RumSDK.default.optOut();
      await new Promise((done) => setTimeout(done, 0));
      return { same: window.__sameAsOrig(), listeners: window.__activeListeners(['error', 'unhandledrejection']), works: await (await fetch('/api/ok')).json() };
    });
    assert.deepEqual(r, {
      same: { fetch: true, open: true, send: true, setRequestHeader: true, error: true, pushState: true, replaceState: true },
      listeners: [],
      works: { ok: true },
    });
    assert.deepEqual(pageErrors, []);
  });
});
