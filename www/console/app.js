// Session-trace console: plain JS, no build step. Hash routes give every view a stable URL:
//   #/?q=..&range=..   session list      #/session/<id>   one session      #/ways   ways in
//   #/speed, #/errors, #/api, #/custom   diagnosis pages (pages/*.js); session tabs in tabs/*.js
// Every value from the data is put in the page as text (never as HTML): it comes from browsers.
'use strict';
/* global kpiStrip, sessionTabs, speedPage, errorsPage, apiPage, customPage, mapPage, timeChart, sessionRef, fmtBytes */

const app = document.getElementById('app');
const RANGES = [['15m', 'Last 15 min'], ['1h', 'Last hour'], ['6h', 'Last 6 h'], ['24h', 'Last 24 h'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['all', 'All time'], ['custom', 'Custom']];
// Duration presets of the session list, as min/max_duration (ms).
const DURATIONS = { lt1m: [null, 59999], '1to10m': [60000, 600000], gt10m: [600001, null] };
// The browser exposes the effective type (4g…) everywhere, the connection type (wifi…) only on some platforms.
const CONNECTIONS = [['', 'Any'], ['4g', '4g (effective)'], ['3g', '3g (effective)'], ['2g', '2g (effective)'], ['slow-2g', 'slow-2g (effective)'],
  ['wifi', 'wifi (type)'], ['cellular', 'cellular (type)'], ['ethernet', 'ethernet (type)']];
const FILTERS = [
  ['text', 'Text (URLs, errors, actions, attributes)'], ['app_user_id', 'App user id'], ['session_id', 'Session id (prefix)'], ['ip', 'Visitor IP'], ['url', 'Page URL contains'], ['browser', 'Browser'],
  ['browser_version', 'Browser version (prefix)'], ['os', 'OS'], ['device', 'Device type'],
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

// The one way the console reads stored data. The store holds what browsers sent (and older
// collectors let through): a field may be missing, of another type or huge. `get` returns the
// value only when it has the wanted type ('string' also takes a finite number), else undefined;
// texts are cut for display. Nothing else in this file reads a field of the data directly.
const MAX_SHOWN = 2000;
function get(o, key, type) {
  const v = o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  switch (type) {
    case 'string':
      if (typeof v === 'number' && isFinite(v)) return String(v);
      if (typeof v !== 'string') return undefined;
      return v.length > MAX_SHOWN ? v.slice(0, MAX_SHOWN) + '…' : v;
    case 'number': return typeof v === 'number' && isFinite(v) ? v : undefined;
    case 'boolean': return typeof v === 'boolean' ? v : undefined;
    case 'array': return Array.isArray(v) ? v : [];
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
    default: return v;
  }
}
const str = (o, k) => get(o, k, 'string');
const num = (o, k) => get(o, k, 'number');
const obj = (o, k) => get(o, k, 'object');
const arr = (o, k) => get(o, k, 'array');
// One part of a page that could not be drawn: said so, the rest of the page still works.
function guarded(draw, what) {
  try { return draw(); } catch (e) {
    console.warn('console: could not show ' + what, e);
    return h('span', { class: 'muted unreadable', 'data-testid': 'unreadable' }, `(unreadable ${what})`);
  }
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
  const d = new Date(typeof ms === 'number' ? ms : NaN);
  if (isNaN(d)) return '—';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
function fmtClock(ms) {
  const d = new Date(typeof ms === 'number' ? ms : NaN);
  if (isNaN(d)) return '—';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
function fmtDur(ms) {
  if (typeof ms !== 'number' || !isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
const join = (...xs) => xs.filter(Boolean).join(' · ');
const where = (s) => join([str(s, 'city'), str(s, 'region'), str(s, 'country')].filter(Boolean).join(', '), join(str(s, 'browser'), str(s, 'browser_version')), str(s, 'os'));

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
  // One list query: `q` also matches a session id (prefix); a single such hit opens the session.
  const p = new URLSearchParams({ q: v, range: 'all', open: '1' });
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
  q.delete('n'); q.delete('open'); q.delete('dur');
  const [minD, maxD] = DURATIONS[params.get('dur')] || [];
  if (minD != null) q.set('min_duration', minD);
  if (maxD != null) q.set('max_duration', maxD);
  q.set('limit', PAGE);
  const form = filterForm(params, range);
  render(h('h1', {}, 'Sessions'), form, h('p', { class: 'muted' }, 'Loading…'));
  let data;
  try { data = await api('/api/sessions?' + q); } catch (e) { return render(h('h1', {}, 'Sessions'), form, h('p', { class: 'error' }, e.message)); }
  const typed = params.get('q') || '';
  if (params.get('open') && data.total === 1 && typed.length >= 8 && data.sessions[0].session_id.startsWith(typed)) {
    return location.replace('#/session/' + encodeURIComponent(data.sessions[0].session_id));
  }
  q.delete('limit'); q.delete('offset'); q.delete('sort'); q.delete('order');
  const kpis = kpiStrip(q);
  const sortLink = (key, label) => {
    const p = new URLSearchParams(params);
    const cur = params.get('sort') || 'start';
    const desc = (params.get('order') || 'desc') === 'desc';
    p.set('sort', key); p.set('order', cur === key && desc ? 'asc' : 'desc'); p.delete('offset');
    return h('a', { href: '#/?' + p }, label + (cur === key ? (desc ? ' ↓' : ' ↑') : ''));
  };
  const rows = arr(data, 'sessions').map((s) => guarded(() => {
    const id = str(s, 'session_id') || '';
    const [user, uid, appUid] = [str(s, 'user_name'), str(s, 'user_id'), appUserId(s)];
    const [errors, fails] = [num(s, 'js_errors'), num(s, 'api_failures')];
    return h('tr', {
      'data-testid': 'session-row', 'data-session-id': id, tabindex: 0,
      onclick: () => go('/session/' + encodeURIComponent(id)),
      onkeydown: (e) => { if (e.key === 'Enter') go('/session/' + encodeURIComponent(id)); },
    },
    h('td', {}, fmtTime(num(s, 'start_ms'))),
    h('td', { class: 'sid', title: id, 'data-testid': 'row-session-id' }, id.slice(0, 12)),
    h('td', {}, h('a', { href: '#/session/' + encodeURIComponent(id) }, user || appUid || '(anonymous)'),
      appUid ? h('div', { class: 'muted', 'data-testid': 'row-app-user-id' }, 'app id ', appUid) : null,
      uid ? h('div', { class: 'muted' }, 'visitor ', uid) : null),
    h('td', { class: 'num' }, fmtDur(num(s, 'duration_ms'))),
    h('td', { class: 'num' }, num(s, 'pvs')),
    h('td', { class: 'num' + (errors ? ' bad' : '') }, errors),
    h('td', { class: 'num' + (fails ? ' bad' : '') }, fails),
    h('td', {}, where(s) || h('span', { class: 'muted' }, '—')),
    h('td', {}, get(s, 'has_replay', 'boolean') ? h('button', { type: 'button', class: 'play', title: 'Play the replay', 'aria-label': 'Play the replay', 'data-testid': 'play-replay',
      onclick: (e) => { e.stopPropagation(); go('/session/' + encodeURIComponent(id), new URLSearchParams({ play: '1' })); } }, '▶') : null));
  }, 'session'));
  const offset = Number(params.get('offset') || 0);
  const pageLink = (off, label) => {
    const p = new URLSearchParams(params); p.set('offset', off);
    return h('a', { href: '#/?' + p }, label);
  };
  render(
    h('h1', {}, 'Sessions'), form, kpis,
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, sortLink('start', 'Start')), h('th', {}, 'Session'), h('th', {}, 'User'), h('th', { class: 'num' }, sortLink('duration', 'Duration')),
        h('th', { class: 'num' }, 'PVs'), h('th', { class: 'num' }, sortLink('errors', 'Errors')), h('th', { class: 'num' }, 'API failures'), h('th', {}, 'Location · browser · OS'), h('th', {}, 'Replay'))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 9, class: 'muted' }, 'No sessions match.')))),
    h('div', { class: 'pager' },
      h('span', { class: 'muted' }, `${num(data, 'total') ?? 0} sessions`),
      offset > 0 ? pageLink(Math.max(0, offset - PAGE), '← Newer') : null,
      offset + PAGE < (num(data, 'total') ?? 0) ? pageLink(offset + PAGE, 'Older →') : null));
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
  field('q', 'User name, app user id, visitor id or session id'),
  field('range', 'Time range', select('range', RANGES, range)),
  range === 'custom' ? field('from', 'From', h('input', { name: 'from', type: 'datetime-local', value: params.get('from') || '' })) : null,
  range === 'custom' ? field('to', 'To', h('input', { name: 'to', type: 'datetime-local', value: params.get('to') || '' })) : null,
  FILTERS.map(([n, l]) => field(n, l)),
  field('connection', 'Connection', select('connection', CONNECTIONS, params.get('connection') || '')),
  field('errors', 'JS errors', errorsSel),
  field('n', 'N (for > N)', h('input', { name: 'n', type: 'number', min: 0, value: params.get('n') || '' })),
  field('dur', 'Duration', select('dur', [['', 'Any'], ['lt1m', '< 1 min'], ['1to10m', '1–10 min'], ['gt10m', '> 10 min']], params.get('dur') || '')),
  field('has_replay', 'Replay', select('has_replay', [['', 'Any'], ['1', 'With replay'], ['0', 'Without replay']], params.get('has_replay') || '')),
  field('min_duration', 'Min duration (ms)', h('input', { name: 'min_duration', type: 'number', min: 0, value: params.get('min_duration') || '' })),
  field('max_duration', 'Max duration (ms)', h('input', { name: 'max_duration', type: 'number', min: 0, value: params.get('max_duration') || '' })),
  h('input', { type: 'hidden', name: 'sort', value: params.get('sort') || '' }),
  h('input', { type: 'hidden', name: 'order', value: params.get('order') || '' }),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply'), h('button', { type: 'button', class: 'plain', onclick: () => go('/') }, 'Reset')));
  form.querySelector('select[name=range]').addEventListener('change', () => form.requestSubmit());
  return form;
}

