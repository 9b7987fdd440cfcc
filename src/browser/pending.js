// The hot path's rule: a page's event handler or wrapped call only records facts. The reports
// are built later, all of a task's at once, and cross into the wasm together: one
// `hub(1, [report, ...])` per batch instead of a crossing, a JSON build and an event per click
// or request inside the page's own handler (what users feel as INP). The Rust side pulls what is
// pending (`take`) before anything else it does, so order is kept: a click queued before a
// route change is stamped with the view it happened on, and nothing is left out of a flush.

import { hub } from './transport.js';

// [build, facts, build, facts, ...]: flat, no object per entry.
const queue = [];
let timer = 0;
// API calls that ended and wait for their resource timing entry (the browser adds it when the
// body is done): [due time, build, facts, ...], finished early at page exit.
const waiting = [];
let waitTimer = 0;

// The view the page is on, as `[null, id, name]` (the shape of the hub's trace answer): set by
// the Rust side whenever it changes, read by calls and long tasks as they start.
export let view = [];
export function setView(id, name) { view = [null, id, name]; }

const tick = () => {
  timer = 0;
  try { const r = take(false); if (r.length) hub(1, r); } catch (_) { /* ours only */ }
};

/** Queues `build(facts)` for the next task (or the next pull by the Rust side). */
export function later(build, facts) {
  queue.push(build, facts);
  if (!timer) timer = setTimeout(tick, 0);
}

/**
 * Queues `build(facts)` for `ms` from now, or when the page is hidden or left if that comes
 * first. One timer serves them all, at most one run per `ms`/2: a burst of calls does not arm
 * a timer each.
 */
export function after(ms, build, facts) {
  waiting.push(performance.now() + ms, build, facts);
  if (!waitTimer) waitTimer = setTimeout(due, ms, ms);
}

function due(ms) {
  waitTimer = 0;
  const t = performance.now() + 1;
  while (waiting.length && waiting[0] <= t) { waiting.shift(); later(waiting.shift(), waiting.shift()); }
  if (waiting.length) waitTimer = setTimeout(due, Math.max(waiting[0] - t, ms / 2), ms);
}

/**
 * Builds every queued report (and, when the page is hidden or left, the waiting ones too);
 * returns them as an array for the hub. A builder that throws or returns nothing adds nothing.
 */
export function take(exit) {
  if (exit && waiting.length) {
    clearTimeout(waitTimer);
    waitTimer = 0;
    while (waiting.length) { waiting.shift(); queue.push(waiting.shift(), waiting.shift()); }
  }
  const out = [];
  // A builder may call back into a hook (the page's parseResourceName logging an error):
  // what it queues is taken in this same loop.
  for (let i = 0; i + 1 < queue.length; i += 2) {
    try { const r = queue[i](queue[i + 1]); if (r) out.push(r); } catch (_) { /* ours only */ }
  }
  queue.length = 0;
  return out;
}
