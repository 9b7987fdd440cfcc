// The send worker's worth, one build (dist/), two ways: bundles sent from the worker, and sent
// from the page (the same page with `worker-src 'none'` in its CSP, so the worker never runs).
// Per fetch and per XHR: main-thread CPU (CDP TaskDuration in thread ticks, over the phase and a
// settle, minus the bare page of the same round); after the workload, the renderer process's
// memory (PSS from /proc, all renderer processes: the worker's isolate lives there, where the
// bench's heap figure, the page's own heap, does not see it). Rounds interleaved, medians.
// A figure-printing script, not a test.
//   node bench/send-worker.mjs [--reps 9] [--n 500] [--pss]
// --pss: a browser a round (the renderers counted are that page's), for the memory figure; without
// it one browser serves all rounds (less noise in the CPU figures) and memory is not measured.
import fs from 'node:fs';
import { execSync } from 'node:child_process';
import { launch, startServer, scriptPage } from '../tests/e2e/harness.mjs';
import { cpuPage } from './cpu-page.mjs';

const argv = process.argv.slice(2);
const arg = (k, d) => { const i = argv.indexOf(k); return i < 0 ? d : Number(argv[i + 1]); };
const REPS = arg('--reps', 9);
const N = arg('--n', 500);
const PSS = argv.includes('--pss');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
const NO_WORKER = `<meta http-equiv="Content-Security-Policy" content="worker-src 'none'">`;
const config = (host) => `{ pid: 'sw', endpoint: 'http://${host}/collect' }`;
const srv = await startServer({
  pages: {
    '/bare': () => '<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>x</body></html>',
    '/worker': (req) => scriptPage(config(req.headers.host), 'x'),
    '/page': (req) => scriptPage(config(req.headers.host), 'x', { head: NO_WORKER }),
  },
});
const renderers = () => execSync("pgrep -f -- '--type=renderer' || true").toString().trim().split('\n').filter(Boolean).map(Number);
const pss = (pid) => { try { return Number(/Pss:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]); } catch { return 0; } };
const WORK = {
  fetch: async (n) => { for (let i = 0; i < n; i++) await (await fetch('/api/ok?i=' + i)).text(); },
  xhr: async (n) => {
    for (let i = 0; i < n; i++) await new Promise((r) => { const x = new XMLHttpRequest(); x.open('GET', '/api/ok?x=' + i); x.onloadend = r; x.send(); });
  },
};
const res = {};
const put = (k, v) => (res[k] ||= []).push(v);
const shared = PSS ? null : await launch();
for (let rep = 0; rep < REPS; rep++) {
  for (const k of ['bare', 'worker', 'page']) {
    const browser = shared || await launch();
    const { ctx, page: p, taskDuration: task } = await cpuPage(browser, srv.origin + '/' + k, { sdk: k !== 'bare', settle: 1000 });
    for (const [w, fn] of Object.entries(WORK).filter(([w]) => !only || only.includes(w))) {
      const a = await task();
      await p.evaluate(`(${fn})(${N})`);
      await p.waitForTimeout(500);
      put(`${k} ${w}`, ((await task()) - a) * 1e6 / N);
    }
    if (PSS) put(`${k} pss`, renderers().reduce((s, pid) => s + pss(pid), 0) / 1024);
    await (shared ? ctx.close() : browser.close());
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
console.log(`${REPS} rounds, ${N} operations each; medians (all rounds in brackets)`);
for (const w of Object.keys(WORK).filter((w) => res[`bare ${w}`])) {
  const bare = med(res[`bare ${w}`]);
  console.log(`${w.padEnd(5)} CPU µs/op: bare ${bare.toFixed(0)}; over bare: from the worker ${'+' + (med(res[`worker ${w}`]) - bare).toFixed(0)}, from the page ${'+' + (med(res[`page ${w}`]) - bare).toFixed(0)}`
    + `  [worker ${res[`worker ${w}`].map((x) => (x - bare).toFixed(0)).join(' ')}] [page ${res[`page ${w}`].map((x) => (x - bare).toFixed(0)).join(' ')}]`);
}
if (PSS) console.log(`renderer PSS MB: bare ${med(res['bare pss']).toFixed(1)}, from the worker ${med(res['worker pss']).toFixed(1)}, from the page ${med(res['page pss']).toFixed(1)}`);
await shared?.close();
await srv.close();