// ---- one session: summary + path ----
// [field, short name, good up to, poor over] (web.dev thresholds); CLS has no unit.
const VITALS = [['largest_contentful_paint', 'LCP', 2500, 4000], ['first_contentful_paint', 'FCP', 1800, 3000], ['interaction_to_next_paint', 'INP', 200, 500],
  ['first_input_delay', 'FID', 100, 300], ['cumulative_layout_shift', 'CLS', 0.1, 0.25], ['time_to_first_byte', 'TTFB', 800, 1800]];
const fmtVital = (k, v) => (k === 'cumulative_layout_shift' ? Number(v).toFixed(3) : `${Math.round(v)} ms`);
function rateVital(k, v) {
  const t = VITALS.find(([f]) => f === k);
  return !t || v == null ? null : v <= t[2] ? 'good' : v <= t[3] ? 'needs improvement' : 'poor';
}
// The app's own user id (config `user.id`, sent as `user.user_id`); `user_id` is the SDK's visitor id.
const appUserId = (s) => str(obj(obj(s, 'bundle'), 'user'), 'user_id') || str(s, 'app_user_id') || null;
function eventLabel(e) {
  const b = obj(e, 'body') || {};
  const type = str(e, 'type');
  switch (str(e, 'event_type')) {
    case 'view': {
      const loading = str(b, 'loading_type');
      if (type === 'pv') return `Page view ${loading ? '(' + loading.replace('_', ' ') + ')' : ''}`;
      if (type === 'perf') return `Page load ${fmtDur(num(b, 'load_event'))}${get(e, 'is_slow', 'boolean') ? ' (slow)' : ''}`;
      if (type === 'webvitals') return 'Web vitals ' + VITALS.filter(([k]) => num(b, k) != null).map(([k, n]) => `${n} ${fmtVital(k, num(b, k))}`).join(', ');
      if (type === 'leave') return `Leave${num(b, 'time_on_page') != null ? ' after ' + fmtDur(num(b, 'time_on_page')) + ' on the page' : ''}`;
      return `View ${type || ''}`;
    }
    case 'resource': {
      const status = num(e, 'status_code');
      const duration = num(e, 'duration');
      return `${str(b, 'method') || ''} ${str(e, 'url') || str(e, 'name') || ''} ${status != null ? '→ ' + status : ''} ${duration != null ? fmtDur(duration) : ''}`.trim();
    }
    case 'exception': return `${str(b, 'name') || 'Error'}: ${str(e, 'message') || ''}`;
    case 'action': return `${str(e, 'name') || 'action'}${num(b, 'times') > 1 ? ' ×' + num(b, 'times') : ''}`;
    case 'longTask': return `Long task ${fmtDur(num(e, 'duration'))}${num(b, 'fps') != null ? ', ' + num(b, 'fps') + ' fps' : ''}`;
    case 'custom': return `${str(e, 'name') || ''}${str(b, 'value') != null ? ' = ' + str(b, 'value') : ''}`;
    default: return str(e, 'name') || '';
  }
}

