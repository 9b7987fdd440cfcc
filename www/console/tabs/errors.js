// Errors tab: every error of the session with its page, time, stack, and the user's actions
// just before it (what they did to get there).
'use strict';
/* exported errorsTab */
/* global h, fmtClock, eventLabel */

const ACTIONS_BEFORE = 5;

function errorsTab(events, show) {
  const errors = events.filter((e) => e.is_error);
  if (!errors.length) return h('p', { class: 'muted' }, 'No errors in this session.');
  const actions = events.filter((e) => e.event_type === 'action').sort((a, b) => a.ts - b.ts);
  return h('div', {}, errors.map((e) => {
    const b = e.body || {};
    const before = actions.filter((a) => a.ts <= e.ts).slice(-ACTIONS_BEFORE);
    return h('div', { class: 'card err', 'data-testid': 'error-item' },
      h('div', { class: 'err-head' }, h('span', { class: 'tag bad' }, b.name || e.type || 'Error'), h('strong', {}, e.message || ''),
        h('button', { type: 'button', class: 'plain small', onclick: () => show(e) }, 'Details')),
      h('div', { class: 'muted' }, `${fmtClock(e.ts)} on ${e.page}`, b.file ? ` · ${b.file}:${b.line}:${b.column}` : ''),
      b.stack ? h('pre', { class: 'stack' }, b.stack) : null,
      h('div', { class: 'before' }, h('span', { class: 'muted' }, 'Actions just before: '),
        before.length ? h('ol', { 'data-testid': 'error-actions' }, before.map((a) => h('li', {}, `${fmtClock(a.ts).slice(0, 8)} ${eventLabel(a)}`))) : h('span', { class: 'muted' }, 'none')));
  }));
}
