// API calls (fetch and XHR): each call's method, URL, status and duration, its resource timing
// entry, the trace headers we added, and evaluateApi's verdict, reported as ARMS `resource`
// events of type fetch / xmlhttprequest.

import { files, hub } from '../transport.js';
import { TRACE } from '../constants.js';
import { after, later, view } from '../pending.js';
import { absolute, before, now, observe, observed, patch, safe } from '../hooks.js';
import { body, cut, entryJson, get, ok, opts, pos, properties, r3, resourceName, str, timing } from '../fields.js';

// An API call ended (fetch or XHR). Its timing comes from the matching resource entry, which
// the browser adds when the body is done: the report is built 200 ms later, or when the page is
// hidden or left (then without the entry if it is not there yet: the call is not lost with the
// page). With evaluateApi, its answer is awaited all the same (a page that unloads before it
// comes loses that call).
const apiDone = (d, evaluate) => { d.f = evaluate; after(200, apiBuild, d); };

// The resource timing entries, until an API call's report takes its own: from an observer, not
// performance.getEntriesByName, because the page's timeline stops taking resources at 250
// (Chromium's default buffer) and a long-lived page's later calls had no timing. The last 200
// to 400 are kept, of every kind (a call's entry is found by URL and start: the kind need not be
// read, a binding call cold in each call), and the page's other resources, never taken, go
// with the oldest.
let seen = [];
const keep = (list) => {
  seen.push(...list);
  if (seen.length > 400) seen = seen.slice(200);
};

function apiBuild(d) {
  // The URL resolved here and not in the page's call (the hooks take the method, the URL and
  // the start as the page gave them, and read nothing more): `new URL` and its `href`, cold in
  // each call of the page, took 23 µs of a fetch wrapper's 34 (bench/stages.mjs); in a batch,
  // about 6.
  d.u = absolute(d.u);
  // The call's entry: the first of its URL that started with it (calls to one URL at once each
  // get their own), taken out (none found: -1 >>> 0 is past the end, splice takes nothing).
  d.tm = seen.splice(seen.findIndex((e) => e.name === d.u && e.startTime >= d.st - 5) >>> 0, 1)[0];
  if (!d.f) return apiReport(d);
  // ARMS evaluateApi(req, res, err, xhr): its (possibly async) answer refines the event.
  Promise.resolve().then(() => d.f(d.req, d.res, d.e ? new Error(d.e) : null, d.x))
    .then((a) => { if (a && typeof a === 'object') d.ev = a; }, () => {})
    .then(() => later(apiReport, d));
}

// A request body's size in bytes where the body tells it (text, Blob, buffers; not FormData,
// URLSearchParams or a stream). Measured when the report is built, not in the page's call: a
// text body is copied to count its UTF-8 bytes.
const size = (b) => b && (typeof b === 'string' ? new Blob([b]).size : b.byteLength ?? b.size);

// The trace headers' builder (dist/rum-trace.js, js/trace/), imported only by pages whose config
// has `tracing`: the facade waits for it before the SDK starts, so requests are traced from the
// first; tracing turned on later by setConfig loads it at the first request, and the requests
// until it is there go untraced. A failed load warns once and traces nothing.
let tracer;
let loadTracer = () => import(new URL('rum-trace.js', files.base));
/** From the npm entry: imports the module. */
export const traceModule = (f) => { loadTracer = f; };
/** Loads the builder, once. */
export const traceStart = () => tracer ||= loadTracer().then((m) => { tracer = m.build; }, (e) => console.warn('[rum-wasm] no tracing: ' + e));

// A request starts: the trace headers to add, when tracing is on (the Rust side says whether
// this URL is traced and with which headers, the builder makes them). Its view is the one
// pending.js keeps.
const traceHeaders = (u) => {
  if (!opts.trace) return;
  if (typeof tracer != 'function') return void traceStart();
  const t = hub(TRACE, absolute(u));
  return t && tracer(t, opts.sample);
};