async function sessionPage(id, params) {
  render(h('p', { class: 'muted' }, 'Loading…'));
  let data;
  try { data = await api('/api/sessions/' + encodeURIComponent(id)); } catch (e) {
    return render(h('h1', {}, 'Session'), h('p', { class: 'error' }, e.status === 404 ? `No session "${id}".` : e.message));
  }
  const s = obj(data, 'session') || {};
  const show = (v) => (v == null || v === '' ? '—' : v);
  const item = (label, value, testid) => h('div', {}, h('dt', {}, label), h('dd', testid ? { 'data-testid': testid } : {}, show(value)));
  const summary = h('dl', { class: 'summary card' },
    item('User name', str(s, 'user_name'), 'summary-user'), item('App user id', appUserId(s), 'summary-app-user-id'), item('Visitor id (SDK)', str(s, 'user_id'), 'summary-user-id'),
    item('Session id', str(s, 'session_id'), 'summary-session-id'),
    item('PVs', num(s, 'pvs'), 'summary-pvs'), item('JS errors', num(s, 'js_errors'), 'summary-errors'), item('API calls', num(s, 'api_calls'), 'summary-api-calls'),
    item('API failures', num(s, 'api_failures'), 'summary-api-failures'), item('Slow loads', num(s, 'slow_loads'), 'summary-slow-loads'),
    item('Duration', fmtDur(num(s, 'duration_ms')), 'summary-duration'), item('Start', fmtTime(num(s, 'start_ms'))),
    item('Device', join(str(s, 'device_type'), str(s, 'os'))), item('OS version', guarded(() => osVersion(s), 'OS version'), 'summary-os-version'),
    item('Region', [str(s, 'city'), str(s, 'region'), str(s, 'country')].filter(Boolean).join(', ')),
    item('Browser', join(str(s, 'browser'), str(s, 'browser_version'))), item('Screen · viewport', guarded(() => screenOf(s), 'screen'), 'summary-screen'), item('IP', str(s, 'ip')),
    item('Effective connection', str(obj(obj(s, 'bundle'), 'net'), 'model') || str(s, 'connection'), 'summary-connection'),
    item('App version', join(str(s, 'app_version'), str(s, 'env'))), item('App', str(s, 'app_id')), item('SDK', str(s, 'sdk_version')),
    item('Custom attributes', guarded(() => attributesOf(s), 'custom attributes'), 'summary-attributes'));
  const details = h('aside', { class: 'card details', 'data-testid': 'event-details' }, h('p', { class: 'muted' }, 'Select an event to see its details.'));
  let selected = null;
  const eventItem = (e) => {
    const kind = str(e, 'event_type') || '?';
    const type = str(e, 'type');
    const unreadable = get(e, 'unreadable', 'boolean') || !obj(e, 'body');
    const li = h('li', { 'data-testid': 'path-event', 'data-event-type': kind, 'data-type': type || '', 'data-ts': num(e, 'ts'), tabindex: 0,
      onclick: () => {
        if (selected) selected.classList.remove('sel');
        selected = li; li.classList.add('sel');
        details.replaceChildren(...[guarded(() => eventDetails(e), 'event details')].flat());
      } },
    h('span', { class: 't' }, fmtClock(num(e, 'ts')).slice(0, 8)),
    h('span', { class: 'k ' + kind.replace(/[^A-Za-z]/g, '') }, `${kind}${type ? '/' + type : ''}`),
    h('span', { class: 'd' }, unreadable ? h('span', { class: 'muted unreadable', 'data-testid': 'unreadable' }, '(unreadable event: its stored JSON is damaged)') : eventLabel(e)),
    h('span', {}, get(e, 'is_api_failure', 'boolean') ? h('span', { class: 'tag bad' }, 'failed') : get(e, 'is_slow', 'boolean') ? h('span', { class: 'tag bad' }, 'slow') : null));
    li.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') li.click(); });
    return li;
  };
  const pages = arr(data, 'pages').map((p, i) => guarded(() => {
    const events = arr(p, 'events');
    const loading = str(p, 'loading_type');
    return h('details', { class: 'page', open: true, 'data-testid': 'path-page', 'data-view-name': str(p, 'view_name') || '', 'data-view-id': str(p, 'view_id') || '', 'data-ts': num(p, 'ts') },
      h('summary', {},
        h('span', { class: 'muted' }, `${i + 1}.`), h('span', { class: 'name' }, str(p, 'view_name') || '(no view)'),
        h('span', { class: 'muted' }, fmtClock(num(p, 'ts'))), loading ? h('span', { class: 'tag' }, loading.replace('_', ' ')) : null,
        h('span', { class: 'tag' }, `${events.length} events`),
        events.some((e) => get(e, 'is_error', 'boolean')) ? h('span', { class: 'tag bad' }, 'errors') : null,
        h('span', { class: 'url' }, str(p, 'url') || ''), guarded(() => pageHeader(p), 'page header')),
      h('ol', { class: 'events' }, events.map((e) => guarded(() => eventItem(e), 'event'))));
  }, 'page'));
  const who = str(s, 'user_name') || str(s, 'user_id') || str(s, 'session_id') || id;
  const path = h('section', {}, h('h2', {}, 'Session path'), pages.length ? pages : h('p', { class: 'muted' }, 'No events.'));
  const player = get(s, 'has_replay', 'boolean') ? h('div', { class: 'card replay', 'data-testid': 'replay' }) : null;
  render(
    h('h1', {}, 'Session ', h('span', { class: 'muted' }, who)),
    summary,
    h('div', { class: 'layout' }, tabbed(data, path, (e) => details.replaceChildren(...[guarded(() => eventDetails(e), 'event details')].flat())), h('div', { class: 'side' }, player, details)));
  if (player && window.rumReplay) {
    window.rumReplay.mount({ sessionId: str(s, 'session_id') || id, target: player, path, autoplay: params && params.get('play') === '1', seekTo: Number(params && params.get('t')) || 0 });
  }
}

