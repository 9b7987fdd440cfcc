// Issue 11, what breaks in replay products (../shared/anchors/replay-asks.md), end to end: a
// page whose styles come from the CSSOM (CSS-in-JS's insertRule), a web component with an open
// shadow root, constructed style sheets and a field inside it, a shadow root attached after the
// recording started, and an element whose attribute a script changes thousands of times. Our
// recorder → the real collector → the console's rrweb player: the replayed page has the styles
// and the shadow content; what was typed inside the shadow root never left the page; the
// attribute storm is rate-limited per element. Same-origin iframes (loaded before the recording
// and added after it) replay with their documents, typing inside them masked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, launch, startServer, startCollector, scriptPage, until, hide, sleep } from './harness.mjs';

const OUT = path.join(ROOT, 'test-output');
const TYPED = 'Octavia-shadow-typed';

const body = `
<style id="cssinjs"></style>
<style>.bg { background: url(/bg.png?access_token=tok-SECRET-style) }</style>
<div class="bg" style="background-image: url('/x.png?signature=tok-SECRET-attr')">bg</div>
<h1 id="styled">Styled by insertRule</h1>
<x-card id="card"></x-card>
<div id="later"></div>
<div id="storm">storm</div>
<canvas id="plain" width="10" height="10"></canvas>
<button id="done" type="button">Done</button>
<script>
customElements.define('x-card', class extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('.inner { color: rgb(0, 128, 1); }');
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = '<p class="inner">Shadow text</p><input id="inside" name="nickname">';
  }
});
</script>`;

const framed = `
<iframe id="f1" src="/frame" style="width:400px;height:120px"></iframe>
<div id="slot"></div>
<button id="done" type="button">Done</button>`;

const canvasPage = `
<canvas id="cv" width="200" height="100"></canvas>
<canvas id="secret" data-rum-privacy="mask" width="50" height="50"></canvas>
<button id="done" type="button">Done</button>
<script>
window.paint = (id, color) => { const c = document.getElementById(id).getContext('2d'); c.fillStyle = color; c.fillRect(0, 0, 200, 100); };
paint('cv', 'rgb(220, 0, 0)');
paint('secret', 'rgb(0, 0, 220)');
</script>`;

