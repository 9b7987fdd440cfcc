// Trace propagation (ARMS `tracing`). Which request is traced and with which headers is the
// core's decision (core::tracing, tested natively); the headers themselves come from the lazy
// dist/rum-trace.js (js/trace/), which only pages whose config has `tracing` load. Here: its
// formats in node, then in Chromium what the server receives with each propagator, the file
// loaded only when asked for, tracing turned on by setConfig, and a file that cannot load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../../js/trace/index.js';
import { B3, B3MULTI, BAGGAGE, JAEGER, TRACECONTEXT, TRACESTATE } from '../../js/trace/bits.js';
import { launch, startServer, scriptPage, until, consoleOf, rumWarnings, sleep } from './harness.mjs';

const answer = (bits) => JSON.stringify([bits, 'p@x', 's1', 'uid_1']);
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

test('the header formats of each propagator, from the core\'s answer', () => {
  const t = build(answer(TRACECONTEXT | TRACESTATE), 100);
  assert.deepEqual(Object.keys(t.h), ['traceparent', 'tracestate']);
  assert.match(t.id, HEX32);
  assert.match(t.span, HEX16);
  assert.equal(t.s, true);
  assert.equal(t.h.traceparent, `00-${t.id}-${t.span}-01`);
  assert.equal(t.h.tracestate, 'rum=v2&browser&p@x&s1&uid_1');
  assert.deepEqual(Object.keys(build(answer(TRACECONTEXT), 100).h), ['traceparent'], 'tracestate only when asked');

  const all = build(answer(B3 | B3MULTI | JAEGER | BAGGAGE), 100);
  assert.deepEqual(all.h, {
    b3: `${all.id}-${all.span}-1`,
    'X-B3-TraceId': all.id, 'X-B3-SpanId': all.span, 'X-B3-Sampled': '1',
    'uber-trace-id': `${all.id}:${all.span}:0:1`,
    baggage: 'rum=v2,appType=browser,pid=p@x,sid=s1,uid=uid_1',
  });
  // A tracestate bit without traceparent adds nothing; no header at all is no trace.
  assert.equal(build(answer(TRACESTATE), 100), undefined);

  // Sampling: 0 % marks every trace unsampled (the headers still go: the backend decides).
  const off = build(answer(TRACECONTEXT | B3MULTI | JAEGER), 0);
  assert.equal(off.s, false);
  assert.match(off.h.traceparent, /-00$/);
  assert.equal(off.h['X-B3-Sampled'], '0');
  assert.match(off.h['uber-trace-id'], /:0:0$/);
  const n = 2000;
  let sampled = 0;
  for (let i = 0; i < n; i++) sampled += build(answer(B3), 30).s;
  assert.ok(sampled > n * 0.25 && sampled < n * 0.35, `30 % sampled: ${sampled} of ${n}`);
});

test('trace ids are random, never start with 0 and have a non-zero 17th digit (ARMS)', () => {
  const ids = new Set();
  for (let i = 0; i < 500; i++) {
    const t = build(answer(TRACECONTEXT), 100);
    assert.match(t.id, HEX32);
    assert.notEqual(t.id[0], '0');
    assert.notEqual(t.id[16], '0');
    ids.add(t.id);
    ids.add(t.span);
  }
  assert.equal(ids.size, 1000, 'every id and span differs');
});

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const QUIET = 'perf: false, webVitals: false, staticResource: false, jsError: false, consoleError: false, action: false';
const config = (origin, extra) => `{pid: 'tr-pid', endpoint: '${origin}/collect', reportConfig: {flushTime: 200}, collectors: {${QUIET}}${extra}}`;

/** A page at `/p` with `extra` config; `seen` = the headers of each request to /api/seen/<n>. */
async function withPage(extra, fn, routes = {}) {
  const seen = {};
  const srv = await startServer({
    pages: { '/p': (req) => scriptPage(config('http://' + req.headers.host, extra)) },
    routes: {
      ...routes,
      '/api/seen': (req, res) => { seen[new URL(req.url, 'http://x').searchParams.get('n')] = req.headers; res.writeHead(200); res.end('{}'); },
    },
  });
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const msgs = consoleOf(p);
  const errors = [];
  const requested = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('request', (r) => requested.push(new URL(r.url()).pathname));
  try {
    await p.goto(srv.origin + '/p');
    await p.evaluate(() => window.RumSDK.default.ready);
    await fn({ srv, p, seen, msgs, errors, requested });
  } finally {
    await ctx.close();
    await srv.close();
  }
}

