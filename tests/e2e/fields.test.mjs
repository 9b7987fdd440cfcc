// The collectors' report builders (src/browser/collectors/*.js, on the helpers of
// src/browser/fields.js), run as they are, in node: the exact
// ARMS bodies for known facts. (How real browser events get there is collectors.test.mjs.)
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fields from '../../src/browser/fields.js';
import * as api from '../../src/browser/collectors/api.js';
import * as clicks from '../../src/browser/collectors/clicks.js';
import * as consoleErrors from '../../src/browser/collectors/console_errors.js';
import * as errors from '../../src/browser/collectors/errors.js';
import * as longTasks from '../../src/browser/collectors/long_tasks.js';
import * as pageLoad from '../../src/browser/collectors/page_load.js';
import * as resources from '../../src/browser/collectors/resources.js';
import * as vitals from '../../src/browser/collectors/vitals.js';

const f = { ...fields, ...api, ...clicks, ...consoleErrors, ...errors, ...longTasks, ...pageLoad, ...resources, ...vitals };

const obj = (r) => '{' + r[1] + '}';

test('API calls: ok, failed, network error, slow, redirect, judged by evaluateApi', () => {
  f.configure(undefined, 1000, 3000, 100);
  const base = { k: 'fetch', m: 'GET', u: 'http://h/api/ok?q=1', s: 200, t: 'OK', d: 6.2 };
  const r = f.apiReport(base);
  assert.equal(obj(r), '{"url":"http://h/api/ok?q=1","name":"/api/ok","type":"fetch","method":"GET","success":1,"status_code":200,"message":"OK","duration":6.2}');
  assert.equal(r[0], 'resource');
  assert.equal(r[6], 'http://h/api/ok?q=1', 'the URL is the filters\' subject');
  assert.match(obj(f.apiReport({ ...base, s: 500, t: 'Internal Server Error', m: 'POST' })), /"success":0,"status_code":500,"message":"Internal Server Error"/);
  // The method as the page gave it (the hooks take it as it is), upper case in the report.
  assert.match(obj(f.apiReport({ ...base, m: 'post' })), /"method":"POST"/);
  const down = obj(f.apiReport({ ...base, s: 0, t: '', e: 'TypeError: Failed to fetch' }));
  assert.match(down, /"success":0,"message":"TypeError: Failed to fetch"/);
  assert.doesNotMatch(down, /status_code/);
  assert.match(obj(f.apiReport({ ...base, k: 'xmlhttprequest', s: 0, t: '', e: 'error' })), /"message":"Error: error"/);
  assert.match(obj(f.apiReport({ ...base, d: 1500 })), /"duration":1500,"slow":1}$/);
  assert.match(obj(f.apiReport({ ...base, s: 304 })), /"success":1/);
  const judged = obj(f.apiReport({ ...base, ev: { success: 0, snapshots: '{"code":"E42"}', properties: { biz: 'cart', n: 1, skip: {} }, name: 'checkout' } }));
  assert.match(judged, /"name":"checkout"/);
  assert.match(judged, /"success":0/);
  assert.match(judged, /"snapshots":"\{\\"code\\":\\"E42\\"\}","properties":\{"biz":"cart","n":1\}\}$/);
  // The view it started on and its start time travel with it.
  const on = f.apiReport({ ...base, st: 1234.7, v: [undefined, 'view-1', '/cart'] });
  assert.deepEqual(on.slice(3, 6), [Math.floor(performance.timeOrigin + 1234.7), 'view-1', '/cart']);
});