// The path with the Resources and Errors tabs beside it; the path alone if the tabs cannot be drawn.
function tabbed(data, path, show) {
  try { return sessionTabs(data, path, show); } catch (e) {
    console.warn('console: could not show the session tabs', e);
    return path;
  }
}

// The bundle's custom attributes (config `properties`), as `key=value` pairs.
function attributesOf(s) {
  const p = s.bundle && s.bundle.properties;
  return p && typeof p === 'object' ? Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ') : null;
}

// What the bundle says about the device; the user agent's OS version when the SDK sent none.
function osVersion(s) {
  const b = s.bundle || {};
  if (b.os && b.os.version) return String(b.os.version);
  const m = /(Windows NT|Mac OS X|Android|CPU (?:iPhone )?OS) ([\d._]+)/.exec(s.user_agent || '');
  return m ? `${m[1].replace(/^CPU (iPhone )?OS/, 'iOS')} ${m[2].replace(/_/g, '.')}` : (/Linux/.test(s.user_agent || '') ? 'Linux (no version in the user agent)' : null);
}
function screenOf(s) {
  const d = (s.bundle && s.bundle.device) || {};
  const screen = d.screen_width && d.screen_height ? `${d.screen_width}×${d.screen_height}` : d.screen || null;
  const vp = d.viewport_width && d.viewport_height ? `${d.viewport_width}×${d.viewport_height}` : d.viewport || null;
  return screen || vp ? join(screen && 'screen ' + screen, vp && 'viewport ' + vp) : 'not sent by the SDK';
}

