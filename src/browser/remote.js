// Remote config's loader, in the core page. The rules (the cache, the URL, the merge) are in
// dist/rum-remote.js and its .wasm, beside the SDK's .wasm, imported only by pages whose config
// has `remoteConfig`: the facade waits for it before the SDK starts (so a fresh cached config
// applies from the first event, as in ARMS), and the core asks it to fetch once running.
// Never throws.
import { hub, ownFetch } from './transport.js';
import { REMOTE } from './constants.js';

let local; // the config as the page gave it (JSON text): the remote config merges onto it
let base;
let chunk;
// From beside the .wasm (the script tag), or as the npm entry says (a lazy chunk).
let load = (wasmUrl) => import(new URL('rum-remote.js', wasmUrl));
const get = () => chunk || (chunk = load(base).then((m) => m.boot(ownFetch)));

/** From the npm entry: imports the remote-config module. */
export function remoteModule(f) { load = f; }

/** From the facade: the config as the page gives it (init, setConfig). */
export function remoteLocal(text) { local = text; }

/** From the facade at init, when the config has `remoteConfig`: the config to start with. */
export async function remoteStart(text, wasmUrl) {
  local = text;
  base = wasmUrl;
  try {
    return (await get()).cached(text) || text;
  } catch (e) {
    console.warn('[rum-wasm] no remote config: ' + e);
    return text;
  }
}

/** From the core, once running: fetch, merge, answer hub(REMOTE, merged text or nothing). */
export function remoteFetch(sampled) {
  get().then((c) => c.fetch(local, sampled)).then((m) => hub(REMOTE, m), () => hub(REMOTE));
}
