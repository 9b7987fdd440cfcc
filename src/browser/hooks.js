// Hook mechanics the Rust side cannot express: wrappers that forward `this` and `arguments`,
// DOM walks, observers and their timers. No decisions here: every hook records what it saw and
// queues its report (fields.js) for the next task (pending.js: handlers stay cheap, one crossing
// per batch); the Rust hub filters each report and makes it an event of the session.
//
// Never break the host page: the page's own call always runs with its own arguments and its
// own result (the very same promise) is returned; anything of ours that throws is swallowed.

import { hub } from './transport.js';
import { after, later, view } from './pending.js';
import { opts, apiReport, clickReport, consoleReport, errorEventReport, longTaskReport, perfReport, rejectionReport, resourceReport, vitalsReport } from './fields.js';

const safe = (f) => function () { try { return f.apply(this, arguments); } catch (_) { /* ours only */ } };
const now = () => performance.now();

// An API call ended (fetch or XHR). Its timing comes from the matching resource entry, which
// the browser adds when the body is done: the report is built 200 ms later, or when the page is
// hidden or left (then without the entry if it is not there yet: the call is not lost with the
// page). With evaluateApi, its answer is awaited all the same (a page that unloads before it
// comes loses that call).
const apiDone = (d, evaluate) => { d.ts = performance.timeOrigin + d.st; d.f = evaluate; after(200, apiBuild, d); };

function apiBuild(d) {
  const list = performance.getEntriesByName(d.u, 'resource');
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].startTime >= d.st - 5) { d.tm = list[i]; break; }
  }
  if (!d.f) return apiReport(d);
  // ARMS evaluateApi(req, res, err, xhr): its (possibly async) answer refines the event.
  Promise.resolve().then(() => d.f(d.req, d.res, d.e ? new Error(d.e) : null, d.x))
    .then((a) => { if (a && typeof a === 'object') d.ev = a; }, () => {})
    .then(() => later(apiReport, d));
}

// A request starts: the trace headers to add, when tracing is on (60: Rust answers them as
// JSON text, or nothing for a URL it does not trace). Its view is the one pending.js keeps.
const traceHeaders = (u) => { const t = opts.trace && hub(60, u); return t && JSON.parse(t); };

// A request URL (or the endpoint, src/browser/transport.rs) made absolute against the page.
// (Taking absolute URLs and root paths as they are saves about 5 µs a request, measured in
// Chromium 156, and cost 100 bytes in every page: not taken.)
export function absolute(u) {
  try { return new URL(u, location.href).href; } catch (_) { return String(u); }
}

// Puts `make(original)` in place of o[name], when that is a function, and notes both in `out`
// (object, name, original, ours: what `unhook` needs).
function patch(out, o, name, make) {
  const orig = o && o[name];
  if (typeof orig === 'function') out.push(o, name, orig, o[name] = make(orig));
}

// A hook that runs `ours` first (whatever it throws is swallowed), then the page's own function.
const before = (out, o, name, ours) => patch(out, o, name, (orig) => function () {
  try { ours.apply(this, arguments); } catch (_) { /* ours only */ }
  return orig.apply(this, arguments);
});

function hookFetch(out, evaluate) {
  patch(out, window, 'fetch', (orig) => function (input, init) {
    let d = null;
    let args = arguments;
    try {
      const req = typeof Request !== 'undefined' && input instanceof Request ? input : null;
      const m = String((init && init.method) || (req && req.method) || 'GET').toUpperCase();
      const u = absolute(req ? req.url : input);
      d = { k: 'fetch', m, u, st: now() };
      if (evaluate) d.req = { url: u, method: m, headers: (init && init.headers) || (req && req.headers), body: init && init.body };
      // The view and time of the call are those of its start, whenever it ends.
      d.v = view;
      const h = traceHeaders(u);
      if (h) {
        // Only now do the arguments change: a Request carrying the app's headers plus ours,
        // never overwriting a header the app set itself.
        const r = new Request(input, init);
        for (const name in h) if (!r.headers.has(name)) r.headers.set(name, h[name]);
        args = [r];
        d.tr = h;
      }
    } catch (_) { d = null; args = arguments; }
    const p = orig.apply(this, args);
    if (!d) return p;
    // The page gets the same response, or the same error re-thrown: a fetch nobody catches
    // still raises its unhandledrejection, as without the SDK. (Observing `p` itself would mark
    // it handled and swallow that.)
    try {
      return p.then((r) => {
        try { d.s = r.status; d.t = r.statusText; d.d = now() - d.st; if (evaluate) d.res = r.clone(); apiDone(d, evaluate); } catch (_) { /* ours only */ }
        return r;
      }, (e) => {
        try { d.s = 0; d.e = String(e); d.d = now() - d.st; apiDone(d, evaluate); } catch (_) { /* ours only */ }
        throw e;
      });
    } catch (_) {
      return p; // a non-promise from another library's fetch: pass it on untouched
    }
  });
}

