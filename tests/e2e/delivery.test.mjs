// Delivery that loses nothing (issue 5), in a real Chromium against the harness endpoint, whose
// answers the tests switch (`control.status`: 200, a status code, or 'down' = connection reset).
// The harness endpoint does not de-duplicate: "exactly once" is checked on what it accepted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, scriptPage, until, hide, show, consoleOf, rumWarnings, sleep } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Only the page view and the test's own events: nothing automatic to count around them.
const QUIET = 'collectors: {perf: false, webVitals: false, api: false, staticResource: false, jsError: false, consoleError: false, action: false}';
const cfg = (origin, extra = '', endpoint = '/collect') =>
  `{pid: 'dlv-pid', endpoint: '${origin}${endpoint}', reportConfig: {flushTime: 200}, ${QUIET}${extra}}`;
const page = (extra = '', endpoint) => (req) => scriptPage(cfg('http://' + req.headers.host, extra, endpoint));

async function withPage(fn, { pages = {}, routes = {}, init } = {}) {
  const srv = await startServer({ pages: { '/p': page(), ...pages }, routes });
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  if (init) await p.addInitScript(init);
  const msgs = consoleOf(p);
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  try {
    await fn({ srv, page: p, ctx, msgs, errors });
  } finally {
    await ctx.close();
    await srv.close();
  }
}

const custom = (p, names) => p.evaluate((ns) => { for (const n of ns) window.RumSDK.default.sendCustom({ type: 'dlv', name: n }); }, names);
const flush = (p) => p.evaluate(() => window.RumSDK.default.flush());
/** How often each custom event name was accepted. */
function counts(srv) {
  const c = {};
  for (const e of srv.events()) if (e.type === 'dlv') c[e.name] = (c[e.name] || 0) + 1;
  return c;
}
const have = (srv, names) => names.every((n) => counts(srv)[n] >= 1);
function assertEachOnce(srv, names) {
  const c = counts(srv);
  for (const n of names) assert.equal(c[n], 1, `event '${n.slice(0, 40)}' accepted ${c[n] || 0} times`);
}
/** No event_id accepted twice (the harness endpoint keeps duplicates). */
function assertNoDuplicateIds(srv) {
  const seen = new Map();
  for (const e of srv.events()) seen.set(e.event_id, (seen.get(e.event_id) || 0) + 1);
  const dups = [...seen].filter(([, n]) => n > 1);
  assert.deepEqual(dups, [], 'event_ids accepted more than once: ' + JSON.stringify(dups));
  assert.equal(seen.size, srv.events().length);
}
const pvs = (srv) => srv.events().filter((e) => e.type === 'pv');
const outboxKeys = (p) => p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('_rum_wasm_outbox:'))
  .map((k) => [k, localStorage.getItem(k)]));

test('endpoint down for a while then up: every event arrives exactly once', async () => {
  await withPage(async ({ srv, page: p, errors }) => {
    srv.control.status = 'down';
    await p.goto(srv.origin + '/p');
    await custom(p, ['d1', 'd2', 'd3']);
    await flush(p);
    await until(() => srv.control.hits >= 2, 'two failed attempts (first retry)', 8000);
    await custom(p, ['d4', 'd5']);
    await flush(p);
    await sleep(300);
    assert.equal(srv.received.length, 0);
    srv.control.status = 200;
    const names = ['d1', 'd2', 'd3', 'd4', 'd5'];
    await until(() => have(srv, names) && pvs(srv).length >= 1, 'all events after the endpoint is up', 15000);
    await sleep(1000); // anything sent twice would show up now
    assertEachOnce(srv, names);
    assert.equal(pvs(srv).length, 1, 'one page view');
    assertNoDuplicateIds(srv);
    // Order within the session is kept.
    const order = srv.events().filter((e) => e.type === 'dlv').map((e) => e.name);
    assert.deepEqual(order, names);
    assert.deepEqual(errors, []);
  });
});

