// The session page's tabs next to the path: Path | Resources | Errors. Tabs are hash-free
// (switching keeps the URL of the session) and keyboard-usable buttons.
'use strict';
/* exported sessionTabs */
/* global h, resourcesTab, errorsTab */

// `path` is the rendered path section; `show(e)` opens an event in the details pane.
function sessionTabs(data, path, show) {
  const pages = Array.isArray(data.pages) ? data.pages : [];
  const events = pages.flatMap((p) => (Array.isArray(p.events) ? p.events : []).filter((e) => e && typeof e === 'object')
    .map((e) => Object.assign({ page: (typeof p.view_name === 'string' && p.view_name) || '(no view)' }, e)));
  const tabs = [['path', 'Path', () => path], ['resources', 'Resources', () => resourcesTab(events, show)], ['errors', 'Errors', () => errorsTab(events, show)]];
  const panel = h('div', { class: 'tab-panel' });
  const bar = h('div', { class: 'tabs', role: 'tablist' });
  const open = (key) => {
    for (const b of bar.children) b.setAttribute('aria-selected', String(b.dataset.tab === key));
    const t = tabs.find(([k]) => k === key);
    panel.replaceChildren(t[2]());
  };
  const count = { resources: events.filter((e) => e.event_type === 'resource').length, errors: events.filter((e) => e.is_error).length };
  for (const [key, label] of tabs) {
    bar.append(h('button', { type: 'button', class: 'tab', role: 'tab', 'data-tab': key, 'data-testid': 'tab-' + key, onclick: () => open(key) },
      label, count[key] != null ? h('span', { class: 'tag' }, count[key]) : null));
  }
  open('path');
  return h('section', {}, bar, panel);
}
