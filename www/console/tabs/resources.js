// Resources tab: every resource and API call of the session with a type filter, and a waterfall
// over the session's time; clicking a row opens its phases (from the event's timing fields).
'use strict';
/* exported resourcesTab, fmtBytes */
/* global h, svg, fmtDur, fmtClock */

function fmtBytes(n) {
  if (typeof n !== 'number') return '';
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

// What a call sent (its request body, when the SDK could tell) and what came back.
function sizes(b) {
  const got = fmtBytes(b.size ?? b.transfer_size);
  return typeof b.request_size === 'number' ? `↑ ${fmtBytes(b.request_size)}${got ? ' ↓ ' + got : ''}` : got;
}

function resourcesTab(events, show) {
  const all = events.filter((e) => e.event_type === 'resource');
  if (!all.length) return h('p', { class: 'muted' }, 'No resources or API calls in this session.');
  const types = [...new Set(all.map((e) => e.type || 'other'))].sort();
  const body = h('tbody', {});
  const t0 = Math.min(...all.map((e) => e.ts - (e.duration || 0)));
  const t1 = Math.max(...all.map((e) => e.ts));
  const span = Math.max(1, t1 - t0);
  const fill = (type) => {
    const rows = all.filter((e) => !type || (e.type || 'other') === type);
    body.replaceChildren(...rows.map((e) => {
      const b = e.body || {};
      const start = e.ts - (e.duration || 0);
      const x = ((start - t0) / span) * 200;
      const w = Math.max(1, ((e.duration || 0) / span) * 200);
      const tr = h('tr', { class: 'clickable', tabindex: 0, 'data-testid': 'resource-row', 'data-type': e.type || '', onclick: () => { show(e); } },
        h('td', {}, h('span', { class: 'tag' }, e.type || 'other')),
        h('td', { class: 'res-name', title: e.url || '' }, e.name || e.url || ''),
        h('td', {}, b.method || ''),
        h('td', { class: e.is_api_failure ? 'bad' : '' }, e.status_code ?? (e.is_api_failure ? 'network error' : '')),
        h('td', { class: 'num', 'data-testid': 'resource-size' }, sizes(b)),
        h('td', { class: 'num' }, e.duration != null ? fmtDur(e.duration) : ''),
        h('td', { class: 'wf' }, svg('svg', { viewBox: '0 0 200 10', width: 200, height: 10, 'data-testid': 'resource-bar' },
          svg('rect', { x: x.toFixed(1), y: 1, width: w.toFixed(1), height: 8, rx: 1, fill: e.is_api_failure ? '#d93f3f' : e.is_api ? '#7a3fb8' : '#2f6fed' }))));
      tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') show(e); });
      return tr;
    }));
  };
  const sel = h('select', { 'data-testid': 'resource-type', onchange: (ev) => fill(ev.target.value) },
    h('option', { value: '' }, `All types (${all.length})`), types.map((t) => h('option', { value: t }, `${t} (${all.filter((e) => (e.type || 'other') === t).length})`)));
  fill('');
  return h('div', {}, h('div', { class: 'tab-tools' }, h('label', {}, 'Type ', sel),
    h('span', { class: 'muted' }, `waterfall ${fmtClock(t0)} → ${fmtClock(t1)}; click a row for its phases`)),
  h('table', { class: 'resources' }, h('thead', {}, h('tr', {}, ['Type', 'Name', 'Method', 'Status', 'Size', 'Duration', 'Waterfall'].map((x) => h('th', {}, x)))), body));
}