test('500 then 200: the same bundle is retried and delivered; 429 with Retry-After: 2 waits ~2 s', async () => {
  await withPage(async ({ srv, page: p }) => {
    srv.control.status = 500;
    await p.goto(srv.origin + '/p');
    await custom(p, ['r1']);
    await flush(p);
    await until(() => srv.control.attempts.some((a) => a.status === 500 && a.text.includes('"r1"')), 'r1 refused with 500', 8000);
    srv.control.status = 200;
    // Generous: under load the page may have been refused more than once before the switch to
    // 200, and each refusal doubles the backoff (1, 2, 4, 8 s); only the delivery is asserted here.
    await until(() => have(srv, ['r1']), 'r1 retried and delivered', 20000);
    await sleep(300);
    // Every refused body was delivered later, byte for byte: the same bundle, retried.
    const delivered = new Set(srv.received.map((b) => b.text));
    for (const a of srv.control.attempts.filter((x) => x.status === 500)) {
      assert.ok(delivered.has(a.text), 'a bundle refused with 500 was not delivered as it was: ' + a.text.slice(0, 200));
    }
    assertEachOnce(srv, ['r1']);

    srv.control.status = 429;
    srv.control.retryAfter = 2;
    const before429 = srv.control.attempts.length;
    await custom(p, ['r2']);
    await flush(p);
    const first = await until(() => srv.control.attempts.slice(before429).find((a) => a.text.includes('"r2"')), 'r2 sent', 5000);
    assert.equal(first.status, 429);
    srv.control.status = 200;
    srv.control.retryAfter = null;
    await until(() => have(srv, ['r2']), 'r2 delivered after Retry-After', 8000);
    const next = srv.control.attempts.slice(before429).filter((a) => a.at > first.at);
    assert.ok(next.length >= 1);
    const wait = next[0].at - first.at;
    assert.ok(wait >= 1950, `retried ${wait} ms after a 429 with Retry-After: 2`);
    assert.ok(wait < 4000, `Retry-After: 2 honoured, not a much longer backoff (${wait} ms)`);
    assertEachOnce(srv, ['r1', 'r2']);
    assertNoDuplicateIds(srv);
  });
});

test('400: dropped with exactly one warning naming HTTP 400; later events flow once the endpoint answers 200', async () => {
  await withPage(async ({ srv, page: p, msgs }) => {
    srv.control.status = 400;
    await p.goto(srv.origin + '/p');
    await custom(p, ['bad1']);
    await flush(p);
    await until(() => srv.control.attempts.some((a) => a.text.includes('"bad1"')), 'bad1 sent', 5000);
    await custom(p, ['bad2']);
    await flush(p);
    await until(() => srv.control.attempts.some((a) => a.text.includes('"bad2"')), 'bad2 sent', 5000);
    await sleep(1500); // a retry (0.5-1 s backoff) would show now
    const tries = srv.control.attempts.filter((a) => a.text.includes('"bad1"')).length;
    assert.equal(tries, 1, 'a 400 is never retried');
    srv.control.status = 200;
    await custom(p, ['good']);
    await flush(p);
    await until(() => have(srv, ['good']), 'good delivered', 5000);
    await sleep(300);
    assert.equal(counts(srv).bad1, undefined);
    assert.equal(counts(srv).bad2, undefined);
    assertEachOnce(srv, ['good']);
    const w = rumWarnings(msgs);
    assert.equal(w.filter((m) => m.includes('HTTP 400')).length, 1, 'warnings: ' + JSON.stringify(w));
    assert.equal(w.length, 1, 'one warning in all: ' + JSON.stringify(w));
  });
});

