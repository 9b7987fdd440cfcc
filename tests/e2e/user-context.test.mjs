// Issue 13, SDK side: setUser / clearUser and setGlobalContextProperty /
// removeGlobalContextProperty (Datadog's and OpenObserve's names, beyond ARMS) in real Chromium
// against the real collector. The session rule is setConfig('user')'s: a login continues the
// anonymous visit's session, a logout keeps it, another user starts a new one. The bundles carry
// the user and the properties as set at that moment, and the collector finds the session by the
// app's user id and by a property's value.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, startCollector, scriptPage, until, hide } from './harness.mjs';

const APP_ID = 'app-ann-7';
const PLAN = 'gold-tier-e2e';
let browser, collector, site;

before(async () => {
  collector = await startCollector();
  const cfg = `{pid: 'e2e-user', endpoint: '${collector.origin}/collect', reportConfig: {flushTime: 100},
    collectors: {webVitals: false, perf: false, staticResource: false}}`;
  site = await startServer({ pages: { '/app': () => scriptPage(cfg, '<h1>app</h1>') } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

const api = (p) => collector.api(p);

test('setUser / clearUser keep setConfig(\'user\')\'s session rule; global context properties travel with the bundles and are searchable', async () => {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Every bundle the page sent to the collector, parsed.
    const bundles = [];
    page.on('request', (r) => {
      if (r.url() === collector.origin + '/collect' && r.postData()) bundles.push(JSON.parse(r.postData()));
    });
    const rum = (f, ...args) => page.evaluate(([f, args]) => window.RumSDK.default[f](...args), [f, args]);
    const sid = () => rum('getSessionId');
    const custom = (name) => rum('sendCustom', { type: 'ctx', name });
    const bundleWith = (name) => until(() => bundles.find((b) => b.events.some((e) => e.type === 'ctx' && e.name === name)), 'the bundle of ' + name);

    await page.goto(site.origin + '/app');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    const anonymous = await sid();

    await rum('setUser', { id: APP_ID, name: 'Ann Example', email: 'ann@example.com' });
    await rum('setGlobalContextProperty', 'plan', PLAN);
    await rum('setGlobalContextProperty', 'seats', 12);
    await custom('after-set');
    const set = await bundleWith('after-set');
    const ann = anonymous;
    assert.equal(set.session.id, ann, 'a login continues the anonymous visit');
    assert.equal(set.user.user_id, APP_ID);
    assert.equal(set.user.name, 'Ann Example');
    assert.equal(set.user.email, 'ann@example.com');
    assert.deepEqual(set.properties, { plan: PLAN, seats: 12 });

    await rum('removeGlobalContextProperty', 'seats');
    await custom('after-remove');
    const removed = await bundleWith('after-remove');
    assert.equal(removed.session.id, ann, 'a property change keeps the session');
    assert.deepEqual(removed.properties, { plan: PLAN });
    assert.deepEqual((await rum('getConfig')).properties, { plan: PLAN });

    await rum('clearUser');
    await custom('after-clear');
    const anon = await bundleWith('after-clear');
    assert.equal(anon.session.id, ann, 'a logout keeps the session');
    assert.equal(anon.user.user_id, undefined);
    assert.equal(anon.user.name, undefined);
    assert.match(anon.user.id, /^uid_/, 'the visitor id stays');

    await rum('setUser', { id: 'app-bob-8', name: 'Bob Example' });
    const bob = await until(async () => { const s = await sid(); return s !== ann && s; }, 'a new session for another user');
    await rum('removeGlobalContextProperty', 'plan');
    await custom('bob');
    const bobs = await bundleWith('bob');
    assert.equal(bobs.session.id, bob);
    assert.equal(bobs.user.user_id, 'app-bob-8');
    assert.equal(bobs.properties, undefined, 'no properties left');
    await hide(page);

    // The collector finds the user's session by the app's user id and by the property's value.
    await until(async () => (await api('/api/sessions?q=' + APP_ID)).total === 1, 'the session by app user id', 15000);
    assert.deepEqual((await api('/api/sessions?q=' + APP_ID)).sessions.map((s) => s.session_id), [ann]);
    const byPlan = await until(async () => { const r = await api('/api/sessions?text=' + PLAN); return r.total && r; }, 'the session by property', 15000);
    assert.ok(byPlan.sessions.some((s) => s.session_id === ann), JSON.stringify(byPlan.sessions.map((s) => s.session_id)));
    assert.ok(!byPlan.sessions.some((s) => s.session_id === bob), 'the next user\'s session has no match');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});
