// The send worker (dist/rum-send.js): the SDK's live bundles, POSTed off the page's main thread
// (gzip first when the config says `compress`). A classic worker script with nothing to
// import: send_worker.js starts it from the SDK's own directory. Each message [id, url, body,
// compress, referrer] is answered [id, status (0: a network error), retryAfterMs], transport.js's
// answer.
onmessage = async (e) => {
  let [id, url, body, compress, referrer] = e.data;
  let headers;
  try {
    if (compress) {
      body = await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).blob();
      headers = { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain;charset=UTF-8' };
    }
  } catch (_) { /* no CompressionStream: as it is */ }
  // A worker's requests carry no referrer of their own: the page's, as from the page.
  fetch(url, { method: 'POST', body, headers, referrer })
    // Retry-After in seconds (what our collector and most servers send); an HTTP date counts as none.
    .then((r) => postMessage([id, r.status, r.headers.get('Retry-After') * 1000 || 0]), () => postMessage([id, 0, 0]));
};
