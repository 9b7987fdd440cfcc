// Network mechanics for the transport (none of these functions throws: the Rust side calls
// them without a catch wrapper): the page's own fetch (captured before any hook), gzip
// through CompressionStream, sendBeacon with its return value checked. Results go to the Rust
// hub: hub(SENT, [id, status, retryAfterMs]) — status 0 for a network error.

import { ADOPT, SENT } from './constants.js';

let pageFetch = null;
/** The Rust hub (set once, first thing at start): results, hooks and timers report through it. */
export let hub = null;

export function captureFetch(h, f) {
  hub = h;
  // (The facade loaded the .wasm with fetch: a page without it never gets here.)
  pageFetch = f || fetch.bind(globalThis);
}

/** `base`: the .wasm's URL, from the facade at init (replay.js): the SDK's other files are beside it. */
export const files = {};

/** The page's fetch as captured (for the replay recorder: its sends stay unhooked too). */
export const ownFetch = () => pageFetch;


/** What a send reports to the Rust hub: [id, status (0: a network error), retryAfterMs]. */
export const done = (i, st, ra) => { try { hub(SENT, [i, st, ra]); } catch (_) { /* ours only */ } };

/**
 * mode 0: fetch; 1: fetch with keepalive (page hidden: may be the last chance);
 * 2: the page is going away: sendBeacon first. Returns true when a beacon took it (no
 * answer will come), false when `done` will be called.
 */
export function post(url, body, mode, id, headers) {
  try {
    if (mode === 2 && navigator.sendBeacon) {
      try { if (navigator.sendBeacon(url, body)) return true; } catch (_) { /* fall back to fetch */ }
    }
    // Retry-After in seconds (what our collector and most servers send); an HTTP date counts as none.
    pageFetch(url, { method: 'POST', body, keepalive: mode > 0, headers })
      .then((r) => done(id, r.status, r.headers.get('Retry-After') * 1000 || 0), () => done(id, 0, 0));
  } catch (_) { /* ours only */ }
  return false;
}

/** The replay recorder's sends: `post`, gzip first while the page lives (and the browser can). */
export function send(url, body, mode, compress, id) {
  if (!compress || mode || typeof CompressionStream !== 'function') return post(url, body, mode, id);
  new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).blob()
    .then((b) => post(url, b, 0, id, { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain;charset=UTF-8' }), () => post(url, body, 0, id));
  return false;
}

// Unsent bundles live in localStorage under one key per tab ("<prefix><tab id>"), so two tabs
// never write the same key. A tab holds a Web Lock named after its key for its whole life;
// when the tab is gone the lock is free, and the first page to take it takes the bundles over.
// Two pages starting at once cannot both get it: a persisted bundle is sent by one tab only.
function holdTab(key) {
  try { if (navigator.locks) navigator.locks.request(key, () => new Promise(() => {})); } catch (_) { /* no locks */ }
}

// The other tabs' outbox keys (throws without storage).
function others(prefix, mine) {
  const keys = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k?.startsWith(prefix) && k !== mine) keys.push(k);
  }
  return keys;
}

// What the other tabs keep persisted (`ls` op 3): the origin's bound is shared by all of them.
function outboxBytes(prefix, mine) {
  let n = 0;
  for (const k of others(prefix, mine)) n += (localStorage.getItem(k) || '').length;
  return n;
}

export function claimOrphans(prefix, mine) {
  holdTab(mine);
  try {
    const cb = (v) => { try { hub(ADOPT, v); } catch (_) { /* ours only */ } };
    for (const k of others(prefix, mine)) {
      const take = () => {
        try {
          const v = localStorage.getItem(k);
          localStorage.removeItem(k);
          if (v) cb(v);
        } catch (_) { /* storage gone */ }
      };
      if (navigator.locks) {
        navigator.locks.request(k, { ifAvailable: true }, (lock) => { if (lock) take(); }).catch(() => {});
      } else {
        take(); // Without Web Locks: at-least-once; the collector de-duplicates by event id.
      }
    }
  } catch (_) { /* no storage, no locks */ }
}

/**
 * localStorage, which can throw at any access (disabled, sandboxed, full). op 0: getItem (a
 * string or null; 1 when it threw: the wasm tells that from the others by truthiness, an
 * import it already has); 1: setItem, 2: removeItem (true, or false when it
 * threw: store.js hands that on as a boolean); 3: the bytes of the other tabs' outboxes (`key`
 * the prefix, `value` this tab's key; false when it threw). One import for these localStorage reads and writes: each import costs its own glue in
 * the page (-17 B gzip against an import of its own).
 */
export function ls(op, key, value) {
  try {
    const s = localStorage;
    if (!op) return s.getItem(key);
    if (op > 2) return outboxBytes(key, value);
    if (op < 2) s.setItem(key, value); else s.removeItem(key);
    return true;
  } catch (_) { return op ? false : 1; }
}

// The session cookie (when the config stores the session in a cookie): store.js decides the
// backend, keeps the memory mirror and warns; these only read and write document.cookie.

/** The value of cookie `key`, decoded; undefined when there is none or it cannot be read. */
export function cookieGet(key) {
  try {
    for (const c of document.cookie.split(';')) {
      const s = c.replace(/^ +/, '');
      if (s.startsWith(key + '=')) return decodeURIComponent(s.slice(key.length + 1));
    }
  } catch (_) { /* no document, or a malformed value */ }
}

/** Writes cookie `key` for the whole site; false when the browser refused (threw). */
export function cookieSet(key, value, maxAge, domain) {
  try {
    Reflect.set(document, 'cookie', key + '=' + encodeURIComponent(value) + '; max-age=' + maxAge + '; path=/; SameSite=Lax' + (domain == null ? '' : '; domain=' + domain));
    return true;
  } catch (_) { return false; }
}
