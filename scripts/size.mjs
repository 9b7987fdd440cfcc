// `npm run size`: raw and gzip -9 bytes of what a page downloads (the .wasm, the JS), the total
// for each entry, and the budget. Exit 1 when over budget (so CI can use it too).
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const budget = JSON.parse(fs.readFileSync(path.join(root, 'size-budget.json'), 'utf8'));

export function sizes() {
  const measure = (f) => {
    const buf = fs.readFileSync(path.join(dist, f));
    return { file: 'dist/' + f, raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length, brotli: zlib.brotliCompressSync(buf).length };
  };
  const wasm = measure('rum_wasm_bg.wasm');
  const script = measure('rum.js');
  const esm = measure('index.js');
  const sum = (a, b, label) => ({ file: label, raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
  // Session replay: loaded only by pages that record, with a budget of its own.
  const replay = fs.existsSync(path.join(dist, 'rum-replay.js'))
    ? sum(measure('rum-replay.js'), measure('rum_replay_bg.wasm'), 'replay, lazy (rum-replay.js + rum_replay_bg.wasm)') : null;
  // Remote config's rules: loaded only by pages whose config has `remoteConfig`.
  const remote = fs.existsSync(path.join(dist, 'rum-remote.js'))
    ? sum(measure('rum-remote.js'), measure('rum_remote_bg.wasm'), 'remote config, lazy (rum-remote.js + rum_remote_bg.wasm)') : null;
  // The send worker: fetched at the first live send by pages whose SDK files are on their origin.
  const send = fs.existsSync(path.join(dist, 'rum-send.js')) ? { ...measure('rum-send.js'), file: 'send worker, lazy (rum-send.js)' } : null;
  // Trace propagation's headers: loaded only by pages whose config has `tracing`.
  const trace = fs.existsSync(path.join(dist, 'rum-trace.js')) ? { ...measure('rum-trace.js'), file: 'tracing, lazy (rum-trace.js)' } : null;
  return { send, trace, wasm, script, esm, scriptTotal: sum(script, wasm, 'total (script tag: rum.js + .wasm)'), esmTotal: sum(esm, wasm, 'total (npm: index.js + .wasm)'), replay, remote, budget };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!fs.existsSync(path.join(dist, 'rum_wasm_bg.wasm'))) {
    console.error('dist/ is missing: run `npm run build` first');
    process.exit(1);
  }
  const s = sizes();
  const rows = [s.wasm, s.script, s.esm, s.scriptTotal, s.esmTotal, ...(s.replay ? [s.replay] : []), ...(s.remote ? [s.remote] : []), ...(s.send ? [s.send] : []), ...(s.trace ? [s.trace] : [])];
  console.log('| file | raw bytes | gzip -9 | brotli |\n|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.file} | ${r.raw} | ${r.gzip} | ${r.brotli} |`);
  const total = Math.max(s.scriptTotal.gzip, s.esmTotal.gzip);
  console.log(`\nbudget: ${total} of ${budget.totalGzip} gzip bytes (${(100 * total / budget.totalGzip).toFixed(1)}%); issue budget ${budget.issueBudgetGzip}, goal ${budget.goalGzip}`);
  if (s.replay) console.log(`replay (lazy): ${s.replay.gzip} of ${budget.replayGzip} gzip bytes`);
  if (s.remote) console.log(`remote config (lazy): ${s.remote.gzip} of ${budget.remoteGzip} gzip bytes`);
  if (s.send) console.log(`send worker (lazy): ${s.send.gzip} of ${budget.sendGzip} gzip bytes`);
  if (s.trace) console.log(`tracing (lazy): ${s.trace.gzip} of ${budget.traceGzip} gzip bytes`);
  if (total > budget.totalGzip || (s.replay && s.replay.gzip > budget.replayGzip) || (s.remote && s.remote.gzip > budget.remoteGzip) || (s.send && s.send.gzip > budget.sendGzip) || (s.trace && s.trace.gzip > budget.traceGzip)) { console.error('OVER BUDGET'); process.exit(1); }
}
