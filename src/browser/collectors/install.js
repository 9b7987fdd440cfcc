// Installs the collectors the config switches on: bit i of `on` is the i-th collector of the
// registry (registry.js, generated from collectors/mod.rs, where the bits are set). Each
// collector's `install(hooks, undo, evaluate)` notes what it patches in `hooks` (for `unhook`)
// and pushes what undoes the rest into `undo`; the vitals collector returns what takes its
// final report.

import { ALL } from './registry.js';
import { safe, unhook } from '../hooks.js';

/**
 * The handle's `stop()` puts back everything installed (a hook someone patched over stays
 * theirs); `vitals()` is the final web vitals report, once.
 */
export const install = safe((on, evaluate) => {
  const hooks = [];
  const undo = [() => unhook(hooks)];
  let vitals;
  ALL.forEach((f, i) => { if (on >> i & 1) vitals = f(hooks, undo, evaluate) || vitals; });
  return {
    stop() { for (const u of undo) try { u(); } catch (_) { /* gone */ } undo.length = 0; },
    vitals() { const v = vitals; vitals = 0; return v && v.take(); },
  };
});

/** The final web vitals report of an `install` handle, once, as a batch of one (JSON text, as `take`); never throws. */
export const finalVitals = safe((h) => JSON.stringify([h.vitals()]));
