// A/B of builds of our SDK, CPU per operation: main-thread TaskDuration (CDP Performance metrics)
// over the phase and its settle, divided by the operations, minus the bare page of the same
// round; rounds interleaved (bare, A, B, ...), medians. For comparing two builds of ours in one
// run on a shared machine (bench/run.mjs compares against the other SDKs). A figure-printing
// script, not a test.
//   node bench/ab.mjs A=<dir with rum.js, rum_wasm_bg.wasm (and rum-send.js)> B=<dir> [--reps 7] [--only click,fetch,xhr] [--cross]
import fs from 'node:fs';
import path from 'node:path';
import { launch, startServer } from '../tests/e2e/harness.mjs';
import { cpuPage } from './cpu-page.mjs';
const argv = process.argv.slice(2);
const dists = Object.fromEntries(argv.filter((a) => a.includes('=')).map((a) => a.split('=')));
const REPS = Number(argv[argv.indexOf('--reps') + 1]) || 7;
// --cross: the endpoint on another origin (localhost for 127.0.0.1), as in bench/run.mjs.
const CROSS = argv.includes('--cross');
const routes = {};
for (const [k, dir] of Object.entries(dists)) for (const f of ['rum.js', 'rum_wasm_bg.wasm', 'rum-send.js']) if (fs.existsSync(path.join(dir, f))) {
  routes[`/${k}/${f}`] = (req, res) => { res.writeHead(200, { 'Content-Type': f.endsWith('.js') ? 'text/javascript' : 'application/wasm' }); res.end(fs.readFileSync(path.join(dir, f))); };
}
const body = `<button id="b" type="button">Add to cart</button>`;
const page = (k) => (req) => `<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script>window.__rum = { pid: 'ab', endpoint: 'http://${CROSS ? req.headers.host.replace('127.0.0.1', 'localhost') : req.headers.host}/collect', collectors: { api: true, action: true } };</script>
${k === 'bare' ? '' : `<script src="/${k}/rum.js"></script>`}</head><body>${body}</body></html>`;
const pages = { '/bare': page('bare') };
for (const k of Object.keys(dists)) pages['/' + k] = page(k);
const srv = await startServer({ pages, routes });
const browser = await launch();
const ONLY = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
const WORK0 = {
  click: [400, async (n) => { const b = document.getElementById('b'); for (let i = 0; i < n; i++) b.click(); await new Promise((r) => setTimeout(r, 50)); }],
  fetch: [500, async (n) => { for (let i = 0; i < n; i++) await (await fetch('/api/ok?i=' + i)).text(); await new Promise((r) => setTimeout(r, 400)); }],
  xhr: [150, async (n) => { for (let i = 0; i < n; i++) await new Promise((r) => { const x = new XMLHttpRequest(); x.open('GET', '/api/ok?x=' + i); x.onloadend = r; x.send(); }); await new Promise((r) => setTimeout(r, 400)); }],
};
const WORK = Object.fromEntries(Object.entries(WORK0).filter(([k]) => !ONLY || ONLY.includes(k)));
const res = {};
const keys = ['bare', ...Object.keys(dists)];
for (let rep = 0; rep < REPS; rep++) {
  for (const [w, [n, fn]] of Object.entries(WORK)) {
    // The order rotates each round: no build always runs first, or right after another.
    for (const k of keys.map((_, i) => keys[(i + rep) % keys.length])) {
      const { ctx, page: p, taskDuration } = await cpuPage(browser, srv.origin + '/' + k, { sdk: k !== 'bare', settle: 300 });
      const a = await taskDuration();
      await p.evaluate(`(${fn})(${n})`);
      ((res[w] ||= {})[k] ||= []).push(((await taskDuration()) - a) * 1e6 / n);
      await ctx.close();
    }
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
// Each build against the bare page of the same round, then the medians of those differences; and
// for two or more builds, the median of the paired differences against the first (the same
// round's noise cancels out of them). Rounds interleaved, their order rotated.
for (const [w, r] of Object.entries(res)) {
  const over = (k) => r[k].map((x, i) => x - r.bare[i]);
  console.log(w.padEnd(6), keys.map((k) => `${k} ${k === 'bare' ? med(r[k]).toFixed(0) : '+' + med(over(k)).toFixed(1)} [${(k === 'bare' ? r[k] : over(k)).map((x) => x.toFixed(0)).join(' ')}]`).join('  |  '));
  const [first, ...rest] = keys.slice(1);
  for (const k of rest) {
    const d = r[k].map((x, i) => x - r[first][i]);
    console.log(' '.repeat(7) + `${k} - ${first}: paired median ${med(d) >= 0 ? '+' : ''}${med(d).toFixed(1)} [${d.map((x) => x.toFixed(0)).join(' ')}]`);
  }
}
await browser.close(); await srv.close();
