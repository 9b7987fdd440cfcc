// Session replay in the page, in a real Chromium against a local server that keeps every
// request: the recorder loads only when a session records, segments arrive in rrweb's format
// with the wire contract's fields, what the user typed never leaves the page, and the modes
// (sampled, forced, buffer-on-error) do what the core decided.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { launch, startServer, scriptPage, until, hide, sleep } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const PASSWORD = 'hunter2-Sekret!';
const NAME = 'Zebediah Quartermaine';
const HIDDEN_TEXT = 'iban-DE89370400440532013000';
const EDITED = 'Typed into an editor';

const body = `
<h1 id="title">Checkout</h1>
<p data-rum-privacy="mask" id="masked">Masked words here</p>
<div data-rum-privacy="hidden" id="secret" style="width:120px;height:40px">${HIDDEN_TEXT}</div>
<form onsubmit="return false">
  <input id="name" name="fullname" type="text">
  <input id="pw" name="pw" type="password">
  <div data-rum-privacy="allow"><input id="promo" name="promo" type="text"></div>
  <div id="editor" contenteditable="true"></div>
  <button id="go" type="button">Pay</button>
</form>
<ul id="list"></ul>
<a id="help" href="/help?access_token=tok-SECRET-2&amp;lang=en">help</a>`;

const cfg = (origin, extra) => `{pid: 'replay-pid', endpoint: '${origin}/collect', spaMode: 'history'${extra}}`;

/** A server whose /replay keeps each segment (decoded as the collector will: gzip by header or magic bytes). */
async function withReplayPage(extra, fn) {
  const replays = [];
  const routes = {
    '/replay': (req, res, raw) => {
      const gz = raw[0] === 0x1f && raw[1] === 0x8b;
      const text = (gz ? zlib.gunzipSync(raw) : raw).toString('utf8');
      replays.push({ headers: req.headers, gz, text, json: JSON.parse(text) });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    },
  };
  const srv = await startServer({ pages: { '/shop/cart': (req) => scriptPage(cfg(`http://${req.headers.host}`, extra), body) }, routes });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = [];
  const requested = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requested.push(r.url()));
  try {
    await page.goto(srv.origin + '/shop/cart?token=tok-SECRET-1');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    await fn({ srv, page, replays, requested, errors });
  } finally {
    await ctx.close();
    await srv.close();
  }
}

const records = (replays) => replays.flatMap((r) => r.json.records);
const bySource = (replays, source) => records(replays).filter((e) => e.type === 3 && e.data.source === source);
/** Whether a mutation record (text change or added node) carries `text`. */
const mutated = (replays, text) => bySource(replays, 0).some((e) => JSON.stringify(e.data).includes(JSON.stringify(text)));
const recorderLoaded = (requested) => requested.some((u) => u.endsWith('/dist/rum-replay.js'));

async function userSession(page) {
  await page.evaluate(() => {
    for (let i = 0; i < 5; i++) {
      const li = document.createElement('li');
      li.textContent = 'item-added-' + i;
      document.getElementById('list').appendChild(li);
    }
    document.getElementById('title').setAttribute('class', 'changed');
  });
  await page.type('#pw', PASSWORD);
  await page.type('#name', NAME);
  await page.type('#promo', 'SPRING');
  await page.type('#editor', EDITED);
  // Values a script sets fire no input event: the recorder's setters see them.
  await page.evaluate(() => { document.getElementById('promo').value = 'AUTUMN'; document.getElementById('name').value = 'Scripted Zebediah'; });
  await page.click('#go');
  await page.evaluate(() => history.pushState({}, '', '/shop/pay'));
  await page.evaluate(() => { document.getElementById('title').textContent = 'Payment step'; });
}

function findNode(node, pred) {
  if (pred(node)) return node;
  for (const c of node.childNodes || []) {
    const f = findNode(c, pred);
    if (f) return f;
  }
  return null;
}

