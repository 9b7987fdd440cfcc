// Page speed: per page, its loads, p75/p95 load time, share of slow loads and the slowest sessions.
'use strict';
/* exported speedPage */
/* global h, api, render, fmtDur, diagRange, sessionRefs, diagTable */

async function speedPage(params) {
  const { sel, q } = diagRange('/speed', params);
  render(h('h1', {}, 'Page speed ', sel), h('p', { class: 'muted' }, 'Loading…'));
  const rows = await api('/api/diagnosis/speed?' + q);
  render(h('h1', {}, 'Page speed ', sel),
    h('p', { class: 'muted' }, 'Load = the page\'s load event, from the navigation start. Slow = over the app\'s slow-load threshold (3 s unless configured).'),
    diagTable(['Page', 'Loads', 'p75 load', 'p95 load', 'Slow', 'Slowest sessions'], rows.map((r) => h('tr', { 'data-testid': 'speed-row', 'data-page': r.page },
      h('td', {}, h('strong', {}, r.page)), h('td', { class: 'num' }, r.loads), h('td', { class: 'num' }, fmtDur(r.p75_ms)), h('td', { class: 'num' }, fmtDur(r.p95_ms)),
      h('td', { class: 'num' + (r.slow ? ' bad' : '') }, `${r.slow} (${((r.slow / r.loads) * 100).toFixed(0)} %)`), h('td', {}, sessionRefs(r.slowest)))), 'speed-table'));
}