let browser, collector, site;
before(async () => {
  collector = await startCollector();
  const cfg = `{pid: 'e2e-replay-dom', endpoint: '${collector.origin}/collect', sessionReplaySampleRate: 1}`;
  const canvasCfg = `{pid: 'e2e-replay-dom', endpoint: '${collector.origin}/collect', sessionReplaySampleRate: 1, sessionReplayCanvas: {fps: 4, quality: 0.9}}`;
  site = await startServer({
    pages: {
      '/dom': () => scriptPage(cfg, body),
      '/framed': () => scriptPage(cfg, framed),
      '/canvas': () => scriptPage(canvasCfg, canvasPage),
      '/frame': '<!doctype html><html><head><title>inner</title></head><body><p id="inner">Inside the frame</p><input id="fin" name="nick"></body></html>',
    },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

/** The stored recording of a session, or null while there is none. */
const replayOf = (sid) => collector.api(`/api/sessions/${sid}/replay`).catch(() => null);

/**
 * A page of the site, recording: its errors, every request body it sent that the browser shows
 * (decompressed; a compressed Blob body is not shown: the stored recording is what it carried),
 * its session, and the stored recording once the full snapshot is in.
 */
async function recording(ctx, path) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const sent = [];
  page.on('request', (r) => {
    const raw = r.url().startsWith(collector.origin) && r.postDataBuffer();
    if (raw) sent.push(((raw[0] === 0x1f && raw[1] === 0x8b) ? zlib.gunzipSync(raw) : raw).toString('utf8'));
  });
  await page.goto(site.origin + path);
  await page.waitForLoadState('load');
  assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
  const sid = await page.evaluate(() => window.RumSDK.default.getSessionId());
  const first = await until(async () => { const j = await replayOf(sid); return j?.records?.some((r) => r.type === 2) && j; }, 'the full snapshot', 15000);
  return { page, errors, sent, sid, first };
}

/** Every place what the SDK sent can be read: the bodies the browser shows, the stored recording and events. */
async function everythingSent(sent, sid) {
  const events = await collector.api(`/api/sessions/${sid}`).catch(() => null);
  return [...sent, JSON.stringify(await replayOf(sid)), JSON.stringify(events)].join('\n');
}

/** `read()` until `ok` of what it read holds; the last reading is in the error when it never does. */
async function readUntil(read, ok, what) {
  let seen;
  return until(async () => { const r = seen = await read(); return r && ok(r) && r; }, what, 20000)
    .catch((e) => { e.message += ' ' + JSON.stringify(seen); throw e; });
}

/** The player's screenshot, into test-output/. */
async function shot(con, file) {
  fs.mkdirSync(OUT, { recursive: true });
  await con.locator('[data-testid=replay]').screenshot({ path: path.join(OUT, file) });
}

/** The console, logged in, on the session's page, its player sought to the user's last click. */
async function playedToLastClick(ctx, sid) {
  const con = await ctx.newPage();
  await con.setExtraHTTPHeaders({ authorization: 'Bearer ' + collector.token });
  await con.goto(collector.origin + `/console/#/session/${sid}`);
  await con.waitForSelector('[data-testid=replay] .rr-player', { timeout: 15000 });
  await con.locator('[data-testid=path-event][data-type=click]').last().click();
  return con;
}

test('CSSOM rules, shadow roots and their adopted sheets replay in the console; typing inside a shadow root stays masked; an attribute storm is rate-limited', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  try {
    const { page, errors, sent, sid } = await recording(ctx, '/dom');

    await page.evaluate(() => {
      // CSS-in-JS: rules through the CSSOM, after the full snapshot.
      const sheet = document.getElementById('cssinjs').sheet;
      sheet.insertRule('#styled { color: rgb(200, 10, 20); }', 0);
      sheet.insertRule('#gone { color: red; }', 1);
      sheet.deleteRule(1);
      sheet.insertRule('.img { background: url("/img.png?token=tok-SECRET-rule&w=2") }', 1);
      // A shadow root attached after the snapshot, filled later.
      const root = document.getElementById('later').attachShadow({ mode: 'open' });
      root.innerHTML = '<span class="late">Late shadow text</span>';
    });
    // One element's attribute, 400 times, each in a task of its own (as an animation would):
    // each is a mutation batch of its own.
    const stormMs = await page.evaluate(async () => {
      const storm = document.getElementById('storm');
      const t0 = performance.now();
      for (let i = 0; i < 400; i++) {
        storm.setAttribute('data-tick', String(i));
        await new Promise((r) => setTimeout(r, 1));
      }
      return performance.now() - t0;
    });
    await page.locator('#card').locator('#inside').type(TYPED);
    await sleep(300);
    await page.click('#done');
    await sleep(800);
    await hide(page);

    const replay = await until(async () => {
      const j = await replayOf(sid);
      return j && JSON.stringify(j.records).includes('Late shadow text') && j;
    }, 'the replay in the collector', 20000);
    const inc = (source) => replay.records.filter((r) => r.type === 3 && r.data.source === source).map((r) => r.data);
    // rrweb's StyleSheetRule (8): the insert and the delete.
    const rules = inc(8);
    assert.ok(rules.some((d) => d.adds && d.adds[0].rule.includes('rgb(200, 10, 20)') && d.adds[0].index === 0), JSON.stringify(rules));
    assert.ok(rules.some((d) => d.removes && d.removes[0].index === 1), JSON.stringify(rules));
    // Canvas pixels are opt-in: none without sessionReplayCanvas.
    assert.ok(!JSON.stringify(replay).includes('data:image/webp'), 'no canvas image without the option');
    // rrweb's AdoptedStyleSheet (15) for the component's constructed sheet.
    assert.ok(inc(15).some((d) => d.styles.some((s) => s.rules.some((r) => r.rule.includes('rgb(0, 128, 1)')))), JSON.stringify(inc(15)));
    // The storm: 400 changes, at most the bucket's 100 plus the 10 a second it refilled, by the
    // recorder's own clock (Date.now() where it takes a token, as its records' timestamps): the
    // page's timing of the loop can be shorter than the span the recorder saw (CI once had 136
    // recorded in a 1,820 ms loop).
    const tickRecords = replay.records.filter((r) => r.type === 3 && r.data.source === 0 && r.data.attributes.some((a) => 'data-tick' in a.attributes));
    const ticks = tickRecords.flatMap((r) => r.data.attributes).filter((a) => 'data-tick' in a.attributes).length;
    const spanMs = Math.max(stormMs, tickRecords.length ? tickRecords.at(-1).timestamp - tickRecords[0].timestamp : 0);
    const most = 100 + Math.ceil(spanMs / 100) + 1;
    assert.ok(ticks >= 100 && ticks <= most && ticks < 400, `${ticks} of 400 attribute changes recorded in ${Math.round(stormMs)} ms (the recorder's span ${Math.round(spanMs)} ms; at most ${most})`);
    // Typed inside the shadow root: recorded as an input, masked, in no body the SDK sent.
    assert.ok(inc(5).some((d) => d.text === '***'), 'the shadow field\'s input, masked: ' + JSON.stringify(inc(5)));
    // (Compressed bodies are not visible to the browser's request log: the stored recording is
    // what they carried.)
    const all = await everythingSent(sent, sid);
    assert.ok(all.includes('Shadow text'), 'the scan does see page text');
    // Secrets in CSS URLs (a <style>, a style attribute, a rule added through the CSSOM) are
    // redacted like any URL the recorder writes.
    assert.ok(!all.includes('tok-SECRET'), 'a secret of a CSS URL was sent');
    assert.ok(all.includes('/img.png?token=[redacted]&w=2') && all.includes('bg.png?access_token=[redacted]') && all.includes('x.png?signature=[redacted]'), 'the CSS URLs, redacted');
    assert.ok(!all.includes('Octavia'), 'what was typed in the shadow root was sent');
    assert.deepEqual(errors, []);

    // The console plays it: at the end, the replayed page has the CSSOM style, the shadow content
    // and its adopted style.
    // Seek to the click on "Done", the last thing the user did.
    const con = await playedToLastClick(ctx, sid);
    const replayed = () => con.evaluate(() => {
      const d = document.querySelector('[data-testid=replay] iframe')?.contentDocument;
      const styled = d?.getElementById('styled');
      const card = d?.getElementById('card');
      const later = d?.getElementById('later');
      if (!styled || !card) return null;
      const inner = card.shadowRoot?.querySelector('.inner');
      return {
        styled: d.defaultView.getComputedStyle(styled).color,
        inner: inner?.textContent,
        innerColor: inner && d.defaultView.getComputedStyle(inner).color,
        late: later?.shadowRoot?.querySelector('.late')?.textContent,
        inside: card.shadowRoot?.querySelector('input')?.value,
      };
    });
    const at = await readUntil(replayed, (r) => r.late && r.styled === 'rgb(200, 10, 20)', 'the replayed page with its CSSOM style and shadow content');
    assert.equal(at.inner, 'Shadow text');
    assert.equal(at.innerColor, 'rgb(0, 128, 1)', 'the adopted sheet applies inside the replayed shadow root');
    assert.equal(at.late, 'Late shadow text');
    assert.ok(!String(at.inside).includes('Octavia'), 'the replayed field is masked: ' + at.inside);
    await shot(con, 'replay-dom.png');
  } finally {
    await ctx.close();
  }
});

test('same-origin iframes replay with their documents (loaded before the recording, changed after it, added later); typing inside stays masked', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  try {
    const { page, errors, sent, sid } = await recording(ctx, '/framed');
    await page.evaluate(() => new Promise((resolve) => {
      const d = document.getElementById('f1').contentDocument;
      const p = d.createElement('p');
      p.id = 'added';
      p.textContent = 'Added in the frame';
      d.body.append(p);
      const f = document.createElement('iframe');
      f.id = 'f2';
      f.srcdoc = '<p id="late">Late frame text</p>';
      f.onload = resolve;
      document.getElementById('slot').append(f);
    }));
    await page.frameLocator('#f1').locator('#fin').type(TYPED);
    await sleep(300);
    await page.click('#done');
    await sleep(800);
    await hide(page);

    const replay = await until(async () => {
      const j = await replayOf(sid);
      const t = j && JSON.stringify(j.records);
      return t && t.includes('Late frame text') && t.includes('Added in the frame') && j;
    }, 'the replay in the collector', 20000);
    const muts = replay.records.filter((r) => r.type === 3 && r.data.source === 0).map((r) => r.data);
    assert.ok(muts.filter((d) => d.isAttachIframe).length >= 2, 'the two documents, attached to their iframes');
    const full = replay.records.find((r) => r.type === 2).data.node;
    const iframeNode = JSON.stringify(full).match(/"tagName":"iframe","attributes":\{[^}]*\}/)[0];
    assert.ok(!iframeNode.includes('"src"') && iframeNode.includes('"rr_src"'), 'the player does not load the page itself: ' + iframeNode);
    const inputs = replay.records.filter((r) => r.type === 3 && r.data.source === 5).map((r) => r.data.text);
    assert.ok(inputs.includes('***'), 'typing in the iframe is recorded, masked: ' + JSON.stringify(inputs));
    const all = await everythingSent(sent, sid);
    assert.ok(all.includes('Inside the frame'), 'the scan does see page text');
    assert.ok(!all.includes('Octavia'), 'what was typed in the iframe was sent');
    assert.deepEqual(errors, []);

    const con = await playedToLastClick(ctx, sid);
    const replayed = () => con.evaluate(() => {
      const d = document.querySelector('[data-testid=replay] iframe')?.contentDocument;
      const f1 = d?.getElementById('f1')?.contentDocument;
      const f2 = d?.getElementById('f2')?.contentDocument;
      if (!f1) return null;
      return {
        inner: f1.getElementById('inner')?.textContent,
        added: f1.getElementById('added')?.textContent,
        late: f2?.getElementById('late')?.textContent,
        typed: f1.getElementById('fin')?.value,
      };
    });
    const at = await readUntil(replayed, (r) => r.added && r.late, 'the replayed iframes');
    assert.equal(at.inner, 'Inside the frame');
    assert.equal(at.added, 'Added in the frame');
    assert.equal(at.late, 'Late frame text');
    assert.ok(!String(at.typed).includes('Octavia'), 'the replayed field is masked: ' + at.typed);
    await shot(con, 'replay-iframes.png');
  } finally {
    await ctx.close();
  }
});

