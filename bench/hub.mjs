#!/usr/bin/env node
// The wasm's handling of a batch of API reports, µs per report: what `hub(REPORT, text)` costs
// from the text the hooks built to the bundle handed to the send worker (the text's crossing
// into the wasm, the batch's parse, the filters, stamping and redaction, the queue, and the
// bundles its events fill). A figure-printing script, not a test; run `npm run build` first.
//
//   node bench/hub.mjs [--pages 7] [--calls 40] [--config '{"redactQueryParams":false}']
//
// The script tag is rebuilt from the same sources as dist/rum.hub.js, with the hub and the
// batches the page built in view (the sources on disk are not touched), and loaded in headless
// Chromium; the page makes 60 real fetches, and its largest batch of API reports is then handed
// to the hub `--calls` times, 5 ms apart, in each of `--pages` fresh pages. One stage, timed
// alone: rounds agree within a few µs where bench/ab.mjs's whole-page CPU figures scatter by
// a hundred, so a change to the wasm's side of the hot path shows here first.
import { launch, startServer } from '../tests/e2e/harness.mjs';
import { editedScript } from './edited-script.mjs';

const argv = process.argv.slice(2);
const arg = (k, d) => { const i = argv.indexOf(k); return i < 0 ? d : argv[i + 1]; };
const PAGES = Number(arg('--pages', 7));
const CALLS = Number(arg('--calls', 40));
const EXTRA = JSON.parse(arg('--config', '{}'));

const EDITS = [
  ['transport.js', 'export function captureFetch(h, f) {\n  hub = h;', 'export function captureFetch(h, f) {\n  hub = h; globalThis.__hub = h;'],
  ['pending.js', "  return out.length ? JSON.stringify(out) + bodies : '';",
    "  const t = out.length ? JSON.stringify(out) + bodies : ''; if (t) (globalThis.__batches ||= []).push(t); return t;"],
];
await editedScript('rum.hub', EDITS);

const config = (host) => JSON.stringify({ pid: 'hub', endpoint: `http://${host.replace('127.0.0.1', 'localhost')}/collect`, collectors: { longtask: true }, ...EXTRA });
const routes = { '/api/ok': (req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"ok":true}'); } };
const page = (req) => `<!doctype html><html><head><meta charset="utf-8"><title>t</title><script src="/dist/rum.hub.js"></script>
<script>window.RumSDK.default.init(${config(req.headers.host)})</script></head><body>x</body></html>`;
const srv = await startServer({ routes, pages: { '/p': page } });
const browser = await launch();
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
try {
  const per = [];
  let shape = '';
  for (let i = 0; i < PAGES; i++) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(srv.origin + '/p');
    await p.evaluate(() => window.RumSDK.default.ready);
    const r = await p.evaluate(async (calls) => {
      for (let i = 0; i < 60; i++) await (await fetch('/api/ok?i=' + i)).text();
      await new Promise((res) => setTimeout(res, 800)); // the 200 ms wait for timing entries, the batches
      const text = (globalThis.__batches || []).filter((t) => t.includes('"resource"')).sort((a, b) => b.length - a.length)[0];
      if (!text) return null;
      const n = JSON.parse(text.slice(0, text.indexOf('\x01'))).length;
      let ms = 0;
      for (let k = 0; k < calls; k++) {
        const t0 = performance.now();
        globalThis.__hub(1, text);
        ms += performance.now() - t0;
        await new Promise((res) => setTimeout(res, 5));
      }
      return { us: (ms * 1000) / (calls * n), n, chars: text.length };
    }, CALLS);
    await ctx.close();
    if (!r) throw new Error('no batch of API reports was built: is the API collector on?');
    per.push(r.us);
    shape ||= `batches of ${r.n} API reports (${r.chars} characters)`;
  }
  console.log(`hub(REPORT), ${shape}, ${CALLS} calls x ${PAGES} pages${argv.includes('--config') ? ', config ' + JSON.stringify(EXTRA) : ''}`);
  console.log(`  µs per report: median ${med(per).toFixed(1)}  [${per.map((x) => x.toFixed(1)).join(' ')}]`);
} finally {
  await browser.close();
  await srv.close();
}