test('reload while the endpoint is down: the events from before the reload arrive after it, and the persisted key is gone', async () => {
  await withPage(async ({ srv, page: p }) => {
    srv.control.status = 'down';
    await p.goto(srv.origin + '/p');
    const names = ['before1', 'before2', 'before3'];
    await custom(p, names);
    await flush(p);
    await until(() => srv.control.attempts.some((a) => a.text.includes('"before1"')), 'a failed attempt', 5000);
    const persisted = await until(async () => {
      const keys = await outboxKeys(p);
      return keys.some(([, v]) => v.includes('"before3"')) && keys;
    }, 'the unsent bundles persisted under _rum_wasm_outbox:*', 5000);
    assert.equal(persisted.length, 1);
    // What the next page finds in localStorage before the SDK runs (evidence when this fails).
    await p.addInitScript(() => {
      window.__outboxAtStart = Object.keys(localStorage).filter((k) => k.startsWith('_rum_wasm_outbox:'))
        .map((k) => k + ' = ' + localStorage.getItem(k).slice(0, 120));
    });
    await p.reload({ waitUntil: 'load' }); // still down while the page goes away
    await sleep(500);
    srv.control.status = 200;
    await custom(p, ['after1']);
    await flush(p);
    await until(() => have(srv, ['after1']), 'the new page delivers', 8000);
    try {
      await until(() => have(srv, names), 'the events from before the reload', 8000);
    } finally {
      const got = srv.received.map((b) => b.json?.events.map((e) => e.type + ':' + (e.name || '')));
      const tried = srv.control.attempts.map((a) => `${a.status} ${a.headers['sec-fetch-mode'] || ''} ${(a.text.match(/"before\d"/g) || []).join(',')}`);
      console.log('  accepted bundles:', JSON.stringify(got), '\n  attempts (status, sec-fetch-mode, events):', JSON.stringify(tried),
        '\n  outbox keys before the reload:', JSON.stringify(persisted.map(([k, v]) => k + ' = ' + v.slice(0, 120))),
        '\n  outbox keys at the start of the next page:', JSON.stringify(await p.evaluate(() => window.__outboxAtStart)));
    }
    await sleep(500);
    assertEachOnce(srv, [...names, 'after1']);
    assert.equal(pvs(srv).length, 2, 'one page view per load');
    assertNoDuplicateIds(srv);
    await until(async () => (await outboxKeys(p)).length === 0, 'no _rum_wasm_outbox:* key left', 5000);
  });
});

test('two tabs with the persisted bundles of a third, closed tab: the orphans arrive exactly once, each tab\'s own once', async () => {
  const dead = (req) => req.socket.destroy();
  await withPage(async ({ srv, page: c, ctx }) => {
    // Tab C sends to an endpoint that is always down, so its bundles are persisted.
    await c.goto(srv.origin + '/c');
    await custom(c, ['orphan1', 'orphan2']);
    await c.evaluate(() => window.RumSDK.default.flush());
    const [[, value]] = await until(async () => {
      const keys = await outboxKeys(c);
      return keys.length === 1 && keys[0][1].includes('"orphan2"') && keys;
    }, "tab C's persisted bundles", 5000);
    await c.close();
    // Tab C is gone without a chance to send (a killed tab): its bundles stay under its key.
    const blank = await ctx.newPage();
    await blank.goto(srv.origin + '/blank');
    await blank.evaluate((v) => {
      for (const k of Object.keys(localStorage)) if (k.startsWith('_rum_wasm_outbox:')) localStorage.removeItem(k);
      localStorage.setItem('_rum_wasm_outbox:c10sed00', v);
    }, value);
    await blank.close();
    const [a, b] = await Promise.all([ctx.newPage(), ctx.newPage()]);
    await Promise.all([a.goto(srv.origin + '/p'), b.goto(srv.origin + '/p')]);
    await custom(a, ['tab-a']);
    await custom(b, ['tab-b']);
    await Promise.all([flush(a), flush(b)]);
    const names = ['orphan1', 'orphan2', 'tab-a', 'tab-b'];
    await until(() => have(srv, names), 'orphans and both tabs\' events', 8000);
    await sleep(1500);
    assertEachOnce(srv, names);
    assertNoDuplicateIds(srv);
    assert.equal(pvs(srv).filter((e) => e.view.name === '/p').length, 2, 'one page view per tab');
    assert.deepEqual(await outboxKeys(a), []);
  }, {
    pages: { '/c': page('', '/dead'), '/blank': '<!doctype html><title>blank</title>' },
    routes: { '/dead': dead },
  });
});

