// The replay loader, in the core page: the recorder (dist/rum-replay.js, beside the .wasm, so
// its version is the SDK's) is imported only once the core decides that this page records,
// then told each change of mode, session and view. Never throws.
import { ownFetch } from './transport.js';

let config;
let base;
let rec;   // the recorder module once loaded; null while loading
let last;  // the latest call, as text: repeats are dropped; the recorder gets it once loaded

/** From the facade at init: the config as given and the .wasm's URL. */
export function setupReplay(cfg, wasmUrl) { config = cfg; base = wasmUrl; }

export function replay(op, session, view) {
  const now = [op, session, view].join();
  if (now === last) return;
  last = now;
  try {
    if (rec) return rec.control(op, session, view);
    if (rec === null || op > 3 || !op) return;
    rec = null;
    import(new URL('rum-replay.js', base).href)
      .then((m) => m.boot(config, base, ownFetch()).then(() => { rec = m; m.control(...last.split(',')); }))
      .catch((e) => console.warn('[rum-wasm] session replay could not start (' + e + '); the page is not affected'));
  } catch (_) { /* ours only */ }
}