function hookFetch(out, evaluate) {
  patch(out, window, 'fetch', (orig) => function (input, init) {
    let d = null;
    let args = arguments;
    try {
      // (Where fetch is, Request is: a page without it throws here, and its call goes on unobserved.)
      const req = input instanceof Request ? input : null;
      const m = init?.method || req?.method || 'GET';
      // The URL as the page gave it, resolved when the report is built (against the
      // document's base URL then: one that changed meanwhile, a path relative to a route the
      // page left within the 200 ms, resolves against the new one).
      const u = req ? req.url : input;
      d = { k: 'fetch', m, u, st: now(), rq: init?.body };
      if (evaluate) d.req = { url: absolute(u), method: m, headers: init?.headers || req?.headers, body: init?.body };
      // The view and time of the call are those of its start, whenever it ends.
      d.v = view;
      const h = traceHeaders(u);
      if (h) {
        // Only now do the arguments change: a Request carrying the app's headers plus ours,
        // never overwriting a header the app set itself.
        const r = new Request(input, init);
        for (const name in h.h) if (!r.headers.has(name)) r.headers.set(name, h.h[name]);
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
    // A page that opens its next call from the last one's loadend, before our listener ran
    // (its own handlers come first, and so does the await after one): that call's status,
    // before open() resets it.
    const last = this[key];
    if (last?.st) { last.s = this.status; last.t = this.statusText; }
    this[key] = { k: 'xmlhttprequest', m, u, set: {} };
  });
  // A failed call's kind without a listener per kind (three addEventListener calls a send):
  // abort() marks its call (abort's loadend comes inside that call); a call that ends with
  // status 0 after its xhr.timeout has timed out; any other with status 0 is an error.
  before(out, P, 'abort', function () { const d = this[key]; if (d) d.e = 'abort'; });
  before(out, P, 'setRequestHeader', function (name) {
    if (this[key]) this[key].set[String(name).toLowerCase()] = 1;
  });
  before(out, P, 'send', function (body) {
    const d = this[key];
    if (d) {
      d.st = now();
      d.rq = body;
      d.v = view;
      const h = traceHeaders(d.u);
      if (h) {
        for (const name in h.h) if (!d.set[name.toLowerCase()]) setHeader.call(this, name, h.h[name]);
        d.tr = h;
      }
      const xhr = this;
      xhr.addEventListener('loadend', safe(() => {
        if (xhr[key] == d) { d.s = xhr.status; d.t = xhr.statusText; delete xhr[key]; }
        d.d = now() - d.st;
        if (!d.s) d.e ||= xhr.timeout && d.d >= xhr.timeout ? 'timeout' : 'error';
        if (evaluate) { d.x = xhr; d.req = { url: absolute(d.u), method: d.m, body }; }
        apiDone(d, evaluate);
        // Once: added again at each send of a reused object, an earlier call's listener fired
        // again at every later call's end (reported once more).
      }), { once: true });
    }
  });
}

/**
 * A fetch/XHR call, as the hooks saw it: `k` kind, `m` method, `u` URL, `s` status, `t` status
 * text, `e` network error, `d` duration, `rq` the request body, `tm` its resource timing entry, `tr` the trace we
 * started (`h` the headers we added, `id`, `span`, `s` sampled: js/trace/), `ev`
 * evaluateApi's answer, `st` start time (performance.now()), `v` the view it started on.
 */
export function apiReport(d) {
  const url = d.u || '';
  const ev = d.ev;
  const over = (k, max) => { const s = str(get(ev, k)); return s && cut(s, max); };
  const evNum = (k) => { const v = get(ev, k); return typeof v === 'number' ? r3(v) : undefined; };
  const status = evNum('status_code') ?? (d.s || 0);
  const duration = evNum('duration') ?? (d.d || 0);
  const error = str(d.e);
  const o = { url, name: over('name', 1000) ?? resourceName(url), type: d.k, method: String(d.m).toUpperCase() };
  o.success = evNum('success') ?? (error === undefined && ok(status) ? 1 : 0);
  if (status > 0) o.status_code = status;
  o.message = over('message', 1000)
    ?? (error !== undefined && status === 0 ? (error.startsWith('TypeError') ? '' : 'Error: ') + error : d.t || '');
  // ARMS's trace_data: `{spanId, sample, sampled, headers}` as JSON text.
  const tr = d.tr;
  o.trace_id = over('trace_id', 100) ?? tr?.id;
  o.trace_data = tr && JSON.stringify({ spanId: tr.span, sample: opts.sample, sampled: tr.s, headers: tr.h });
  o.duration = pos(duration);
  o.request_size = pos(size(d.rq));
  if (d.tm) { timing(o, d.tm); o.timing_data = entryJson(d.tm); }
  if (duration > opts.slowResource) o.slow = 1;
  o.snapshots = over('snapshots', 5000);
  o.properties = properties(get(ev, 'properties'));
  const v = d.v || [];
  return ['resource', body(o), , Math.floor(performance.timeOrigin + d.st), str(v[1]), str(v[2]), url];
}


export function install(hooks, undo, evaluate) {
  observed(undo, observe('resource', keep));
  hookFetch(hooks, evaluate);
  hookXhr(hooks, evaluate);
}