function hookXhr(out, evaluate) {
  const X = window.XMLHttpRequest;
  if (!X) return;
  const P = X.prototype;
  const key = Symbol('rum');
  const setHeader = P.setRequestHeader;
  before(out, P, 'open', function (m, u) {
    this[key] = { k: 'xmlhttprequest', m: String(m).toUpperCase(), u: absolute(u), set: {} };
  });
  before(out, P, 'setRequestHeader', function (name) {
    if (this[key]) this[key].set[String(name).toLowerCase()] = 1;
  });
  before(out, P, 'send', function (body) {
    const d = this[key];
    if (d) {
      d.st = now();
      d.v = view;
      const h = traceHeaders(d.u);
      if (h) {
        for (const name in h) if (!d.set[name.toLowerCase()]) setHeader.call(this, name, h[name]);
        d.tr = h;
      }
      const xhr = this;
      let failed = '';
      const onErr = (e) => { failed = e.type; };
      for (const t of ['error', 'abort', 'timeout']) xhr.addEventListener(t, onErr);
      xhr.addEventListener('loadend', safe(() => {
        d.s = xhr.status; d.t = xhr.statusText; d.d = now() - d.st;
        if (failed) d.e = failed;
        delete xhr[key];
        if (evaluate) { d.x = xhr; d.req = { url: d.u, method: d.m, body }; }
        apiDone(d, evaluate);
      }));
    }
  });
}

// 2: the URL may have changed (SPA navigation).
function hookHistory(out) {
  for (const name of ['pushState', 'replaceState']) {
    patch(out, window.history, name, (orig) => function () {
      const r = orig.apply(this, arguments);
      try { hub(2, null); } catch (_) { /* ours only */ }
      return r;
    });
  }
}

// console.error, with whatever it was given.
function hookConsole(out) {
  before(out, window.console, 'error', function () {
    later(consoleReport, Array.prototype.slice.call(arguments));
  });
}

/** Puts back what `hook*` patched, unless someone patched over us (then theirs stays). */
function unhook(list) {
  for (let i = 0; i + 3 < list.length; i += 4) {
    if (list[i][list[i + 1]] === list[i + 3]) list[i][list[i + 1]] = list[i + 2];
  }
}

const CLICKABLE = 'button,a,input,select,option,textarea,[role=button],[onclick]';

function xpath(el) {
  const parts = [];
  for (let n = el; n && n.nodeType === 1; n = n.parentNode) {
    if (n.id) { parts.unshift('*[@id="' + n.id + '"]'); return '//' + parts.join('/'); }
    let i = 1;
    for (let s = n.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === n.tagName) i++;
    parts.unshift(n.tagName.toLowerCase() + '[' + i + ']');
  }
  return '/' + parts.join('/');
}

// What names a click. What a user typed never does: a text-entry field (an input other than a
// button, a textarea, contenteditable) gives no value or text, only its developer-set label.
// `data-rum-action-name` on the element or an ancestor names the action outright;
// `data-rum-privacy="mask"|"hidden"` (the replay recorder's attribute) hides the text inside.
function label(t, el) {
  const named = t.closest('[data-rum-action-name]');
  if (named) return named.getAttribute('data-rum-action-name');
  if (t.closest('[data-rum-privacy=mask],[data-rum-privacy=hidden]')) return '';
  const entry = el.tagName === 'TEXTAREA' || t.isContentEditable || el.isContentEditable
    || (el.tagName === 'INPUT' && !/^(button|submit|reset|image)$/.test(el.type));
  return (entry ? '' : el.innerText || el.value) || el.getAttribute('aria-label') || el.title || '';
}

// A click on something clickable. Only plain facts leave here: no element handle is kept.
function describeClick(ev) {
  const t = ev.target;
  const el = t && t.closest ? t.closest(CLICKABLE) : null;
  if (!el) return null;
  const text = label(t, el).trim();
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute('type') || '',
    text,
    id: el.id || '',
    name: el.getAttribute('name') || '',
    cls: typeof el.className === 'string' ? el.className : '',
    href: el.href || '',
    src: el.src || '',
    xp: xpath(el),
    ts: performance.timeOrigin + ev.timeStamp,
    dur: Math.max(0, now() - ev.timeStamp),
  };
}

