// The demo shop: a tiny history-mode SPA that exercises what rum-wasm collects.
(function () {
  var rum = window.RumSDK.default;
  var log = function (msg) { var el = document.getElementById('log'); el.textContent = new Date().toISOString().slice(11, 23) + ' ' + msg + '\n' + el.textContent; };
  var titles = { '/demo/': 'Home', '/demo/cart': 'Cart', '/demo/checkout': 'Checkout' };
  var render = function () { document.getElementById('title').textContent = titles[location.pathname] || location.pathname; };
  var go = function (path) { history.pushState({}, '', path); render(); log('route → ' + path); };

  document.querySelectorAll('[data-route]').forEach(function (a) {
    a.addEventListener('click', function (e) { e.preventDefault(); go(a.getAttribute('data-route')); });
  });
  window.addEventListener('popstate', render);
  render();

  // ?slow=N: a hidden frame that answers after N ms holds the page's load event (a slow load).
  var slow = Number(new URLSearchParams(location.search).get('slow'));
  if (slow > 0) {
    var frame = document.createElement('iframe');
    frame.hidden = true;
    frame.src = '/demo-api/slow?ms=' + slow;
    document.body.appendChild(frame);
  }

  var user = document.getElementById('username');
  var userId = document.getElementById('userid');
  user.value = localStorage.getItem('demo_user') || '';
  userId.value = localStorage.getItem('demo_user_id') || '';
  document.getElementById('login').addEventListener('click', function () {
    localStorage.setItem('demo_user', user.value);
    localStorage.setItem('demo_user_id', userId.value);
    rum.setConfig('user', userId.value ? { name: user.value, id: userId.value } : { name: user.value });
    log('logged in as ' + user.value + (userId.value ? ' (' + userId.value + ')' : ''));
  });

  var on = function (id, f) { document.getElementById(id).addEventListener('click', f); };
  on('buy', function () { log('bought'); });
  on('api-ok', function () { fetch('/api/health').then(function (r) { log('GET /api/health → ' + r.status); }); });
  on('api-fail', function () { fetch('/demo-api/checkout', { method: 'POST', body: '{}' }).then(function (r) { log('POST /demo-api/checkout → ' + r.status); }); });
  on('xhr', function () { var x = new XMLHttpRequest(); x.open('GET', '/api/health?via=xhr'); x.onload = function () { log('XHR → ' + x.status); }; x.send(); });
  on('throw', function () { setTimeout(function () { throw new Error('demo: checkout button exploded'); }); log('threw'); });
  on('reject', function () { Promise.reject(new Error('demo: payment promise rejected')); log('rejected'); });
  on('busy', function () { var end = performance.now() + 200; while (performance.now() < end) { /* busy */ } log('busy 200 ms'); });
  on('api-slow', function () { fetch('/demo-api/slow?ms=2500').then(function (r) { log('GET /demo-api/slow → ' + r.status); }); });
  on('custom', function () { rum.sendCustom({ type: 'demo', name: 'coupon-applied', value: 10 }); log('sendCustom'); });

  rum.ready.then(function (ok) { document.getElementById('sid').textContent = ok ? rum.getSessionId() || '(sampled out)' : '(SDK off)'; });
})();