test('sessionReplayCanvas: a canvas image in the snapshot and again when it changes, never under mask; the console replays the new image, and every canvas keeps its size', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  try {
    const { page, errors, sid, first } = await recording(ctx, '/canvas');
    const full = first.records.find((r) => r.type === 2).data.node;
    const find = (n, id) => (n.attributes?.id === id ? n : (n.childNodes || []).map((c) => find(c, id)).find(Boolean));
    // In the player's sandbox (no script) a canvas is only its fallback content: an image of
    // its size stands in.
    const cv = find(full, 'cv');
    assert.equal(cv.tagName, 'img');
    assert.match(cv.attributes.style, /width:200px;height:100px/);
    assert.match(cv.attributes.src || '', /^data:image\/webp;base64,/, 'the canvas image in the snapshot');
    const secret = find(full, 'secret');
    assert.equal(secret.tagName, 'img');
    assert.equal(secret.attributes.src, undefined, 'no pixels under mask');
    await page.evaluate(() => window.paint('cv', 'rgb(0, 200, 0)'));
    await sleep(700); // more than one frame at 4 fps
    await page.click('#done');
    await sleep(800);
    await hide(page);
    const changes = (j) => j.records.filter((r) => r.type === 3 && r.data.source === 0).flatMap((r) => r.data.attributes).filter((a) => a.id === cv.id && a.attributes.src);
    const replay = await until(async () => { const j = await replayOf(sid); return j && changes(j).length && j; }, 'the canvas image again, changed', 20000);
    assert.equal(changes(replay).length, 1, 'one new image for one change (the unchanged frames send nothing)');
    assert.notEqual(changes(replay)[0].attributes.src, cv.attributes.src);
    assert.ok(!replay.records.some((r) => r.type === 3 && JSON.stringify(r).includes(`"id":${secret.id},"attributes":{"src"`)), 'the masked canvas never');
    assert.deepEqual(errors, []);

    const con = await playedToLastClick(ctx, sid);
    const replayed = () => con.evaluate(() => {
      const d = document.querySelector('[data-testid=replay] iframe')?.contentDocument;
      const img = d?.getElementById('cv');
      if (!img || !img.complete || !img.naturalWidth) return null;
      const c = document.createElement('canvas');
      c.width = 200;
      c.height = 100;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const r = img.getBoundingClientRect();
      return { pixel: [...g.getImageData(100, 50, 1, 1).data], size: [r.width, r.height], secret: d.getElementById('secret').getBoundingClientRect().width };
    });
    const at = await readUntil(replayed, (p) => p.pixel[1] > 150 && p.pixel[0] < 80, 'the replayed canvas shows the new (green) image');
    assert.deepEqual(at.size, [200, 100], 'the canvas keeps its size in the replay');
    assert.equal(at.secret, 50, 'a canvas without pixels keeps its size too');
    await shot(con, 'replay-canvas.png');
  } finally {
    await ctx.close();
  }
});
