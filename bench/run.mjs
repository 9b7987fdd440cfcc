#!/usr/bin/env node
// rum-wasm benchmark: our SDK side by side with the browser RUM SDKs people use today, in headless
// Chromium, against a local catch-all collector. See bench/README.md for the method.
//
//   node bench/run.mjs [--runs N] [--only a,b] [--smoke] [--out FILE] [--quiet]
//
// Traffic goes to 127.0.0.1 only. Every wait has a timeout; every loop is bounded.

import { createServer } from 'node:http';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import zlib from 'node:zlib';
import { SDKS } from './sdks.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const WORK = join(BENCH, '.work');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Workload sizes (the issue's numbers).
const N = { elclick: 500, mouse: 500, fetch: 500, xhr: 200, error: 100, rejection: 100 };
const FAIL_EVERY = 10; // every 10th fetch / XHR hits an endpoint answering 500
const EXPECT = {
  pv: 1, clicks: N.elclick + N.mouse, fetch: N.fetch, fetch500: N.fetch / FAIL_EVERY,
  xhr: N.xhr, xhr500: N.xhr / FAIL_EVERY, errors: N.error, rejections: N.rejection, longtask: 1,
};
const C_KEYS_ALL = ['pv', 'clicks', 'fetch', 'fetch500', 'xhr', 'xhr500', 'errors', 'rejections', 'longtask'];
const RUN_TIMEOUT_MS = 150_000; // one SDK × one run, hard cap

// ---------------------------------------------------------------- args
const argv = process.argv.slice(2);
const opt = { runs: 5, only: null, smoke: false, out: null, quiet: false };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--runs') opt.runs = Math.max(1, Math.min(50, parseInt(argv[++i], 10) || 1));
  else if (a === '--only') opt.only = argv[++i].split(',').map((s) => s.trim()).filter(Boolean);
  else if (a === '--smoke') opt.smoke = true;
  else if (a === '--out') opt.out = argv[++i];
  else if (a === '--quiet') opt.quiet = true;
  else if (a === '--help' || a === '-h') {
    console.log('usage: node bench/run.mjs [--runs N (5)] [--only a,b] [--smoke] [--out FILE]\nSDKs: ' + SDKS.map((s) => s.name).join(', '));
    process.exit(0);
  } else { console.error(`unknown option ${a}`); process.exit(2); }
}
const log = (...a) => { if (!opt.quiet) console.error(...a); };

// ---------------------------------------------------------------- small utils
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}
const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); if (!s.length) return NaN; const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const stats = (xs) => { const v = xs.filter(Number.isFinite); return v.length ? { med: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length } : null; };
function sh(cmd, args) { try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10000 }).trim(); } catch { return ''; } }

// ---------------------------------------------------------------- setup
if (!existsSync(join(BENCH, 'node_modules/playwright-core/package.json')) || !existsSync(join(BENCH, 'node_modules/esbuild/package.json'))) {
  log('bench: installing dependencies (bench/setup.sh)');
  const r = spawnSync('bash', [join(BENCH, 'setup.sh')], { stdio: 'inherit', timeout: 600_000 });
  if (r.status !== 0) { console.error('bench: setup failed'); process.exit(1); }
}
if (!existsSync(CHROMIUM)) {
  console.error(`bench: ${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM=`);
  process.exit(1);
}
const { chromium } = await import(join(BENCH, 'node_modules/playwright-core/index.mjs'));
const esbuild = (await import(join(BENCH, 'node_modules/esbuild/lib/main.js'))).default;

// ---------------------------------------------------------------- choose SDKs
let chosen = SDKS;
if (opt.smoke) {
  const ours = SDKS.find((s) => s.name === 'rum-wasm');
  const oursOk = ours && (!ours.available || ours.available() === true);
  chosen = SDKS.filter((s) => s.name === 'bare' || s.name === (oursOk ? 'rum-wasm' : 'arms'));
  opt.runs = 1;
} else if (opt.only) {
  const unknown = opt.only.filter((n) => !SDKS.some((s) => s.name === n));
  if (unknown.length) { console.error(`bench: unknown SDK ${unknown.join(', ')}; known: ${SDKS.map((s) => s.name).join(', ')}`); process.exit(2); }
  chosen = SDKS.filter((s) => s.name === 'bare' || opt.only.includes(s.name)); // bare is always the floor
}
const skipped = [];
chosen = chosen.filter((s) => {
  const a = s.available ? s.available() : true;
  if (a !== true) { skipped.push(`${s.name}: ${a}`); console.log(`bench: skipping ${s.name}: ${a}`); return false; }
  return true;
});

