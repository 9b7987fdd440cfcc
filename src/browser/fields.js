// ARMS event fields from browser facts: what each collector reports, with ARMS's field names,
// order, caps and rules. Pure (facts in, a report out, no DOM reads), so node tests it as is.
//
// Why JS and not Rust: mapping a few dozen facts to named fields is what JS writes most
// compactly. The same builders in the wasm cost 7.3 KB gzip in every user's page (measured);
// here they cost about 1.5 KB. What is decided about an event (filters, sampling, session,
// view, batching) stays in Rust: a report is only a proposal until the hub accepts it.
//
// A report is `[event type, body, merge key, timestamp, view id, view name, subject...]`: the
// body is the fields' JSON without braces (as `core::fields::Fields` writes it), the subjects
// are what the config's filters test (a resource's URL; an error's name, message and stack).

const SLOW_DEFAULT = 1000;
export const opts = { name: null, slowResource: SLOW_DEFAULT, slowLoad: 3000, sample: 100, trace: false };

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
const entryJson = (e) => { try { return JSON.stringify(e); } catch (_) { return undefined; } };

// Numbers as the Rust writer prints them: truncated to 3 decimals (binary noise absorbed).
const r3 = (n) => (Number.isFinite(n) ? Math.sign(n) * Math.trunc(Math.abs(n) * 1000 + 1e-6) / 1000 : null);
const body = (o) => JSON.stringify(o, (_k, v) => (typeof v === 'number' ? r3(v) : v)).slice(1, -1);
// A duration or size: only a real, non-negative number.
const pos = (v) => (Number.isFinite(v) && v >= 0 ? v : undefined);
// Plausible for a page-load mark: positive and under an hour.
const plausible = (v) => (Number.isFinite(v) && v > 0 && v < 3600000 ? v : undefined);
export const cut = (s, n) => (s.length <= n ? s : Array.from(s).slice(0, n).join(''));
const str = (v) => (typeof v === 'string' ? v : undefined);
const isObj = (v) => typeof v === 'object' && v !== null;
const get = (o, k) => { try { return o == null ? undefined : o[k]; } catch (_) { return undefined; } };
const num = (o, k) => { const v = get(o, k); return typeof v === 'number' ? v : 0; };

/** The path of a URL, without origin, query or hash (`/` when empty). */
export function pathname(href) {
  let s = href.split('#')[0].split('?')[0];
  const i = s.indexOf('//');
  if (i === 0 || (i > 0 && s[i - 1] === ':')) {
    const rest = s.slice(i + 2);
    const j = rest.indexOf('/');
    s = j < 0 ? '' : rest.slice(j);
  }
  return s || '/';
}

function resourceName(url) {
  if (opts.name) {
    try { const n = opts.name(url); if (typeof n === 'string') return n; } catch (_) { /* the page's function */ }
  }
  return pathname(url);
}

const span = (a, b) => (a > 0 && b > a ? b - a : undefined);

/** Phase durations and sizes of a resource timing entry (phases it lacks are left out). */
export function timing(o, e) {
  const n = (k) => num(e, k);
  o.redirect_duration = span(n('redirectStart'), n('redirectEnd'));
  o.dns_duration = span(n('domainLookupStart'), n('domainLookupEnd'));
  o.connect_duration = span(n('connectStart'), n('connectEnd'));
  o.ssl_duration = span(n('secureConnectionStart'), n('connectEnd'));
  o.first_byte_duration = span(n('requestStart'), n('responseStart'));
  o.download_duration = span(n('responseStart'), n('responseEnd'));
  if (n('decodedBodySize') > 0) o.size = n('decodedBodySize');
  if (n('transferSize') > 0) o.transfer_size = n('transferSize');
  return o;
}

const ok = (status) => status >= 200 && status < 400;

// ARMS's resource types, by initiator first, then by the path's extension.
const table = (t) => { const m = new Map(); for (const e of t.split(' ')) { const [k, v] = e.split(':'); for (const x of v.split(',')) m.set(x, k); } return m; };
const BY_INITIATOR = table('css:css js:script image:img,image,imageset,input,icon media:video,audio,track document:iframe,frame,navigation');
const BY_EXT = table('css:css js:js,mjs image:png,jpg,jpeg,gif,webp,svg,ico,avif,bmp font:woff,woff2,ttf,otf,eot media:mp4,webm,mp3,ogg,wav,m4a document:html,htm');

export function resourceType(initiator, path) {
  return BY_INITIATOR.get(initiator) || BY_EXT.get(path.slice(path.lastIndexOf('.') + 1)) || 'other';
}