// Resources, long tasks, web vitals: PerformanceObserver, where supported.
function observe(type, cb, opts) {
  try {
    if (!PerformanceObserver.supportedEntryTypes || PerformanceObserver.supportedEntryTypes.indexOf(type) < 0) return null;
    const o = new PerformanceObserver(safe((list) => cb(list.getEntries())));
    o.observe(Object.assign({ type, buffered: true }, opts));
    return o;
  } catch (_) { return null; }
}

function observeResources() {
  return observe('resource', (entries) => {
    for (const e of entries) {
      // fetch/XHR are reported by their hooks, with status and method; beacons are ours or analytics.
      if (e.initiatorType !== 'fetch' && e.initiatorType !== 'xmlhttprequest' && e.initiatorType !== 'beacon') later(resourceReport, e);
    }
  });
}

// Long Animation Frames (or long tasks): frames less than a frame apart are one stall; a stall
// is reported 200 ms after it ends.
function observeLongTasks() {
  let seq = null;
  let timer = 0;
  const emit = () => { const s = seq, v = view; seq = null; if (s) later(() => longTaskReport(s, v)); };
  const add = (e, source) => {
    const end = e.startTime + e.duration;
    if (seq && e.startTime - seq.end < 17) {
      seq.end = Math.max(seq.end, end); seq.frames++;
    } else {
      emit();
      seq = { source, start: e.startTime, end, frames: 1, scripts: [] };
    }
    if (e.scripts) seq.scripts.push(...e.scripts);
    clearTimeout(timer);
    timer = setTimeout(safe(emit), 200);
  };
  return observe('long-animation-frame', (list) => { for (const e of list) add(e, 'LoAF'); })
    || observe('longtask', (list) => { for (const e of list) add(e, 'longtask'); });
}

// Web vitals as their definitions say: LCP until the first input or hide, CLS as the largest
// session window (gaps < 1 s, windows ≤ 5 s) of shifts without recent input, INP as the slowest
// interaction (the p98 of a page with under 50 interactions), FID from the first input.
function observeVitals() {
  const v = { cls: 0, inp: 0 };
  let win = 0, winStart = 0, winLast = 0, lcpDone = false;
  const stopLcp = () => { lcpDone = true; };
  addEventListener('pointerdown', stopLcp, { capture: true, once: true });
  addEventListener('keydown', stopLcp, { capture: true, once: true });
  const obs = [
    observe('largest-contentful-paint', (l) => { if (!lcpDone) for (const e of l) v.lcp = e.startTime; }),
    observe('layout-shift', (l) => {
      for (const e of l) {
        if (e.hadRecentInput) continue;
        if (win && e.startTime - winLast < 1000 && e.startTime - winStart < 5000) { win += e.value; } else { win = e.value; winStart = e.startTime; }
        winLast = e.startTime;
        if (win > v.cls) v.cls = win;
      }
    }),
    observe('first-input', (l) => {
      const e = l[0];
      if (e && v.fid === undefined) {
        v.fid = e.processingStart - e.startTime; v.fit = e.startTime; lcpDone = true;
        // The first interaction counts for INP too, however fast (event entries under the
        // threshold are not reported).
        if (e.duration > v.inp) v.inp = e.duration;
      }
    }),
    observe('event', (l) => { for (const e of l) if (e.interactionId && e.duration > v.inp) v.inp = e.duration; }, { durationThreshold: 16 }),
    observe('paint', (l) => { for (const e of l) if (e.name === 'first-contentful-paint') v.fcp = e.startTime; }),
  ];
  const nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
  if (nav) v.ttfb = Math.max(0, nav.responseStart - (nav.activationStart || 0));
  return {
    take() { for (const o of obs) if (o) o.disconnect(); obs.length = 0; return vitalsReport(v, location.href, document.referrer); },
  };
}

// Page load timing, once the load event has run and the first contentful paint is known
// (it can come after load), or 3 s after load at the latest.
function afterLoad() {
  let done = false;
  const fire = safe(() => {
    const t = !done && pageTiming();
    done = true;
    if (t) later(() => perfReport(t, location.href, document.referrer));
  });
  const hasFcp = () => performance.getEntriesByName('first-contentful-paint').length > 0;
  const go = () => {
    if (hasFcp()) { setTimeout(fire, 0); return; }
    const o = observe('paint', (l) => { for (const e of l) if (e.name === 'first-contentful-paint') { disconnect(o); setTimeout(fire, 0); } });
    setTimeout(() => { disconnect(o); fire(); }, 3000);
  };
  if (document.readyState === 'complete') go(); else addEventListener('load', go, { once: true });
}

