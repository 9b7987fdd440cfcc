// What happens in a page's last moments is delivered, and deferred work keeps its order (issue
// 14's hot path: hooks only record facts; reports are built a task later, and API calls wait
// up to 200 ms for their resource timing entry).
// - A page that leaves right after an XHR, a fetch, a click and an error: every one of them is
//   in a bundle (the API calls used to be lost: their report was built on a 200 ms timer that
//   the unload cancelled).
// - A click whose handler changes the route: the click belongs to the page it happened on, a
//   request started after the change to the new page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, scriptPage, until, sleep } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const cfg = (origin) => `{ pid: 'exit-pid', endpoint: '${origin}/collect', spaMode: 'history', collectors: { api: true, action: true, jsError: true } }`;

const page1 = `<button id="go" type="button">Leave now</button>
<script>
  document.getElementById('go').addEventListener('click', () => {
    const x = new XMLHttpRequest();
    x.open('GET', '/api/ok?who=xhr-last');
    x.onload = () => {
      fetch('/api/ok?who=fetch-last').then((r) => r.text()).then(() => {
        setTimeout(() => { throw new Error('boom-before-leaving'); }, 0);
        setTimeout(() => location.assign('/exit/second'), 5);
      });
    };
    x.send();
  });
</script>`;

const spa = `<a id="nav" href="/spa/cart">Cart</a>
<script>
  document.getElementById('nav').addEventListener('click', (e) => {
    e.preventDefault();
    history.pushState({}, '', '/spa/cart');
    fetch('/api/ok?who=after-route');
  });
</script>`;

async function run(pages, steps) {
  const srv = await startServer({ pages });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  try {
    return await steps(page, srv);
  } finally {
    await ctx.close();
    await srv.close();
  }
}

test('a page that leaves right after its calls end delivers the XHR, the fetch, the click and the error', async () => {
  await run({
    '/exit/first': (req) => scriptPage(cfg(`http://${req.headers.host}`), page1),
    '/exit/second': (req) => scriptPage(cfg(`http://${req.headers.host}`), '<p>second</p>'),
  }, async (page, srv) => {
    await page.goto(srv.origin + '/exit/first');
    await page.waitForFunction(() => window.RumSDK && window.RumSDK.default.ready);
    await page.evaluate(() => window.RumSDK.default.ready);
    await page.click('#go');
    await page.waitForURL('**/exit/second');
    const want = (e) => e.event_type === 'resource' && /who=(xhr|fetch)-last/.test(e.url || '');
    await until(() => srv.events().filter(want).length >= 2, 'both API events of the page that left', 15000).catch(() => {});
    const ev = srv.events();
    const api = ev.filter(want).map((e) => e.url.replace(/^.*who=/, ''));
    assert.deepEqual(api.sort(), ['fetch-last', 'xhr-last'], 'API events: ' + JSON.stringify(ev.map((e) => [e.event_type, e.type, e.name])));
    for (const e of ev.filter(want)) {
      assert.equal(e.view.name, '/exit/first', 'an API call belongs to the page it started on');
      assert.equal(e.status_code, 200);
    }
    assert.ok(ev.some((e) => e.event_type === 'action' && /Leave now/.test(e.name)), 'the click');
    await until(() => srv.events().some((e) => e.event_type === 'exception' && /boom-before-leaving/.test(e.message)), 'the error thrown before leaving', 10000);
  });
});

test('a click that changes the route belongs to the page it happened on; the request after the change to the new page', async () => {
  await run({ '/spa/home': (req) => scriptPage(cfg(`http://${req.headers.host}`), spa) }, async (page, srv) => {
    await page.goto(srv.origin + '/spa/home');
    await page.evaluate(() => window.RumSDK.default.ready);
    await page.click('#nav');
    await page.waitForURL('**/spa/cart');
    await sleep(400); // the API report waits up to 200 ms for its timing entry
    await page.evaluate(() => window.RumSDK.default.flush());
    await until(() => srv.events().some((e) => e.event_type === 'resource' && /after-route/.test(e.url || '')), 'the request after the route change');
    const ev = srv.events();
    const click = ev.find((e) => e.event_type === 'action' && /Cart/.test(e.name));
    assert.ok(click, 'the click');
    assert.equal(click.view.name, '/spa/home');
    const call = ev.find((e) => e.event_type === 'resource' && /after-route/.test(e.url || ''));
    assert.equal(call.view.name, '/spa/cart');
    const views = ev.filter((e) => e.event_type === 'view' && e.type === 'pv').map((e) => e.view.name);
    assert.deepEqual(views, ['/spa/home', '/spa/cart']);
  });
});
