// Session-trace console: plain JS, no build step. Hash routes give every view a stable URL:
//   #/?q=..&range=..   session list      #/session/<id>   one session      #/ways   ways in
// Every value from the data is put in the page as text (never as HTML): it comes from browsers.
'use strict';

const app = document.getElementById('app');
const RANGES = [['15m', 'Last 15 min'], ['1h', 'Last hour'], ['24h', 'Last 24 h'], ['7d', 'Last 7 days'], ['all', 'All time'], ['custom', 'Custom']];
const FILTERS = [
  ['session_id', 'Session id'], ['ip', 'Visitor IP'], ['url', 'Page URL contains'], ['browser', 'Browser'],
  ['browser_version', 'Browser version'], ['os', 'OS'], ['device', 'Device type'], ['connection', 'Connection'],
  ['country', 'Country'], ['region', 'Region'], ['city', 'City'], ['app_version', 'App version'], ['env', 'Environment'],
];
const PAGE = 50;

// h('tag', {attr: v, onclick: fn}, child...) builds DOM; strings become text nodes.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) if (c != null) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function api(path) {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  // The login ended (expired, logged out elsewhere): log in again, then come back here.
  if (r.status === 401) location.assign('login.html?next=' + encodeURIComponent(location.pathname) + location.hash);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(body.error || `HTTP ${r.status}`), { status: r.status });
  return body;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function fmtTime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
function fmtClock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
function fmtDur(ms) {
  if (ms == null) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
const join = (...xs) => xs.filter(Boolean).join(' · ');
const where = (s) => join([s.city, s.region, s.country].filter(Boolean).join(', '), join(s.browser, s.browser_version), s.os);

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path, params: new URLSearchParams(qs || '') };
}
function go(path, params) {
  const qs = params && params.toString();
  location.hash = '#' + path + (qs ? '?' + qs : '');
}

function render(...nodes) {
  app.replaceChildren(...nodes);
}
function fail(e) {
  render(h('p', { class: 'error' }, e.message || String(e)));
}

// ---- search box: a pasted session id opens the session, anything else searches users ----
document.getElementById('search').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const v = document.getElementById('search-input').value.trim();
  if (!v) return go('/');
  if (/^[0-9a-zA-Z_-]{16,128}$/.test(v)) {
    try {
      await api('/api/sessions/' + encodeURIComponent(v));
      return go('/session/' + encodeURIComponent(v));
    } catch (e) { if (e.status !== 404) return fail(e); }
  }
  const p = new URLSearchParams({ q: v, range: 'all' });
  go('/', p);
});

// ---- session list ----
async function sessionList(params) {
  const range = params.get('range') || '24h';
  const q = new URLSearchParams(params);
  q.delete('range');
  if (range === 'custom') {
    for (const k of ['from', 'to']) if (params.get(k)) q.set(k, String(Date.parse(params.get(k))));
  } else {
    q.delete('from'); q.delete('to');
    if (range !== 'all') q.set('range', range);
  }
  if (params.get('errors') === 'gtN') { q.set('errors', '>' + (params.get('n') || '0')); }
  q.delete('n');
  q.set('limit', PAGE);
  const form = filterForm(params, range);
  render(h('h1', {}, 'Sessions'), form, h('p', { class: 'muted' }, 'Loading…'));
  let data;
  try { data = await api('/api/sessions?' + q); } catch (e) { return render(h('h1', {}, 'Sessions'), form, h('p', { class: 'error' }, e.message)); }
  const sortLink = (key, label) => {
    const p = new URLSearchParams(params);
    const cur = params.get('sort') || 'start';
    const desc = (params.get('order') || 'desc') === 'desc';
    p.set('sort', key); p.set('order', cur === key && desc ? 'asc' : 'desc'); p.delete('offset');
    return h('a', { href: '#/?' + p }, label + (cur === key ? (desc ? ' ↓' : ' ↑') : ''));
  };
  const rows = data.sessions.map((s) => h('tr', {
    'data-testid': 'session-row', 'data-session-id': s.session_id, tabindex: 0,
    onclick: () => go('/session/' + encodeURIComponent(s.session_id)),
    onkeydown: (e) => { if (e.key === 'Enter') go('/session/' + encodeURIComponent(s.session_id)); },
  },
  h('td', {}, fmtTime(s.start_ms)),
  h('td', {}, h('a', { href: '#/session/' + encodeURIComponent(s.session_id) }, s.user_name || s.user_id || '(anonymous)'), s.user_name && s.user_id ? h('div', { class: 'muted' }, s.user_id) : null),
  h('td', { class: 'num' }, fmtDur(s.duration_ms)),
  h('td', { class: 'num' }, s.pvs),
  h('td', { class: 'num' + (s.js_errors ? ' bad' : '') }, s.js_errors),
  h('td', { class: 'num' + (s.api_failures ? ' bad' : '') }, s.api_failures),
  h('td', {}, where(s) || h('span', { class: 'muted' }, '—'))));
  const offset = Number(params.get('offset') || 0);
  const pageLink = (off, label) => {
    const p = new URLSearchParams(params); p.set('offset', off);
    return h('a', { href: '#/?' + p }, label);
  };
  render(
    h('h1', {}, 'Sessions'), form,
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, sortLink('start', 'Start')), h('th', {}, 'User'), h('th', { class: 'num' }, sortLink('duration', 'Duration')),
        h('th', { class: 'num' }, 'PVs'), h('th', { class: 'num' }, sortLink('errors', 'Errors')), h('th', { class: 'num' }, 'API failures'), h('th', {}, 'Location · browser · OS'))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No sessions match.')))),
    h('div', { class: 'pager' },
      h('span', { class: 'muted' }, `${data.total} sessions`),
      offset > 0 ? pageLink(Math.max(0, offset - PAGE), '← Newer') : null,
      offset + PAGE < data.total ? pageLink(offset + PAGE, 'Older →') : null));
}

