// Who is logged in, shown in the console's header, with the Admin link for admins of all apps
// and the logout button. The CSRF token from /api/auth/me goes with every change
// (window.rumAuth.send), as the collector refuses changes without it.
'use strict';

window.rumAuth = (() => {
  let me = null;
  const ready = fetch('/api/auth/me', { headers: { accept: 'application/json' } }).then(async (r) => {
    if (r.status === 401) {
      location.assign('login.html?next=' + encodeURIComponent(location.pathname) + location.hash);
      return null;
    }
    me = r.ok ? await r.json() : null;
    return me;
  });

  async function send(method, path, body) {
    await ready;
    const headers = { accept: 'application/json' };
    if (me && me.csrf) headers['x-csrf-token'] = me.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const out = await r.json().catch(() => ({}));
    if (!r.ok) throw Object.assign(new Error(out.error || 'HTTP ' + r.status), { status: r.status });
    return out;
  }

  function header(who) {
    const slot = document.getElementById('who');
    if (!slot || !who || who.auth === false) return;
    const name = document.createElement('span');
    name.dataset.testid = 'who';
    name.textContent = who.user + ' (' + who.role + (who.apps ? ': ' + who.apps.join(', ') : '') + ')';
    slot.append(name);
    if (who.role === 'admin' && !who.apps) {
      const a = document.createElement('a');
      a.href = 'admin.html';
      a.textContent = 'Admin';
      a.dataset.testid = 'admin-link';
      slot.append(' ', a);
    }
    const out = document.createElement('button');
    out.type = 'button';
    out.className = 'plain';
    out.textContent = 'Log out';
    out.dataset.testid = 'logout';
    out.addEventListener('click', async () => {
      try { await send('POST', '/api/auth/logout'); } finally { location.assign('login.html'); }
    });
    slot.append(' ', out);
  }

  ready.then(header);
  return { ready, send };
})();
