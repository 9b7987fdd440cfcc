// The hot path's rule: a page's event handler or wrapped call only records facts. The reports
// are built later, all of a task's at once, and cross into the wasm together as one JSON text
// (`hub(REPORT, '[[report], ...]')`) instead of a crossing, a JSON build and an event per click
// or request inside the page's own handler (what users feel as INP). One text, not an array the
// wasm reads field by field: each field read was a crossing and a string copy of its own, about
// half of the SDK's time per click (bench/profile.mjs). The Rust side pulls what is
// pending (`take`) before anything else it does, so order is kept: a click queued before a
// route change is stamped with the view it happened on, and nothing is left out of a flush.

import { hub } from './transport.js';
import { REPORT } from './constants.js';

// [build, facts, build, facts, ...]: flat, no object per entry.
const queue = [];
let timer = 0;
// API calls that ended and wait for their resource timing entry (the browser adds it when the
// body is done): [due time, build, facts, ...], finished early when the page is hidden or left.
const waiting = [];
let waitTimer = 0;

// The view the page is on, as `[null, id, name]` (the shape of the hub's trace answer): set by
// the Rust side whenever it changes, read by calls and long tasks as they start.
export let view = [];
export const setView = (id, name) => { view = [null, id, name]; };

/** Queues `build(facts)` for the next task (or the next pull by the Rust side). */
export function later(build, facts) {
  queue.push(build, facts);
  timer ||= setTimeout(() => {
    timer = 0;
    try { const r = take(); if (r) hub(REPORT, r); } catch (_) { /* ours only */ }
  });
}

/**
 * Queues `build(facts)` for `ms` from now (up to 100 ms later), or when the page is hidden or
 * left if that comes first. One timer serves them all, at most one run per 100 ms: a burst of
 * calls does not arm a timer each.
 */
export function after(ms, build, facts) {
  waiting.push(performance.now() + ms, build, facts);
  waitTimer ||= setTimeout(due, ms);
}

function due(exit) {
  waitTimer = clearTimeout(waitTimer);
  while (waiting.length && (exit || waiting[0] <= performance.now() + 1)) { waiting.shift(); later(waiting.shift(), waiting.shift()); }
  if (waiting.length) waitTimer = setTimeout(due, 100);
}

/**
 * Builds every queued report (and, when the page is hidden or left, the waiting ones too);
 * returns them as one text for the hub ('' when there are none): the JSON array of the reports
 * with each body taken out, then the bodies in order, each after a \x01. A body is JSON text
 * already (fields.js `body`), where a raw control character never occurs: written into the
 * array it was escaped again here and unescaped in the wasm, most of a batch's bytes (an API
 * call's timing_data) twice over. A builder that throws or returns nothing adds nothing.
 * (A builder may call back into a hook, the page's parseResourceName logging an error: what
 * it queues is taken in this same loop.)
 */
export function take(exit) {
  if (exit) due(1);
  const out = [];
  let bodies = '';
  for (let i = 0; i < queue.length; i += 2) {
    try {
      const r = queue[i](queue[i + 1]);
      if (r) { bodies += '\x01' + r[1]; r[1] = 0; out.push(r); }
    } catch (_) { /* ours only */ }
  }
  queue.length = 0;
  return out.length ? JSON.stringify(out) + bodies : '';
}
