// The session replay workload: one page making 1,000 DOM mutations and 200 inputs over a
// minute, recorded by each recorder in turn, measured in one run:
//   - recorder file size: what a recording page downloads for the recorder, minified + gzip -9
//     (ours: dist/rum-replay.js + dist/rum_replay_bg.wasm; @rrweb/record bundled alone;
//     Datadog: the lazily loaded recorder chunks of @datadog/browser-rum, esbuild --splitting);
//   - main-thread CPU ms for the workload over the bare page (CDP TaskDuration in thread ticks,
//     over the workload plus a 1.5 s settle, so batching and serialising count);
//   - bytes sent per minute to the replay intake, as on the wire (ours gzip; Datadog deflate;
//     @rrweb/record has no transport: the page POSTs its events as JSON every 5 s, the way its
//     README shows).
//
//   node bench/replay.mjs [--smoke]      (--smoke: a 6 s workload with the counts / 10)
// A full run writes bench/REPLAY-RESULTS.md.
// Prints a markdown table. Never asserts on time: these are figures, not tests.
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const WORK = join(BENCH, '.work', 'replay');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const smoke = process.argv.includes('--smoke');
const DURATION_MS = smoke ? 6000 : 60000;
const MUTATIONS = smoke ? 100 : 1000;
const INPUTS = smoke ? 20 : 200;
const SETTLE_MS = 1500;

const { chromium } = await import(join(BENCH, 'node_modules/playwright-core/index.mjs'));
const esbuild = (await import(join(BENCH, 'node_modules/esbuild/lib/main.js'))).default;
const gz = (buf) => gzipSync(buf, { level: 9 }).length;

// ---- the recorders ------------------------------------------------------------------------
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

async function bundle(name, contents, splitting) {
  const outdir = join(WORK, name);
  await esbuild.build({ stdin: { contents, resolveDir: BENCH }, bundle: true, minify: true, format: 'esm', splitting, outdir, target: 'es2020', logLevel: 'error' });
  return outdir;
}