test('over 64 KB at hide: bundles under 60 000 bytes each, and every event arrives', async () => {
  const extra = ', reportConfig: {flushTime: 30000, maxEventCount: 100}';
  await withPage(async ({ srv, page: p }) => {
    await p.goto(srv.origin + '/big');
    const names = Array.from({ length: 80 }, (_, i) => `big${String(i).padStart(2, '0')}-` + 'x'.repeat(1000));
    await custom(p, names);
    await hide(p);
    let stage = 'hidden';
    try {
      await until(() => have(srv, names), 'all 80 events after hide', 6000);
    } catch {
      stage = 'shown';
      await show(p);
      await flush(p);
      try {
        await until(() => have(srv, names), 'all 80 events after show', 6000);
      } catch {
        stage = 'reloaded';
        await p.reload({ waitUntil: 'load' });
        await until(() => have(srv, names), `all 80 events after reload (have ${Object.keys(counts(srv)).length})`, 8000);
      }
    }
    await sleep(500);
    const sizes = srv.control.attempts.map((a) => Buffer.byteLength(a.text));
    console.log(`  complete when ${stage}; request sizes: ${sizes.join(', ')}`);
    assert.ok(srv.received.length >= 2, 'more than 64 KB is split');
    for (const s of sizes) assert.ok(s < 60000, `a request of ${s} bytes`);
    assertEachOnce(srv, names);
    assertNoDuplicateIds(srv);
  }, { pages: { '/big': page(extra) } });
});

test('compress: true sends Content-Encoding: gzip and the events are intact', async () => {
  await withPage(async ({ srv, page: p }) => {
    await p.goto(srv.origin + '/z');
    const names = ['zip-1', 'naïve ✓ 日本語 "quoted" \\ back', 'y'.repeat(2000)];
    await custom(p, names);
    await flush(p);
    await until(() => have(srv, names), 'the compressed events', 5000);
    const bundles = srv.received.filter((b) => b.json?.events.some((e) => e.type === 'dlv'));
    assert.ok(bundles.length >= 1);
    for (const b of bundles) assert.equal(b.headers['content-encoding'], 'gzip');
    assertEachOnce(srv, names);
    assert.equal(pvs(srv).length, 1);
  }, { pages: { '/z': page(', compress: true') } });
});

test('storage full: the SDK still sends (in memory) and says so once', async () => {
  const init = () => {
    Storage.prototype.setItem = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
  };
  await withPage(async ({ srv, page: p, msgs, errors }) => {
    srv.control.status = 500; // a retry makes the SDK try to persist the outbox
    await p.goto(srv.origin + '/p');
    await custom(p, ['mem1', 'mem2']);
    await flush(p);
    // Any refused bundle: the page view's alone when its 200 ms flush came before these two
    // (then theirs waits behind it, in order, and would not be tried while it keeps failing).
    await until(() => srv.control.attempts.length > 0, 'a refused attempt', 5000);
    srv.control.status = 200;
    await until(() => have(srv, ['mem1', 'mem2']), 'delivered from memory', 8000);
    await hide(p);
    await show(p);
    await custom(p, ['mem3']);
    await flush(p);
    await until(() => have(srv, ['mem3']), 'mem3', 5000);
    assertEachOnce(srv, ['mem1', 'mem2', 'mem3']);
    assert.equal(await p.evaluate(() => localStorage.length), 0, 'nothing could be stored');
    const w = rumWarnings(msgs);
    assert.equal(w.length, 1, 'one warning: ' + JSON.stringify(w));
    assert.match(w[0], /storage|memory/i);
    assert.deepEqual(errors, []);
  }, { init });
});
