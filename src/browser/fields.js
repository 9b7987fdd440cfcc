// ARMS event fields from browser facts: the helpers every collector's report builder
// (collectors/*.js) shares, with ARMS's field names, caps and rules. Pure (facts in, fields out,
// no DOM reads), so node tests the builders as they are.
//
// Why JS and not Rust: mapping a few dozen facts to named fields is what JS writes most
// compactly. The same builders in the wasm cost 7.3 KB gzip in every user's page (measured);
// here they cost about 1.5 KB. What is decided about an event (filters, sampling, session,
// view, batching) stays in Rust: a report is only a proposal until the hub accepts it.
//
// A report is `[event type, body, merge key, timestamp, view id, view name, subject...]`: the
// body is the fields' JSON without braces (as `core::fields::Fields` writes it), the subjects
// are what the config's filters test (a resource's URL; an error's name, message and stack).

import { PROPERTIES_MAX, PROPERTY_KEY_MAX, PROPERTY_VALUE_MAX, SLOW_LOAD_MS, SLOW_RESOURCE_MS } from './constants.js';

export const opts = { name: null, slowResource: SLOW_RESOURCE_MS, slowLoad: SLOW_LOAD_MS, sample: 100, trace: false };

/**
 * `parseResourceName`, the slow thresholds, the tracing sample (%, for `trace_data`) and
 * whether tracing is on (requests then ask the wasm for headers): set by the Rust side when it
 * installs collectors.
 */
export function configure(parseResourceName, slowResource, slowLoad, sample, trace) {
  opts.name = typeof parseResourceName === 'function' ? parseResourceName : null;
  opts.slowResource = slowResource;
  opts.slowLoad = slowLoad;
  opts.sample = sample;
  opts.trace = trace;
}

// ARMS's `timing_data` and `snapshots`: a performance entry as JSON text (its toJSON).
export const entryJson = (e) => { try { return JSON.stringify(e); } catch (_) { return undefined; } };

// Numbers as the Rust writer prints them: truncated to 3 decimals (binary noise absorbed). Cut
// where a builder takes a measured number (pos, plausible, span and the few others), not by a
// replacer in JSON.stringify: one was called for every value of every report, 7 µs of an API
// call's 35 (bench/stages.mjs).
export const r3 = (n) => (Number.isFinite(n) ? Math.sign(n) * Math.trunc(Math.abs(n) * 1000 + 1e-6) / 1000 : null);
// A report's body: the JSON text of an object, without the braces.
export const body = (o) => JSON.stringify(o).slice(1, -1);
// A duration or size: only a real, non-negative number.
export const pos = (v) => (Number.isFinite(v) && v >= 0 ? r3(v) : undefined);
// Plausible for a page-load mark: positive and under an hour.
export const plausible = (v) => (Number.isFinite(v) && v > 0 && v < 3600000 ? r3(v) : undefined);
export const cut = (s, n) => (s.length <= n ? s : Array.from(s).slice(0, n).join(''));
export const str = (v) => (typeof v === 'string' ? v : undefined);
export const isObj = (v) => typeof v === 'object' && v !== null;
export const get = (o, k) => { try { return o == null ? undefined : o[k]; } catch (_) { return undefined; } };
export const num = (o, k) => { const v = get(o, k); return typeof v === 'number' ? v : 0; };

/** The path of a URL, without origin, query or hash (`/` when empty). */
export const pathname = (href) => href.replace(/[?#].*/s, '').replace(/^([a-z][\w+.-]*:)?\/\/[^/]*/i, '') || '/';

export function resourceName(url) {
  if (opts.name) {
    try { const n = opts.name(url); if (typeof n === 'string') return n; } catch (_) { /* the page's function */ }
  }
  return pathname(url);
}

const span = (a, b) => (a > 0 && b > a ? r3(b - a) : undefined);

/**
 * Phase durations and sizes of a resource timing entry (phases it lacks are left out). Read as
 * plain properties: the entry is the browser's (its getters do not throw), and a missing or
 * non-numeric one fails the comparisons below like a 0.
 */
export function timing(o, e) {
  o.redirect_duration = span(e.redirectStart, e.redirectEnd);
  o.dns_duration = span(e.domainLookupStart, e.domainLookupEnd);
  o.connect_duration = span(e.connectStart, e.connectEnd);
  o.ssl_duration = span(e.secureConnectionStart, e.connectEnd);
  o.first_byte_duration = span(e.requestStart, e.responseStart);
  o.download_duration = span(e.responseStart, e.responseEnd);
  if (e.decodedBodySize > 0) o.size = e.decodedBodySize;
  if (e.transferSize > 0) o.transfer_size = e.transferSize;
  return o;
}

export const ok = (status) => status >= 200 && status < 400;

/** evaluateApi's `properties`: at most 20, strings and numbers only, ARMS's length caps. */
export function properties(p) {
  if (!isObj(p)) return undefined;
  const out = {};
  let n = 0;
  for (const k of Object.keys(p)) {
    if (n === PROPERTIES_MAX) break;
    const v = p[k];
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    out[cut(k, PROPERTY_KEY_MAX)] = typeof v === 'string' ? cut(v, PROPERTY_VALUE_MAX) : r3(v);
    n++;
  }
  return n ? out : undefined;
}
