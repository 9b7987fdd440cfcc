// What the diagnosis pages share: their range selector and links to sessions that read as
// "user, time" rather than an id prefix.
'use strict';
/* exported diagRange, sessionRefs, diagTable */
/* global h, go, fmtTime, fmtDur */

const DIAG_RANGES = [['15m', 'Last 15 min'], ['1h', 'Last hour'], ['6h', 'Last 6 h'], ['24h', 'Last 24 h'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['all', 'All time']];

function diagRange(path, params) {
  const range = params.get('range') || '24h';
  const sel = h('select', { 'data-testid': 'diag-range', onchange: (e) => go(path, new URLSearchParams({ range: e.target.value })) },
    DIAG_RANGES.map(([v, l]) => h('option', { value: v, selected: v === range }, l)));
  return { sel, q: range === 'all' ? '' : 'range=' + range };
}

// One session of a diagnosis row: "alice (app id u-1) · 2026-12-03 10:42:07 · 3.5 s".
function sessionRef(r) {
  const who = r.user_name || r.app_user_id || r.visitor_id || 'anonymous';
  const label = [who + (r.app_user_id && r.user_name ? ` (${r.app_user_id})` : ''), fmtTime(r.ts), r.value != null ? fmtDur(r.value) : null].filter(Boolean).join(' · ');
  return h('a', { href: '#/session/' + encodeURIComponent(r.session_id), class: 'sref', 'data-testid': 'view-session', title: 'View session ' + r.session_id }, label);
}
const sessionRefs = (refs) => h('ul', { class: 'srefs' }, refs.map((r) => h('li', {}, sessionRef(r))));

function diagTable(head, rows, testid) {
  return h('table', { 'data-testid': testid }, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, 'Nothing in this range.'))));
}