// ---------------------------------------------------------------- build bundles + sizes
mkdirSync(join(WORK, 'bundles'), { recursive: true });
function entrySource(s) {
  return `${s.imports}
const B = window.__BENCH, C = B.collector, t0 = performance.now();
${s.init};
B.initStart = t0; B.initEnd = performance.now();
`;
}
function inlineInit(s) {
  return `(function(){var B = window.__BENCH, C = B.collector, t0 = performance.now();
try { ${s.init}; } catch (e) { B.initErr = String(e && e.stack || e); }
B.initStart = t0; B.initEnd = performance.now();
var r; try { r = ${s.ready || 'undefined'}; } catch (e) { r = undefined; }
if (r && typeof r.then === 'function') r.then(function(){ B.readyAt = performance.now(); }, function(e){ B.readyErr = String(e); B.readyAt = performance.now(); });
else B.noReady = true;
})();`;
}
function sizesOf(bufs) {
  let raw = 0, gz = 0, br = 0;
  for (const b of bufs) {
    raw += b.length;
    gz += zlib.gzipSync(b, { level: 9 }).length;
    br += zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;
  }
  return { raw, gz, br };
}
const built = {}; // name -> {scripts, size, files}
for (const s of chosen) {
  if (s.local) {
    // snapshot the files so a rebuild of dist/ during the run cannot mix versions
    const bufs = s.files.map((f) => readFileSync(join(ROOT, f)));
    mkdirSync(join(WORK, 'dist'), { recursive: true });
    s.files.forEach((f, i) => writeFileSync(join(WORK, 'dist', f.split('/').pop()), bufs[i]));
    built[s.name] = { scripts: s.scripts, inline: inlineInit(s), size: sizesOf(bufs),
      files: s.files.map((f, i) => ({ f, ...sizesOf([bufs[i]]) })) };
    continue;
  }
  const r = await esbuild.build({
    stdin: { contents: entrySource(s), resolveDir: BENCH, sourcefile: `${s.name}-entry.js`, loader: 'js' },
    bundle: true, minify: true, format: 'iife', platform: 'browser', write: false,
    define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'silent',
  });
  const code = Buffer.from(r.outputFiles[0].contents);
  writeFileSync(join(WORK, 'bundles', `${s.name}.js`), code);
  built[s.name] = { scripts: [`/bundle/${s.name}.js`], size: sizesOf([code]), files: [{ f: `${s.name}.js (esbuild bundle)`, ...sizesOf([code]) }] };
}

// ---------------------------------------------------------------- collector (catch-all, 127.0.0.1)
const collector = { key: null, runs: new Map(), last: 0 };
function bucket() {
  if (!collector.key) return null;
  if (!collector.runs.has(collector.key)) collector.runs.set(collector.key, { requests: 0, preflights: 0, bytes: 0, payloads: [] });
  return collector.runs.get(collector.key);
}
function decode(buf, enc) {
  try {
    if (/gzip/i.test(enc || '')) return zlib.gunzipSync(buf);
    if (/deflate/i.test(enc || '')) { try { return zlib.inflateSync(buf); } catch { return zlib.inflateRawSync(buf); } }
    if (/\bbr\b/i.test(enc || '')) return zlib.brotliDecompressSync(buf);
  } catch { /* keep raw */ }
  return buf;
}
const collectorServer = createServer((req, res) => {
  const cors = {
    'Access-Control-Allow-Origin': req.headers.origin || '*',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, OPTIONS',
    'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '*',
    'Access-Control-Max-Age': '600',
    'Vary': 'Origin',
  };
  const chunks = []; let size = 0;
  req.on('data', (c) => { size += c.length; if (size <= 20e6) chunks.push(c); });
  req.on('end', () => {
    const b = bucket();
    if (b) {
      collector.last = Date.now();
      if (req.method === 'OPTIONS') b.preflights++;
      else {
        b.requests++; b.bytes += size;
        const raw = Buffer.concat(chunks);
        const u = new URL(req.url, 'http://x');
        b.payloads.push({ method: req.method, path: u.pathname, query: u.search, headers: req.headers, bytes: size,
          body: decode(raw, req.headers['content-encoding']).toString('utf8') });
      }
    }
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
    res.end('{}');
  });
  req.on('error', () => {});
});