test('trace id and trace_data from the trace the wasm started, and evaluateApi caps', () => {
  const h = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  const tp = f.apiReport({ k: 'fetch', m: 'GET', u: 'u', s: 200, d: 1, tr: { h, id: '0af7651916cd43dd8448eb211c80319c', span: 'b7ad6b7169203331', s: true } });
  assert.match(obj(tp), /"trace_id":"0af7651916cd43dd8448eb211c80319c"/);
  // trace_data: {spanId, sample, sampled, headers} as JSON text, whichever propagator made it.
  const td = (r) => JSON.parse(JSON.parse(obj(r)).trace_data);
  assert.deepEqual(td(tp), { spanId: 'b7ad6b7169203331', sample: 100, sampled: true, headers: h });
  const off = f.apiReport({ k: 'fetch', m: 'GET', u: 'u', s: 200, d: 1, tr: { h: { b3: 'x' }, id: 'a'.repeat(32), span: 'b'.repeat(16), s: false } });
  assert.deepEqual([JSON.parse(obj(off)).trace_id, td(off).spanId, td(off).sampled], ['a'.repeat(32), 'b'.repeat(16), false]);
  assert.match(obj(f.apiReport({ k: 'fetch', m: 'GET', u: 'u', s: 200, d: 1, tr: { h, id: 'z', span: 's', s: true }, ev: { trace_id: 'from-the-app' } })), /"trace_id":"from-the-app"/, 'evaluateApi has the last word');
  assert.equal(JSON.parse(obj(f.apiReport({ k: 'fetch', m: 'GET', u: 'u', s: 200, d: 1 }))).trace_data, undefined, 'untraced: no trace_data');
  const long = f.apiReport({ k: 'fetch', m: 'GET', u: 'u', s: 200, d: 1, ev: { message: 'x'.repeat(3000), properties: Object.fromEntries(Array.from({ length: 30 }, (_, i) => ['k' + i, i])) } });
  assert.equal(JSON.parse(obj(long)).message.length, 1000);
  assert.equal(Object.keys(JSON.parse(obj(long)).properties).length, 20);
});

test('parseResourceName names resources; a throwing one falls back to the path', () => {
  f.configure((u) => 'named:' + u.length, 1000, 3000);
  assert.match(obj(f.apiReport({ k: 'fetch', m: 'GET', u: 'http://h/a', s: 200, d: 1 })), /"name":"named:10"/);
  f.configure(() => { throw new Error('page bug'); }, 1000, 3000);
  assert.match(obj(f.apiReport({ k: 'fetch', m: 'GET', u: 'http://h/a/b?x', s: 200, d: 1 })), /"name":"\/a\/b"/);
  f.configure(undefined, 1000, 3000, 100);
});

test('resource types and status of static resources', () => {
  assert.equal(f.resourceType('link', '/static/style.css'), 'css');
  assert.equal(f.resourceType('script', '/x'), 'js');
  assert.equal(f.resourceType('img', '/a'), 'image');
  assert.equal(f.resourceType('css', '/font.woff2'), 'css');
  assert.equal(f.resourceType('other', '/font.woff2'), 'font');
  assert.equal(f.resourceType('link', '/x'), 'other');
  assert.equal(f.resourceType('constructor', '/toString'), 'other');
  const e = { name: 'http://h/static/missing.png', initiatorType: 'img', duration: 3, responseStatus: 404 };
  assert.equal(obj(f.resourceReport(e)), '{"url":"http://h/static/missing.png","name":"/static/missing.png","type":"image","method":"GET","status_code":404,"success":0,"duration":3,'
    + '"timing_data":"{\\"name\\":\\"http://h/static/missing.png\\",\\"initiatorType\\":\\"img\\",\\"duration\\":3,\\"responseStatus\\":404}"}');
  // timing_data is the entry's own JSON (toJSON), as ARMS sends it.
  const entry = { toJSON: () => ({ name: 'http://h/x.js', entryType: 'resource', duration: 5 }), name: 'http://h/x.js', duration: 5 };
  assert.equal(JSON.parse(JSON.parse(obj(f.resourceReport(entry))).timing_data).entryType, 'resource');
  assert.match(obj(f.resourceReport({ ...e, responseStatus: 0 })), /"success":-1/);
});

