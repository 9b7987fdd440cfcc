// The session store's mechanics (src/browser/store.rs): localStorage, a cookie, or memory when
// both fail. Storage can be disabled (privacy modes, sandboxed iframes), full, or throw at any
// access: a failure switches this page to memory, with one console message per page, and every
// value written stays readable from the memory mirror. None of these functions throws.
import { ls, cookieGet, cookieSet } from './transport.js';

const LOCAL = 0, COOKIE = 1, MEMORY = 2;
let backend = MEMORY;
let domain;
let warned = false;
const mem = new Map();

/** The page's one storage message (also used when the outbox cannot be persisted). */
export function storageWarning() {
  if (!warned) {
    warned = true;
    console.warn('[rum-wasm] storage is not available (disabled, blocked or full): the session and unsent data are kept in memory for this page');
  }
}

const degrade = () => { backend = MEMORY; storageWarning(); };

/**
 * `kind`: 0 localStorage, 1 cookie, 2 localStorage when usable, else a cookie (`sessionConfig.
 * storage`). Returns the backend in use (0, 1, or 2 for memory).
 */
export function storeOpen(kind, dom) {
  domain = dom;
  mem.clear();
  const cookies = () => globalThis.document !== undefined && (globalThis.navigator || 0).cookieEnabled !== false;
  backend = kind !== COOKIE && ls(1, '_rum_wasm_probe', '1') && ls(2, '_rum_wasm_probe') ? LOCAL
    : kind !== LOCAL && cookies() ? COOKIE : MEMORY;
  if (backend === MEMORY) degrade();
  return backend;
}


/** The stored value (the store, not the mirror, is the truth: another tab may have changed it). */
function get(key) {
  if (backend === COOKIE) return cookieGet(key);
  if (backend === LOCAL) {
    const v = ls(0, key);
    if (v !== 1) return v === null ? undefined : v;
  }
  return mem.get(key);
}

/** False when the store refused the write (the page then goes on in memory). */
export const storeBackend = () => backend;
function set(key, value) {
  mem.set(key, value);
  if (backend === MEMORY) return true;
  // A cookie lives a year, as ARMS's do.
  const ok = backend === LOCAL ? ls(1, key, value) : cookieSet(key, value, '31536000', domain);
  if (!ok) degrade();
  return ok;
}

function remove(key) {
  mem.delete(key);
  if (backend === LOCAL) ls(2, key);
  else if (backend === COOKIE) cookieSet(key, '', '0', domain);
}

/** op 0: get (a string, or undefined), 1: set (false when the store refused), 2: remove. */
export const store = (op, key, value) => (op ? op < 2 ? set(key, value) : remove(key) : get(key));
