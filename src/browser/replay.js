// The replay loader, in the core page: the recorder (dist/rum-replay.js, beside the .wasm, so
// its version is the SDK's; it finds its own .wasm beside itself) is imported only once the core
// decides that this page records, then given every call (it drops repeats). Never throws.
import { files, hub, ownFetch } from './transport.js';

let config;
let to;    // the recorder's `control` once loaded; null while loading (or when it failed)
let last;  // the latest call, for the recorder once loaded
// How the recorder module is imported: from beside the .wasm (the script tag), or as the npm
// entry says (`import('./rum-replay.js')`, which bundlers split into a lazy chunk).
let load = (wasmUrl) => import(new URL('rum-replay.js', wasmUrl)); // (import() takes the URL as its string)

/** From the facade at init: the config as given and the .wasm's URL. */
export function setupReplay(cfg, wasmUrl) { config = cfg; files.base = wasmUrl; }

/** From the npm entry: imports the recorder module. */
export function replayModule(f) { load = f; }

/** op 1 buffer, 2 record, 3 record (forced); 0 off, 8 opted out: those never load it. */
export function replay(...call) {
  last = call;
  try {
    if (to) return to(...call);
    if (to !== null && call[0] % 8) {
      to = null;
      load(files.base)
        .then((m) => m.boot(config, ownFetch(), hub))
        .then((c) => { to = c; c(...last); }, (e) => console.warn('[rum-wasm] no replay: ' + e));
    }
  } catch (_) { /* ours only */ }
}
