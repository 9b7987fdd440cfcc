// The send worker (dist/rum-send.js): the SDK's live bundles, POSTed off the page's main thread
// (gzip first when the config says `compress`). A classic worker script with nothing to
// import: send_worker.js starts it from the SDK's own directory. Each message [id, url, body,
// compress] is answered [id, status (0: a network error), retryAfterMs], transport.js's
// answer.
onmessage = async (e) => {
  let [id, url, body, compress] = e.data;
  let headers;
  try {
    if (compress) {
      body = await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).blob();
      headers = { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain;charset=UTF-8' };
    }
  } catch (_) { /* no CompressionStream: as it is */ }
  // The referrer is the worker's script (same-origin, no query), under the policy it was served
  // with: a cross-origin endpoint sees the page's origin by default, as from the page; never
  // the page's URL, whose query may hold a secret.
  fetch(url, { method: 'POST', body, headers })
    // Retry-After in seconds (what our collector and most servers send); an HTTP date counts as none.
    .then((r) => postMessage([id, r.status, r.headers.get('Retry-After') * 1000 || 0]), () => postMessage([id, 0, 0]));
};
