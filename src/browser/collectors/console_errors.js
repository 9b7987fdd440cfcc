// console.error: what the page logs as an error, reported as an ARMS exception with source
// `console.error`.

import { later } from '../pending.js';
import { before } from '../hooks.js';
import { errorLike, errorReport, textOf } from './errors.js';

/** `console.error(...args)`: an Error as itself, anything else as the whole line. */
export function consoleReport(args) {
  if (!args.length) return null;
  return errorReport('console.error', errorLike(args[0]) || ['ConsoleError', args.map(textOf).join(' '), '']);
}


// console.error, with whatever it was given.
export function install(hooks) {
  before(hooks, window.console, 'error', function () {
    later(consoleReport, [...arguments]);
  });
}
