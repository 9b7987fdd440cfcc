// Helpers to read what the collector received, shared by the `count(payloads)` functions of
// sdks.mjs. A payload is {method, path, query, headers, bytes, body} where `body` is the decoded
// (decompressed) text of the request body.

// Every JSON document found in a payload: the whole body, or each line of an NDJSON body, or each
// line of a Sentry envelope (header line, item header, item payload).
export function jsonDocs(payloads) {
  const out = [];
  for (const p of payloads) {
    if (!p.body) continue;
    const whole = tryJson(p.body);
    if (whole !== undefined) { out.push(whole); continue; }
    for (const line of p.body.split('\n')) {
      const v = tryJson(line);
      if (v !== undefined) out.push(v);
    }
  }
  return out;
}

function tryJson(s) {
  s = s.trim();
  if (!s || (s[0] !== '{' && s[0] !== '[')) return undefined;
  try { return JSON.parse(s); } catch { return undefined; }
}

// Depth-first walk over every object/array node (skipping keys in `skip`), bounded in depth.
// `fn(node, parents)` gets the chain of enclosing plain objects up to the nearest array (nearest
// first), so a field can be matched with its siblings one or two levels up.
export function walk(v, fn, skip = new Set(), depth = 0, parents = []) {
  if (depth > 40 || v === null || typeof v !== 'object') return;
  fn(v, parents);
  if (Array.isArray(v)) { for (const x of v) walk(x, fn, skip, depth + 1, []); return; }
  const up = [v, ...parents].slice(0, 3);
  for (const [k, x] of Object.entries(v)) if (!skip.has(k)) walk(x, fn, skip, depth + 1, up);
}

// The workload's request URLs carry a kind and an index: /api/f/ok?i=12, /api/x/fail?i=19.
const API_RE = /\/api\/([fx])\/(ok|fail)\?i=(\d+)/;
const ERR_RE = /bench-(error|rejection)-(\d+)/g;

function hasStatus500(node, depth = 0) {
  if (depth > 6 || node === null || typeof node !== 'object') return false;
  for (const [k, x] of Object.entries(node)) {
    if (/status/i.test(k) && (x === 500 || x === '500')) return true;
    // attribute maps of the form {"http.response.status_code": {"value": 500, "type": "integer"}}
    if (/status/i.test(k) && x && typeof x === 'object' && (x.value === 500 || x.value === '500')) return true;
    if (typeof x === 'object' && hasStatus500(x, depth + 1)) return true;
  }
  return false;
}

// Format-agnostic part of the count: which of the workload's fetches/XHRs (by index) were reported
// in some object that names their URL in one of its own string fields, whether a report of a
// failing one carried the 500, and which thrown errors / rejections (by index) were reported.
// `skip` excludes subtrees (e.g. Sentry breadcrumbs, which only ride along with error events).
export function genericCount(payloads, { skip = ['breadcrumbs'] } = {}) {
  const skipSet = new Set(skip);
  const seen = { f: new Set(), x: new Set() };
  const s500 = { f: new Set(), x: new Set() };
  const errs = { error: new Set(), rejection: new Set() };
  for (const doc of jsonDocs(payloads)) {
    walk(doc, (node, parents) => {
      if (Array.isArray(node)) return;
      for (const x of Object.values(node)) {
        if (typeof x !== 'string') continue;
        const m = API_RE.exec(x);
        if (m) {
          seen[m[1]].add(+m[3]);
          // the status sits in the same object, or (attribute maps) one or two objects up
          if (m[2] === 'fail' && [node, ...parents.slice(0, 2)].some((o) => hasStatus500(o))) s500[m[1]].add(+m[3]);
        }
        if (x.includes('bench-')) for (const e of x.matchAll(ERR_RE)) errs[e[1]].add(+e[2]);
      }
    }, skipSet);
  }
  return {
    fetch: seen.f.size, fetch500: s500.f.size,
    xhr: seen.x.size, xhr500: s500.x.size,
    errors: errs.error.size, rejections: errs.rejection.size,
  };
}

// All objects (anywhere in the payloads) that satisfy `pred`.
export function findAll(payloads, pred, skip = ['breadcrumbs']) {
  const out = [];
  const skipSet = new Set(skip);
  for (const doc of jsonDocs(payloads)) walk(doc, (n) => { if (!Array.isArray(n) && pred(n)) out.push(n); }, skipSet);
  return out;
}

// The workload's long task is one 200 ms busy loop. A report counts as that task when its duration
// is 195..300 ms (page-load long frames are usually shorter; the loop plus its frame a bit longer).
export const isBenchLongTask = (ms) => ms >= 195 && ms <= 300;
