// The one table of SDKs the benchmark compares. Adding an SDK = adding one entry.
//
// Entry fields:
//   name      short id (used by --only, page and bundle names)
//   label     what the table prints
//   packages  npm packages whose installed versions are reported (bench/node_modules)
//   imports   ES module code (imports) of the minimal init bundle, built with
//             esbuild --bundle --minify (iife) from bench/node_modules
//   init      one JS statement: the init call. In scope: C = collector origin
//             ('http://127.0.0.1:<port>'); the harness times it with performance.now().
//   local     (ours) instead of a bundle: `files` (repo-relative, what the page downloads, sized),
//             `scripts` (URLs of <script> tags the page loads), `init` runs in an inline script after
//             them, `ready` an expression giving a Promise of "really initialised", `wasmMemory` an
//             expression giving the wasm linear memory in bytes (or undefined)
//   available optional () => true | 'reason it is skipped'
//   count     (payloads) => per-type counts of what reached the collector, see payloads.mjs.
//             Keys: pv, clicks, fetch, fetch500, xhr, xhr500, errors, rejections, longtask;
//             `notes` (string) for anything the table should say about how it was counted.
//
// Every SDK is configured to send to the local collector on 127.0.0.1, with 100% sampling and its
// default collection (page views, clicks, fetch/XHR, errors, long tasks; ARMS and ours need
// collectors.longtask: true, which is off by default in ARMS).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { genericCount, findAll, jsonDocs, isBenchLongTask } from './payloads.mjs';

const ROOT = new URL('..', import.meta.url).pathname;

// ---- counting per wire format -------------------------------------------------------------

// ARMS bundle format (ARMS and rum-wasm): {app, user, session, view, events:[{event_type,...}]}.
// Duplicates pending in the queue are merged with `times`, so counts add `times`.
function countArmsFormat(payloads) {
  const g = genericCount(payloads);
  const events = [];
  for (const d of jsonDocs(payloads)) if (d && Array.isArray(d.events)) events.push(...d.events);
  const times = (e) => (Number.isFinite(e.times) ? e.times : 1);
  const sum = (pred) => events.filter(pred).reduce((a, e) => a + times(e), 0);
  // Merged exceptions (same message+stack) would hide behind one message: count `times` too.
  const errTimes = (re) => sum((e) => e.event_type === 'exception' && re.test(`${e.message}`));
  return {
    ...g,
    errors: Math.max(g.errors, errTimes(/bench-error-/)),
    rejections: Math.max(g.rejections, errTimes(/bench-rejection-/)),
    pv: sum((e) => e.event_type === 'view' && e.type === 'pv'),
    clicks: sum((e) => e.event_type === 'action' && e.type === 'click'),
    longtask: events.filter((e) => /^long_?task$/i.test(e.event_type) && isBenchLongTask(e.duration)).length,
  };
}

// Datadog RUM format (Datadog, Datadog slim, OpenObserve): NDJSON of {type: view|action|resource|
// error|long_task, ...}; a view is re-sent with every update (same view.id).
function countDatadogFormat(payloads) {
  const g = genericCount(payloads);
  const docs = jsonDocs(payloads);
  const views = new Set(), actions = new Set();
  let longtask = 0;
  for (const d of docs) {
    if (!d || typeof d !== 'object') continue;
    if (d.type === 'view' && d.view?.id) views.add(d.view.id);
    if (d.type === 'action' && d.action?.type === 'click') actions.add(d.action.id || JSON.stringify(d.date));
    if (d.type === 'long_task' && isBenchLongTask((d.long_task?.duration ?? 0) / 1e6)) longtask++;
  }
  const rage = docs.some((d) => d?.type === 'action' && (d.action?.frustration?.type || []).includes('rage_click'));
  return { ...g, pv: views.size, clicks: actions.size, longtask,
    notes: rage ? 'rapid clicks on one element are chained into rage_click actions (one event per chain, no click count)' : undefined };
}