// ---------------------------------------------------------------- page server (127.0.0.1)
let collectorOrigin = '';
function pageHtml(name) {
  const b = built[name];
  const tags = b.scripts.map((u) => `<script src="${u}"></script>`).join('\n') + (b.inline ? `\n<script>${b.inline}</script>` : '');
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench ${name}</title>
<style>button { display: block; margin: 20px; width: 240px; height: 80px; background: #eee; color: #000; border: 1px solid #888; }</style>
<script>
window.__BENCH = {collector: ${JSON.stringify(collectorOrigin)}, sdk: ${JSON.stringify(name)}, errors: 0, rejections: 0, progClicks: 0, realClicks: 0};
window.addEventListener('error', function () { __BENCH.errors++; });
window.addEventListener('unhandledrejection', function () { __BENCH.rejections++; });
</script>
${tags}
</head><body>
<h1>Benchmark page</h1>
<p>Some content so the page is not blank.</p>
<button id="prog" type="button">Programmatic</button>
<button id="real" type="button">Real click</button>
<script>
document.getElementById('prog').addEventListener('click', function () { __BENCH.progClicks++; });
document.getElementById('real').addEventListener('click', function () { __BENCH.realClicks++; });
</script>
</body></html>`;
}
const MIME = { '.js': 'application/javascript', '.mjs': 'application/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html' };
const pageServer = createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const p = u.pathname;
  const send = (code, type, body) => { res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' }); res.end(body); };
  req.resume();
  let m;
  if ((m = /^\/page\/([\w-]+)\.html$/.exec(p)) && built[m[1]]) return send(200, 'text/html; charset=utf-8', pageHtml(m[1]));
  if ((m = /^\/bundle\/([\w-]+)\.js$/.exec(p)) && existsSync(join(WORK, 'bundles', `${m[1]}.js`))) return send(200, MIME['.js'], readFileSync(join(WORK, 'bundles', `${m[1]}.js`)));
  if ((m = /^\/dist\/([\w.-]+)$/.exec(p)) && existsSync(join(WORK, 'dist', m[1]))) return send(200, MIME[extname(m[1])] || 'application/octet-stream', readFileSync(join(WORK, 'dist', m[1])));
  if ((m = /^\/api\/[fx]\/(ok|fail)$/.exec(p))) return send(m[1] === 'ok' ? 200 : 500, 'application/json', m[1] === 'ok' ? '{"ok":true}' : '{"ok":false}');
  if (p === '/favicon.ico') { res.writeHead(204); return res.end(); }
  send(404, 'text/plain', 'not found');
});

const listen = (srv) => new Promise((res, rej) => { srv.once('error', rej); srv.listen(0, '127.0.0.1', () => res(srv.address().port)); });
const cport = await listen(collectorServer);
const pport = await listen(pageServer);
collectorOrigin = `http://127.0.0.1:${cport}`;
const pageOrigin = `http://127.0.0.1:${pport}`;
log(`bench: collector ${collectorOrigin}, pages ${pageOrigin}, SDKs: ${chosen.map((s) => s.name).join(', ')}, runs: ${opt.runs}`);

async function waitQuiet({ minMs, quietMs, maxMs }) {
  const start = Date.now();
  for (let i = 0; i < 10000; i++) {
    const now = Date.now();
    if (now - start >= maxMs) return;
    if (now - start >= minMs && now - Math.max(collector.last, start) >= quietMs) return;
    await sleep(100);
  }
}

// ---------------------------------------------------------------- in-page workload (runs via page.evaluate)
// A MessageChannel hop yields to the event loop without the 4 ms setTimeout nesting clamp.
const PAGE_HELPERS = `
window.__yield = function () { return new Promise(function (r) { var c = new MessageChannel(); c.port1.onmessage = function () { r(); }; c.port2.postMessage(0); }); };
`;
const W = {
  elclick: async (n) => {
    const b = document.getElementById('prog'); const t0 = performance.now();
    for (let i = 0; i < n; i++) b.click();
    return performance.now() - t0;
  },
  fetch: async ([n, every]) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { const r = await fetch(`/api/f/${i % every === every - 1 ? 'fail' : 'ok'}?i=${i}`); await r.text(); }
    return performance.now() - t0;
  },
  xhr: async ([n, every]) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await new Promise((res) => { const x = new XMLHttpRequest(); x.open('GET', `/api/x/${i % every === every - 1 ? 'fail' : 'ok'}?i=${i}`); x.onloadend = () => res(); x.send(); });
    }
    return performance.now() - t0;
  },
  error: async (n) => {
    const B = window.__BENCH; const before = B.errors; const t0 = performance.now();
    for (let b = 0; b < n; b += 10) {
      await window.__yield();
      await new Promise((res) => {
        for (let i = b; i < Math.min(n, b + 10); i++) setTimeout(() => { throw new Error('bench-error-' + i); });
        setTimeout(res);
      });
    }
    const dt = performance.now() - t0;
    return { dt, seen: B.errors - before };
  },
  rejection: async (n) => {
    const B = window.__BENCH; const before = B.rejections; const t0 = performance.now();
    for (let b = 0; b < n; b += 10) {
      await window.__yield();
      const end = Math.min(n, b + 10);
      for (let i = b; i < end; i++) Promise.reject(new Error('bench-rejection-' + i));
      for (let k = 0; k < 2000 && B.rejections - before < end; k++) await window.__yield();
    }
    const dt = performance.now() - t0;
    return { dt, seen: B.rejections - before };
  },
  // In a page task (setTimeout): a busy loop run directly by CDP's Runtime.evaluate is not seen as a
  // long task / long animation frame by the page's PerformanceObservers.
  longtask: (ms) => new Promise((res) => setTimeout(() => { const t = performance.now(); while (performance.now() - t < ms) { /* busy */ } res(performance.now() - t); }, 0)),
};

