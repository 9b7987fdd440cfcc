// The console's login: posts the credentials, the collector answers with an HttpOnly session
// cookie, then back to the page that asked for a login (only a path on this origin).
'use strict';

function nextPage() {
  const n = new URLSearchParams(location.search).get('next') || '';
  const hash = location.hash || '';
  // "/x" but not "//host" or "/\host": never leave this origin.
  return /^\/(?![/\\])/.test(n) ? n + hash : '/console/' + hash;
}

document.getElementById('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const error = document.getElementById('error');
  error.textContent = '';
  const body = JSON.stringify({ user: document.getElementById('user').value, password: document.getElementById('password').value });
  let r;
  try {
    r = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  } catch (e) {
    error.textContent = 'The collector cannot be reached: ' + e.message;
    return;
  }
  if (r.ok) {
    location.assign(nextPage());
    return;
  }
  const msg = await r.json().catch(() => ({}));
  error.textContent = msg.error || 'HTTP ' + r.status;
});

// Already logged in (a link from another site arrives without the SameSite=Strict cookie, and
// lands here): straight back, no second login.
fetch('/api/auth/me', { headers: { accept: 'application/json' } }).then((r) => {
  if (r.ok) location.assign(nextPage());
}, () => {});
