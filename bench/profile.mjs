#!/usr/bin/env node
// Where the SDK's main-thread time goes on the hot path: a CPU profile (CDP Profiler, 50 µs
// sampling) of three workloads in headless Chromium against the e2e harness's endpoint, our
// SDK from dist/ (script tag). Prints, per workload, the self time of the functions that belong
// to the SDK (rum.js and the wasm), the page's own code and the browser's (GC, program), as ms
// and as µs per operation. A figure-printing script, not a test.
//
//   node bench/profile.mjs [--n 300] [--top 12] [--bare] [--interval 50]
//
// --bare profiles the same workloads on the page without the SDK first, and prints each
// category's difference: how much of the SDK's cost is its own code and how much the browser's
// work it causes ("(program)": native code the profiler does not name, such as its own sends).
//
// Function names are readable: the script tag is rebuilt unminified beside dist/rum.js (as
// dist/rum.profile.js, from the same sources; run `npm run build` first).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { launch, startServer, scriptPage, ROOT } from '../tests/e2e/harness.mjs';

const argv = process.argv.slice(2);
const arg = (k, d) => { const i = argv.indexOf(k); return i < 0 ? d : Number(argv[i + 1]); };
const N = arg('--n', 300);
const TOP = arg('--top', 12);
// Sampling interval, µs: the profiler's own cost per sample lands on the sampled frames, so
// short functions look longer at small intervals; a larger one trades resolution for less of that.
const INTERVAL = arg('--interval', 50);

const body = `<button id="b" type="button">Add to cart</button><div id="log"></div>`;
const WORK = {
  click: (n) => { const b = document.getElementById('b'); for (let i = 0; i < n; i++) b.click(); },
  fetch: async (n) => { for (let i = 0; i < n; i++) await (await fetch('/api/ok?i=' + i)).text(); },
  xhr: async (n) => {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => { const x = new XMLHttpRequest(); x.open('GET', '/api/ok?x=' + i); x.onloadend = r; x.send(); });
    }
  },
};

// Self time by (function, file) from a CDP profile: sample counts × interval.
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map();
  const dts = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const f = n.callFrame;
    const file = (f.url || '').split('/').pop() || '';
    const key = (f.functionName || '(anonymous)') + (file ? ' @' + file : '');
    hits.set(key, (hits.get(key) || 0) + (dts[i + 1] || 0));
  }
  return [...hits].map(([k, us]) => [k, us / 1000]).sort((a, b) => b[1] - a[1]);
}

const owner = (k) => (/@rum\.profile\.js|wasm-function|\.wasm/.test(k) ? 'sdk' : /^\((garbage collector|program|idle|root)\)/.test(k) ? k.slice(0, k.indexOf(')') + 1) : 'page+browser');

execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), ['js/script.js', '--bundle', '--format=iife', '--target=es2020',
  '--define:import.meta.url=undefined', '--log-level=error', '--outfile=dist/rum.profile.js'], { cwd: ROOT });
const page = (req) => scriptPage(`{ pid: 'prof', endpoint: 'http://${req.headers.host}/collect', collectors: { api: true, action: true } }`, body)
  .replace('/dist/rum.js', '/dist/rum.profile.js');
const bare = () => `<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>${body}</body></html>`;
const srv = await startServer({ pages: { '/p': page, '/bare': bare } });
const BARE = argv.includes('--bare');
const browser = await launch();
try {
  const base = {};
  for (const [w, path] of Object.keys(WORK).flatMap((w) => (BARE ? [[w, '/bare'], [w, '/p']] : [[w, '/p']]))) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(srv.origin + path);
    if (path === '/p') await page.evaluate(() => window.RumSDK.default.ready);
    await page.waitForTimeout(500);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: INTERVAL });
    await cdp.send('Profiler.start');
    const n = w === 'click' ? N * 2 : N;
    await page.evaluate(`(${WORK[w]})(${n})`);
    await page.waitForTimeout(700); // deferred work: batching, the 200 ms API timing wait, sends
    const { profile } = await cdp.send('Profiler.stop');
    const rows = selfTimes(profile).filter(([k]) => !k.startsWith('(idle)'));
    const sum = {};
    for (const [k, ms] of rows) sum[owner(k)] = (sum[owner(k)] || 0) + ms;
    if (path === '/bare') { base[w] = sum; await page.context().close(); continue; }
    const over = (o) => (base[w] ? `  over bare ${((sum[o] - (base[w][o] || 0)) * 1000 / n).toFixed(1).padStart(7)} µs/op` : '');
    console.log(`\n## ${w} × ${n}: self time, ms (µs per operation)`);
    for (const [o, ms] of Object.entries(sum).sort((a, b) => b[1] - a[1])) console.log(`  ${o.padEnd(24)} ${ms.toFixed(1).padStart(8)}  (${(ms * 1000 / n).toFixed(1)})${over(o)}`);
    console.log('  top functions (SDK, page and browser):');
    for (const [k, ms] of rows.filter(([k]) => !k.startsWith('(')).slice(0, TOP)) console.log(`    ${ms.toFixed(2).padStart(8)}  ${k}`);
    await page.context().close();
  }
} finally {
  await browser.close();
  await srv.close();
}
