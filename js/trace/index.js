// Trace propagation's headers (dist/rum-trace.js), imported by the API hooks
// (src/browser/collectors/api.js) only on pages whose config has `tracing`. Which request is
// traced, and with which headers, the core decides (core::tracing::decide); this file makes
// them: the ids, the sampling flag, each propagator's format. Kept out of the core page, where
// it cost about 0.5 KB gzip of wasm that pages without tracing carried.

// The bits of the core's answer, generated from src/core/tracing.rs. (SW8's is not read: sw8
// needs a base64 service/instance encoding that no backend of ours reads yet.)
import { B3, B3MULTI, BAGGAGE, JAEGER, TRACECONTEXT, TRACESTATE } from './bits.js';

const hex = (bytes) => Array.from(bytes, (b) => (b | 256).toString(16).slice(1)).join('');

/**
 * `answer`: the core's JSON text `[bits, pid, session id, uid]`; `sample`: the tracing sample
 * in %. Returns the trace the request starts: `h` the headers to add, `id` trace id, `span`
 * span id, `s` sampled (what the report's trace_id and trace_data say), or nothing.
 */
export function build(answer, sample) {
  const [bits, pid, sid, uid] = JSON.parse(answer);
  const r = crypto.getRandomValues(new Uint8Array(24));
  // W3C trace id: never all zero (ARMS forces the 1st and 17th hex digits non-zero).
  r[0] |= 16;
  r[8] |= 16;
  const id = hex(r.subarray(0, 16));
  const span = hex(r.subarray(16));
  const s = sample >= 100 || Math.random() * 100 < sample;
  const f = s ? '1' : '0';
  const h = {};
  if (bits & TRACECONTEXT) {
    h.traceparent = `00-${id}-${span}-0${f}`;
    if (bits & TRACESTATE) h.tracestate = `rum=v2&browser&${pid}&${sid}&${uid}`;
  }
  if (bits & B3) h.b3 = `${id}-${span}-${f}`;
  if (bits & B3MULTI) {
    h['X-B3-TraceId'] = id;
    h['X-B3-SpanId'] = span;
    h['X-B3-Sampled'] = f;
  }
  if (bits & JAEGER) h['uber-trace-id'] = `${id}:${span}:0:${f}`;
  if (bits & BAGGAGE) h.baggage = `rum=v2,appType=browser,pid=${pid},sid=${sid},uid=${uid}`;
  for (const _ in h) return { h, id, span, s };
}