function filterForm(params, range) {
  const field = (name, label, input) => h('label', {}, label, input || h('input', { name, value: params.get(name) || '' }));
  const select = (name, options, value) => h('select', { name }, options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
  const errorsSel = select('errors', [['', 'Any'], ['0', '= 0'], ['>0', '> 0'], ['gtN', '> N']], params.get('errors') || '');
  const form = h('form', { class: 'card filters', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
    go('/', p);
  } },
  field('q', 'User name or id'),
  field('range', 'Time range', select('range', RANGES, range)),
  range === 'custom' ? field('from', 'From', h('input', { name: 'from', type: 'datetime-local', value: params.get('from') || '' })) : null,
  range === 'custom' ? field('to', 'To', h('input', { name: 'to', type: 'datetime-local', value: params.get('to') || '' })) : null,
  FILTERS.map(([n, l]) => field(n, l)),
  field('errors', 'JS errors', errorsSel),
  field('n', 'N (for > N)', h('input', { name: 'n', type: 'number', min: 0, value: params.get('n') || '' })),
  field('min_duration', 'Min duration (ms)', h('input', { name: 'min_duration', type: 'number', min: 0, value: params.get('min_duration') || '' })),
  field('max_duration', 'Max duration (ms)', h('input', { name: 'max_duration', type: 'number', min: 0, value: params.get('max_duration') || '' })),
  h('input', { type: 'hidden', name: 'sort', value: params.get('sort') || '' }),
  h('input', { type: 'hidden', name: 'order', value: params.get('order') || '' }),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply'), h('button', { type: 'button', class: 'plain', onclick: () => go('/') }, 'Reset')));
  form.querySelector('select[name=range]').addEventListener('change', () => form.requestSubmit());
  return form;
}

// ---- one session: summary + path ----
function eventLabel(e) {
  const b = e.body || {};
  switch (e.event_type) {
    case 'view':
      if (e.type === 'pv') return `Page view ${b.loading_type ? '(' + b.loading_type.replace('_', ' ') + ')' : ''}`;
      if (e.type === 'perf') return `Page load ${b.load_event != null ? fmtDur(b.load_event) : ''}${e.is_slow ? ' (slow)' : ''}`;
      if (e.type === 'webvitals') return 'Web vitals ' + ['largest_contentful_paint', 'first_input_delay', 'cumulative_layout_shift', 'interaction_to_next_paint']
        .filter((k) => b[k] != null).map((k) => `${k.split('_').map((w) => w[0].toUpperCase()).join('')} ${b[k]}`).join(', ');
      return `View ${e.type || ''}`;
    case 'resource':
      return `${b.method || ''} ${e.url || e.name || ''} ${e.status_code != null ? '→ ' + e.status_code : ''} ${e.duration != null ? fmtDur(e.duration) : ''}`.trim();
    case 'exception': return `${b.name || 'Error'}: ${e.message || ''}`;
    case 'action': return `${e.name || 'action'}${b.times > 1 ? ' ×' + b.times : ''}`;
    case 'longTask': return `Long task ${fmtDur(e.duration)}${b.fps != null ? ', ' + b.fps + ' fps' : ''}`;
    case 'custom': return `${e.name || ''}${b.value != null ? ' = ' + b.value : ''}`;
    default: return e.name || '';
  }
}

async function sessionPage(id) {
  render(h('p', { class: 'muted' }, 'Loading…'));
  let data;
  try { data = await api('/api/sessions/' + encodeURIComponent(id)); } catch (e) {
    return render(h('h1', {}, 'Session'), h('p', { class: 'error' }, e.status === 404 ? `No session "${id}".` : e.message));
  }
  const s = data.session;
  const item = (label, value, testid) => h('div', {}, h('dt', {}, label), h('dd', testid ? { 'data-testid': testid } : {}, value == null || value === '' ? '—' : value));
  const summary = h('dl', { class: 'summary card' },
    item('User name', s.user_name, 'summary-user'), item('User id', s.user_id, 'summary-user-id'), item('Session id', s.session_id, 'summary-session-id'),
    item('PVs', s.pvs, 'summary-pvs'), item('JS errors', s.js_errors, 'summary-errors'), item('API calls', s.api_calls, 'summary-api-calls'),
    item('API failures', s.api_failures, 'summary-api-failures'), item('Slow loads', s.slow_loads, 'summary-slow-loads'),
    item('Duration', fmtDur(s.duration_ms), 'summary-duration'), item('Start', fmtTime(s.start_ms)),
    item('Device', join(s.device_type, s.os)), item('Region', [s.city, s.region, s.country].filter(Boolean).join(', ')),
    item('Browser', join(s.browser, s.browser_version)), item('IP', s.ip), item('Network', s.connection),
    item('App version', join(s.app_version, s.env)), item('App', s.app_id), item('SDK', s.sdk_version));
  const details = h('aside', { class: 'card details', 'data-testid': 'event-details' }, h('p', { class: 'muted' }, 'Select an event to see its details.'));
  let selected = null;
  const pages = data.pages.map((p, i) => h('details', { class: 'page', open: true, 'data-testid': 'path-page', 'data-view-name': p.view_name || '', 'data-view-id': p.view_id || '' },
    h('summary', {},
      h('span', { class: 'muted' }, `${i + 1}.`), h('span', { class: 'name' }, p.view_name || '(no view)'),
      h('span', { class: 'muted' }, fmtClock(p.ts)), p.loading_type ? h('span', { class: 'tag' }, p.loading_type.replace('_', ' ')) : null,
      h('span', { class: 'tag' }, `${p.events.length} events`),
      p.events.some((e) => e.is_error) ? h('span', { class: 'tag bad' }, 'errors') : null,
      h('span', { class: 'url' }, p.url || '')),
    h('ol', { class: 'events' }, p.events.map((e) => {
      const li = h('li', { 'data-testid': 'path-event', 'data-event-type': e.event_type, 'data-type': e.type || '', tabindex: 0,
        onclick: () => { if (selected) selected.classList.remove('sel'); selected = li; li.classList.add('sel'); details.replaceChildren(...eventDetails(e)); } },
      h('span', { class: 't' }, fmtClock(e.ts).slice(0, 8)),
      h('span', { class: 'k ' + e.event_type }, `${e.event_type}${e.type ? '/' + e.type : ''}`),
      h('span', { class: 'd' }, eventLabel(e)),
      h('span', {}, e.is_api_failure ? h('span', { class: 'tag bad' }, 'failed') : e.is_slow ? h('span', { class: 'tag bad' }, 'slow') : null));
      li.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') li.click(); });
      return li;
    }))));
  render(
    h('h1', {}, 'Session ', h('span', { class: 'muted' }, s.user_name || s.user_id || s.session_id)),
    summary,
    h('div', { class: 'layout' }, h('section', {}, h('h2', {}, 'Session path'), pages.length ? pages : h('p', { class: 'muted' }, 'No events.')), details));
}

function parseMaybeJson(v) {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch { return v; }
}

// Timing phases of a resource, or page-load milestones, as a small SVG waterfall.
function waterfall(b, e) {
  let bars = [];
  if (e.event_type === 'resource') {
    const t = parseMaybeJson(b.timing_data) || {};
    const ph = (name, a, z) => (typeof a === 'number' && typeof z === 'number' && z >= a && a > 0 ? bars.push([name, a, z]) : null);
    if (typeof t === 'object' && t.startTime != null) {
      ph('redirect', t.redirectStart, t.redirectEnd); ph('dns', t.domainLookupStart, t.domainLookupEnd);
      ph('connect', t.connectStart, t.connectEnd); ph('ssl', t.secureConnectionStart, t.connectEnd);
      ph('request → first byte', t.requestStart, t.responseStart); ph('download', t.responseStart, t.responseEnd);
      const base = t.startTime; bars = bars.map(([n, a, z]) => [n, a - base, z - base]);
      bars.unshift(['total', 0, t.duration || (t.responseEnd - base)]);
    } else {
      let at = 0;
      for (const [k, n] of [['redirect_duration', 'redirect'], ['dns_duration', 'dns'], ['connect_duration', 'connect'], ['ssl_duration', 'ssl'], ['first_byte_duration', 'first byte'], ['download_duration', 'download']]) {
        if (typeof b[k] === 'number' && b[k] > 0) { bars.push([n, at, at + b[k]]); at += b[k]; }
      }
      if (typeof b.duration === 'number') bars.unshift(['total', 0, b.duration]);
    }
  } else if (e.event_type === 'view' && e.type === 'perf') {
    for (const [k, n] of [['first_paint', 'first paint'], ['first_contentful_paint', 'first contentful paint'], ['dom_interactive', 'DOM interactive'], ['dom_content_loaded', 'DOMContentLoaded'], ['dom_complete', 'DOM complete'], ['load_event', 'load']]) {
      if (typeof b[k] === 'number') bars.push([n, 0, b[k]]);
    }
  }
  bars = bars.filter(([, a, z]) => isFinite(a) && isFinite(z));
  if (!bars.length) return null;
  const max = Math.max(...bars.map(([, , z]) => z), 1);
  const W = 360, L = 150, row = 18;
  return h('div', {}, h('h3', {}, 'Timing'), svg('svg', { width: '100%', viewBox: `0 0 ${W + L + 60} ${bars.length * row + 4}`, role: 'img', 'aria-label': 'timing waterfall', 'data-testid': 'waterfall' },
    bars.map(([n, a, z], i) => [
      svg('text', { x: 0, y: i * row + 13 }, n),
      svg('rect', { x: L + (a / max) * W, y: i * row + 3, width: Math.max(1, ((z - a) / max) * W), height: row - 6, rx: 2, fill: i === 0 && e.event_type === 'resource' ? '#c9d6f5' : '#2f6fed' }),
      svg('text', { x: L + W + 6, y: i * row + 13 }, `${(z - a).toFixed(1)} ms`),
    ])));
}

function eventDetails(e) {
  const b = e.body || {};
  const rows = [['Time', fmtTime(e.ts) + '.' + pad(e.ts % 1000, 3)], ['Type', `${e.event_type}/${e.type || ''}`], ['Name', e.name], ['URL', e.url],
    ['Method', b.method], ['Status', e.status_code], ['Success', e.success == null ? null : e.success === 1 ? 'yes' : e.success === 0 ? 'no' : 'unknown'],
    ['Message', e.message], ['Duration', e.duration != null ? `${e.duration.toFixed ? e.duration.toFixed(1) : e.duration} ms` : null],
    ['Source', b.source], ['File', b.file ? `${b.file}:${b.line}:${b.column}` : null], ['Target', b.target_name], ['Times', b.times > 1 ? b.times : null],
    ['Trace id', b.trace_id], ['View', e.view_name]].filter(([, v]) => v != null && v !== '');
  const out = [h('h2', {}, eventLabel(e)), h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]))];
  if (b.stack) out.push(h('h3', {}, 'Stack trace'), h('pre', { 'data-testid': 'event-stack' }, b.stack));
  const wf = waterfall(b, e);
  if (wf) out.push(wf);
  if (b.snapshots) out.push(h('h3', {}, 'Snapshot'), h('pre', {}, JSON.stringify(parseMaybeJson(b.snapshots), null, 2)));
  if (b.properties) out.push(h('h3', {}, 'Properties'), h('pre', {}, JSON.stringify(b.properties, null, 2)));
  out.push(h('details', {}, h('summary', {}, 'Raw event JSON'), h('pre', {}, JSON.stringify(b, null, 2))));
  return out;
}