// Per page: load time, vitals rated, errors, clicks, inputs.
function pageHeader(p) {
  const perf = p.events.find((e) => e.event_type === 'view' && e.type === 'perf');
  const vit = p.events.find((e) => e.event_type === 'view' && e.type === 'webvitals');
  const count = (f) => p.events.filter(f).reduce((n, e) => n + ((e.body && e.body.times) || 1), 0);
  const tags = [];
  if (perf && perf.body && perf.body.load_event != null) tags.push(h('span', { class: 'tag' + (perf.is_slow ? ' bad' : ''), 'data-testid': 'page-load' }, 'load ' + fmtDur(perf.body.load_event)));
  if (vit) for (const [k, n] of VITALS) {
    const v = vit.body && vit.body[k];
    if (v == null) continue;
    const r = rateVital(k, v);
    tags.push(h('span', { class: 'tag vital ' + r.replace(' ', '-'), 'data-testid': 'page-vital', 'data-vital': n, 'data-rating': r, title: r }, `${n} ${fmtVital(k, v)} · ${r}`));
  }
  const errs = count((e) => e.is_error);
  const n = (k, what) => `${k} ${what}${k === 1 ? '' : 's'}`;
  tags.push(h('span', { class: 'tag' + (errs ? ' bad' : ''), 'data-testid': 'page-errors' }, n(errs, 'error')));
  tags.push(h('span', { class: 'tag', 'data-testid': 'page-clicks' }, n(count((e) => e.event_type === 'action' && (!e.type || e.type === 'click')), 'click')));
  tags.push(h('span', { class: 'tag', 'data-testid': 'page-inputs' }, n(count((e) => e.event_type === 'action' && e.type === 'input'), 'input')));
  const scrolls = count((e) => e.event_type === 'action' && e.type === 'scroll');
  if (scrolls) tags.push(h('span', { class: 'tag', 'data-testid': 'page-scrolls' }, n(scrolls, 'scroll')));
  return h('span', { class: 'page-head' }, tags);
}

