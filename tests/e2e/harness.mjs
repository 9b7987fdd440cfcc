// End-to-end harness: a real HTTP server on 127.0.0.1 (static files + an ingest endpoint that
// keeps what it receives + small APIs for the page to call), and headless Chromium through
// playwright-core. No mocks: the SDK under test sends real requests to this server.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import os from 'node:os';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png' };

export function chromiumPath() {
  for (const p of [process.env.CHROME_BIN, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (p && fs.existsSync(p)) return p;
  }
  throw new Error('no Chromium found: run scripts/setup.sh or set CHROME_BIN');
}

export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Starts the server. `pages` maps a URL path to HTML; `/dist/*` and `/www/*` come from the repo.
 * `received` holds every ingested bundle with its headers. `mode` lets a test make the
 * endpoint fail ('up' | 'down' (connection reset) | status code).
 */
export async function startServer({ pages = {}, routes = {} } = {}) {
  const received = [];
  // `attempts`: every request to /collect, whatever it was answered (added for the delivery
  // tests: what was refused or reset, and when).
  const control = { status: 200, retryAfter: null, hits: 0, attempts: [] };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const chunks = [];
    try {
      for await (const c of req) chunks.push(c);
    } catch {
      return; // the page went away mid-request (reload, navigation): nothing to answer
    }
    let body = Buffer.concat(chunks);
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin || '*');
    res.setHeader('Access-Control-Allow-Headers', '*');
    if (req.method === 'OPTIONS') { res.writeHead(204); return res.end(); }
    if (url.pathname === '/collect') {
      control.hits++;
      let atext = '';
      try { atext = (req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body).toString('utf8'); } catch { /* kept empty */ }
      control.attempts.push({ at: Date.now(), status: control.status, text: atext, headers: req.headers });
      if (control.status === 'down') { req.socket.destroy(); return; }
      if (control.status !== 200) {
        if (control.retryAfter) res.setHeader('Retry-After', String(control.retryAfter));
        res.writeHead(control.status); return res.end('no');
      }
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      let json = null;
      try { json = JSON.parse(body.toString('utf8')); } catch { /* kept as text */ }
      received.push({ headers: req.headers, text: body.toString('utf8'), json, at: Date.now() });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return res.end('ok');
    }
    if (routes[url.pathname]) return routes[url.pathname](req, res, body);
    if (url.pathname === '/api/ok') { res.writeHead(200, { 'Content-Type': 'application/json' }); return res.end('{"ok":true}'); }
    if (url.pathname === '/api/fail') { res.writeHead(500, { 'Content-Type': 'application/json' }); return res.end('{"ok":false}'); }
    if (url.pathname === '/api/slow') { setTimeout(() => { res.writeHead(200); res.end('slow'); }, Number(url.searchParams.get('ms') || 300)); return; }
    if (url.pathname === '/api/echo-headers') { res.writeHead(200, { 'Content-Type': 'application/json' }); return res.end(JSON.stringify(req.headers)); }
    if (pages[url.pathname] !== undefined) {
      const p = pages[url.pathname];
      const html = typeof p === 'function' ? p(req) : p;
      const headers = { 'Content-Type': 'text/html' };
      if (typeof html === 'object') { Object.assign(headers, html.headers); res.writeHead(200, headers); return res.end(html.body); }
      res.writeHead(200, headers); return res.end(html);
    }
    const rel = url.pathname.startsWith('/dist/') || url.pathname.startsWith('/www/') ? url.pathname : null;
    if (rel) {
      const file = path.join(ROOT, decodeURIComponent(rel));
      if (file.startsWith(ROOT) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
        return res.end(fs.readFileSync(file));
      }
    }
    res.writeHead(404); res.end('not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const events = () => received.flatMap((b) => (b.json ? b.json.events.map((e) => ({
    ...e,
    session_id: e.session_id || b.json.session.id,
    view: e.view || b.json.view,
    _bundle: b.json,
  })) : []));
  return {
    origin, received, control, events,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

/** Waits until `pred()` is truthy, polling; throws with `what` after `ms`. */
export async function until(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A page that loads the script-tag build with an ARMS-style `window.__rum` snippet. */
export function scriptPage(config, body = '', { head = '' } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>t</title>${head}
<script>window.__rum = ${config};</script>
<script src="/dist/rum.js"></script></head><body>${body}</body></html>`;
}

/** Simulates the page being hidden (headless pages never are). */
export async function hide(page) {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

export async function show(page) {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

/** Collects the page's console messages as `type: text` (added for the delivery tests). */
export function consoleOf(page) {
  const out = [];
  page.on('console', (m) => out.push(m.type() + ': ' + m.text()));
  return out;
}

/** The `[rum-wasm]` warnings among console messages collected by `consoleOf`. */
export function rumWarnings(msgs) {
  return msgs.filter((m) => m.startsWith('warning: ') && m.includes('[rum-wasm]'));
}

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the real collector (`target/collector/rum-collector`, or `RUM_COLLECTOR_BIN`) on a free
 * port with a temporary database and config dir. Resolves to `{ origin, token, close }`.
 */
export async function startCollector() {
  const bin = process.env.RUM_COLLECTOR_BIN || path.join(ROOT, 'target/collector/rum-collector');
  if (!fs.existsSync(bin)) throw new Error('no collector binary at ' + bin + ': cargo build -p rum-collector --profile collector');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rum-e2e-collector-'));
  fs.mkdirSync(path.join(dir, 'config'));
  // Access control stays on; `token` is an admin API token for the test's own calls (PUT /config).
  const token = 'rum_e2e_' + Math.random().toString(36).slice(2) + Date.now().toString(36);
  const child = spawn(bin, ['--addr', '127.0.0.1:0', '--db', path.join(dir, 'rum.db'), '--www', path.join(ROOT, 'www'),
    '--dist', path.join(ROOT, 'dist'), '--config-dir', path.join(dir, 'config'), '--geo-db', 'none', '--admin-token', token], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume(); // its log lines are not the test's output
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error('the collector exited with ' + code)));
  });
  return {
    origin,
    token,
    db: path.join(dir, 'rum.db'),
    /** A query route's JSON, asked with the admin token; throws on any status but 200. */
    async api(p) {
      const r = await fetch(origin + p, { headers: { authorization: 'Bearer ' + token } });
      if (r.status !== 200) throw new Error(`${p} → ${r.status}`);
      return r.json();
    },
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
