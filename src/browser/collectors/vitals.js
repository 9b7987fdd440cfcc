// Web vitals (LCP, CLS, INP, FID, FCP, TTFB), measured while the page lives and reported once,
// as an ARMS `view` event of type webvitals, when it is hidden or left (`install` returns what `take()`s it).

import { observe } from '../hooks.js';
import { body, plausible, pos, r3 } from '../fields.js';

/** Web vitals at the end of the page's life; null when there is none to send. */
export function vitalsReport(v, url, referrer) {
  const m = {
    largest_contentful_paint: plausible(v.lcp),
    first_input_delay: v.fid >= 0 && v.fid < 3600000 ? r3(v.fid) : undefined,
    first_input_time: plausible(v.fit),
    cumulative_layout_shift: pos(v.cls),
    interaction_to_next_paint: plausible(v.inp),
    time_to_first_byte: plausible(v.ttfb),
    first_contentful_paint: plausible(v.fcp),
  };
  if (Object.values(m).every((x) => x === undefined)) return null;
  return ['view', body({ type: 'webvitals', url, referrer, ...m })];
}


// Web vitals as their definitions say: LCP until the first input or hide, CLS as the largest
// session window (gaps < 1 s, windows ≤ 5 s) of shifts without recent input, INP as the slowest
// interaction (the p98 of a page with under 50 interactions), FID from the first input.
export function install() {
  const v = { cls: 0, inp: 0 };
  let win = 0, winStart = 0, winLast = 0, lcpDone = false;
  const stopLcp = () => { lcpDone = true; };
  addEventListener('pointerdown', stopLcp, { capture: true, once: true });
  addEventListener('keydown', stopLcp, { capture: true, once: true });
  const obs = [
    observe('largest-contentful-paint', (l) => { if (!lcpDone) for (const e of l) v.lcp = e.startTime; }),
    observe('layout-shift', (l) => {
      for (const e of l) {
        if (e.hadRecentInput) continue;
        if (win && e.startTime - winLast < 1000 && e.startTime - winStart < 5000) { win += e.value; } else { win = e.value; winStart = e.startTime; }
        winLast = e.startTime;
        if (win > v.cls) v.cls = win;
      }
    }),
    observe('first-input', (l) => {
      const e = l[0];
      if (e && v.fid === undefined) {
        v.fid = e.processingStart - e.startTime; v.fit = e.startTime; lcpDone = true;
        // The first interaction counts for INP too, however fast (event entries under the
        // threshold are not reported).
        if (e.duration > v.inp) v.inp = e.duration;
      }
    }),
    observe('event', (l) => { for (const e of l) if (e.interactionId && e.duration > v.inp) v.inp = e.duration; }, { durationThreshold: 16 }),
    observe('paint', (l) => { for (const e of l) if (e.name === 'first-contentful-paint') v.fcp = e.startTime; }),
  ];
  const nav = performance.getEntriesByType('navigation')[0];
  if (nav) v.ttfb = Math.max(0, nav.responseStart - (nav.activationStart || 0));
  return {
    take() { for (const o of obs) if (o) o.disconnect(); obs.length = 0; return vitalsReport(v, location.href, document.referrer); },
  };
}