/** A static resource from its PerformanceResourceTiming entry. */
export function resourceReport(e) {
  const url = str(get(e, 'name')) || '';
  const status = num(e, 'responseStatus');
  const duration = num(e, 'duration');
  const o = { url, name: resourceName(url), type: resourceType(str(get(e, 'initiatorType')) || '', pathname(url)), method: 'GET' };
  if (status > 0) o.status_code = status;
  o.success = status === 0 ? -1 : ok(status) ? 1 : 0;
  o.duration = pos(duration);
  timing(o, e);
  o.timing_data = entryJson(e);
  if (duration > opts.slowResource) o.slow = 1;
  return ['resource', body(o), , , , , url];
}

/**
 * ARMS's `trace_data`, `{spanId, sample, sampled, headers}` as JSON text, from the headers we
 * added: traceparent `00-trace-span-0F`, b3 `trace-span-F`, jaeger `trace:span:0:F`, or B3's
 * separate headers.
 */
function traceData(tr) {
  if (!isObj(tr)) return undefined;
  const tp = str(get(tr, 'traceparent'));
  const one = tp || str(get(tr, 'b3')) || str(get(tr, 'uber-trace-id'));
  return JSON.stringify({
    spanId: one ? one.slice(tp ? 36 : 33, tp ? 52 : 49) : str(get(tr, 'X-B3-SpanId')),
    sample: opts.sample,
    sampled: one ? one.endsWith('1') : get(tr, 'X-B3-Sampled') === '1',
    headers: tr,
  });
}

function traceId(tr) {
  const tp = str(get(tr, 'traceparent'));
  if (tp !== undefined) return tp.length >= 35 ? tp.slice(3, 35) : undefined;
  const b3 = str(get(tr, 'X-B3-TraceId'));
  if (b3 !== undefined) return b3;
  const s = str(get(tr, 'b3')) || str(get(tr, 'uber-trace-id'));
  return s && s.length >= 32 ? s.slice(0, 32) : undefined;
}

/** evaluateApi's `properties`: at most 20, strings and numbers only, ARMS's length caps. */
export function properties(p) {
  if (!isObj(p)) return undefined;
  const out = {};
  let n = 0;
  for (const k of Object.keys(p)) {
    if (n === 20) break;
    const v = p[k];
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    out[cut(k, 50)] = typeof v === 'string' ? cut(v, 2000) : v;
    n++;
  }
  return n ? out : undefined;
}

/**
 * A fetch/XHR call, as the hooks saw it: `k` kind, `m` method, `u` URL, `s` status, `t` status
 * text, `e` network error, `d` duration, `tm` its resource timing entry, `tr` the trace headers
 * we added, `ev` evaluateApi's answer, `ts` start time, `v` the view it started on.
 */
export function apiReport(d) {
  const url = d.u || '';
  const ev = d.ev;
  const over = (k, max) => { const s = str(get(ev, k)); return s === undefined ? undefined : cut(s, max); };
  const evNum = (k) => { const v = get(ev, k); return typeof v === 'number' ? v : undefined; };
  const status = evNum('status_code') ?? (d.s || 0);
  const duration = evNum('duration') ?? (d.d || 0);
  const error = str(d.e);
  const o = { url, name: over('name', 1000) ?? resourceName(url), type: d.k, method: d.m };
  o.success = evNum('success') ?? (error === undefined && ok(status) ? 1 : 0);
  if (status > 0) o.status_code = status;
  o.message = over('message', 1000)
    ?? (error !== undefined && status === 0 ? (error.startsWith('TypeError') ? '' : 'Error: ') + error : d.t || '');
  o.trace_id = over('trace_id', 100) ?? traceId(d.tr);
  o.trace_data = traceData(d.tr);
  o.duration = pos(duration);
  if (d.tm) { timing(o, d.tm); o.timing_data = entryJson(d.tm); }
  if (duration > opts.slowResource) o.slow = 1;
  o.snapshots = over('snapshots', 5000);
  o.properties = properties(get(ev, 'properties'));
  const v = d.v || [];
  return ['resource', body(o), , d.ts === undefined ? undefined : Math.floor(d.ts), str(v[1]), str(v[2]), url];
}

/** An Error-like value (an object with a string `message`) as [name, message, stack]. */
function errorLike(v) {
  const m = isObj(v) ? str(get(v, 'message')) : undefined;
  return m === undefined ? undefined : [str(get(v, 'name')) || 'Error', m, str(get(v, 'stack')) || ''];
}

/** Any value as a developer reads it: Errors as `Name: message`, objects as JSON, the rest as `String(v)`. */
export function textOf(v) {
  if (typeof v === 'string') return v;
  const e = errorLike(v);
  if (e) return e[0] + ': ' + e[1];
  if (isObj(v)) {
    try { const j = JSON.stringify(v); if (typeof j === 'string') return j; } catch (_) { /* cyclic */ }
  }
  try { return String(v); } catch (_) { return ''; }
}

