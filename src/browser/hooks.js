// Hook mechanics the Rust side cannot express, shared by the collectors (collectors/*.js):
// wrappers that forward `this` and `arguments`, listeners, observers, timers; and the page
// lifecycle, the browser facts and the app's callbacks the Rust side asks for. No decisions
// here: the Rust hub decides.
//
// Never break the host page: the page's own call always runs with its own arguments and its
// own result (the very same promise) is returned; anything of ours that throws is swallowed.

import { hub } from './transport.js';
import { ACTIVITY, PAGE_HIDE, PAGE_SHOW, VISIBILITY } from './constants.js';

export const safe = (f) => function () { try { return f.apply(this, arguments); } catch (_) { /* ours only */ } };
export const now = () => performance.now();

// A request URL (or the endpoint, src/browser/transport.rs) made absolute as fetch and XHR
// resolve it: against the document's base URL (a <base href> counts). document.baseURI is
// cached by the browser (0.06 us a read in Chromium 156) where location.href is built at each
// read: 2.1 us a call against 4.3. (Taking absolute URLs and root paths as they are saves about
// 5 µs more a request, and cost 100 bytes in every page: not taken.)
export function absolute(u) {
  try { return new URL(u, document.baseURI).href; } catch (_) { return String(u); }
}

// Puts `make(original)` in place of o[name], when that is a function, and notes both in `out`
// (object, name, original, ours: what `unhook` needs). A method the page made non-writable
// stays the page's: in a module the assignment throws, and that must cost this hook only.
export function patch(out, o, name, make) {
  const orig = o && o[name];
  if (typeof orig === 'function') try { out.push(o, name, orig, o[name] = make(orig)); } catch (_) { /* locked */ }
}

// A hook that runs `ours` first (whatever it throws is swallowed), then the page's own function.
export const before = (out, o, name, ours) => patch(out, o, name, (orig) => function () {
  try { ours.apply(this, arguments); } catch (_) { /* ours only */ }
  return orig.apply(this, arguments);
});

/** Puts back what `patch` replaced, unless someone patched over us (then theirs stays). */
export function unhook(list) {
  for (let i = 0; i + 3 < list.length; i += 4) {
    if (list[i][list[i + 1]] === list[i + 3]) list[i][list[i + 1]] = list[i + 2];
  }
}

// PerformanceObserver, where the browser supports the entry type; null where not.
export function observe(type, cb, opts) {
  try {
    if (!PerformanceObserver.supportedEntryTypes?.includes(type)) return null;
    const o = new PerformanceObserver(safe((list) => cb(list.getEntries())));
    o.observe({ type, buffered: true, ...opts });
    return o;
  } catch (_) { return null; }
}

export function disconnect(o) { try { if (o) o.disconnect(); } catch (_) { /* ignore */ } }

/** An observer a collector started (or null), disconnected when the collectors stop. */
export function observed(undo, o) { if (o) undo.push(() => disconnect(o)); }

/** `f` for `type` events of the document (or window), passive; returns what removes it. */
export function listen(onDocument, type, capture, f) {
  const target = onDocument ? document : window;
  const g = (e) => { try { f(e); } catch (_) { /* ours only */ } };
  target.addEventListener(type, g, { capture, passive: true });
  return () => target.removeEventListener(type, g, { capture });
}

/** A listener that passes its event to the Rust hub as `kind`. */
export const toHub = (kind) => (e) => hub(kind, e);

// Real input keeps the session alive: at most one crossing a second for it (scroll and keydown
// fire at frame rate; script-dispatched events never count).
let active = -1000;
const activity = (e) => { if (e.isTrusted && e.timeStamp - active >= 1000) { active = e.timeStamp; hub(ACTIVITY); } };

/**
 * Page lifecycle: flush when the page is hidden or left, a new view when it comes back from the
 * back/forward cache, and user activity that keeps the session alive. Only `visibilitychange`,
 * `pagehide` and `pageshow`: `unload`/`beforeunload` listeners keep pages out of the bfcache.
 */
export const watchLifecycle = safe(() => {
  const undo = [listen(true, 'visibilitychange', false, toHub(VISIBILITY)), listen(false, 'pagehide', false, toHub(PAGE_HIDE)), listen(false, 'pageshow', false, toHub(PAGE_SHOW))];
  for (const ty of ['click', 'keydown', 'scroll', 'touchstart']) undo.push(listen(true, ty, true, activity));
  return { stop() { for (const u of undo) u(); } };
});

/** Stops what `install`, `watchLifecycle` or `setTimer` started (one import for both kinds of handle). */
export const stop = safe((h) => (h.stop ? h.stop() : clearTimeout(h)));

export function setTimer(kind, ms) {
  return setTimeout(() => { try { hub(kind, null); } catch (_) { /* ours only */ } }, ms);
}

// Browser facts the Rust side asks for by number (src/browser/js.rs): one import instead of a
// property read per step. Undefined when a step is missing or throws.
const FACTS = [
  () => location.href,
  () => location.origin,
  () => document.referrer,
  () => document.visibilityState,
  () => navigator.connection.effectiveType,
  (e) => e.persisted,
];
export const fact = safe((n, e) => FACTS[n](e));

// The app's functions and RegExps (src/browser/fns.rs), and timers: undefined when they throw.
export const userCall = safe((f, arg) => f.call(null, arg));
// Filters' RegExps, compiled once per (source, flags); 'g'/'y' dropped, as they make test()
// depend on the previous call. An invalid one matches nothing and is reported once.
const regexes = new Map();
export const reTest = safe((source, flags, s) => {
  const k = flags + '/' + source;
  let re = regexes.get(k);
  if (re === undefined) {
    try { re = new RegExp(source, flags.replace(/[gy]/g, '')); } catch (_) {
      re = null;
      console.warn('[rum-wasm] invalid RegExp in filters: /' + source + '/; it matches nothing');
    }
    regexes.set(k, re);
  }
  return !!re?.test(s);
});


/**
 * The app's beforeReport(bundle) on a bundle's JSON text: the bundle it returns as JSON text;
 * 0 to drop the batch (not an object, or text that will not parse or serialise); 1 when the
 * callback threw (or is not a function).
 */
export function beforeReport(f, text) {
  let o, r;
  try { o = JSON.parse(text); } catch (_) { return 0; }
  try { r = f.call(null, o); } catch (_) { return 1; }
  try { return r !== null && typeof r === 'object' ? JSON.stringify(r) : 0; } catch (_) { return 0; }
}

// Random bytes for ids, drawn from a pool refilled 4 KB at a time: `getRandomValues` for each
// event id (8 bytes) was among the SDK's top items per click (bench/profile.mjs). Each byte is
// used once. Without Web Crypto (very old or locked-down pages) ids only need to be unique.
const pool = new Uint8Array(4096);
let drawn = 4096;
export function fillRandom(buf) {
  if (drawn + buf.length > 4096) {
    drawn = 0;
    try { crypto.getRandomValues(pool); } catch (_) { for (let i = 0; i < 4096; i++) pool[i] = Math.random() * 256; }
  }
  buf.set(pool.subarray(drawn, drawn += buf.length));
}