// ---- ways in ----
function chart(ts) {
  const b = ts.buckets;
  const W = 720, H = 160, P = 28;
  const max = Math.max(1, ...b.map((x) => Math.max(x.sessions, x.errors)));
  const x = (i) => P + (i / Math.max(1, b.length - 1)) * (W - 2 * P);
  const y = (v) => H - P - (v / max) * (H - 2 * P);
  const line = (k) => b.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p[k]).toFixed(1)}`).join('');
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': 'sessions and errors over time', 'data-testid': 'chart' },
    svg('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, stroke: '#e3e6ee' }),
    svg('text', { x: 2, y: y(max) + 4 }, max), svg('text', { x: 2, y: H - P + 4 }, 0),
    svg('path', { d: line('sessions'), fill: 'none', stroke: '#2f6fed', 'stroke-width': 2 }),
    svg('path', { d: line('errors'), fill: 'none', stroke: '#d93f3f', 'stroke-width': 2 }),
    svg('text', { x: P, y: H - 8 }, fmtTime(ts.from)), svg('text', { x: W - P - 120, y: H - 8 }, fmtTime(ts.to)),
    svg('text', { x: W - 150, y: 14, fill: '#2f6fed' }, '— sessions'), svg('text', { x: W - 70, y: 14, fill: '#d93f3f' }, '— errors'));
}

const sessionLinks = (ids) => h('span', { class: 'ids' }, ids.map((id) => h('a', { href: '#/session/' + encodeURIComponent(id) }, id.slice(0, 8))));

async function waysPage(params) {
  const range = params.get('range') || '24h';
  const q = range === 'all' ? '' : 'range=' + range;
  const sel = h('select', { onchange: (e) => go('/ways', new URLSearchParams({ range: e.target.value })) },
    RANGES.filter(([v]) => v !== 'custom').map(([v, l]) => h('option', { value: v, selected: v === range }, l)));
  render(h('h1', {}, 'Ways in ', sel), h('p', { class: 'muted' }, 'Loading…'));
  try {
    const span = { '15m': 9e5, '1h': 36e5, '24h': 864e5, '7d': 6048e5 }[range];
    const to = Date.now();
    const tsq = span ? `from=${to - span}&to=${to}` : `from=${to - 30 * 864e5}&to=${to}`;
    const [slow, errors, fails, ts] = await Promise.all([
      api('/api/ways/slow-loads?' + q), api('/api/ways/errors?' + q), api('/api/ways/api-failures?' + q), api('/api/timeseries?' + tsq)]);
    const table = (head, rows) => h('table', {}, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))), h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, 'Nothing in this range.'))));
    render(
      h('h1', {}, 'Ways in ', sel),
      h('div', { class: 'card' }, h('h2', {}, 'Sessions and errors over time'), chart(ts)),
      h('div', { class: 'ways' },
        h('section', { 'data-testid': 'ways-slow-loads' }, h('h2', {}, 'Slowest page loads (top 20)'), table(['Load', 'Page', 'User', 'Session'],
          slow.map((r) => h('tr', {}, h('td', { class: 'num bad' }, fmtDur(r.load_ms)), h('td', {}, r.view_name || r.url || ''), h('td', {}, r.user_name || ''), h('td', {}, sessionLinks([r.session_id])))))),
        h('section', { 'data-testid': 'ways-errors' }, h('h2', {}, 'JS errors by message'), table(['Count', 'Error', 'Sessions'],
          errors.map((g) => h('tr', {}, h('td', { class: 'num' }, g.count), h('td', {}, h('strong', {}, g.name || ''), ' ', g.message), h('td', {}, `${g.sessions}: `, sessionLinks(g.session_ids)))))),
        h('section', { 'data-testid': 'ways-api-failures' }, h('h2', {}, 'Failing API calls by URL and status'), table(['Count', 'Call', 'Status', 'Sessions'],
          fails.map((g) => h('tr', {}, h('td', { class: 'num' }, g.count), h('td', {}, `${g.method || ''} ${g.url}`), h('td', { class: 'bad' }, g.status_code ?? 'network error'), h('td', {}, `${g.sessions}: `, sessionLinks(g.session_ids))))))));
  } catch (e) { fail(e); }
}

function route() {
  const { path, params } = parseHash();
  const m = path.match(/^\/session\/(.+)$/);
  if (m) return sessionPage(decodeURIComponent(m[1])).catch(fail);
  if (path === '/ways') return waysPage(params).catch(fail);
  const input = document.getElementById('search-input');
  if (params.get('q') && !input.value) input.value = params.get('q');
  return sessionList(params).catch(fail);
}
window.addEventListener('hashchange', route);
// Also accept ?id=<session> (e.g. links from other tools).
const idParam = new URLSearchParams(location.search).get('id');
if (idParam && !location.hash) location.hash = '#/session/' + encodeURIComponent(idParam);
else route();