test('sessionReplaySampleRate 1: rrweb segments with the contract fields, a full snapshot per view, nothing typed leaves the page', async () => {
  await withReplayPage(', sessionReplaySampleRate: 1', async ({ srv, page, replays, requested, errors }) => {
    await until(() => replays.length, 'the first segment');
    await userSession(page);
    await sleep(700);
    await hide(page);
    await until(() => bySource(replays, 5).length && mutated(replays, 'Payment step'), 'the route change and the inputs');
    await until(() => srv.received.length, 'a bundle');
    assert.ok(recorderLoaded(requested));

    const sid = await page.evaluate(() => window.RumSDK.default.getSessionId());
    for (const r of replays) {
      const j = r.json;
      assert.deepEqual(Object.keys(j), ['pid', 'session_id', 'view_id', 'segment_id', 'seq', 'start', 'end', 'count', 'has_full_snapshot', 'source', 'records']);
      assert.equal(j.pid, 'replay-pid');
      assert.equal(j.session_id, sid);
      assert.match(j.view_id, /^[0-9a-f]{32}$/);
      assert.match(j.segment_id, /^[0-9a-f]{32}$/);
      assert.equal(j.source, 'sampled');
      assert.equal(j.count, j.records.length);
      assert.ok(j.start <= j.end);
      assert.equal(j.has_full_snapshot, j.records.some((e) => e.type === 2));
      for (const e of j.records) assert.deepEqual(Object.keys(e), ['type', 'data', 'timestamp']);
      assert.match(r.headers['content-type'], /^text\/plain;charset=UTF-8$/i);
    }
    assert.ok(replays.some((r) => r.gz && r.headers['content-encoding'] === 'gzip'), 'live segments are gzip-compressed');
    assert.equal(new Set(replays.map((r) => r.json.segment_id)).size, replays.length, 'segment ids are unique');
    assert.deepEqual(replays.map((r) => r.json.seq).sort((a, b) => a - b), replays.map((_, i) => i));

    // Both views (the load and the route change) begin with meta + full snapshot; the view ids
    // are the bundles' view ids.
    const views = [...new Set(replays.map((r) => r.json.view_id))];
    assert.equal(views.length, 2, 'one view id per route');
    const bundleViews = new Set(srv.events().map((e) => e.view.id));
    for (const v of views) {
      assert.ok(bundleViews.has(v), 'the view id is the bundles\' view id');
      const first = replays.filter((r) => r.json.view_id === v).sort((a, b) => a.json.seq - b.json.seq)[0];
      assert.deepEqual(first.json.records.slice(0, 2).map((e) => e.type), [4, 2], 'meta, then full snapshot');
    }
    const full = records(replays).find((e) => e.type === 2).data.node;
    assert.equal(full.type, 0, 'a Document node');
    const secret = findNode(full, (n) => n.attributes && n.attributes.id === undefined && n.needBlock);
    assert.ok(secret, 'the hidden element is a placeholder');
    assert.match(secret.attributes.rr_width, /^120(\.\d+)?px$/);
    assert.equal(secret.childNodes.length, 0);
    const masked = findNode(full, (n) => n.attributes && n.attributes.id === 'masked');
    assert.equal(masked.childNodes[0].textContent, 'xxxxxx xxxxx xxxx');

    // Mutations, input, click.
    const adds = bySource(replays, 0).flatMap((e) => e.data.adds);
    // One add per node, as rrweb's player takes them (it builds an add without its children):
    // the item, then its text with the item as parent.
    const li = adds.filter((a) => a.node.tagName === 'li');
    assert.ok(li.length >= 5 && li.every((a) => a.node.childNodes.length === 0), JSON.stringify(li[0]));
    assert.ok(adds.some((a) => a.node.type === 3 && a.node.textContent === 'item-added-4' && li.some((l) => l.node.id === a.parentId)));
    assert.ok(bySource(replays, 0).some((e) => e.data.attributes.some((a) => a.attributes.class === 'changed')));
    const inputs = bySource(replays, 5);
    assert.ok(inputs.every((e) => e.data.text === '***' || e.data.text === '' || /^S?P?R?I?N?G?$/.test(e.data.text) || e.data.text === 'AUTUMN'), JSON.stringify(inputs.map((e) => e.data.text)));
    assert.ok(inputs.some((e) => e.data.text === 'SPRING' && e.data.userTriggered), 'an allowed field is recorded');
    assert.ok(inputs.some((e) => e.data.text === 'AUTUMN' && e.data.userTriggered === false), 'a value the script set, as rrweb records it');
    assert.ok(bySource(replays, 2).some((e) => e.data.type === 2), 'the click');

    // Every body the SDK sent, decompressed: neither the password nor the name, nor hidden text.
    const all = [...replays.map((r) => r.text), ...srv.received.map((b) => b.text)].join('\n');
    for (const s of [PASSWORD, NAME, 'Zebediah', 'hunter2', HIDDEN_TEXT, 'Masked words', EDITED, 'Typed into', 'tok-SECRET']) assert.ok(!all.includes(s), 'leaked: ' + s);
    // URLs keep their shape, with the secrets' values redacted (the bundles' rule).
    const meta = records(replays).find((e) => e.type === 4).data;
    assert.equal(meta.href, srv.origin + '/shop/cart?token=[redacted]');
    const help = findNode(full, (n) => n.attributes && n.attributes.id === 'help');
    assert.equal(help.attributes.href, srv.origin + '/help?access_token=[redacted]&lang=en');
    assert.ok(all.includes('item-added-4'), 'the scan does see page text');
    assert.deepEqual(errors, []);
  });
});

