// The persisted outbox is bounded per origin, across tabs (issue 17): several tabs of one site
// with the endpoint down keep at most `delivery.maxPersistBytes` between them in localStorage
// (a tab always keeps its newest bundle and the one in flight: bundles are never split; and the
// bound is at least one bundle's 60,000 bytes), each tab's oldest bundles dropped first,
// and what was dropped is counted in `dropped_batches` of the tab's next bundle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, scriptPage, until } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const QUIET = 'collectors: {perf: false, webVitals: false, api: false, staticResource: false, jsError: false, consoleError: false, action: false}';
const MAX = 60000;
const cfg = (origin) => `{pid: 'bound-pid', endpoint: '${origin}/collect', reportConfig: {flushTime: 100, maxEventCount: 5},
  delivery: {maxPersistBytes: ${MAX}}, ${QUIET}}`;
const outbox = (p) => p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('_rum_wasm_outbox:'))
  .map((k) => localStorage.getItem(k)));

test('three tabs, endpoint down: the origin keeps at most maxPersistBytes, oldest dropped first, and the drops are counted', async () => {
  const srv = await startServer({ pages: { '/p': (req) => scriptPage(cfg('http://' + req.headers.host)) } });
  const ctx = await browser.newContext();
  const errors = [];
  try {
    srv.control.status = 'down';
    const tabs = [];
    for (let t = 0; t < 3; t++) {
      const p = await ctx.newPage();
      p.on('pageerror', (e) => errors.push(String(e)));
      await p.goto(srv.origin + '/p');
      assert.equal(await p.evaluate(() => window.RumSDK.default.ready), true);
      tabs.push(p);
    }
    // Each tab: 60 events of about 1 KB in bundles of 5, about 60 KB a tab, 180 KB in all.
    const pad = 'x'.repeat(1000);
    for (let t = 0; t < 3; t++) {
      await tabs[t].evaluate(({ t, pad }) => {
        for (let i = 0; i < 60; i++) window.RumSDK.default.sendCustom({ type: 'bound', name: `t${t}-e${String(i).padStart(2, '0')}-${pad}` });
        window.RumSDK.default.flush();
      }, { t, pad });
    }
    // Every failed attempt persists (and bounds) the tab's outbox; wait until all three have.
    await until(async () => (await outbox(tabs[0])).length === 3, 'three outbox keys', 10000);
    await new Promise((r) => setTimeout(r, 3500)); // a few retries each (1 s, 2 s backoff)
    const stored = await outbox(tabs[0]);
    const total = stored.reduce((n, v) => n + v.length, 0);
    const biggestBundle = Math.max(...stored.flatMap((v) => v.split('\n').map((l) => l.length)));
    assert.ok(total <= MAX + 3 * 2 * biggestBundle, `origin total ${total} over ${MAX} + two bundles a tab (${biggestBundle})`);
    assert.ok(total < 180000 / 2, `origin total ${total}`);
    // Within each tab, what stays is its newest: the last event of every tab is kept.
    for (let t = 0; t < 3; t++) {
      const mine = stored.find((v) => v.includes(`"t${t}-e`));
      assert.ok(mine && mine.includes(`t${t}-e59-`), `tab ${t} kept its newest bundle`);
    }
    const dropped = stored.join('\n');
    assert.ok(!dropped.includes('t0-e00-') || !dropped.includes('t1-e00-') || !dropped.includes('t2-e00-'), 'some oldest bundles were dropped');
    // Up again: what is left arrives, and the drops are counted in the next bundles.
    srv.control.status = 200;
    for (const p of tabs) await p.evaluate(() => { window.RumSDK.default.sendCustom({ type: 'bound', name: 'after' }); window.RumSDK.default.flush(); });
    await until(() => srv.received.filter((b) => b.json?.events.some((e) => e.name === 'after')).length === 3, 'each tab\'s next bundle', 70000);
    const counted = srv.received.reduce((n, b) => n + (b.json?.dropped_batches || 0), 0);
    assert.ok(counted > 0, 'dropped_batches reported');
    const names = new Set(srv.events().filter((e) => e.type === 'bound').map((e) => e.name));
    // Nothing that was persisted was lost: every event still in storage arrived.
    for (const v of stored) for (const m of v.matchAll(/"name":"(t\d-e\d\d-x+)"/g)) assert.ok(names.has(m[1]), m[1].slice(0, 8) + ' arrived');
    // Nothing went uncounted: a dropped bundle holds at most 5 events, so what arrived plus five
    // times what was counted covers all 180.
    const arrived = [...names].filter((n) => n !== 'after').length;
    assert.ok(arrived + 5 * counted >= 180, `${arrived} events arrived, ${counted} bundles counted as dropped`);
    assert.ok(arrived < 180, 'some were dropped');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
    await srv.close();
  }
});