// Sentry envelopes: error events (exception.values); spans either inside transaction events
// (`spans`, op/description/data) or, as @sentry/browser 11 sends them, streamed span items
// (`{version: 2, items: [{name, start_timestamp, end_timestamp, is_segment, attributes:
// {'sentry.op': {value}}}]}`).
function countSentry(payloads) {
  const g = genericCount(payloads); // skips breadcrumbs: a fetch seen only as a breadcrumb is not counted
  const docs = jsonDocs(payloads);
  const spans = [];
  let pv = 0;
  for (const d of docs) {
    if (!d || typeof d !== 'object') continue;
    if (d.type === 'transaction') {
      if (d.contexts?.trace?.op === 'pageload') pv++;
      for (const s of d.spans || []) spans.push({ op: s.op, dur: s.timestamp - s.start_timestamp });
    }
    for (const s of Array.isArray(d.items) ? d.items : []) {
      const op = s?.attributes?.['sentry.op']?.value ?? s?.op;
      if (op === 'pageload' && s.is_segment !== false) pv++;
      spans.push({ op, dur: s.end_timestamp - s.start_timestamp });
    }
  }
  const longtask = spans.filter((s) => /^ui\.long[-_](task|animation[-_]frame)/.test(s.op || '') && isBenchLongTask(s.dur * 1000)).length;
  // Sentry sends no click events; clicks only travel as `ui.click` breadcrumbs inside error events.
  const crumbs = new Set();
  for (const d of docs) for (const b of (Array.isArray(d?.breadcrumbs) ? d.breadcrumbs : d?.breadcrumbs?.values) || [])
    if (b && b.category === 'ui.click') crumbs.add(b.timestamp);
  return { ...g, pv, clicks: crumbs.size, longtask, notes: 'clicks = distinct ui.click breadcrumbs riding on error events (Sentry sends no click events)' };
}

// Faro: {meta, events:[{name, attributes}], exceptions:[...], measurements:[...], logs:[...]}.
function countFaro(payloads) {
  const g = genericCount(payloads);
  const events = findAll(payloads, (n) => typeof n.name === 'string' && n.attributes && n.timestamp)
    .filter((e) => typeof e.name === 'string');
  const pv = events.filter((e) => e.name === 'faro.performance.navigation').length;
  const clicks = events.filter((e) => /click|user[._]action/i.test(e.name)).length;
  const longtask = events.filter((e) => /long/i.test(e.name) && isBenchLongTask(+(e.attributes?.duration))).length;
  return { ...g, pv, clicks, longtask };
}

// Elastic APM RUM (v2 intake): NDJSON {metadata}, {transaction: {type, spans}}, {error}, {span}.
function countElastic(payloads) {
  const g = genericCount(payloads);
  const docs = jsonDocs(payloads);
  const tx = docs.map((d) => d?.transaction).filter(Boolean);
  const pv = tx.filter((t) => t.type === 'page-load').length;
  const clicks = tx.filter((t) => t.type === 'user-interaction').length;
  const spans = [...tx.flatMap((t) => t.spans || []), ...docs.map((d) => d?.span).filter(Boolean)];
  const longtask = spans.filter((s) => s.type === 'longtask' && isBenchLongTask(s.duration)).length;
  return { ...g, pv, clicks, longtask,
    notes: 'clicks = user-interaction transactions; the agent drops events beyond its default eventsLimit (80 per minute)' };
}

// ---- the table ----------------------------------------------------------------------------