const REC = [];
REC.push({ name: 'bare', label: 'bare page (no recorder)', head: '' });
if (existsSync(join(ROOT, 'dist/rum-replay.js'))) {
  const files = ['dist/rum-replay.js', 'dist/rum_replay_bg.wasm'];
  REC.push({
    name: 'rum-wasm',
    label: 'rum-wasm recorder (dist/rum-replay.js + .wasm)',
    size: files.reduce((a, f) => a + gz(readFileSync(join(ROOT, f))), 0),
    sizeNote: files.join(' + '),
    head: `<script>window.__rum = {pid: 'bench', endpoint: location.origin + '/collect', sessionReplaySampleRate: 1};</script><script src="/dist/rum.js"></script>`,
    replay: (path) => path === '/replay',
  });
  // The same SDK without replay: what of the figure is the RUM core's own work.
  REC.push({ name: 'rum-wasm-core', label: 'rum-wasm without replay (sessionReplaySampleRate 0)', head: `<script>window.__rum = {pid: 'bench', endpoint: location.origin + '/collect'};</script><script src="/dist/rum.js"></script>` });
}
{
  const dir = await bundle('rrweb', "import { record } from '@rrweb/record'; window.__record = record;", false);
  const size = gz(readFileSync(join(dir, 'stdin.js')));
  REC.push({
    name: 'rrweb',
    label: '@rrweb/record ' + JSON.parse(readFileSync(join(BENCH, 'node_modules/@rrweb/record/package.json'))).version,
    size,
    sizeNote: 'bundled alone',
    head: `<script type="module">import '/work/rrweb/stdin.js';
      let q = []; window.__record({ emit: (e) => q.push(e) });
      setInterval(() => { if (q.length) { fetch('/rrweb', { method: 'POST', body: JSON.stringify(q) }); q = []; } }, 5000);
      addEventListener('pagehide', () => { if (q.length) navigator.sendBeacon('/rrweb', JSON.stringify(q)); });</script>`,
    replay: (path) => path === '/rrweb',
  });
}
{
  const dir = await bundle('datadog', `import { datadogRum } from '@datadog/browser-rum';
    datadogRum.init({applicationId: 'bench', clientToken: 'pubbench', site: 'datadoghq.com', service: 'bench', proxy: location.origin + '/dd',
      sessionSampleRate: 100, sessionReplaySampleRate: 100, defaultPrivacyLevel: 'mask-user-input', trackUserInteractions: true});`, true);
  // The recorder is what the entry imports lazily: every chunk but the entry and its static imports.
  const chunks = readdirSync(dir).filter((f) => f !== 'stdin.js');
  const entry = readFileSync(join(dir, 'stdin.js'), 'utf8');
  // (Its profiler is a lazy chunk too, loaded only when profiling is on: not counted.)
  const lazy = chunks.filter((f) => !/profiler/i.test(f) && !new RegExp(`from"\\./${f.replace('.', '\\.')}"`).test(entry));
  const v = JSON.parse(readFileSync(join(BENCH, 'node_modules/@datadog/browser-rum/package.json'))).version;
  // Part of Datadog's replay is in its main bundle (segment collection, the deflate worker):
  // the main bundle less the same init of @datadog/browser-rum-slim (which leaves replay out).
  const slim = await bundle('datadog-slim', `import { datadogRum } from '@datadog/browser-rum-slim';
    datadogRum.init({applicationId: 'bench', clientToken: 'pubbench', site: 'datadoghq.com', service: 'bench', proxy: location.origin + '/dd', sessionSampleRate: 100, trackUserInteractions: true});`, true);
  const entryOf = (d) => readdirSync(d).filter((f) => !/profiler|recorder/i.test(f)).reduce((a, f) => a + gz(readFileSync(join(d, f))), 0);
  const inMain = entryOf(dir) - entryOf(slim);
  const lazySize = lazy.reduce((a, f) => a + gz(readFileSync(join(dir, f))), 0);
  REC.push({
    name: 'datadog',
    label: 'Datadog @datadog/browser-rum ' + v + ' recorder',
    size: lazySize,
    sizeNote: `lazy chunks ${lazy.join(', ')} (${lazySize}); with the replay part of its main bundle (browser-rum less browser-rum-slim, ${inMain}): ${lazySize + inMain}`,
    head: `<script type="module" src="/work/datadog/stdin.js"></script>`,
    replay: (path, url) => path === '/dd' && /replay/.test(url.searchParams.get('ddforward') || ''),
  });
  await bundle('datadog-core', `import { datadogRum } from '@datadog/browser-rum';
    datadogRum.init({applicationId: 'bench', clientToken: 'pubbench', site: 'datadoghq.com', service: 'bench', proxy: location.origin + '/dd',
      sessionSampleRate: 100, sessionReplaySampleRate: 0, trackUserInteractions: true});`, true);
  REC.push({ name: 'datadog-core', label: 'Datadog without replay (sessionReplaySampleRate 0)', head: `<script type="module" src="/work/datadog-core/stdin.js"></script>` });
}

// ---- the page and the intake -------------------------------------------------------------------
const page = (rec) => `<!doctype html><html><head><meta charset="utf-8"><title>replay bench</title>${rec.head}</head>
<body><h1>Replay workload</h1><form onsubmit="return false"><input id="name" name="fullname"><textarea id="notes"></textarea></form>
<ul id="list"></ul><p id="status" class="s0">idle</p></body></html>`;

const MIME = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
let sent = { bytes: 0, requests: 0 };
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  if (req.method === 'POST') {
    const rec = REC.find((r) => r.name === current);
    if (rec && rec.replay && rec.replay(url.pathname, url)) { sent.bytes += body.length; sent.requests++; }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
    return res.end('{}');
  }
  if (url.pathname.startsWith('/page/')) {
    const rec = REC.find((r) => r.name === url.pathname.slice(6));
    res.writeHead(rec ? 200 : 404, { 'Content-Type': 'text/html' });
    return res.end(rec ? page(rec) : 'no');
  }
  const file = url.pathname.startsWith('/dist/') ? join(ROOT, url.pathname) : url.pathname.startsWith('/work/') ? join(WORK, url.pathname.slice(6)) : null;
  if (file && existsSync(file)) {
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] || 'application/octet-stream' });
    return res.end(readFileSync(file));
  }
  res.writeHead(404);
  res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
let current = '';