test('timing phases from an entry; missing phases left out; numbers cut to 3 decimals', () => {
  const t = f.timing({}, {
    startTime: 62.1, duration: 52.1, domainLookupStart: 62.1, domainLookupEnd: 62.1, connectStart: 62.1, connectEnd: 70.0,
    secureConnectionStart: 65.0, requestStart: 99.8, responseStart: 112.9, responseEnd: 114.2, decodedBodySize: 46, transferSize: 346,
  });
  const body = JSON.stringify(t);
  assert.deepEqual(Object.keys(JSON.parse(body)), ['connect_duration', 'ssl_duration', 'first_byte_duration', 'download_duration', 'size', 'transfer_size']);
  const e = { name: 'u', duration: 1.23456789 };
  assert.match(obj(f.resourceReport(e)), /"duration":1.234/);
  assert.match(obj(f.resourceReport({ name: 'u', duration: 0.1 + 0.2 })), /"duration":0.3[,}]/);
});

test('errors in the ARMS shape, with location, merge key and filter subjects', () => {
  const r = f.errorEventReport({ message: 'harness boom', error: { name: 'Error', message: 'harness boom', stack: 'Error: harness boom\n    at eval' }, filename: '', lineno: 2, colno: 30 });
  assert.equal(obj(r), '{"type":"error","source":"onError","name":"Error","message":"harness boom","stack":"Error: harness boom\\n    at eval","file":"","line":2,"column":30,"binary_images":{}}');
  assert.equal(r[0], 'exception');
  assert.deepEqual(r.slice(6), ['Error', 'harness boom', 'Error: harness boom\n    at eval']);
  assert.equal(f.errorEventReport({ type: 'error', target: {} }), null, 'a failed <img> load is not a JS error');
  const rej = f.rejectionReport({ reason: 'plain text' });
  assert.match(obj(rej), /"source":"onUnhandledRejection","name":"UnhandledRejection","message":"plain text"/);
  assert.doesNotMatch(obj(rej), /"line"/);
  assert.notEqual(rej[2], f.consoleReport(['plain text'])[2], 'merge keys differ by source');
  const c = f.consoleReport(['failed to load', { id: 7 }, 3, null, undefined]);
  assert.match(obj(c), /"name":"ConsoleError","message":"failed to load \{\\"id\\":7\} 3 null undefined"/);
  assert.match(obj(f.consoleReport([new TypeError('bad')])), /"name":"TypeError","message":"bad"/);
  assert.equal(f.consoleReport([]), null);
  const cyclic = {}; cyclic.self = cyclic;
  assert.match(obj(f.rejectionReport({ reason: cyclic })), /"message":"\[object Object\]"/);
});

test('huge messages and stacks are cut, by characters', () => {
  const r = f.consoleReport([{ name: 'E', message: 'm'.repeat(5000), stack: 's'.repeat(50000) }]);
  assert.ok(r[1].length < 5200, String(r[1].length));
  assert.equal(f.cut('héllo', 2), 'hé');
  assert.equal(f.cut('😀😀😀', 2), '😀😀');
});

test('clicks: names and snapshots like ARMS', () => {
  const c = { tag: 'button', type: 'button', text: 'Buy now', id: 'buy', name: 'buyBtn', cls: 'btn primary', href: '', src: '', xp: '//*[@id="buy"]', dur: 2.799, ts: 1700000000000.5 };
  const r = f.clickReport(c);
  assert.equal(obj(r), '{"type":"click","name":"click on button-button: Buy now","target_name":"//*[@id=\\"buy\\"]","duration":2.799,"snapshots":"{\\"id\\":\\"buy\\",\\"name\\":\\"buyBtn\\",\\"className\\":\\"btn primary\\"}"}');
  assert.equal(r[0], 'action');
  assert.equal(r[2], 'click\n//*[@id="buy"]');
  assert.equal(r[3], 1700000000000);
  assert.match(obj(f.clickReport({ ...c, tag: 'a', type: '', text: 'A link' })), /"name":"click on a: A link"/);
  assert.match(obj(f.clickReport({ ...c, text: 'A very long button label here' })), /"name":"click on button-button: A very long button l\.\.\."/);
  assert.equal(f.clickReport(c), r, 'the same facts (a burst\'s repeats): the report built once');  // What describe() reads off an element without those attributes: null (getAttribute),
  // undefined (href, src of a button), false (an SVG's className): all left out like ''.
  assert.equal(obj(f.clickReport({ tag: 'button', type: null, text: '', id: '', name: null, cls: false, href: undefined, src: undefined, xp: '/html[1]/body[1]/button[1]', x: 5, y: 6, dur: 1, ts: 1 })),
    '{"type":"click","name":"click on button","target_name":"/html[1]/body[1]/button[1]","duration":1,"snapshots":"{\\"x\\":5,\\"y\\":6}"}');
});

