// The Admin page: users (role, app scope) and API tokens, through /api/admin/*. Values are put
// in the page as text. New passwords and token secrets are shown once, as the CLI does.
'use strict';

const { send } = window.rumAuth;
const $ = (id) => document.getElementById(id);
const apps = (s) => { const a = String(s || '').split(',').map((x) => x.trim()).filter(Boolean); return a.length ? a : null; };
const shortTime = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function cell(...children) {
  const td = document.createElement('td');
  td.append(...children);
  return td;
}
function button(label, onClick, testid) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'plain';
  b.textContent = label;
  if (testid) b.dataset.testid = testid;
  b.addEventListener('click', onClick);
  return b;
}
function row(...tds) {
  const tr = document.createElement('tr');
  tr.append(...tds);
  return tr;
}
function fail(e) { $('error').textContent = e.message; }
function notice(text) {
  $('notice').hidden = !text;
  $('notice').textContent = text || '';
}

async function load() {
  $('error').textContent = '';
  let users, tokens;
  try { [users, tokens] = await Promise.all([send('GET', '/api/admin/users'), send('GET', '/api/admin/tokens')]); } catch (e) { return fail(e); }
  $('users').replaceChildren(...users.map((u) => {
    const tr = row(cell(u.name), cell(u.role), cell(u.apps ? u.apps.join(', ') : 'all'), cell(shortTime(u.created_ms)),
      cell(button(u.role === 'admin' ? 'Make viewer' : 'Make admin', () => change(u, u.role === 'admin' ? 'viewer' : 'admin')),
        ' ', button('Apps…', () => scope(u)), ' ', button('Remove', () => remove(u.name), 'remove-user')));
    tr.dataset.testid = 'user-row';
    tr.dataset.user = u.name;
    return tr;
  }));
  $('tokens').replaceChildren(...tokens.map((t) => {
    const tr = row(cell(t.id), cell(t.label), cell(t.user), cell(t.apps ? t.apps.join(', ') : "user's"), cell(shortTime(t.created_ms)),
      cell(button('Revoke', () => revoke(t.id), 'revoke-token')));
    tr.dataset.testid = 'token-row';
    return tr;
  }));
}

async function change(u, role) {
  try { await send('PUT', '/api/admin/users/' + encodeURIComponent(u.name), { role, apps: u.apps }); } catch (e) { return fail(e); }
  load();
}
async function scope(u) {
  const v = prompt('Apps (pids, comma-separated) for ' + u.name + '; empty for all apps', u.apps ? u.apps.join(', ') : '');
  if (v === null) return;
  try { await send('PUT', '/api/admin/users/' + encodeURIComponent(u.name), { role: u.role, apps: apps(v) }); } catch (e) { return fail(e); }
  load();
}
async function remove(name) {
  if (!confirm('Remove ' + name + ' and their tokens?')) return;
  try { await send('DELETE', '/api/admin/users/' + encodeURIComponent(name)); } catch (e) { return fail(e); }
  load();
}
async function revoke(id) {
  try { await send('DELETE', '/api/admin/tokens/' + encodeURIComponent(id)); } catch (e) { return fail(e); }
  load();
}

$('add-user').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  const body = { name: f.name.value.trim(), role: f.role.value, apps: apps(f.apps.value) };
  if (f.password.value) body.password = f.password.value;
  let out;
  try { out = await send('POST', '/api/admin/users', body); } catch (e) { return fail(e); }
  ev.target.reset();
  notice(out.password ? `Password of ${out.user.name} (shown once): ${out.password}` : `Added ${out.user.name}.`);
  load();
});

$('add-token').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  let out;
  try { out = await send('POST', '/api/admin/tokens', { user: f.user.value.trim(), label: f.label.value, apps: apps(f.apps.value) }); } catch (e) { return fail(e); }
  ev.target.reset();
  notice(`Token ${out.token.id} for ${out.token.user} (shown once; send it as "Authorization: Bearer …"): ${out.secret}`);
  load();
});

load();
