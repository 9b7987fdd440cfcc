// Runs one wasm-bindgen-test binary in headless Chromium through playwright-core (CDP) instead
// of chromedriver: cargo's runner for wasm32 in the browser layer of `npm test`
//   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="node scripts/browser-tests.mjs" \
//     cargo test --target wasm32-unknown-unknown --test web
// wasm-bindgen-test-runner still generates the test page (its server mode, NO_HEADLESS=1, with
// WASM_BINDGEN_KEEP_TEST_BUILD=1 so its files stay on disk); the page comes from its server once,
// every file the page then loads is answered from those files by the browser driver itself.
// Why: the runner's HTTP server (rouille 3.6 on tiny_http 0.12) sometimes never answers one of
// the page's parallel module requests (seen: GET /snippets/rum-wasm-<hash>/src/browser/fields.js
// pending for 120 s), so the page never loads: under chromedriver that was the 300 s "Loading
// scripts..." time-out of issue 14, the same with any driver. A page that does not finish is
// still reported with what is pending, after 120 s, and never retried.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { launch } from '../tests/e2e/harness.mjs';

const wasm = process.argv[2];
if (!wasm) {
  console.error('usage: node scripts/browser-tests.mjs <test.wasm> [args...]');
  process.exit(2);
}
const TEST_TIMEOUT_MS = 120_000;

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const port = await freePort();
const runner = spawn('wasm-bindgen-test-runner', process.argv.slice(2), {
  env: { ...process.env, NO_HEADLESS: '1', WASM_BINDGEN_KEEP_TEST_BUILD: '1', WASM_BINDGEN_TEST_ADDRESS: `127.0.0.1:${port}` },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let runnerOut = '';
runner.stdout.on('data', (d) => { runnerOut += d; });
const runnerExit = new Promise((resolve) => runner.on('exit', (code) => resolve(code ?? 1)));

// The runner serves once it has generated the page; a binary without browser tests ends at once.
const ready = await Promise.race([
  (async () => { while (!/available at http/.test(runnerOut)) await new Promise((r) => setTimeout(r, 50)); return true; })(),
  runnerExit.then(() => false),
]);
if (!ready) {
  process.stdout.write(runnerOut);
  process.exit(await runnerExit);
}

const buildDir = runnerOut.match(/Retaining temporary build output folder: (.*)/)?.[1]?.trim();
const origin = `http://127.0.0.1:${port}`;
// The page itself (generated in the runner's memory): one request, alone on its connection.
const index = await fetch(origin + '/', { signal: AbortSignal.timeout(30_000) }).then((r) => r.text());
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html' };
/** What the runner would serve for `pathname`: its build folder first, then this checkout. */
function asset(pathname) {
  for (const dir of [buildDir, process.cwd()]) {
    for (const p of [pathname, pathname + '.js']) {
      const file = path.join(dir, decodeURIComponent(p));
      if (file.startsWith(dir + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) return file;
    }
  }
  return null;
}

const browser = await launch();
let code = 1;
try {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  await page.route(origin + '/**', (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === '/') return route.fulfill({ status: 200, contentType: 'text/html', body: index });
    const file = asset(pathname);
    if (!file) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: TYPES[path.extname(file)] ?? 'application/octet-stream', body: fs.readFileSync(file) });
  });
  const pending = new Map();
  page.on('request', (r) => pending.set(r, Date.now()));
  page.on('requestfinished', (r) => pending.delete(r));
  page.on('requestfailed', (r) => { pending.delete(r); console.error(`request failed: ${r.url()} ${r.failure()?.errorText}`); });
  page.on('pageerror', (e) => console.error('page error: ' + e.message));
  // `commit`: the tests' own output says when they are done; nothing waits for the load event.
  await page.goto(origin + '/', { waitUntil: 'commit' });
  const start = Date.now();
  let out = '';
  while (Date.now() - start < TEST_TIMEOUT_MS) {
    out = await page.evaluate(() => document.getElementById('output')?.textContent ?? '').catch(() => out);
    if (out.includes('test result: ')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write(out.replace(/^Loading (scripts|Wasm module)\.\.\.\n/gm, ''));
  if (!out.includes('test result: ')) {
    console.error(`browser-tests: no test result after ${TEST_TIMEOUT_MS / 1000} s; page output: ${JSON.stringify(out.slice(0, 500))}`);
    for (const [r, t] of pending) console.error(`  pending for ${Date.now() - t} ms: ${r.method()} ${r.url()}`);
  } else if (out.includes('test result: ok')) {
    code = 0;
  } else {
    if (logs.length) console.log('console output:\n' + logs.join('\n'));
  }
} finally {
  await browser.close();
  runner.kill();
  if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
}
process.exit(code);