/** [name, message, stack] of any thrown value; `name` for what is not Error-like. */
const errorOf = (v, name) => errorLike(v) || [name, textOf(v), ''];

export function errorReport(source, [name, message, stack], location) {
  const o = { type: 'error', source, name, message: cut(message, 1000), stack: cut(stack, 4000) };
  if (location) { o.file = location[0]; o.line = location[1]; o.column = location[2]; }
  o.binary_images = {};
  return ['exception', body(o), source + '\n' + message + '\n' + stack, , , , name, message, stack];
}

/** The window's `error` event; null for a failed <img>/<script> load (a resource, not a JS error). */
export function errorEventReport(ev) {
  const message = str(get(ev, 'message'));
  if (message === undefined) return null;
  const err = get(ev, 'error');
  const e = isObj(err) ? errorOf(err, 'Error') : ['Error', message, ''];
  return errorReport('onError', e, [str(get(ev, 'filename')) || '', num(ev, 'lineno'), num(ev, 'colno')]);
}

export function rejectionReport(ev) {
  return errorReport('onUnhandledRejection', errorOf(get(ev, 'reason'), 'UnhandledRejection'));
}

/** `console.error(...args)`: an Error as itself, anything else as the whole line. */
export function consoleReport(args) {
  if (!args.length) return null;
  return errorReport('console.error', errorLike(args[0]) || ['ConsoleError', args.map(textOf).join(' '), '']);
}

/** A click, from what `describeClick` read off the element. */
export function clickReport(c) {
  let name = 'click on ' + (c.type ? c.type + '-' : '') + c.tag;
  const text = c.text.trim();
  if (text) { const t = cut(text, 20); name += ': ' + t + (t.length < text.length ? '...' : ''); }
  const snap = {};
  for (const [k, v] of [['id', c.id], ['name', c.name], ['className', c.cls], ['href', c.href], ['src', c.src]]) if (v) snap[k] = cut(v, 300);
  const o = { type: 'click', name, target_name: c.xp, duration: pos(c.dur), snapshots: cut(JSON.stringify(snap), 1000) };
  return ['action', body(o), 'click\n' + c.xp, Math.floor(c.ts)];
}

/** Page load timing (ms since fetchStart), reported once per load. */
export function perfReport(t, url, referrer) {
  const o = { type: 'perf', url, referrer };
  for (const k of ['first_paint', 'first_contentful_paint', 'dom_interactive', 'dom_content_loaded', 'dom_complete', 'load_event']) o[k] = plausible(t[k]);
  o.snapshots = t.nav && entryJson(t.nav);
  if (o.load_event > opts.slowLoad) o.slow = 1;
  return ['view', body(o)];
}

/** Web vitals at the end of the page's life; null when there is none to send. */
export function vitalsReport(v, url, referrer) {
  const m = {
    largest_contentful_paint: plausible(v.lcp),
    first_input_delay: v.fid >= 0 && v.fid < 3600000 ? v.fid : undefined,
    first_input_time: plausible(v.fit),
    cumulative_layout_shift: pos(v.cls),
    interaction_to_next_paint: plausible(v.inp),
    time_to_first_byte: plausible(v.ttfb),
    first_contentful_paint: plausible(v.fcp),
  };
  if (Object.values(m).every((x) => x === undefined)) return null;
  return ['view', body(Object.assign({ type: 'webvitals', url, referrer }, m))];
}

const MIN_LONG_TASK = 150;

/**
 * A stall of one or more long frames; null under 150 ms. Its 5 slowest scripts as a snapshot;
 * `id` and `name` are the view's (`v`: the hub's `[headers, view id, view name]`), as ARMS
 * sends them.
 */
export function longTaskReport(t, v) {
  const duration = t.end - t.start;
  if (!(duration >= MIN_LONG_TASK)) return null;
  const scripts = t.scripts.slice().sort((a, b) => num(b, 'duration') - num(a, 'duration')).slice(0, 5)
    .map((s) => ({ sourceURL: str(get(s, 'sourceURL')) || '', sourceFunctionName: str(get(s, 'sourceFunctionName')) || '', invokerType: str(get(s, 'invokerType')) || '', duration: num(s, 'duration') }));
  const o = { id: str(get(v, 1)), name: str(get(v, 2)), type: 'fps', source: t.source, duration, fps: Math.floor(1000 / (duration / Math.max(t.frames, 1)) + 0.5), snapshots: JSON.stringify(scripts, (_k, v) => (typeof v === 'number' ? r3(v) : v)) };
  return ['longTask', body(o)];
}