// ---------------------------------------------------------------- one SDK × one run
async function runOne(s, round) {
  const out = { sdk: s.name, round, ok: false };
  collector.key = `${s.name}#${round}`; collector.last = 0;
  const browser = await withTimeout(chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROME_ARGS, timeout: 30000 }), 40000, 'chromium.launch');
  try {
    out.chromium = browser.version();
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30000);
    const cdp = await ctx.newCDPSession(page);
    // threadTicks: Script/TaskDuration in main-thread CPU time, so time the renderer spent descheduled
    // on this shared machine does not count
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const ev = (fn, arg, ms = 60000) => withTimeout(page.evaluate(fn, arg), ms, `${s.name}: evaluate`);

    // --- load + start-up
    await page.goto(`${pageOrigin}/page/${s.name}.html`, { waitUntil: 'load', timeout: 30000 });
    await page.waitForFunction(() => window.__BENCH && window.__BENCH.initEnd !== undefined, null, { timeout: 15000 });
    if (s.local) await page.waitForFunction(() => window.__BENCH.readyAt !== undefined || window.__BENCH.noReady, null, { timeout: 15000 }).catch(() => {});
    const b0 = await ev(() => ({ ...window.__BENCH }));
    if (b0.initErr) throw new Error(`init threw: ${b0.initErr}`);
    out.initMs = b0.initEnd - b0.initStart;
    out.navToInitMs = b0.initEnd;
    if (s.local) { out.readyMs = b0.readyAt; out.noReady = !!b0.noReady; out.readyErr = b0.readyErr; }
    await sleep(1000);
    const mLoad = await metrics();
    out.loadScriptMs = mLoad.ScriptDuration * 1000;
    out.loadTaskMs = mLoad.TaskDuration * 1000;
    out.loadProcMs = mLoad.ProcessTime * 1000;
    out.heapLoadMB = mLoad.JSHeapUsedSize / 1048576;
    await ev(PAGE_HELPERS);

    // --- per-operation phases: wall time per op (in page, or around CDP input for mouse clicks),
    //     plus main-thread task time over the phase and its 500 ms settle
    const phase = async (key, n, fn) => {
      const m0 = await metrics();
      const r = await fn();
      await sleep(500);
      const m1 = await metrics();
      out[`${key}Us`] = (r.dt * 1000) / n;
      out[`${key}TaskUs`] = ((m1.TaskDuration - m0.TaskDuration) * 1e6) / n;
      return r;
    };
    await phase('elclick', N.elclick, async () => ({ dt: await ev(W.elclick, N.elclick) }));
    const box = await page.locator('#real').boundingBox();
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    const cdpMouse = (type) => cdp.send('Input.dispatchMouseEvent', { type, x: cx, y: cy, button: 'left', buttons: type === 'mousePressed' ? 1 : 0, clickCount: 1 });
    await phase('mouse', N.mouse, async () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N.mouse; i++) { await cdpMouse('mousePressed'); await cdpMouse('mouseReleased'); }
      return { dt: Number(process.hrtime.bigint() - t0) / 1e6 };
    });
    await phase('fetch', N.fetch, async () => ({ dt: await ev(W.fetch, [N.fetch, FAIL_EVERY]) }));
    await phase('xhr', N.xhr, async () => ({ dt: await ev(W.xhr, [N.xhr, FAIL_EVERY]) }));
    const er = await phase('error', N.error, async () => ev(W.error, N.error));
    const rj = await phase('rejection', N.rejection, async () => ev(W.rejection, N.rejection));
    await ev(W.longtask, 200);
    await sleep(1500);
    const b1 = await ev(() => ({ ...window.__BENCH }));
    out.happened = { progClicks: b1.progClicks, realClicks: b1.realClicks, errors: er.seen, rejections: rj.seen };

    // --- memory: after the workload, then after a forced GC
    const mW = await metrics();
    out.heapMB = mW.JSHeapUsedSize / 1048576;
    await cdp.send('HeapProfiler.collectGarbage');
    await sleep(200);
    await cdp.send('HeapProfiler.collectGarbage');
    const hu = await cdp.send('Runtime.getHeapUsage');
    out.heapGcMB = hu.usedSize / 1048576;
    if (s.wasmMemory) {
      const w = await ev(`(function(){ try { return ${s.wasmMemory}; } catch (e) { return undefined; } })()`).catch(() => undefined);
      out.wasmMB = Number.isFinite(w) ? w / 1048576 : 0;
      out.wasmMissing = !Number.isFinite(w);
    }
    out.sessionTaskMs = mW.TaskDuration * 1000;

    // --- flush: hide (visibilitychange with visibilityState 'hidden'), then navigate away
    await ev(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitQuiet({ minMs: 1500, quietMs: 1500, maxMs: 12000 });
    await page.goto('about:blank', { timeout: 10000 }).catch(() => {});
    await waitQuiet({ minMs: 500, quietMs: 1000, maxMs: 6000 });
    out.ok = true;
  } catch (e) {
    out.error = String(e && e.message || e).split('\n')[0];
  } finally {
    await withTimeout(browser.close(), 15000, 'browser.close').catch(() => {});
  }
  const b = collector.runs.get(collector.key) || { requests: 0, preflights: 0, bytes: 0, payloads: [] };
  collector.key = null;
  out.requests = b.requests; out.preflights = b.preflights; out.kb = b.bytes / 1024;
  try { out.count = s.count ? s.count(b.payloads) : null; } catch (e) { out.count = null; out.countError = String(e); }
  if (process.env.BENCH_KEEP_PAYLOADS) {
    mkdirSync(join(WORK, 'payloads'), { recursive: true });
    writeFileSync(join(WORK, 'payloads', `${s.name}-${round}.json`), JSON.stringify(b.payloads.map((p) => ({ ...p, headers: undefined })), null, 1));
  }
  collector.runs.delete(`${s.name}#${round}`);
  return out;
}

