// Page load timing: the navigation timing entry and the first paints, once per load, as an ARMS
// `view` event of type perf.

import { later } from '../pending.js';
import { disconnect, observe, safe } from '../hooks.js';
import { body, entryJson, opts, plausible } from '../fields.js';

/** Page load timing (ms since fetchStart), reported once per load. */
export function perfReport(t, url, referrer) {
  const o = { type: 'perf', url, referrer };
  for (const k of ['first_paint', 'first_contentful_paint', 'dom_interactive', 'dom_content_loaded', 'dom_complete', 'load_event']) o[k] = plausible(t[k]);
  o.snapshots = t.nav && entryJson(t.nav);
  if (o.load_event > opts.slowLoad) o.slow = 1;
  return ['view', body(o)];
}


// Page load timing, once the load event has run and the first contentful paint is known
// (it can come after load), or 3 s after load at the latest.
export function install() {
  let done = false;
  const fire = safe(() => {
    const t = !done && pageTiming();
    done = true;
    if (t) later(() => perfReport(t, location.href, document.referrer));
  });
  const hasFcp = () => performance.getEntriesByName('first-contentful-paint').length > 0;
  const go = () => {
    if (hasFcp()) { setTimeout(fire, 0); return; }
    const o = observe('paint', (l) => { for (const e of l) if (e.name === 'first-contentful-paint') { disconnect(o); setTimeout(fire, 0); } });
    setTimeout(() => { disconnect(o); fire(); }, 3000);
  };
  if (document.readyState === 'complete') go(); else addEventListener('load', go, { once: true });
}

function pageTiming() {
  const n = performance.getEntriesByType('navigation')[0];
  if (!n) return null;
  const out = {
    dom_interactive: n.domInteractive - n.fetchStart,
    dom_content_loaded: n.domContentLoadedEventStart - n.fetchStart,
    dom_complete: n.domComplete - n.fetchStart,
    load_event: n.loadEventStart - n.fetchStart,
    nav: n,
  };
  for (const p of performance.getEntriesByType('paint')) {
    if (p.name === 'first-paint') out.first_paint = p.startTime;
    if (p.name === 'first-contentful-paint') out.first_contentful_paint = p.startTime;
  }
  return out;
}
