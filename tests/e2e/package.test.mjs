// The package the way a user gets it: `npm pack` → tarball with exactly the published files →
// `npm install <tarball>` into a throw-away app → built with Vite (no plugins; the .wasm found
// through `new URL(..., import.meta.url)`, the replay recorder a lazy chunk with its own .wasm
// asset) → served and run in Chromium against a real ingest server. Plus the script-tag path
// from the installed package's dist/rum.js + .wasm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { ROOT, launch, startServer, until, hide } from './harness.mjs';

const VITE = path.join(ROOT, 'node_modules/vite/bin/vite.js');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

let tmp, tarball, app, browser, ingest, statics, assets;
// Replay segments the ingest server received (POST /replay), as [content-type, bytes].
const replays = [];

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120000, maxBuffer: 16 << 20, ...opts }, (err, stdout, stderr) => {
      if (err) { err.message += '\n' + stdout + '\n' + stderr; return reject(err); }
      resolve({ stdout, stderr });
    });
  });
}

/** A page's uncaught errors, its `[rum-wasm]` console lines and the paths it requested. */
function watched(page) {
  const w = { errors: [], warnings: [], requested: [] };
  page.on('pageerror', (e) => w.errors.push(String(e)));
  page.on('console', (m) => { if (m.text().includes('[rum-wasm]')) w.warnings.push(m.text()); });
  page.on('request', (r) => w.requested.push(new URL(r.url()).pathname));
  return w;
}

/** A plain static file server on 127.0.0.1 for `dir` (`/x/` → `/x/index.html`). */
async function serveDir(dir) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (file.endsWith('/')) file += 'index.html';
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