export const SDKS = [
  {
    name: 'bare',
    label: 'bare page (no SDK)',
    packages: [],
    imports: '',
    init: 'void 0',
    count: genericCount,
  },
  {
    name: 'rum-wasm',
    label: 'rum-wasm (ours)',
    packages: [],
    local: true,
    // (rum-send.js: the send worker every page fetches at its first send, after load.)
    files: ['dist/rum.js', 'dist/rum_wasm_bg.wasm', 'dist/rum-send.js'],
    scripts: ['/dist/rum.js'],
    init: "window.RumSDK.default.init({pid: 'bench', endpoint: C + '/collect', collectors: {longtask: true}})",
    ready: 'window.RumSDK.default.ready',
    wasmMemory: "typeof window.RumSDK.default.wasmMemoryBytes === 'function' ? window.RumSDK.default.wasmMemoryBytes() : undefined",
    available: () => existsSync(join(ROOT, 'dist/rum.js')) && existsSync(join(ROOT, 'dist/rum_wasm_bg.wasm'))
      ? true : 'dist/rum.js or dist/rum_wasm_bg.wasm not built yet (run `npm run build` at the repo root)',
    count: countArmsFormat,
  },
  {
    name: 'arms',
    label: 'ARMS @arms/rum-browser',
    packages: ['@arms/rum-browser'],
    imports: "import armsRum from '@arms/rum-browser';",
    init: "armsRum.init({pid: 'bench', endpoint: C + '/collect', collectors: {longtask: true}})",
    count: countArmsFormat,
  },
  {
    name: 'datadog',
    label: 'Datadog @datadog/browser-rum',
    packages: ['@datadog/browser-rum'],
    imports: "import { datadogRum } from '@datadog/browser-rum';",
    init: "datadogRum.init({applicationId: 'bench', clientToken: 'pubbench', site: 'datadoghq.com', service: 'bench', proxy: C + '/dd', sessionSampleRate: 100, trackUserInteractions: true, trackResources: true, trackLongTasks: true})",
    count: countDatadogFormat,
  },
  {
    name: 'datadog-slim',
    label: 'Datadog slim @datadog/browser-rum-slim',
    packages: ['@datadog/browser-rum-slim'],
    imports: "import { datadogRum } from '@datadog/browser-rum-slim';",
    init: "datadogRum.init({applicationId: 'bench', clientToken: 'pubbench', site: 'datadoghq.com', service: 'bench', proxy: C + '/dd', sessionSampleRate: 100, trackUserInteractions: true, trackResources: true, trackLongTasks: true})",
    count: countDatadogFormat,
  },
  {
    name: 'sentry',
    label: 'Sentry @sentry/browser + tracing',
    packages: ['@sentry/browser'],
    imports: "import * as Sentry from '@sentry/browser';",
    init: "Sentry.init({dsn: C.replace('://', '://benchkey@') + '/1', sampleRate: 1, tracesSampleRate: 1, integrations: [Sentry.browserTracingIntegration()]})",
    count: countSentry,
  },
  {
    name: 'faro',
    label: 'Grafana Faro @grafana/faro-web-sdk',
    packages: ['@grafana/faro-web-sdk'],
    imports: "import { initializeFaro, getWebInstrumentations } from '@grafana/faro-web-sdk';",
    init: "initializeFaro({url: C + '/faro/collect', app: {name: 'bench', version: '1.0.0'}, sessionTracking: {samplingRate: 1}, instrumentations: getWebInstrumentations()})",
    count: countFaro,
  },
  {
    name: 'elastic',
    label: 'Elastic @elastic/apm-rum',
    packages: ['@elastic/apm-rum'],
    imports: "import { init as initApm } from '@elastic/apm-rum';",
    init: "initApm({serviceName: 'bench', serverUrl: C + '/elastic', transactionSampleRate: 1.0})",
    count: countElastic,
  },
  {
    name: 'openobserve',
    label: 'OpenObserve @openobserve/browser-rum',
    packages: ['@openobserve/browser-rum'],
    imports: "import { openobserveRum } from '@openobserve/browser-rum';",
    init: "openobserveRum.init({applicationId: 'bench', clientToken: 'pubbench', site: C.replace('http://', ''), insecureHTTP: true, organizationIdentifier: 'bench', apiVersion: 'v1', service: 'bench', env: 'bench', version: '1.0.0', sessionSampleRate: 100, trackUserInteractions: true, trackResources: true, trackLongTasks: true})",
    count: countDatadogFormat,
  },
];
