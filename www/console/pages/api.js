// API details: per method and URL (without query), calls, failure rate, p75 duration, calls by
// status, and the sessions that made them.
'use strict';
/* exported apiPage */
/* global h, api, render, fmtDur, diagRange, sessionRefs, diagTable */

async function apiPage(params) {
  const { sel, q } = diagRange('/api', params);
  render(h('h1', {}, 'API details ', sel), h('p', { class: 'muted' }, 'Loading…'));
  const rows = await api('/api/diagnosis/apis?' + q);
  render(h('h1', {}, 'API details ', sel),
    diagTable(['Call', 'Calls', 'Failure rate', 'p75 duration', 'By status', 'Sessions'], rows.map((r) => h('tr', { 'data-testid': 'api-row', 'data-url': r.url },
      h('td', { class: 'res-name' }, h('strong', {}, r.method), ' ', r.url), h('td', { class: 'num' }, r.calls),
      h('td', { class: 'num' + (r.failures ? ' bad' : '') }, `${((r.failures / r.calls) * 100).toFixed(0)} %`),
      h('td', { class: 'num', 'data-testid': 'api-p75' }, fmtDur(r.p75_ms)),
      h('td', {}, r.by_status.map(([st, n]) => h('span', { class: 'tag' + (st == null || st >= 400 ? ' bad' : '') }, `${st ?? 'network error'}: ${n}`))),
      h('td', {}, sessionRefs(r.recent.slice(0, 5))))), 'api-table'));
}