test("the recorder's URLs are redacted by the core, by the config as it is now: the page's own names, then none after setConfig", async () => {
  // A pid that JSON must escape: the segments stay JSON.
  await withReplayPage(", sessionReplaySampleRate: 1, redactQueryParams: ['orderRef'], pid: 'q\"uo\\\\te'", async ({ page, replays, errors }) => {
    await until(() => replays.length, 'the first segment');
    const link = (id, href) => page.evaluate(([id, href]) => {
      const a = document.createElement('a');
      a.id = id;
      a.href = href;
      document.body.appendChild(a);
    }, [id, href]);
    await link('order-1', '/order?orderRef=ORDER-ONE&page=2');
    await sleep(700);
    // The developer allows the secrets explicitly: the recorder follows the core's config.
    await page.evaluate(() => window.RumSDK.default.setConfig('redactQueryParams', false));
    await link('order-2', '/order?orderRef=ORDER-TWO&token=t2');
    await sleep(700);
    await hide(page);
    const added = (id) => bySource(replays, 0).flatMap((e) => e.data.adds).find((a) => a.node.attributes?.id === id);
    await until(() => added('order-1') && added('order-2'), 'both links');
    const origin = new URL(page.url()).origin;
    assert.equal(added('order-1').node.attributes.href, origin + '/order?orderRef=[redacted]&page=2', "the config's own name");
    assert.equal(added('order-2').node.attributes.href, origin + '/order?orderRef=ORDER-TWO&token=t2', 'redaction turned off');
    const help = findNode(records(replays).find((e) => e.type === 2).data.node, (n) => n.attributes?.id === 'help');
    assert.equal(help.attributes.href, origin + '/help?access_token=[redacted]&lang=en', 'the built-in names too');
    assert.ok(!replays.some((r) => r.text.includes('ORDER-ONE')));
    assert.ok(replays.every((r) => r.json.pid === 'q"uo\\te'), replays[0].json.pid);
    assert.deepEqual(errors, []);
  });
});