before(async () => {
  for (const f of pkg.files) assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} missing: run npm run build`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rum-pkg-'));
  ingest = await startServer({
    routes: { '/replay': (req, res, body) => { replays.push([req.headers['content-type'], body.length]); res.writeHead(200); res.end('ok'); } },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await ingest?.close();
  await statics?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('npm pack: the tarball holds exactly the files in package.json `files` (+ package.json, README/LICENSE if any)', async () => {
  const packDir = path.join(tmp, 'pack');
  fs.mkdirSync(packDir);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT });
  const [info] = JSON.parse(stdout);
  tarball = path.join(packDir, info.filename);
  assert.ok(fs.existsSync(tarball), tarball);
  const list = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean);
  assert.ok(list.every((f) => f.startsWith('package/')), list.join('\n'));
  const got = list.map((f) => f.slice('package/'.length)).sort();
  const extra = fs.readdirSync(ROOT).filter((f) => /^(README|LICEN[CS]E)(\.|$)/i.test(f));
  const want = [...pkg.files, 'package.json', ...extra].sort();
  assert.deepEqual(got, want);
  // What's inside is the build in dist/, byte for byte.
  const unpack = path.join(tmp, 'unpacked');
  fs.mkdirSync(unpack);
  await run('tar', ['-xzf', tarball, '-C', unpack]);
  for (const f of pkg.files) assert.ok(fs.readFileSync(path.join(unpack, 'package', f)).equals(fs.readFileSync(path.join(ROOT, f))), f);
});

test('npm install <tarball> into an app: exports resolve; Vite builds it with the .wasm as an asset; it runs and reports', async () => {
  assert.ok(tarball, 'needs the tarball from the previous test');
  app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'vite-app', private: true, version: '0.0.0', type: 'module' }, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], { cwd: app });
  const installed = path.join(app, 'node_modules/rum-wasm');
  assert.equal(JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version, pkg.version);
  const appPkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  assert.match(appPkg.dependencies['rum-wasm'], /rum-wasm-.*\.tgz$/);

  // Every `exports` subpath resolves to a real file in the installed package.
  const req = createRequire(path.join(app, 'index.js'));
  const real = (p) => fs.realpathSync(p);
  assert.equal(real(req.resolve('rum-wasm')), real(path.join(installed, 'dist/index.js')));
  assert.equal(real(req.resolve('rum-wasm/script')), real(path.join(installed, 'dist/rum.js')));
  assert.equal(real(req.resolve('rum-wasm/wasm')), real(path.join(installed, 'dist/rum_wasm_bg.wasm')));
  assert.equal(real(req.resolve('rum-wasm/package.json')), real(path.join(installed, 'package.json')));

  fs.writeFileSync(path.join(app, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><title>vite app</title>
<script type="module" src="/main.js"></script></head><body><button id="b">b</button></body></html>`);
  fs.writeFileSync(path.join(app, 'main.js'), `import armsRum from 'rum-wasm';
const endpoint = new URLSearchParams(location.search).get('endpoint');
const replay = new URLSearchParams(location.search).has('replay');
const remoteConfig = new URLSearchParams(location.search).has('remote') ? { url: endpoint + '/no-config' } : undefined;
const tracing = new URLSearchParams(location.search).has('trace');
armsRum.init({ pid: 'vite-app', endpoint, env: 'local', reportConfig: { flushTime: 200 }, sessionReplaySampleRate: replay ? 1 : 0, remoteConfig, tracing });
armsRum.ready.then((ok) => { window.__ready = ok; armsRum.sendCustom({ type: 'vite', name: 'bundled' }); });
window.armsRum = armsRum;
`);
  const { stdout, stderr } = await run(process.execPath, [VITE, 'build', app, '--logLevel', 'warn', '--emptyOutDir'], { cwd: app });
  assets = fs.readdirSync(path.join(app, 'dist/assets'));
  const same = (f, original) => fs.readFileSync(path.join(app, 'dist/assets', f)).equals(fs.readFileSync(path.join(installed, 'dist', original)));
  const wasm = assets.filter((f) => f.endsWith('.wasm') && same(f, 'rum_wasm_bg.wasm'));
  assert.equal(wasm.length, 1, `the core .wasm as an asset in dist/assets: ${assets.join(' ')}\n${stdout}${stderr}`);
  assert.equal(assets.filter((f) => f.endsWith('.wasm') && same(f, 'rum_replay_bg.wasm')).length, 1, 'the replay .wasm as an asset: ' + assets.join(' '));
  assert.ok(assets.some((f) => /^rum-replay-.*\.js$/.test(f)), 'the recorder as a chunk of its own: ' + assets.join(' '));
  assert.equal(assets.filter((f) => f.endsWith('.wasm') && same(f, 'rum_remote_bg.wasm')).length, 1, 'the remote-config .wasm as an asset: ' + assets.join(' '));
  assert.ok(assets.some((f) => /^rum-remote-.*\.js$/.test(f)), 'the remote-config rules as a chunk of their own: ' + assets.join(' '));
  assert.ok(assets.some((f) => /^rum-send-.*\.js$/.test(f)), 'the send worker as a file of its own: ' + assets.join(' '));
  assert.ok(assets.some((f) => /^rum-trace-.*\.js$/.test(f)), 'the trace header builder as a chunk of its own: ' + assets.join(' '));
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(app, 'dist/assets', f), 'utf8')).join('\n');
  assert.ok(js.includes(wasm[0]), 'the bundle refers to the emitted .wasm by its hashed name');

  statics = await serveDir(path.join(app, 'dist'));
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const { errors, warnings, requested } = watched(page);
    await page.goto(`${statics.origin}/?endpoint=${encodeURIComponent(ingest.origin + '/collect')}`);
    await until(() => page.evaluate(() => window.__ready !== undefined), 'armsRum.ready');
    assert.equal(await page.evaluate(() => window.__ready), true, warnings.join('\n'));
    assert.deepEqual(requested.filter((p) => p.endsWith('.wasm')), [`/assets/${wasm[0]}`], 'only the core .wasm');
    assert.ok(!requested.some((p) => p.includes('rum-replay')), 'a page that does not record loads no recorder: ' + requested.join(' '));
    assert.ok(!requested.some((p) => p.includes('rum-remote')), 'a config without remoteConfig loads no remote-config chunk: ' + requested.join(' '));
    assert.ok(!requested.some((p) => p.includes('rum-trace')), 'a config without tracing loads no tracing chunk: ' + requested.join(' '));
    await until(() => ingest.events().some((e) => e.type === 'vite' && e.name === 'bundled'), 'the vite/bundled custom event', 10000);
    const bundle = ingest.received.find((b) => b.json?.events.some((e) => e.type === 'vite'))?.json;
    assert.ok(requested.some((p) => /\/assets\/rum-send-.*\.js$/.test(p)), 'the bundles left from the send worker: ' + requested.join(' '));
    assert.equal(bundle.app.id, 'vite-app');
    assert.equal(bundle._v, 'rum-wasm-' + pkg.version);
    const mine = ingest.events().filter((e) => e._bundle.app.id === 'vite-app');
    const pv = mine.find((e) => e.event_type === 'view' && e.type === 'pv');
    assert.ok(pv, 'a pv: ' + JSON.stringify(mine.map((e) => e.event_type + ':' + e.type)));
    assert.equal(pv.url, `${statics.origin}/?endpoint=${encodeURIComponent(ingest.origin + '/collect')}`);
    const custom = mine.find((e) => e.type === 'vite');
    assert.equal(custom.event_type, 'custom');
    assert.equal(custom.session_id, pv.session_id);
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
  } finally {
    await ctx.close();
  }
});

/**
 * The built Vite app at `/?<query>` in a fresh context (`before(page)` runs first, its answer is
 * `fn`'s second argument), the SDK ready; `fn` gets the page and
 * what `watched` saw, and the page must end with no error and no SDK warning.
 */
