// Custom events and logs (sendCustom, sendEvent…), newest first, searchable, each with its session.
'use strict';
/* exported customPage */
/* global h, api, render, go, fmtTime, diagRange, sessionRef, diagTable */

async function customPage(params) {
  const { sel, q } = diagRange('/custom', params);
  const text = params.get('text') || '';
  const form = h('form', { class: 'inline', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams(params); p.set('text', new FormData(form).get('text')); go('/custom', p);
  } }, h('input', { name: 'text', value: text, placeholder: 'name, type or value', 'data-testid': 'custom-text' }), h('button', { type: 'submit' }, 'Filter'));
  render(h('h1', {}, 'Custom events ', sel), form, h('p', { class: 'muted' }, 'Loading…'));
  const rows = await api('/api/diagnosis/custom?' + [q, text ? 'text=' + encodeURIComponent(text) : ''].filter(Boolean).join('&'));
  render(h('h1', {}, 'Custom events ', sel), form,
    diagTable(['Time', 'Type', 'Name', 'Value / properties', 'Page', 'Session'], rows.map((r) => {
      const b = r.body || {};
      const extra = { ...b };
      for (const k of ['event_type', 'type', 'name', 'timestamp', 'event_id', 'times', 'view', 'session_id']) delete extra[k];
      return h('tr', { 'data-testid': 'custom-row', 'data-name': r.name || '' }, h('td', {}, fmtTime(b.timestamp || r.session.ts)), h('td', {}, r.type || ''),
        h('td', {}, h('strong', {}, r.name || '')), h('td', { class: 'res-name' }, Object.keys(extra).length ? JSON.stringify(extra) : ''),
        h('td', {}, r.view_name || ''), h('td', {}, sessionRef(r.session)));
    }), 'custom-table'));
}