function parseMaybeJson(v) {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch { return v; }
}

// Timing phases of a resource, or page-load milestones, as a small SVG waterfall.
function waterfall(b, e) {
  let bars = [];
  const kind = str(e, 'event_type');
  if (kind === 'resource') {
    const t = parseMaybeJson(get(b, 'timing_data')) || {};
    const ph = (name, a, z) => (typeof a === 'number' && typeof z === 'number' && z >= a && a > 0 ? bars.push([name, a, z]) : null);
    if (t !== null && typeof t === 'object' && num(t, 'startTime') != null) {
      const at = (k) => num(t, k);
      ph('redirect', at('redirectStart'), at('redirectEnd')); ph('dns', at('domainLookupStart'), at('domainLookupEnd'));
      ph('connect', at('connectStart'), at('connectEnd')); ph('ssl', at('secureConnectionStart'), at('connectEnd'));
      ph('request → first byte', at('requestStart'), at('responseStart')); ph('download', at('responseStart'), at('responseEnd'));
      const base = num(t, 'startTime'); bars = bars.map(([n, a, z]) => [n, a - base, z - base]);
      bars.unshift(['total', 0, num(t, 'duration') || ((num(t, 'responseEnd') ?? base) - base)]);
    } else {
      let at = 0;
      for (const [k, n] of [['redirect_duration', 'redirect'], ['dns_duration', 'dns'], ['connect_duration', 'connect'], ['ssl_duration', 'ssl'], ['first_byte_duration', 'first byte'], ['download_duration', 'download']]) {
        const v = num(b, k);
        if (v > 0) { bars.push([n, at, at + v]); at += v; }
      }
      if (num(b, 'duration') != null) bars.unshift(['total', 0, num(b, 'duration')]);
    }
  } else if (kind === 'view' && str(e, 'type') === 'perf') {
    for (const [k, n] of [['first_paint', 'first paint'], ['first_contentful_paint', 'first contentful paint'], ['dom_interactive', 'DOM interactive'], ['dom_content_loaded', 'DOMContentLoaded'], ['dom_complete', 'DOM complete'], ['load_event', 'load']]) {
      if (num(b, k) != null) bars.push([n, 0, num(b, k)]);
    }
  }
  bars = bars.filter(([, a, z]) => isFinite(a) && isFinite(z));
  if (!bars.length) return null;
  const max = Math.max(...bars.map(([, , z]) => z), 1);
  const W = 360, L = 150, row = 18;
  return h('div', {}, h('h3', {}, 'Timing'), svg('svg', { width: '100%', viewBox: `0 0 ${W + L + 80} ${bars.length * row + 4}`, role: 'img', 'aria-label': 'timing waterfall', 'data-testid': 'waterfall' },
    bars.map(([n, a, z], i) => [
      svg('text', { x: 0, y: i * row + 13 }, n),
      svg('rect', { x: L + (a / max) * W, y: i * row + 3, width: Math.max(1, ((z - a) / max) * W), height: row - 6, rx: 2, fill: i === 0 && kind === 'resource' ? '#c9d6f5' : '#2f6fed' }),
      svg('text', { x: L + W + 6, y: i * row + 13 }, `${(z - a).toFixed(1)} ms`),
    ])));
}