const call = (p, n, how = 'fetch') => p.evaluate(([n, how]) => (how === 'fetch'
  ? fetch('/api/seen?n=' + n).then((r) => r.text())
  : new Promise((res) => { const x = new XMLHttpRequest(); x.open('GET', '/api/seen?n=' + n); x.onloadend = res; x.send(); })), [n, how]);
const reported = (srv, n) => srv.events().find((e) => e.event_type === 'resource' && String(e.url).endsWith('/api/seen?n=' + n));

test('every propagator\'s headers reach the server, and the report names the trace', async () => {
  await withPage(", tracing: {propagatorTypes: ['tracecontext', 'b3', 'b3multi', 'jaeger'], baggage: true, sample: 100}", async ({ srv, p, seen, errors, requested }) => {
    assert.deepEqual(requested.filter((r) => r.includes('trace')), ['/dist/rum-trace.js'], 'loaded once');
    await call(p, 1);
    await call(p, 2, 'xhr');
    for (const n of ['1', '2']) {
      const h = seen[n];
      const [, id, span] = h.traceparent.split('-');
      assert.match(h.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, n);
      assert.equal(h.b3, `${id}-${span}-1`);
      assert.deepEqual([h['x-b3-traceid'], h['x-b3-spanid'], h['x-b3-sampled']], [id, span, '1']);
      assert.equal(h['uber-trace-id'], `${id}:${span}:0:1`);
      const sid = await p.evaluate(() => window.RumSDK.default.getSessionId());
      assert.match(h.tracestate, new RegExp(`^rum=v2&browser&tr-pid&${sid}&uid_`));
      assert.match(h.baggage, new RegExp(`^rum=v2,appType=browser,pid=tr-pid,sid=${sid},uid=uid_`));
      const e = await until(() => reported(srv, n), 'the report of call ' + n, 4000);
      assert.equal(e.trace_id, id);
      assert.deepEqual(JSON.parse(e.trace_data), { spanId: span, sample: 100, sampled: true, headers: {
        traceparent: h.traceparent, tracestate: h.tracestate, b3: h.b3, 'X-B3-TraceId': id, 'X-B3-SpanId': span,
        'X-B3-Sampled': '1', 'uber-trace-id': h['uber-trace-id'], baggage: h.baggage } });
    }
    assert.notEqual(seen['1'].traceparent, seen['2'].traceparent, 'a trace per request');
    assert.deepEqual(errors, []);
  });
});

test('without tracing the file is not loaded and no request gets a header; setConfig turns it on', async () => {
  await withPage('', async ({ srv, p, seen, errors, requested }) => {
    await call(p, 1);
    await until(() => reported(srv, 1), 'the untraced call\'s report', 4000);
    assert.equal(seen['1'].traceparent, undefined);
    assert.equal(reported(srv, 1).trace_id, undefined);
    assert.deepEqual(requested.filter((r) => r.includes('trace')), [], 'no tracing file without tracing');
    // Turned on later: the first request loads the builder (it goes untraced), later ones are traced.
    await p.evaluate(() => window.RumSDK.default.setConfig('tracing', true));
    await call(p, 2);
    await until(() => requested.includes('/dist/rum-trace.js'), 'the tracing file', 3000);
    await sleep(100);
    await call(p, 3);
    assert.match(seen['3'].traceparent || '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, JSON.stringify(seen['3']));
    assert.equal((await until(() => reported(srv, 3), 'the traced call\'s report', 4000)).trace_id, seen['3'].traceparent.split('-')[1]);
    assert.deepEqual(requested.filter((r) => r.includes('trace')), ['/dist/rum-trace.js']);
    assert.deepEqual(errors, []);
  });
});

test('the tracing file cannot load: one warning, requests go untraced and are still reported', async () => {
  const gone = (req, res) => { res.writeHead(404); res.end('gone'); };
  await withPage(', tracing: true', async ({ srv, p, seen, msgs, errors }) => {
    for (const n of [1, 2, 3]) await call(p, n, n === 2 ? 'xhr' : 'fetch');
    for (const n of ['1', '2', '3']) {
      assert.equal(seen[n].traceparent, undefined, n);
      const e = await until(() => reported(srv, n), 'the report of call ' + n, 4000);
      assert.equal(e.status_code, 200);
      assert.equal(e.trace_id, undefined);
    }
    const w = rumWarnings(msgs);
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.match(w[0], /no tracing/);
    assert.deepEqual(errors, []);
  }, { '/dist/rum-trace.js': gone });
});
