// JS error diagnosis: per error message, its count, affected users and sessions, first and last
// seen, a stack, and the sessions it happened in.
'use strict';
/* exported errorsPage */
/* global h, api, render, fmtTime, diagRange, sessionRefs */

async function errorsPage(params) {
  const { sel, q } = diagRange('/errors', params);
  render(h('h1', {}, 'JS error diagnosis ', sel), h('p', { class: 'muted' }, 'Loading…'));
  const groups = await api('/api/diagnosis/errors?' + q);
  render(h('h1', {}, 'JS error diagnosis ', sel),
    h('div', {}, groups.length ? groups.map((g) => h('div', { class: 'card', 'data-testid': 'error-group' },
      h('h2', {}, h('span', { class: 'tag bad' }, g.name || 'Error'), ' ', g.message || '(no message)'),
      h('dl', { class: 'kv' },
        h('dt', {}, 'Count'), h('dd', { 'data-testid': 'error-count' }, g.count), h('dt', {}, 'Users'), h('dd', {}, g.users),
        h('dt', {}, 'Sessions'), h('dd', {}, g.sessions), h('dt', {}, 'First seen'), h('dd', {}, fmtTime(g.first_ts)), h('dt', {}, 'Last seen'), h('dd', {}, fmtTime(g.last_ts))),
      g.stack ? h('details', {}, h('summary', {}, 'Stack'), h('pre', { class: 'stack' }, g.stack)) : null,
      h('h3', {}, 'Sessions (most recent first)'), sessionRefs(g.recent)))
      : h('p', { class: 'muted' }, 'No JS errors in this range.')));
}