test('page load: implausible values dropped, slow loads marked; vitals or nothing', () => {
  f.configure(undefined, 1000, 3000, 100);
  const t = { dom_interactive: 241.899, dom_content_loaded: 242.5, dom_complete: 289.899, load_event: 290, first_paint: 0, first_contentful_paint: 5000000 };
  assert.equal(obj(f.perfReport(t, 'http://h/', '')), '{"type":"perf","url":"http://h/","referrer":"","dom_interactive":241.899,"dom_content_loaded":242.5,"dom_complete":289.899,"load_event":290}');
  // snapshots: the navigation entry's JSON, as ARMS sends it.
  const nav = { toJSON: () => ({ name: 'http://h/', entryType: 'navigation' }) };
  assert.equal(JSON.parse(obj(f.perfReport({ ...t, nav }, 'http://h/', ''))).snapshots, '{"name":"http://h/","entryType":"navigation"}');
  assert.match(obj(f.perfReport({ ...t, load_event: 4200 }, 'u', '')), /"load_event":4200,"slow":1}$/);
  const v = { lcp: 252, fid: 4, fit: 4993.399, cls: 0, inp: 0, ttfb: 27.5, fcp: 252 };
  assert.equal(obj(f.vitalsReport(v, 'u', '')), '{"type":"webvitals","url":"u","referrer":"","largest_contentful_paint":252,"first_input_delay":4,"first_input_time":4993.399,"cumulative_layout_shift":0,"time_to_first_byte":27.5,"first_contentful_paint":252}');
  assert.equal(f.vitalsReport({}, 'u', ''), null);
});

