// Errors that happen before the wasm is ready are not lost; evaluateApi refines API events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer, until, hide } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('errors and rejections thrown before the wasm is ready are buffered and reported after init', async () => {
  const srv = await startServer({
    pages: {
      '/early': (req) => `<!doctype html><script type="module">
        import armsRum from '/dist/index.js';
        armsRum.init({ pid: 'early', endpoint: 'http://${req.headers.host}/collect', reportConfig: { flushTime: 300 } });
        window.armsRum = armsRum;
        setTimeout(() => { throw new Error('early boom'); });
        Promise.reject(new Error('early rejection'));
        Promise.reject('early plain string');
      </script>`,
    },
  });
  const page = await browser.newPage();
  try {
    await page.goto(srv.origin + '/early');
    const wasReady = await page.evaluate(() => window.armsRum.ready);
    assert.equal(wasReady, true);
    await until(() => srv.events().filter((e) => e.event_type === 'exception').length >= 3, 'three early errors', 8000);
    const ex = srv.events().filter((e) => e.event_type === 'exception');
    const by = Object.fromEntries(ex.map((e) => [e.message, e]));
    assert.equal(by['early boom'].source, 'onError');
    assert.ok(by['early boom'].line > 0);
    assert.equal(by['early rejection'].source, 'onUnhandledRejection');
    assert.equal(by['early rejection'].name, 'Error');
    assert.equal(by['early plain string'].source, 'onUnhandledRejection');
    assert.equal(by['early plain string'].name, 'UnhandledRejection');
  } finally {
    await page.close();
    await srv.close();
  }
});

test('evaluateApi can judge a call, rename it and add properties; the page still reads the body', async () => {
  const srv = await startServer({
    pages: {
      '/eval': (req) => `<!doctype html><script>
        window.__rum = { pid: 'eval', endpoint: 'http://${req.headers.host}/collect', reportConfig: { flushTime: 300 },
          evaluateApi: async (req, res, err) => {
            const body = res ? await res.json() : null;
            return { name: 'checked:' + new URL(req.url).pathname, success: body && body.ok ? 1 : 0, properties: { ok: String(body && body.ok) } };
          } };
      </script><script src="/dist/rum.js"></script>`,
    },
  });
  const page = await browser.newPage();
  try {
    await page.goto(srv.origin + '/eval');
    await page.evaluate(() => window.RumSDK.default.ready);
    const pageSaw = await page.evaluate(async () => (await (await fetch('/api/ok')).json()).ok);
    assert.equal(pageSaw, true, 'the page reads its own response body');
    await page.evaluate(async () => { const x = new XMLHttpRequest(); x.open('GET', '/api/fail'); await new Promise((r) => { x.onloadend = r; x.send(); }); });
    await hide(page);
    await until(() => srv.events().filter((e) => e.event_type === 'resource' && /^checked:/.test(e.name)).length >= 2, 'two judged calls', 8000);
    const api = srv.events().filter((e) => e.event_type === 'resource' && /^checked:/.test(e.name));
    const ok = api.find((e) => e.type === 'fetch');
    assert.equal(ok.name, 'checked:/api/ok');
    assert.equal(ok.success, 1);
    assert.deepEqual(ok.properties, { ok: 'true' });
    const xhr = api.find((e) => e.type === 'xmlhttprequest');
    assert.equal(xhr.success, 0);
    assert.equal(xhr.status_code, 500);
  } finally {
    await page.close();
    await srv.close();
  }
});