function eventDetails(e) {
  const b = obj(e, 'body') || {};
  const ts = num(e, 'ts');
  const success = num(e, 'success');
  const duration = num(e, 'duration');
  const file = str(b, 'file');
  const rows = [['Time', ts != null ? fmtTime(ts) + '.' + pad(ts % 1000, 3) : null], ['Type', `${str(e, 'event_type') || '?'}/${str(e, 'type') || ''}`], ['Name', str(e, 'name')], ['URL', str(e, 'url')],
    ['Method', str(b, 'method')], ['Status', num(e, 'status_code')], ['Success', success == null ? null : success === 1 ? 'yes' : success === 0 ? 'no' : 'unknown'],
    ['Message', str(e, 'message')], ['Duration', duration != null ? `${duration.toFixed(1)} ms` : null],
    ['Request body', fmtBytes(num(b, 'request_size'))], ['Response body', fmtBytes(num(b, 'size'))],
    ['Source', str(b, 'source')], ['File', file ? `${file}:${str(b, 'line') ?? ''}:${str(b, 'column') ?? ''}` : null], ['Target', str(b, 'target_name')], ['Times', num(b, 'times') > 1 ? num(b, 'times') : null],
    ['Trace id', str(b, 'trace_id')], ['View', str(e, 'view_name')]].filter(([, v]) => v != null && v !== '');
  const heading = get(e, 'unreadable', 'boolean') || !obj(e, 'body') ? '(unreadable event: its stored JSON is damaged)' : eventLabel(e);
  const out = [h('h2', {}, heading), h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]))];
  const stack = str(b, 'stack');
  if (stack) out.push(h('h3', {}, 'Stack trace'), h('pre', { 'data-testid': 'event-stack' }, stack));
  const wf = guarded(() => waterfall(b, e), 'timing');
  if (wf) out.push(wf);
  const pretty = (v) => { const t = JSON.stringify(v, null, 2) ?? String(v); return t.length > 20000 ? t.slice(0, 20000) + '\n…' : t; };
  if (get(b, 'snapshots') != null) out.push(h('h3', {}, 'Snapshot'), h('pre', {}, pretty(parseMaybeJson(get(b, 'snapshots')))));
  if (get(b, 'properties') != null) out.push(h('h3', {}, 'Properties'), h('pre', {}, pretty(get(b, 'properties'))));
  out.push(h('details', {}, h('summary', {}, 'Raw event JSON'), h('pre', {}, pretty(get(e, 'body')))));
  return out;
}