test('a 200 ms stall is reported with its slowest scripts; a short one is not', () => {
  const t = {
    source: 'LoAF', start: 10, end: 211, frames: 1,
    scripts: [
      { sourceURL: 'a.js', sourceFunctionName: 'f', invokerType: 'classic-script', duration: 8.2 },
      { sourceURL: 'b.js', sourceFunctionName: '', invokerType: 'event-listener', duration: 190.5 },
    ],
  };
  assert.match(obj(f.longTaskReport(t, [null, 'view-1', '/app/home'])), /^\{"id":"view-1","name":"\/app\/home","type":"fps",/);
  assert.equal(obj(f.longTaskReport(t)), '{"type":"fps","source":"LoAF","duration":201,"fps":5,"snapshots":"[{\\"sourceURL\\":\\"b.js\\",\\"sourceFunctionName\\":\\"\\",\\"invokerType\\":\\"event-listener\\",\\"duration\\":190.5},{\\"sourceURL\\":\\"a.js\\",\\"sourceFunctionName\\":\\"f\\",\\"invokerType\\":\\"classic-script\\",\\"duration\\":8.2}]"}');
  assert.equal(f.longTaskReport({ ...t, end: 130 }), null);
});

test('every measured number a builder writes is cut to 3 decimals (binary noise absorbed, as the Rust writer prints), at its source', () => {
  // Cut where each builder takes the number, not by a replacer over the whole body: a number
  // that skipped the cut shows its binary noise here.
  const noisy = 6.3004567; // a measured number with more decimals than the wire keeps
  // The body's numbers, and those of a snapshot (JSON text the builder wrote); not timing_data,
  // the browser's entry as it is (ARMS sends it so).
  const numbers = (r) => {
    const o = JSON.parse(obj(r));
    delete o.timing_data;
    if (/^[[{]/.test(o.snapshots)) o.snapshots = JSON.parse(o.snapshots);
    return JSON.stringify(o).match(/-?\d+\.\d+(e-?\d+)?/g) || [];
  };
  const reports = {
    api: f.apiReport({ k: 'fetch', m: 'GET', u: 'http://h/a', s: 200, t: 'OK', d: noisy, rq: 'x', tm: { requestStart: 1, responseStart: 1 + noisy, responseEnd: 2 + noisy * 2, redirectStart: 0.1, redirectEnd: noisy } }),
    evaluated: f.apiReport({ k: 'fetch', m: 'GET', u: 'http://h/a', s: 200, d: 1, ev: { duration: noisy, properties: { p: noisy } } }),
    resource: f.resourceReport({ name: 'http://h/s.js', initiatorType: 'script', duration: noisy, responseStatus: 200, requestStart: 1, responseStart: 1 + noisy }),
    click: f.clickReport({ tag: 'b', xp: '/b', dur: noisy, ts: 1 }),
    perf: f.perfReport({ dom_interactive: noisy, load_event: 100 + noisy, first_paint: noisy }, 'u', ''),
    vitals: f.vitalsReport({ lcp: 100 + noisy, fid: noisy, fit: noisy, cls: noisy / 100, inp: noisy, ttfb: noisy, fcp: noisy }, 'u', ''),
    longTask: f.longTaskReport({ source: 'LoAF', start: 0.1, end: 200 + noisy, frames: 1, scripts: [{ sourceURL: 'a.js', duration: 150 + noisy }] }),
  };
  for (const [k, r] of Object.entries(reports)) {
    const n = numbers(r);
    assert.ok(n.length > 0, k + ': has decimals to check: ' + obj(r));
    for (const x of n) assert.ok(!/\.\d{4,}/.test(x), `${k}: ${x} not cut to 3 decimals in ${obj(r)}`);
  }
  assert.match(obj(reports.api), /"duration":6\.3,/);
  assert.match(obj(reports.vitals), /"first_input_delay":6\.3,/);
  assert.match(obj(reports.longTask), /"duration":206\.2,/);
});

test('pathname: the path of absolute, protocol-relative and relative URLs', () => {
  assert.equal(f.pathname('http://127.0.0.1:9/unreachable'), '/unreachable');
  assert.equal(f.pathname('https://h'), '/');
  assert.equal(f.pathname('//cdn/x.js?v=1#a'), '/x.js');
  assert.equal(f.pathname('/a/b?c'), '/a/b');
  assert.equal(f.pathname('HTTPS://h:8080/a/b.js#x?y'), '/a/b.js');
  assert.equal(f.pathname('https://h?q=/x'), '/');
  assert.equal(f.pathname('https://h/p?q\n#r'), '/p');
  assert.equal(f.pathname('rel/x.js'), 'rel/x.js');
});

test('reports cross into the wasm as one text, in order, bodies after the array; a builder that throws or has nothing adds nothing', async () => {
  const pending = await import('../../src/browser/pending.js');
  pending.later((n) => ['custom', '"n":' + n, 'k\n"1"', 1700000000123], 1);
  pending.later(() => { throw new Error('a builder of ours'); }, 0);
  pending.later(() => null, 0);
  pending.later((s) => ['exception', '"message":' + JSON.stringify(s), undefined, undefined, 'v1', 'a "view"', 'TypeError', s], 'it\'s "quoted" \u2028 \ud83d\ude00');
  const text = pending.take();
  assert.equal(typeof text, 'string');
  // The array with each body's place held by 0, then the bodies as they are (not escaped again),
  // each after a \x01 (collectors/mod.rs `reports` puts them back).
  const [head, ...bodies] = text.split('\x01');
  assert.deepEqual(JSON.parse(head), [
    ['custom', 0, 'k\n"1"', 1700000000123],
    ['exception', 0, null, null, 'v1', 'a "view"', 'TypeError', 'it\'s "quoted" \u2028 \ud83d\ude00'],
  ]);
  assert.deepEqual(bodies, ['"n":1', '"message":"it\'s \\"quoted\\" \u2028 \ud83d\ude00"']);
  assert.ok(![...head].some((c) => c < ' '), 'no raw control character in the array: the first \x01 ends it');
  assert.equal(pending.take(), '', 'nothing left: an empty text, which the hub is not called for');
});
