// The replay loader, in the core page: the recorder (dist/rum-replay.js, beside the .wasm, so
// its version is the SDK's) is imported only once the core decides that this page records,
// then given every call (it drops repeats). Never throws.
import { ownFetch } from './transport.js';

let config;
let base;
let to;    // the recorder's `control` once loaded; null while loading (or when it failed)
let last;  // the latest call, for the recorder once loaded

/** From the facade at init: the config as given and the .wasm's URL. */
export function setupReplay(cfg, wasmUrl) { config = cfg; base = wasmUrl; }

/** op 1 buffer, 2 record, 3 record (forced); 0 off, 8 opted out: those never load it. */
export function replay(...call) {
  last = call;
  try {
    if (to) return to(...call);
    if (to !== null && call[0] % 8) {
      to = null;
      import(new URL('rum-replay.js', base).href)
        .then((m) => m.boot(config, base, ownFetch()))
        .then((c) => { to = c; c(...last); }, (e) => console.warn('[rum-wasm] no replay: ' + e));
    }
  } catch (_) { /* ours only */ }
}
