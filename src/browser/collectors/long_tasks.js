// Long tasks: stalls of the main thread (Long Animation Frames where the browser has them, else
// long tasks), reported as ARMS `longTask` events with the view they happened on.

import { later, view } from '../pending.js';
import { observe, observed, safe } from '../hooks.js';
import { body, get, num, r3, str } from '../fields.js';

const MIN_LONG_TASK = 150;

/**
 * A stall of one or more long frames; null under 150 ms. Its 5 slowest scripts as a snapshot;
 * `id` and `name` are the view's (`v`: the hub's `[headers, view id, view name]`), as ARMS
 * sends them.
 */
export function longTaskReport(t, v) {
  const duration = t.end - t.start;
  if (!(duration >= MIN_LONG_TASK)) return null;
  const scripts = t.scripts.slice().sort((a, b) => num(b, 'duration') - num(a, 'duration')).slice(0, 5)
    .map((s) => ({ sourceURL: str(get(s, 'sourceURL')) || '', sourceFunctionName: str(get(s, 'sourceFunctionName')) || '', invokerType: str(get(s, 'invokerType')) || '', duration: r3(num(s, 'duration')) }));
  const o = { id: str(get(v, 1)), name: str(get(v, 2)), type: 'fps', source: t.source, duration: r3(duration), fps: Math.floor(1000 / (duration / Math.max(t.frames, 1)) + 0.5), snapshots: JSON.stringify(scripts) };
  return ['longTask', body(o)];
}

// Long Animation Frames (or long tasks): frames less than a frame apart are one stall; a stall
// is reported 200 ms after it ends.
export function install(hooks, undo) {
  let seq = null;
  let timer = 0;
  const emit = () => { const s = seq, v = view; seq = null; if (s) later(() => longTaskReport(s, v)); };
  const add = (e, source) => {
    const end = e.startTime + e.duration;
    if (seq && e.startTime - seq.end < 17) {
      seq.end = Math.max(seq.end, end); seq.frames++;
    } else {
      emit();
      seq = { source, start: e.startTime, end, frames: 1, scripts: [] };
    }
    if (e.scripts) seq.scripts.push(...e.scripts);
    clearTimeout(timer);
    timer = setTimeout(safe(emit), 200);
  };
  observed(undo, observe('long-animation-frame', (list) => { for (const e of list) add(e, 'LoAF'); })
    || observe('longtask', (list) => { for (const e of list) add(e, 'longtask'); }));
}
