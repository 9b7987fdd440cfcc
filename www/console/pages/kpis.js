// KPIs of the session list's range and filters, each with its change against the range just
// before (GET /api/kpis). Rendered into a placeholder so the list does not wait for it.
'use strict';
/* exported kpiStrip */
/* global h, api, fmtDur */

const KPIS = [
  ['sessions', 'Sessions', (v) => String(v), false],
  ['avg_duration_ms', 'Average duration', (v) => fmtDur(v), false],
  ['error_rate', 'Error rate (sessions with an error)', (v) => `${(v * 100).toFixed(1)} %`, true],
  ['pages_per_session', 'Pages per session', (v) => v.toFixed(1), false],
];

// `q`: the list's query (filters and range) without paging.
function kpiStrip(q) {
  const box = h('div', { class: 'kpis', 'data-testid': 'kpis' });
  api('/api/kpis?' + q).then((k) => {
    box.replaceChildren(...KPIS.map(([key, label, fmt, upIsBad]) => {
      const cur = k.current[key];
      const prev = k.previous ? k.previous[key] : null;
      let change = h('span', { class: 'muted' }, k.previous ? 'nothing in the previous range' : 'no previous range for all time');
      if (prev) {
        const pct = ((cur - prev) / prev) * 100;
        const worse = upIsBad ? pct > 0 : pct < 0;
        change = h('span', { class: pct === 0 ? 'muted' : worse ? 'bad' : 'good' }, `${pct >= 0 ? '▲' : '▼'} ${Math.abs(pct).toFixed(0)} % vs previous`);
      }
      return h('div', { class: 'card kpi', 'data-testid': 'kpi-' + key, 'data-value': cur },
        h('div', { class: 'muted' }, label), h('div', { class: 'kpi-value' }, fmt(cur)), h('div', { class: 'kpi-change' }, change));
    }));
  }).catch((e) => box.replaceChildren(h('p', { class: 'error' }, 'KPIs: ' + e.message)));
  return box;
}