// ---------------------------------------------------------------- main loop (interleaved rounds)
const results = []; // all runs
const started = Date.now();
// Warm-up (discarded): the first run in a fresh process is slower (cold JIT in this Node process's
// servers and CDP client, cold disk cache for Chromium), which would bias whichever SDK came first.
{
  const w = await withTimeout(runOne(chosen[0], -1), RUN_TIMEOUT_MS, 'warm-up').catch((e) => ({ ok: false, error: String(e.message || e) }));
  collector.key = null;
  log(`bench: warm-up run (${chosen[0].name}, discarded): ${w.ok ? 'ok' : 'FAILED ' + w.error}`);
}
for (let round = 0; round < opt.runs; round++) {
  // rotate the order every round so no SDK always runs first or last
  const order = chosen.map((_, i) => chosen[(i + round) % chosen.length]);
  for (const s of order) {
    const t = Date.now();
    let r;
    try { r = await withTimeout(runOne(s, round), RUN_TIMEOUT_MS, `${s.name} run ${round + 1}`); } catch (e) { r = { sdk: s.name, round, ok: false, error: String(e.message || e) }; collector.key = null; }
    results.push(r);
    log(`bench: ${s.name} run ${round + 1}/${opt.runs}: ${r.ok ? 'ok' : 'FAILED ' + r.error} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
}
collectorServer.close(); pageServer.close();
const elapsed = (Date.now() - started) / 1000;

// ---------------------------------------------------------------- aggregate
const names = chosen.map((s) => s.name);
const runsOf = (n) => results.filter((r) => r.sdk === n && r.ok);
const bareBy = new Map(runsOf('bare').map((r) => [r.round, r]));
function agg(n, key, { minusBare = false } = {}) {
  const xs = runsOf(n).map((r) => {
    const v = typeof key === 'function' ? key(r) : r[key];
    if (!minusBare) return v;
    const b = bareBy.get(r.round);
    if (!b) return NaN;
    const bv = typeof key === 'function' ? key(b) : b[key];
    return v - bv;
  });
  return stats(xs);
}
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const sgn = (x, d) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + x.toFixed(d) : 'n/a');
function cell(st, d = 1, signed = false) {
  if (!st) return 'n/a';
  const g = signed ? (x) => sgn(x, d) : (x) => f(x, d);
  return st.n > 1 ? `${g(st.med)} (${g(st.min)}…${g(st.max)})` : g(st.med);
}
const label = (n) => SDKS.find((s) => s.name === n).label;

const sizeRows = names.map((n) => ({ n, ...built[n].size }));
const tables = [];

// ---- headline: the issue's figures, one column per SDK, plus our targets
{
  const cols = names.filter((n) => n !== 'bare');
  const med = (n, k, mb) => agg(n, k, { minusBare: mb })?.med;
  const delivered = (n) => {
    const rs = runsOf(n); if (!rs.length) return NaN;
    return C_KEYS_ALL.reduce((a, k) => a + Math.min(EXPECT[k], median(rs.map((r) => r.count?.[k] ?? 0))), 0);
  };
  const expectedTotal = C_KEYS_ALL.reduce((a, k) => a + EXPECT[k], 0);
  const rows = [
    ['min+gzip -9 KB', (n) => built[n].size.gz / 1024, 1, 16, '≤ 16'],
    ['`init()` ms', (n) => med(n, 'initMs'), 2, 5, '≤ 5'],
    ['nav→ready ms (ours: wasm initialised)', (n) => (n === 'rum-wasm' ? med(n, 'readyMs') : NaN), 1, null, ''],
    ['real mouse click, µs/op over bare (wall)', (n) => med(n, 'mouseUs', true), 0, 100, '≤ +100'],
    ['real mouse click, main-thread CPU µs/op over bare', (n) => med(n, 'mouseTaskUs', true), 0, 100, '≤ +100'],
    ['fetch, µs/op over bare (wall)', (n) => med(n, 'fetchUs', true), 0, 100, '≤ +100'],
    ['fetch, main-thread CPU µs/op over bare', (n) => med(n, 'fetchTaskUs', true), 0, 100, '≤ +100'],
    ['XHR, µs/op over bare (wall)', (n) => med(n, 'xhrUs', true), 0, 150, '≤ +150'],
    ['XHR, main-thread CPU µs/op over bare', (n) => med(n, 'xhrTaskUs', true), 0, 150, '≤ +150'],
    ['start-up main-thread CPU ms over bare', (n) => med(n, 'loadTaskMs', true), 1, null, ''],
    ['heap MB over bare after GC (+ wasm memory)', (n) => med(n, (r) => r.heapGcMB + (r.wasmMB || 0), true), 2, 0.5, '≤ +0.5'],
    ['requests per session', (n) => med(n, 'requests'), 0, 30, '≤ 30'],
    ['KB per session', (n) => med(n, 'kb'), 0, 300, '≤ 300'],
    [`events delivered (of ${expectedTotal})`, delivered, 0, null, `${expectedTotal}`],
  ];
  const hasOurs = cols.includes('rum-wasm');
  let t = '### Summary (medians; details and min…max below)\n\n| figure | ' + cols.map((n) => n).join(' | ') + ' | target for us' + (hasOurs ? ' | ours meets it?' : '') + ' |\n|---|' + cols.map(() => '---:').join('|') + '|---:|' + (hasOurs ? '---|' : '') + '\n';
  for (const [lab, g, d, target, ttxt] of rows) {
    t += `| ${lab} | ` + cols.map((n) => f(g(n), d)).join(' | ') + ` | ${ttxt}`;
    if (hasOurs) {
      const v = g('rum-wasm');
      let ok = '';
      if (target !== null && Number.isFinite(v)) ok = v <= target ? 'yes' : 'no';
      if (lab.startsWith('events delivered') && Number.isFinite(v)) ok = v >= expectedTotal ? 'yes' : `no (${expectedTotal - v} missing)`;
      t += ` | ${ok}`;
    }
    t += ' |\n';
  }
  tables.push(t);
}

tables.push('### 1. Size (what the page downloads)\n\n| SDK | min KB | min+gzip -9 KB | min+brotli KB | files |\n|---|---:|---:|---:|---|\n' +
  sizeRows.map((r) => `| ${label(r.n)} | ${f(r.raw / 1024)} | ${f(r.gz / 1024)} | ${f(r.br / 1024)} | ${built[r.n].files.map((x) => `${x.f}: ${f(x.raw / 1024)} / ${f(x.gz / 1024)} gz`).join('; ')} |`).join('\n'));

tables.push('### 2. Start-up\n\n`init()` = duration of the init call; nav→init = `performance.now()` when init returned (navigation start = 0); nav→ready = when `armsRum.ready` resolved (ours: the wasm is instantiated and the SDK really initialised); script/task = CDP ScriptDuration/TaskDuration (main-thread CPU time, thread ticks) 1 s after the load event; renderer CPU = CDP ProcessTime (all renderer threads, incl. wasm compilation); all three minus the bare page of the same round.\n\n| SDK | init() ms | nav→init ms | nav→ready ms | script ms over bare | task ms over bare | renderer CPU ms over bare |\n|---|---:|---:|---:|---:|---:|---:|\n' +
  names.map((n) => {
    const s = SDKS.find((x) => x.name === n);
    let ready = '—';
    if (s.local) {
      const rs = runsOf(n);
      ready = rs.some((r) => r.noReady) ? 'no `ready`' : cell(agg(n, 'readyMs'), 1);
    }
    return `| ${label(n)} | ${cell(agg(n, 'initMs'), 2)} | ${cell(agg(n, 'navToInitMs'), 1)} | ${ready} | ${n === 'bare' ? cell(agg(n, 'loadScriptMs'), 1) + ' (abs)' : cell(agg(n, 'loadScriptMs', { minusBare: true }), 1, true)} | ${n === 'bare' ? cell(agg(n, 'loadTaskMs'), 1) + ' (abs)' : cell(agg(n, 'loadTaskMs', { minusBare: true }), 1, true)} | ${n === 'bare' ? cell(agg(n, 'loadProcMs'), 1) + ' (abs)' : cell(agg(n, 'loadProcMs', { minusBare: true }), 1, true)} |`;
  }).join('\n'));

const OPS = [['elclick', 'element.click()'], ['mouse', 'mouse click'], ['fetch', 'fetch'], ['xhr', 'XHR'], ['error', 'thrown error'], ['rejection', 'rejection']];
tables.push('### 3. Per-operation overhead, µs/op over the bare page (wall clock)\n\nIn-page `performance.now()` around the loop (mouse clicks: around the CDP input calls in Node). Bare row = absolute µs/op.\n\n| SDK | ' + OPS.map((o) => o[1]).join(' | ') + ' |\n|---|' + OPS.map(() => '---:').join('|') + '|\n' +
  names.map((n) => `| ${label(n)} | ` + OPS.map(([k]) => n === 'bare' ? cell(agg(n, `${k}Us`), 0) : cell(agg(n, `${k}Us`, { minusBare: true }), 0, true)).join(' | ') + ' |').join('\n'));
tables.push('### 3b. Main-thread CPU time per operation, µs/op over the bare page\n\nCDP TaskDuration in thread ticks (main-thread CPU time, insensitive to the thread being descheduled by other load) over the phase plus a 500 ms settle (so deferred SDK work such as batching and serialising is included), divided by the operation count. Bare row = absolute.\n\n| SDK | ' + OPS.map((o) => o[1]).join(' | ') + ' |\n|---|' + OPS.map(() => '---:').join('|') + '|\n' +
  names.map((n) => `| ${label(n)} | ` + OPS.map(([k]) => n === 'bare' ? cell(agg(n, `${k}TaskUs`), 0) : cell(agg(n, `${k}TaskUs`, { minusBare: true }), 0, true)).join(' | ') + ' |').join('\n'));

tables.push('### 4. Memory, MB over the bare page\n\nJSHeapUsedSize after the workload; `Runtime.getHeapUsage` after two forced GCs (`HeapProfiler.collectGarbage`); wasm = linear memory reported by our SDK (`armsRum.wasmMemoryBytes()`). Bare row = absolute.\n\n| SDK | JS heap after workload | JS heap after GC | wasm memory | after GC + wasm |\n|---|---:|---:|---:|---:|\n' +
  names.map((n) => {
    const s = SDKS.find((x) => x.name === n);
    const wasm = s.wasmMemory ? (runsOf(n).some((r) => r.wasmMissing) ? '0 (not exposed)' : cell(agg(n, 'wasmMB'), 2)) : '—';
    if (n === 'bare') return `| ${label(n)} | ${cell(agg(n, 'heapMB'), 2)} | ${cell(agg(n, 'heapGcMB'), 2)} | — | ${cell(agg(n, 'heapGcMB'), 2)} |`;
    return `| ${label(n)} | ${cell(agg(n, 'heapMB', { minusBare: true }), 2, true)} | ${cell(agg(n, 'heapGcMB', { minusBare: true }), 2, true)} | ${wasm} | ${cell(agg(n, (r) => r.heapGcMB + (r.wasmMB || 0), { minusBare: true }), 2, true)} |`;
  }).join('\n'));

const C_KEYS = [['pv', 'page view'], ['clicks', 'clicks'], ['fetch', 'fetch'], ['fetch500', 'fetch 500s'], ['xhr', 'XHR'], ['xhr500', 'XHR 500s'], ['errors', 'errors'], ['rejections', 'rejections'], ['longtask', 'long task']];
tables.push(`### 5–6. Network and correctness\n\nRequests and body bytes received by the collector for the whole session (load, workload, hide-triggered flush, navigation away); CORS preflights in brackets. Correctness = what arrived / what happened (medians): ${EXPECT.pv} page view, ${EXPECT.clicks} clicks (${N.elclick} element.click() + ${N.mouse} mouse), ${N.fetch} fetches (${EXPECT.fetch500} answered 500: "500s" counts those reported with status 500), ${N.xhr} XHRs (${EXPECT.xhr500} × 500), ${N.error} thrown errors, ${N.rejection} unhandled rejections, 1 long task (200 ms busy loop in a timer task, counted when a long-task report of 195–300 ms arrived; more than 1 = reported twice).\n\n| SDK | requests | KB | ` + C_KEYS.map((k) => k[1]).join(' | ') + ' |\n|---|---:|---:|' + C_KEYS.map(() => '---:').join('|') + '|\n' +
  names.map((n) => {
    const rs = runsOf(n);
    const pf = median(rs.map((r) => r.preflights));
    const cs = C_KEYS.map(([k]) => {
      if (n === 'bare') return '—';
      const v = median(rs.map((r) => r.count?.[k]));
      return Number.isFinite(v) ? `${f(v, 0)}/${EXPECT[k]}` : 'n/a';
    });
    return `| ${label(n)} | ${cell(agg(n, 'requests'), 0)}${pf ? ` (+${f(pf, 0)})` : ''} | ${cell(agg(n, 'kb'), 1)} | ${cs.join(' | ')} |`;
  }).join('\n'));
const notes = names.map((n) => { const r = runsOf(n).find((x) => x.count?.notes); return r ? `- ${label(n)}: ${r.count.notes}` : null; }).filter(Boolean);
if (notes.length) tables.push('Counting notes:\n' + notes.join('\n'));

// ---- ratios
const peers = names.filter((n) => n !== 'bare' && n !== 'rum-wasm');
// Which delivery count a figure's operation produces: the best peer for a per-op figure is chosen
// among the peers that delivered ≥ 90 % of those events (cheap because it drops data is not best).
const DELIVERS = { elclick: 'clicks', mouse: 'clicks', fetch: 'fetch', xhr: 'xhr', error: 'errors', rejection: 'rejections' };
const delivers = (n, op) => {
  if (!op) return true;
  const k = DELIVERS[op];
  return median(runsOf(n).map((r) => r.count?.[k] ?? 0)) >= 0.9 * EXPECT[k];
};
// Overheads below 5 % of the bare page's own µs/op are within noise: no ratio is taken against them.
function noiseFloor(key) { const b = agg('bare', key)?.med; return Number.isFinite(b) ? 0.05 * b : 0; }
const FIG = [
  ['size gz', (n) => built[n].size.gz],
  ['init() ms', (n) => agg(n, 'initMs')?.med],
  ['nav→init ms', (n) => agg(n, 'navToInitMs')?.med],
  ['start-up CPU ms over bare', (n) => agg(n, 'loadTaskMs', { minusBare: true })?.med],
  ...OPS.map(([k, lab]) => [`${lab} µs/op over bare`, (n) => agg(n, `${k}Us`, { minusBare: true })?.med, k, noiseFloor(`${k}Us`)]),
  ...OPS.filter(([k]) => ['mouse', 'fetch', 'xhr'].includes(k)).map(([k, lab]) => [`${lab} CPU µs/op over bare`, (n) => agg(n, `${k}TaskUs`, { minusBare: true })?.med, k, noiseFloor(`${k}TaskUs`)]),
];
function ratioCell(v, ref, floor = 0) {
  if (!Number.isFinite(v) || !Number.isFinite(ref) || ref <= floor) return 'n/a';
  if (v <= floor) return '≈0';
  return `${(v / ref).toFixed(2)}×`;
}
const nonBare = names.filter((n) => n !== 'bare');
let ratioTxt = '### Ratios (same run): each SDK ÷ ARMS, and ÷ the best peer\n\nRatios are taken within this run because absolute times drift on shared machines. For per-op figures an overhead below 5 % of the bare page\'s own µs/op is within noise: shown as ≈0, and no ratio is taken against it (n/a).\n\n';
if (names.includes('arms')) {
  ratioTxt += '| SDK | ' + FIG.map((x) => x[0] + ' ÷ ARMS').join(' | ') + ' |\n|---|' + FIG.map(() => '---:').join('|') + '|\n' +
    nonBare.map((n) => `| ${label(n)} | ` + FIG.map(([, g, , floor]) => ratioCell(g(n), g('arms'), floor)).join(' | ') + ' |').join('\n') + '\n\n';
}
if (peers.length) {
  ratioTxt += '| figure | best peer | its value | ' + nonBare.map((n) => n + ' ÷ best').join(' | ') + ' |\n|---|---|---:|' + nonBare.map(() => '---:').join('|') + '|\n' +
    FIG.map(([lab, g, op, floor = 0]) => {
      const all = peers.map((p) => [p, g(p)]).filter(([, v]) => Number.isFinite(v) && v > floor);
      const full = all.filter(([p]) => delivers(p, op));
      const vals = (full.length ? full : all).sort((a, b) => a[1] - b[1]);
      if (!vals.length) return `| ${lab} | n/a | n/a | ` + nonBare.map(() => 'n/a').join(' | ') + ' |';
      const [bp, bv] = vals[0];
      return `| ${lab} | ${bp} | ${f(bv, lab.startsWith('size') ? 0 : 1)} | ` + nonBare.map((n) => ratioCell(g(n), bv, floor)).join(' | ') + ' |';
    }).join('\n') + '\n\nBest peer = lowest positive value among the peers (ARMS included, ours and bare excluded). For per-op figures only peers that delivered ≥ 90 % of that operation\'s events count (clicks for element/mouse clicks, fetches, XHRs, errors, rejections; if none did, all peers), and a peer within noise of the bare page is skipped; table 5–6 shows who delivered what.';
}
tables.push(ratioTxt);

// ---- machine + versions
const ver = (p) => { try { return JSON.parse(readFileSync(join(BENCH, 'node_modules', p, 'package.json'), 'utf8')).version; } catch { return '?'; } };
const chromiumVersion = results.find((r) => r.chromium)?.chromium || sh(CHROMIUM, ['--version']);
const cpuModel = (cpus()[0] || {}).model || '?';
const ourRev = sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) || 'uncommitted';
const versions = names.map((n) => {
  const s = SDKS.find((x) => x.name === n);
  if (n === 'bare') return `- bare page: no SDK`;
  if (s.local) return `- ${s.label}: ${s.files.join(' + ')} (repo ${ourRev}, package.json ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version})`;
  return `- ${s.label}: ${s.packages.map((p) => `${p}@${ver(p)}`).join(', ')}`;
});
const failures = results.filter((r) => !r.ok).map((r) => `- ${r.sdk} run ${r.round + 1}: ${r.error}`);
const happenedBad = results.filter((r) => r.ok && r.happened && (r.happened.progClicks !== N.elclick || r.happened.realClicks !== N.mouse || r.happened.errors !== N.error || r.happened.rejections !== N.rejection))
  .map((r) => `- ${r.sdk} run ${r.round + 1}: page saw ${JSON.stringify(r.happened)}`);

const header = `# rum-wasm benchmark results

- Date: ${new Date().toISOString()}
- Command: \`node bench/run.mjs ${argv.join(' ')}\` (${opt.runs} run${opt.runs > 1 ? 's' : ''} per SDK after one discarded warm-up run, rounds interleaved with the order rotated each round; ${f(elapsed / 60, 1)} min)
- Machine: ${sh('nproc', [])} cores (${cpuModel}), memory: ${sh('sh', ['-c', "free -h | awk '/^Mem:/{print $2\" total, \"$7\" available\"}'"])}; shared with other work, so compare ratios within a run
- Browser: headless Chromium ${chromiumVersion} (${CHROMIUM}), driven by playwright-core@${ver('playwright-core')} over CDP; bundles by esbuild@${ver('esbuild')}; Node ${process.version}
- Cells: median (min…max) over the runs; "over bare" values are per-round differences against the bare page run in the same round

## Versions
${versions.join('\n')}
${skipped.length ? '\nSkipped: ' + skipped.join('; ') + '\n' : ''}${failures.length ? '\nFailed runs:\n' + failures.join('\n') + '\n' : ''}${happenedBad.length ? '\nWorkload anomalies:\n' + happenedBad.join('\n') + '\n' : ''}
## Method
Each SDK × run: a fresh headless Chromium (new profile), page served from 127.0.0.1, SDK configured to send to a catch-all collector on 127.0.0.1 (100 % sampling, default collection; ARMS/ours with \`collectors.longtask: true\`). Workload: load, 1 s settle, ${N.elclick} \`element.click()\`, ${N.mouse} real mouse clicks (CDP Input), ${N.fetch} sequential fetches, ${N.xhr} sequential XHRs (every ${FAIL_EVERY}th answers 500), ${N.error} thrown errors (\`setTimeout(() => { throw })\`, batches of 10), ${N.rejection} unhandled rejections (batches of 10), one 200 ms busy loop; 500 ms settle after each phase; memory; then \`visibilitychange\` with \`visibilityState\` overridden to 'hidden', wait until the collector is quiet (1.5 s, max 12 s), navigate to about:blank, wait until quiet again (1 s, max 6 s). See bench/README.md.
`;
const md = header + '\n## Results\n\n' + tables.join('\n\n') + '\n';
console.log(md);
mkdirSync(WORK, { recursive: true });
writeFileSync(join(WORK, 'results.json'), JSON.stringify({ opt, built: Object.fromEntries(names.map((n) => [n, built[n].size])), results }, null, 1));
const outFile = opt.out || (opt.smoke || opt.only ? join(WORK, 'RESULTS.md') : join(BENCH, 'RESULTS.md'));
writeFileSync(outFile, md);
log(`bench: wrote ${outFile} (raw runs: bench/.work/results.json)`);

// Smoke mode is a test: fail if any run failed or if the SDK under test delivered nothing.
if (opt.smoke) {
  const bad = results.filter((r) => !r.ok);
  const sdkRun = results.find((r) => r.sdk !== 'bare');
  const delivered = sdkRun && sdkRun.ok && sdkRun.requests > 0 && sdkRun.count && sdkRun.count.pv >= 1;
  if (bad.length || !delivered) {
    console.log(`bench-smoke: 0 passed, 1 failed${bad.length ? ' (' + bad.map((r) => r.sdk + ': ' + r.error).join('; ') + ')' : ' (' + (sdkRun?.sdk || '?') + ' delivered no page view)'}`);
    process.exit(1);
  }
  console.log('bench-smoke: 1 passed, 0 failed');
}
process.exit(failures.length && !opt.smoke ? 1 : 0);