async function onBuiltApp(query, fn, before = () => {}) {
  assert.ok(statics, 'needs the built app from the previous test');
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const w = watched(page);
    const extra = before(page);
    await page.goto(`${statics.origin}/?${query}&endpoint=${encodeURIComponent(ingest.origin + '/collect')}`);
    assert.equal(await page.evaluate(() => window.armsRum.ready), true, w.warnings.join('\n'));
    await fn({ page, ...w }, extra);
    assert.deepEqual(w.errors, []);
    assert.deepEqual(w.warnings, []);
  } finally {
    await ctx.close();
  }
}

test('Vite: a config with remoteConfig loads the remote-config chunk and its .wasm asset, and the SDK runs', () => onBuiltApp('remote=1', async ({ requested }) => {
  const remoteWasm = assets.find((f) => f.endsWith('.wasm') && fs.readFileSync(path.join(app, 'dist/assets', f)).equals(fs.readFileSync(path.join(app, 'node_modules/rum-wasm/dist/rum_remote_bg.wasm'))));
  assert.ok(requested.some((p) => /\/assets\/rum-remote-.*\.js$/.test(p)), 'the remote-config chunk: ' + requested.join(' '));
  assert.ok(requested.includes('/assets/' + remoteWasm), 'its .wasm asset: ' + requested.join(' '));
  await until(() => requested.some((p) => p.endsWith('/no-config')), 'the remote config request');
  await until(() => ingest.events().filter((e) => e.type === 'vite').length >= 2, 'the second vite/bundled custom event', 10000);
}));

test('Vite: a config with tracing loads the tracing chunk, and the page\'s requests carry traceparent', () => onBuiltApp('trace=1', async ({ page, requested }, traced) => {
  assert.ok(requested.some((p) => /\/assets\/rum-trace-.*\.js$/.test(p)), 'the tracing chunk: ' + requested.join(' '));
  await page.evaluate(() => fetch('/traced').then((r) => r.text()));
  assert.match(traced[0] || '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'traceparent on the page\'s own request');
}, (page) => {
  const traced = [];
  page.on('request', (r) => { if (r.url().includes('/traced')) traced.push(r.headers().traceparent); });
  return traced;
}));

test('Vite: a recording page loads the recorder chunk and its .wasm asset, and segments go to /replay', () => onBuiltApp('replay=1', async ({ page, requested }, before) => {
  await until(() => requested.some((p) => /\/assets\/rum-replay-.*\.js$/.test(p)), 'the recorder chunk');
  const replayWasm = assets.find((f) => f.endsWith('.wasm') && fs.readFileSync(path.join(app, 'dist/assets', f)).equals(fs.readFileSync(path.join(app, 'node_modules/rum-wasm/dist/rum_replay_bg.wasm'))));
  await until(() => requested.includes('/assets/' + replayWasm), 'the replay .wasm asset');
  await page.click('#b');
  await hide(page);
  await until(() => replays.length > before, 'a replay segment at /replay', 10000);
  assert.ok(replays.slice(before).every(([, n]) => n > 0), JSON.stringify(replays));
}, () => replays.length));

test('script tag from the installed package: dist/rum.js + .wasm copied to a folder, ARMS __rum snippet, a bundle arrives', async () => {
  assert.ok(app, 'needs the installed app from the previous test');
  const site = path.join(tmp, 'site');
  fs.mkdirSync(path.join(site, 'static/rum'), { recursive: true });
  for (const f of ['rum.js', 'rum_wasm_bg.wasm']) fs.copyFileSync(path.join(app, 'node_modules/rum-wasm/dist', f), path.join(site, 'static/rum', f));
  fs.mkdirSync(path.join(site, 'shop'));
  fs.writeFileSync(path.join(site, 'shop/index.html'), `<!doctype html><html><head><meta charset="utf-8"><title>tag</title>
<script>window.__rum = { pid: 'tag-app', endpoint: ${JSON.stringify(ingest.origin + '/collect')}, env: 'prod', user: { name: 'Tag User' } };</script>
<script src="/static/rum/rum.js"></script></head><body>shop</body></html>`);
  const srv = await serveDir(site);
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(srv.origin + '/shop/');
    assert.equal(await page.evaluate(() => window.RumSDK.default.ready), true);
    await page.evaluate(() => window.RumSDK.default.sendCustom({ type: 'tag', name: 'installed' }));
    await hide(page);
    const b = await until(() => ingest.received.find((x) => x.json?.app.id === 'tag-app'), 'a tag-app bundle');
    assert.match(b.json._v, /^rum-wasm-/);
    assert.equal(b.json._v, 'rum-wasm-' + pkg.version);
    assert.equal(b.json.user.name, 'Tag User');
    assert.equal(b.json.view.name, '/shop/');
    await until(() => ingest.events().some((e) => e._bundle.app.id === 'tag-app' && e.type === 'tag'), 'the custom event');
    const types = ingest.events().filter((e) => e._bundle.app.id === 'tag-app').map((e) => e.event_type + ':' + e.type);
    assert.ok(types.includes('view:pv'), types.join(' '));
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
    await srv.close();
  }
});
