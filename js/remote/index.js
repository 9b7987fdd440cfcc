// The lazy remote-config file (dist/rum-remote.js, with dist/rum_remote_bg.wasm beside it),
// imported by the core's loader (src/browser/remote.js) only on pages whose config has
// `remoteConfig`. The wasm holds the rules (src/remote_api.rs over core::remote_config); this
// file does the storage and the fetch.
import { finishInit, getImports, rconf } from '../../pkg-remote/rum_remote.js';
// rconf ops, generated from src/remote_api.rs.
import { CACHED, ENTRY, KEY, MERGED, URL as URL_OF } from './ops.js';

let key;
let pageFetch;

const read = () => { try { return localStorage.getItem(key); } catch (_) { return null; } };

const api = {
  /** The config text merged with a fresh cached remote config, or '' when there is none. */
  cached: (local) => rconf(CACHED, local, read() || '', Date.now()),
  /**
   * Fetches the remote config (a plain GET: no custom header, so no CORS preflight; through
   * the page's fetch as captured before the SDK's hooks, so it is no API event), caches it as
   * received, and resolves to the local config merged with it, or ''. An unsampled session
   * that has a cached config fetches nothing: it sends nothing, so the first config will do.
   */
  async fetch(local, sampled) {
    const url = rconf(URL_OF, local, '', Date.now());
    if (!url || (!sampled && read())) return '';
    const r = await (pageFetch() || fetch)(url, { method: 'GET', credentials: 'omit' });
    if (!r.ok) return '';
    const text = await r.text();
    const merged = rconf(MERGED, local, text, 0);
    // Stamped with the time it arrived.
    if (merged) { try { localStorage.setItem(key, rconf(ENTRY, local, text, Date.now())); } catch (_) { /* full or off: not cached */ } }
    return merged;
  },
};

/**
 * Loads the wasm (beside this file: `new URL(..., import.meta.url)`, which bundlers emit as an
 * asset); `ownFetch` answers the page's fetch as the core captured it. Resolves to the API
 * above; rejects when the wasm cannot load.
 */
export async function boot(ownFetch) {
  pageFetch = ownFetch;
  const r = await (ownFetch() || fetch)(new URL('./rum_remote_bg.wasm', import.meta.url));
  if (!r.ok) throw new Error('rum_remote_bg.wasm: HTTP ' + r.status);
  const w = await WebAssembly.instantiate(await r.arrayBuffer(), getImports());
  finishInit(w.instance, w.module);
  key = rconf(KEY, '', '', 0);
  return api;
}