// The workload, in the page: MUTATIONS DOM changes (adds, text, attributes, removes) and
// INPUTS input events, evenly over DURATION_MS.
function workload({ duration, mutations, inputs }) {
  return new Promise((resolve) => {
    const total = mutations + inputs;
    const every = Math.max(1, Math.round(total / inputs));
    let m = 0, i = 0, k = 0;
    const list = document.getElementById('list');
    const status = document.getElementById('status');
    const name = document.getElementById('name');
    const timer = setInterval(() => {
      k++;
      if (k % every === 0 && i < inputs) {
        name.value += String.fromCharCode(97 + (i % 26));
        name.dispatchEvent(new Event('input', { bubbles: true }));
        i++;
      } else if (m < mutations) {
        const r = m % 4;
        if (r === 0) { const li = document.createElement('li'); li.textContent = 'row ' + m; list.appendChild(li); }
        else if (r === 1) status.textContent = 'step ' + m;
        else if (r === 2) status.className = 's' + m;
        else if (list.firstChild && list.childNodes.length > 20) list.removeChild(list.firstChild);
        else list.appendChild(document.createElement('li'));
        m++;
      }
      if (m >= mutations && i >= inputs) { clearInterval(timer); resolve({ m, i }); }
    }, duration / total);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'] });
const results = {};
try {
  for (const rec of REC) {
    current = rec.name;
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const p = await ctx.newPage();
    const cdp = await ctx.newCDPSession(p);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'TaskDuration').value * 1000;
    await p.goto(`${origin}/page/${rec.name}`, { waitUntil: 'load' });
    await sleep(2000); // the recorder loaded and its first snapshot sent
    sent = { bytes: 0, requests: 0 };
    const t0 = await task();
    const done = await p.evaluate(workload, { duration: DURATION_MS, mutations: MUTATIONS, inputs: INPUTS });
    await sleep(SETTLE_MS);
    const ms = (await task()) - t0;
    // What is still pending goes out at page hide, as it would when the user leaves.
    await p.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await sleep(1500);
    results[rec.name] = { ms, done, bytes: sent.bytes, requests: sent.requests };
    await ctx.close();
    process.stderr.write(`replay bench: ${rec.name} done\n`);
  }
} finally {
  await browser.close();
  server.close();
}

const perMin = (b) => Math.round((b * 60000) / DURATION_MS);
const bare = results.bare ? results.bare.ms : 0;
let out = `### Session replay: ${MUTATIONS} DOM mutations + ${INPUTS} inputs over ${DURATION_MS / 1000} s${smoke ? ' (smoke)' : ''}, one run\n\n`;
out += '| recorder | file size min+gz (bytes) | main-thread ms over bare | bytes sent per minute | requests |\n|---|---:|---:|---:|---:|\n';
for (const rec of REC) {
  const r = results[rec.name];
  if (!r) continue;
  if (rec.name === 'bare') { out += `| ${rec.label} | – | ${r.ms.toFixed(0)} (absolute) | – | – |\n`; continue; }
  if (!rec.size) { out += `| ${rec.label} | – | ${(r.ms - bare).toFixed(0)} | – | – |\n`; continue; }
  out += `| ${rec.label} | ${rec.size} | ${(r.ms - bare).toFixed(0)} | ${perMin(r.bytes)} | ${r.requests} |\n`;
}
out += '\nSizes: ' + REC.filter((r) => r.sizeNote).map((r) => `${r.name}: ${r.sizeNote}`).join('; ') + '.\n';
out += "rum-wasm and Datadog include their RUM SDK in the page; their rows without replay show how much of the main-thread figure is the RUM SDK's own work. @rrweb/record is the recorder alone.\n";
console.log(out);
// The smoke run (npm test, layer 4) checks that every recorder was measured and sent something,
// so the workload cannot rot; the figures themselves are never asserted.
const checked = REC.filter((r) => r.replay);
const ok = checked.filter((r) => results[r.name] && results[r.name].requests > 0 && results[r.name].bytes > 0);
console.log(`replay-bench: ${ok.length} passed, ${checked.length - ok.length} failed` + (ok.length < checked.length ? ` (nothing sent: ${checked.filter((r) => !ok.includes(r)).map((r) => r.name).join(', ')})` : ''));
if (ok.length < checked.length) process.exitCode = 1;
if (!smoke) {
  const chrome = browser.version();
  writeFileSync(join(BENCH, 'REPLAY-RESULTS.md'), `# Session replay benchmark: results\n\n\`node bench/replay.mjs\` on ${new Date().toISOString().slice(0, 10)}, Chromium ${chrome}, one run (the issue asks for the three figures measured in one run).\n\n${out}`);
}