// ---- ways in ----
// Links read "alice · 10:42" (who and when the session started); a group from an older collector
// without `session_refs` falls back to id prefixes.
const sessionLinks = (g) => {
  const refs = arr(g, 'session_refs').filter((r) => r && typeof r.session_id === 'string');
  if (refs.length) return h('span', { class: 'ids' }, refs.map((r) => sessionRef(r)));
  return h('span', { class: 'ids' }, arr(g, 'session_ids').filter((id) => typeof id === 'string').map((id) => h('a', { href: '#/session/' + encodeURIComponent(id) }, id.slice(0, 8))));
};

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
    const list = (v) => (Array.isArray(v) ? v : []);
    const table = (head, rows) => h('table', {}, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))), h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, 'Nothing in this range.'))));
    render(
      h('h1', {}, 'Ways in ', sel),
      h('div', { class: 'card' }, h('h2', {}, 'Sessions and errors over time'), timeChart(ts)),
      h('div', { class: 'ways' },
        h('section', { 'data-testid': 'ways-slow-loads' }, h('h2', {}, 'Slowest page loads (top 20)'), table(['Load', 'Page', 'User', 'Session'],
          list(slow).map((r) => guarded(() => h('tr', {}, h('td', { class: 'num bad' }, fmtDur(num(r, 'load_ms'))), h('td', {}, str(r, 'view_name') || str(r, 'url') || ''), h('td', {}, str(r, 'user_name') || ''), h('td', {}, sessionRef(r))), 'row')))),
        h('section', { 'data-testid': 'ways-errors' }, h('h2', {}, 'JS errors by message'), table(['Count', 'Error', 'Sessions'],
          list(errors).map((g) => guarded(() => h('tr', {}, h('td', { class: 'num' }, num(g, 'count')), h('td', {}, h('strong', {}, str(g, 'name') || ''), ' ', str(g, 'message') || ''), h('td', {}, `${num(g, 'sessions') ?? 0}: `, sessionLinks(g))), 'row')))),
        h('section', { 'data-testid': 'ways-api-failures' }, h('h2', {}, 'Failing API calls by URL and status'), table(['Count', 'Call', 'Status', 'Sessions'],
          list(fails).map((g) => guarded(() => h('tr', {}, h('td', { class: 'num' }, num(g, 'count')), h('td', {}, `${str(g, 'method') || ''} ${str(g, 'url') || ''}`), h('td', { class: 'bad' }, num(g, 'status_code') ?? 'network error'), h('td', {}, `${num(g, 'sessions') ?? 0}: `, sessionLinks(g))), 'row'))))));
  } catch (e) { fail(e); }
}

function route() {
  const { path, params } = parseHash();
  const m = path.match(/^\/session\/(.+)$/);
  if (m) return sessionPage(decodeURIComponent(m[1]), params).catch(fail);
  if (path === '/ways') return waysPage(params).catch(fail);
  const diag = { '/speed': speedPage, '/errors': errorsPage, '/api': apiPage, '/custom': customPage, '/map': mapPage }[path];
  if (diag) return diag(params).catch(fail);
  const input = document.getElementById('search-input');
  if (params.get('q') && !input.value) input.value = params.get('q');
  return sessionList(params).catch(fail);
}
window.addEventListener('hashchange', route);
// Also accept ?id=<session> (e.g. links from other tools).
const idParam = new URLSearchParams(location.search).get('id');
if (idParam && !location.hash) location.hash = '#/session/' + encodeURIComponent(idParam);
else route();
