// Single-page navigation: history.pushState / replaceState, popstate and hashchange tell the
// Rust side that the URL may have changed (it decides whether that is a new view).

import { hub } from '../transport.js';
import { ROUTE } from '../constants.js';
import { listen, patch, toHub } from '../hooks.js';

function hookHistory(out) {
  for (const name of ['pushState', 'replaceState']) {
    patch(out, window.history, name, (orig) => function () {
      const r = orig.apply(this, arguments);
      try { hub(ROUTE, null); } catch (_) { /* ours only */ }
      return r;
    });
  }
}

export function install(hooks, undo) {
  hookHistory(hooks);
  const route = toHub(ROUTE);
  undo.push(listen(false, 'popstate', false, route), listen(false, 'hashchange', false, route));
}
