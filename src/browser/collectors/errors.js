// JavaScript errors: the window's error events and unhandled promise rejections (captured
// before page handlers can stop them), as ARMS `exception` events; the facade's early ones too.

import { later } from '../pending.js';
import { listen } from '../hooks.js';
import { body, cut, get, isObj, num, str } from '../fields.js';

/** An Error-like value (an object with a string `message`) as [name, message, stack]. */
export function errorLike(v) {
  const m = isObj(v) ? str(get(v, 'message')) : undefined;
  return m === undefined ? undefined : [str(get(v, 'name')) || 'Error', m, str(get(v, 'stack')) || ''];
}

/** Any value as a developer reads it: Errors as `Name: message`, objects as JSON, the rest as `String(v)`. */
export function textOf(v) {
  if (typeof v === 'string') return v;
  const e = errorLike(v);
  if (e) return e[0] + ': ' + e[1];
  if (isObj(v)) {
    try { const j = JSON.stringify(v); if (typeof j === 'string') return j; } catch (_) { /* cyclic */ }
  }
  try { return String(v); } catch (_) { return ''; }
}

/** [name, message, stack] of any thrown value; `name` for what is not Error-like. */
const errorOf = (v, name) => errorLike(v) || [name, textOf(v), ''];

export function errorReport(source, [name, message, stack], location) {
  const o = { type: 'error', source, name, message: cut(message, 1000), stack: cut(stack, 4000) };
  if (location) { o.file = location[0]; o.line = location[1]; o.column = location[2]; }
  o.binary_images = {};
  return ['exception', body(o), source + '\n' + message + '\n' + stack, , , , name, message, stack];
}

/** The window's `error` event; null for a failed <img>/<script> load (a resource, not a JS error). */
export function errorEventReport(ev) {
  const message = str(get(ev, 'message'));
  if (message === undefined) return null;
  const err = get(ev, 'error');
  const e = isObj(err) ? errorOf(err, 'Error') : ['Error', message, ''];
  return errorReport('onError', e, [str(get(ev, 'filename')) || '', num(ev, 'lineno'), num(ev, 'colno')]);
}

export function rejectionReport(ev) {
  return errorReport('onUnhandledRejection', errorOf(get(ev, 'reason'), 'UnhandledRejection'));
}


/** An error or rejection the facade saw before the wasm was ready: queued like the others. */
export const earlyReport = (ev) => later(ev.reason === undefined && ev.promise === undefined ? errorEventReport : rejectionReport, ev);

export function install(hooks, undo) {
  undo.push(listen(false, 'error', true, (e) => later(errorEventReport, e)), listen(false, 'unhandledrejection', false, (e) => later(rejectionReport, e)));
}
