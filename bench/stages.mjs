#!/usr/bin/env node
// Where an API call's main-thread time goes, stage by stage: the script tag rebuilt from the
// same sources with timers around each stage of the hot path (dist/rum.stages.js; the sources on
// disk are not touched: the stages are added as esbuild loads them), then 500 fetches and 500
// XHRs in headless Chromium against a local endpoint on another origin (as in bench/run.mjs).
// Prints, per call, the time inside each stage and the main-thread CPU over the bare page. A
// figure-printing script, not a test; run `npm run build` first (it bundles pkg/'s glue).
//
//   node bench/stages.mjs [--n 500] [--rounds 3]
//
// The stages are wall time (performance.now(), which Chromium coarsens to 100 µs with jitter on
// a page that is not cross-origin isolated: averaged over hundreds of calls it is unbiased, one
// call says nothing), so a stage includes the time the renderer was descheduled; the CPU column
// (CDP TaskDuration in thread ticks) does not. Nested stages are inside their parents: hub:1
// (the wasm's handling of a report batch) includes sendBundle, take includes apiBuild and
// stringify, apiBuild includes apiReport. A stage that moves work (the browser doing the same
// work later, colder) can shrink while the CPU column does not: judge changes with bench/ab.mjs.
import { launch, startServer } from '../tests/e2e/harness.mjs';
import { cpuPage } from './cpu-page.mjs';
import { editedScript } from './edited-script.mjs';

const argv = process.argv.slice(2);
const arg = (k, d) => { const i = argv.indexOf(k); return i < 0 ? d : Number(argv[i + 1]); };
const N = arg('--n', 500);
const ROUNDS = arg('--rounds', 3);

// [file under src/browser/, text to find, text to put there]. Each must match once: a source
// that changed shape stops the script with the stage's name rather than measure the wrong thing.
const T = 'const __T = () => performance.now(); const __A = (k, t) => { const m = (globalThis.__stages ||= {}); m[k] = (m[k] || 0) + performance.now() - t; };\n';
const EDITS = [
  ['transport.js', 'export function captureFetch(h, f) {\n  hub = h;',
    T + "export function captureFetch(h, f) {\n  hub = (k, d) => { const t = __T(); try { return h(k, d); } finally { __A('hub:' + k, t); } };"],
  ['collectors/api.js', "import { files, hub } from '../transport.js';", "import { files, hub } from '../transport.js';\n" + T],
  ['collectors/api.js', '    let d = null;\n    let args = arguments;\n', '    let d = null; const __t = __T();\n    let args = arguments;\n'],
  ['collectors/api.js', '    const p = orig.apply(this, args);\n    if (!d) return p;',
    "    __A('fetch wrapper', __t); const __n = __T();\n    const p = orig.apply(this, args); __A(\"the page's fetch()\", __n);\n    if (!d) return p;"],
  ['collectors/api.js', '      return p.then((r) => {\n        try {', '      return p.then((r) => { const __r = __T();\n        try {'],
  ['collectors/api.js', 'catch (_) { /* ours only */ }\n        return r;', "catch (_) { /* ours only */ }\n        __A('fetch .then', __r); return r;"],
  ['collectors/api.js', 'const keep = (list) => {\n', 'const keep = (list) => { const __t = __T();\n'],
  ['collectors/api.js', '  if (seen.length > 400) seen = seen.slice(200);\n', "  if (seen.length > 400) seen = seen.slice(200);\n  __A('resource observer', __t);\n"],
  ['collectors/api.js', 'function apiBuild(d) {\n', "function apiBuild(d) { const __t = __T(); try { return apiBuild0(d); } finally { __A('apiBuild', __t); } }\nfunction apiBuild0(d) {\n"],
  ['collectors/api.js', 'export function apiReport(d) {\n', "export function apiReport(d) { const __t = __T(); try { return apiReport0(d); } finally { __A('apiReport', __t); } }\nfunction apiReport0(d) {\n"],
  ['pending.js', "import { hub } from './transport.js';", "import { hub } from './transport.js';\n" + T],
  ['pending.js', 'export function take(exit) {\n', "export function take(exit) { const __t = __T(); try { return take0(exit); } finally { __A('take', __t); } }\nfunction take0(exit) {\n"],
  ['pending.js', "  return out.length ? JSON.stringify(out) + bodies : '';", "  const __s = __T(); try { return out.length ? JSON.stringify(out) + bodies : ''; } finally { __A('stringify', __s); }"],
  ['send_worker.js', "import { done, files, post } from './transport.js';", "import { done, files, post } from './transport.js';\n" + T],
  ['send_worker.js', 'export function sendBundle(url, body, mode, compress, id) {\n',
    "export function sendBundle(url, body, mode, compress, id) { const __t = __T(); try { return sendBundle0(url, body, mode, compress, id); } finally { __A('sendBundle', __t); } }\nfunction sendBundle0(url, body, mode, compress, id) {\n"],
];
await editedScript('rum.stages', EDITS);

