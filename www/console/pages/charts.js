// Time charts with uPlot (vendored): sessions and errors over time, with a tooltip that follows
// the cursor.
'use strict';
/* exported timeChart */
/* global h, loadVendor, fmtTime */

// A tooltip plugin: the hovered bucket's time and values.
function tooltip() {
  const tip = h('div', { class: 'chart-tip', 'data-testid': 'chart-tip', hidden: true });
  return {
    hooks: {
      init: (u) => { u.over.append(tip); },
      setCursor: (u) => {
        const i = u.cursor.idx;
        if (i == null) { tip.hidden = true; return; }
        tip.hidden = false;
        tip.replaceChildren(h('strong', {}, fmtTime(u.data[0][i] * 1000)),
          ...u.series.slice(1).map((s, k) => h('div', {}, `${s.label}: ${u.data[k + 1][i]}`)));
        const x = Math.min(u.cursor.left + 12, u.over.clientWidth - 160);
        tip.style.left = x + 'px';
        tip.style.top = Math.max(0, u.cursor.top - 10) + 'px';
      },
    },
  };
}

// `ts`: GET /api/timeseries's answer. Returns the box at once; the chart fills it when uPlot is in.
function timeChart(ts) {
  const box = h('div', { class: 'chart', 'data-testid': 'chart' });
  loadVendor('uplot.css', 'uplot.js').then(() => {
    const data = [ts.buckets.map((b) => b.start_ms / 1000), ts.buckets.map((b) => b.sessions), ts.buckets.map((b) => b.errors)];
    const width = Math.max(320, box.clientWidth || 720);
    // eslint-disable-next-line no-undef
    new uPlot({
      width, height: 200, plugins: [tooltip()], legend: { show: true },
      series: [{}, { label: 'Sessions', stroke: '#2f6fed', width: 2 }, { label: 'JS errors', stroke: '#d93f3f', width: 2 }],
      axes: [{}, { label: 'count' }],
    }, data, box);
    box.dataset.ready = '1';
  }).catch((e) => box.replaceChildren(h('p', { class: 'error' }, e.message)));
  return box;
}