test('sessionReplaySampleRate 0: no replay request, and the recorder file is never requested', async () => {
  await withReplayPage('', async ({ srv, page, replays, requested }) => {
    await userSession(page);
    await sleep(1200);
    await hide(page);
    await until(() => srv.received.length, 'a bundle');
    await sleep(300);
    assert.equal(replays.length, 0);
    assert.ok(!recorderLoaded(requested));
    assert.ok(!requested.some((u) => u.includes('rum_replay_bg.wasm')));
  });
});

test('force: records a sampled session not chosen (source "forced"); stop ends it', async () => {
  await withReplayPage('', async ({ page, replays, requested }) => {
    await sleep(300);
    assert.ok(!recorderLoaded(requested));
    await page.evaluate(() => window.RumSDK.default.startSessionReplayRecording({ force: true }));
    await until(() => replays.length, 'a forced segment');
    assert.ok(replays.every((r) => r.json.source === 'forced'));
    assert.ok(replays[0].json.has_full_snapshot);
    await page.evaluate(() => window.RumSDK.default.stopSessionReplayRecording());
    await sleep(700);
    const n = replays.length;
    await page.evaluate(() => { document.getElementById('title').textContent = 'after stop'; });
    await sleep(1200);
    await hide(page);
    await sleep(300);
    assert.equal(replays.length, n, 'nothing after stop');
  });
});

test('force never records a session that sampleRate left out', async () => {
  await withReplayPage(', sessionConfig: {sampleRate: 0}, sessionReplaySampleRate: 1', async ({ page, replays, requested }) => {
    await page.evaluate(() => window.RumSDK.default.startSessionReplayRecording({ force: true }));
    await userSession(page);
    await sleep(1200);
    await hide(page);
    await sleep(300);
    assert.equal(replays.length, 0);
    assert.ok(!recorderLoaded(requested));
  });
});

test('buffer mode: the seconds before a thrown error go out (source "buffer"), nothing without one', async () => {
  await withReplayPage(', sessionReplayBuffer: 10', async ({ page, replays, requested }) => {
    await until(() => requested.some((u) => u.endsWith('/dist/rum_replay_bg.wasm')), 'the recorder (buffering)');
    await sleep(500); // instantiated and recording
    await page.evaluate(() => { document.getElementById('title').textContent = 'before-the-error'; });
    await page.type('#name', NAME);
    await sleep(1500);
    assert.equal(replays.length, 0, 'nothing leaves while buffering');
    await page.evaluate(() => { setTimeout(() => { throw new Error('boom'); }); });
    await until(() => replays.length, 'the buffered segments');
    await sleep(500);
    assert.ok(replays.every((r) => r.json.source === 'buffer'));
    const first = replays.sort((a, b) => a.json.seq - b.json.seq)[0].json;
    assert.ok(first.has_full_snapshot, 'the upload starts with a full snapshot');
    assert.ok(mutated(replays, 'before-the-error'), 'the change before the error');
    const all = replays.map((r) => r.text).join('\n');
    assert.ok(!all.includes(NAME));
  });
  await withReplayPage(', sessionReplayBuffer: true', async ({ page, replays, requested }) => {
    await until(() => recorderLoaded(requested), 'the recorder (buffering)');
    await page.evaluate(() => { document.getElementById('title').textContent = 'no error here'; });
    await sleep(1200);
    await hide(page);
    await sleep(500);
    assert.equal(replays.length, 0, 'no error, no upload');
  });
});

test('opt-out stops recording and drops what waits', async () => {
  await withReplayPage(', sessionReplaySampleRate: 1', async ({ page, replays }) => {
    await until(() => replays.length, 'the first segment');
    await page.evaluate(() => window.RumSDK.default.optOut());
    await sleep(300);
    const n = replays.length;
    await page.evaluate(() => { document.getElementById('title').textContent = 'after opt-out'; });
    await sleep(1200);
    await hide(page);
    await sleep(300);
    assert.equal(replays.length, n);
    assert.ok(!replays.some((r) => r.text.includes('after opt-out')));
  });
});