const WORK = {
  fetch: async (n) => { for (let i = 0; i < n; i++) { const r = await fetch(`/api/f/${i % 10 === 9 ? 'fail' : 'ok'}?i=${i}`); await r.text(); } },
  xhr: async (n) => {
    for (let i = 0; i < n; i++) await new Promise((r) => { const x = new XMLHttpRequest(); x.open('GET', `/api/f/${i % 10 === 9 ? 'fail' : 'ok'}?x=${i}`); x.onloadend = r; x.send(); });
  },
};
const routes = { '/api/f/fail': (req, res) => { res.writeHead(500, { 'Content-Type': 'application/json' }); res.end('{"ok":false}'); } };
routes['/api/f/ok'] = (req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"ok":true}'); };
const page = (sdk) => (req) => `<!doctype html><html><head><meta charset="utf-8"><title>t</title>${sdk ? `<script src="/dist/rum.stages.js"></script>
<script>window.RumSDK.default.init({pid: 'stages', endpoint: 'http://${req.headers.host.replace('127.0.0.1', 'localhost')}/collect', collectors: {longtask: true}})</script>` : ''}</head><body>x</body></html>`;
const srv = await startServer({ routes, pages: { '/sdk': page(true), '/bare': page(false) } });
const browser = await launch();
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
try {
  for (const [w, fn] of Object.entries(WORK)) {
    const cpu = { bare: [], sdk: [] };
    const st = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const k of ['bare', 'sdk']) {
        const { page: p, taskDuration } = await cpuPage(browser, srv.origin + '/' + k, { sdk: k === 'sdk' });
        // A warm-up, so that the send worker is running and the code compiled, as mid-session.
        await p.evaluate(`(${fn})(30)`);
        await p.waitForTimeout(1200);
        await p.evaluate(() => { globalThis.__stages = {}; });
        const t0 = await taskDuration();
        await p.evaluate(`(${fn})(${N})`);
        await p.waitForTimeout(700); // the 200 ms wait for timing entries, the batch, the sends
        cpu[k].push(((await taskDuration()) - t0) * 1e6 / N);
        if (k === 'sdk') for (const [s, ms] of Object.entries(await p.evaluate(() => globalThis.__stages))) (st[s] ||= []).push(ms * 1000 / N);
        await p.context().close();
      }
    }
    const over = cpu.sdk.map((x, i) => x - cpu.bare[i]);
    console.log(`\n## ${w} × ${N}, ${ROUNDS} rounds: µs per call, medians [rounds]`);
    console.log(`  main-thread CPU over the bare page ${med(over).toFixed(0).padStart(6)}  [${over.map((x) => x.toFixed(0)).join(' ')}]  (bare ${med(cpu.bare).toFixed(0)})`);
    for (const [s, v] of Object.entries(st).sort((a, b) => med(b[1]) - med(a[1]))) {
      console.log(`  ${s.padEnd(34)} ${med(v).toFixed(1).padStart(6)}  [${v.map((x) => x.toFixed(1)).join(' ')}]`);
    }
  }
} finally {
  await browser.close();
  await srv.close();
}