function pageTiming() {
  const n = performance.getEntriesByType('navigation')[0];
  if (!n) return null;
  const out = {
    dom_interactive: n.domInteractive - n.fetchStart,
    dom_content_loaded: n.domContentLoadedEventStart - n.fetchStart,
    dom_complete: n.domComplete - n.fetchStart,
    load_event: n.loadEventStart - n.fetchStart,
    nav: n,
  };
  for (const p of performance.getEntriesByType('paint')) {
    if (p.name === 'first-paint') out.first_paint = p.startTime;
    if (p.name === 'first-contentful-paint') out.first_contentful_paint = p.startTime;
  }
  return out;
}

function disconnect(o) { try { if (o) o.disconnect(); } catch (_) { /* ignore */ } }

// Listeners report through the hub too, so the Rust side has one callback. Errors and clicks
// are queued as reports (a click's element is read now, before the page's handler changes it).
const REPORTS = {
  4: (e) => later(errorEventReport, e),
  5: (e) => later(rejectionReport, e),
  6: (e) => { const c = describeClick(e); if (c) later(clickReport, c); },
  // Real input keeps the session alive: at most one crossing a second for it (scroll and
  // keydown fire at frame rate; script-dispatched events never count).
  23: (e) => { if (e.isTrusted && e.timeStamp - active >= 1000) { active = e.timeStamp; hub(23); } },
};
let active = -1000;

function listen(onDocument, type, capture, kind) {
  const target = onDocument ? document : window;
  const build = REPORTS[kind];
  const f = (e) => {
    try { if (build) build(e); else hub(kind, e); } catch (_) { /* ours only */ }
  };
  target.addEventListener(type, f, { capture, passive: true });
  return () => target.removeEventListener(type, f, { capture });
}

// What `install` can switch on (the same bits as src/browser/collect.rs).
const API = 1, SPA = 2, CONSOLE = 4, RESOURCES = 8, LONG_TASKS = 16, VITALS = 32, PERF = 64, ERRORS = 128, CLICKS = 256;

/**
 * Installs the collectors `on` asks for. The handle's `stop()` puts back everything installed
 * (a hook someone patched over stays theirs); `vitals()` is the final web vitals report, once.
 */
/** The final web vitals report of an `install` handle, once; never throws. */
export const finalVitals = safe((h) => h.vitals());

export const install = safe((on, evaluate) => {
  const hooks = [];
  const undo = [() => unhook(hooks)];
  const observed = (o) => { if (o) undo.push(() => disconnect(o)); };
  if (on & API) { hookFetch(hooks, evaluate); hookXhr(hooks, evaluate); }
  if (on & SPA) {
    hookHistory(hooks);
    undo.push(listen(false, 'popstate', false, 2), listen(false, 'hashchange', false, 2));
  }
  if (on & CONSOLE) hookConsole(hooks);
  if (on & RESOURCES) observed(observeResources());
  if (on & LONG_TASKS) observed(observeLongTasks());
  let vitals = on & VITALS ? observeVitals() : null;
  if (on & PERF) afterLoad();
  // Capture phase: sees errors before page handlers can stop them.
  if (on & ERRORS) undo.push(listen(false, 'error', true, 4), listen(false, 'unhandledrejection', false, 5));
  if (on & CLICKS) undo.push(listen(true, 'click', true, 6));
  return {
    stop() { for (const u of undo) try { u(); } catch (_) { /* gone */ } undo.length = 0; },
    vitals() { const v = vitals; vitals = null; return v && v.take(); },
  };
});

/**
 * Page lifecycle: flush when the page is hidden or left, a new view when it comes back from the
 * back/forward cache, and user activity that keeps the session alive. Only `visibilitychange`,
 * `pagehide` and `pageshow`: `unload`/`beforeunload` listeners keep pages out of the bfcache.
 */
export const watchLifecycle = safe(() => {
  const undo = [listen(true, 'visibilitychange', false, 20), listen(false, 'pagehide', false, 21), listen(false, 'pageshow', false, 22)];
  for (const ty of ['click', 'keydown', 'scroll', 'touchstart']) undo.push(listen(true, ty, true, 23));
  return { stop() { for (const u of undo) u(); } };
});

/** Stops what `install` or `watchLifecycle` started. */
export const stop = safe((handle) => { if (handle) handle.stop(); });

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
  return !!re && re.test(s);
});

export const clearTimer = safe((id) => clearTimeout(id));

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

/** Random bytes for ids; without Web Crypto (very old or locked-down pages) ids only need to be unique. */
export function fillRandom(buf) {
  try { crypto.getRandomValues(buf); } catch (_) { for (let i = 0; i < buf.length; i++) buf[i] = Math.random() * 256; }
}

/** An error or rejection the facade saw before the wasm was ready. */
export const earlyReport = safe((ev) => (ev.reason === undefined && ev.promise === undefined ? errorEventReport(ev) : rejectionReport(ev)));
