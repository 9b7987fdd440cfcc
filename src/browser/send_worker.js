// The core's bundles leave from a worker while the page lives: a POST made by the page costs its
// main thread about 1 to 2 ms in this project's Chromium (the request's set-up and its answer,
// much the same for 1 KB or 27 KB), a bundle handed to a worker a tenth of that; the SDK's own
// sends were a third of its cost per API call. The worker also gzips (`compress`), off the page.
// It is dist/rum-send.js (js/send/), started at the first live send from the SDK's own
// directory: a same-origin script, which a Content-Security-Policy that lets the page load the
// SDK from 'self' lets run; no blob: URL. Where it cannot run (the SDK on another origin: the
// constructor throws; a CSP or a network error: an error event, and the bundle it held is sent
// from the page), bundles go from the page, uncompressed. A hidden or closing page sends from
// the page: keepalive and beacons outlive it, a worker not. A network error in the worker hands
// the sending back to the page for good.

import { done, files, post } from './transport.js';

// 0: not started; 1: cannot run; else the worker.
let worker = 0;
// The bundle the worker holds: one at a time (core::delivery keeps one live request in flight).
let held;
// From beside the .wasm (the script tag), or as the npm entry says (bundlers emit the file).
let make = (wasmUrl) => new Worker(new URL('rum-send.js', wasmUrl));

/** From the npm entry: starts the worker. */
export function sendWorker(f) { make = f; }

/** A bundle: transport.js `post`, from the worker when it can. */
export function sendBundle(url, body, mode, compress, id) {
  try {
    if (!mode && worker !== 1) {
      if (!worker) {
        worker = make(files.base);
        // A network error (status 0) from the worker: from then on the page sends (and retries).
        // A worker runs under the CSP its script was served with, not the page's: where that one
        // keeps it from the endpoint, its every send fails, and the page's would not.
        worker.onmessage = (e) => { if (!e.data[1]) worker = 1; done(...e.data); };
        worker.onerror = () => { worker = 1; post(...held); };
      }
      held = [url, body, 0, id];
      worker.postMessage([id, url, body, compress]);
      return false;
    }
  } catch (_) { worker = 1; }
  return post(url, body, mode, id);
}
