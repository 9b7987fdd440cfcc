// User actions, as ARMS `action` events: clicks on something clickable, committed edits of a
// form field (`input`) and scrolls. An action is named by the element's text (never
// by what a user typed or chose), with its XPath and attributes. The element is read in the
// handler, before the page's own handler changes it; only plain facts are kept.

import { later } from '../pending.js';
import { listen, now } from '../hooks.js';
import { body, cut, pos } from '../fields.js';

const CLICKABLE = 'button,a,input,select,option,textarea,[role=button],[onclick]';

function xpath(el) {
  const parts = [];
  for (let n = el; n?.nodeType === 1; n = n.parentNode) {
    if (n.id) { parts.unshift('*[@id="' + n.id + '"]'); return '//' + parts.join('/'); }
    let i = 1;
    for (let s = n.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === n.tagName) i++;
    parts.unshift(n.tagName.toLowerCase() + '[' + i + ']');
  }
  return '/' + parts.join('/');
}

// What names an action. What a user typed or chose never does: a text-entry field (an input
// other than a button, a textarea, contenteditable), and any field whose value changed (`input`
// actions), give no value or text, only their developer-set label (aria-label, title,
// placeholder).
// `data-rum-action-name` on the element or an ancestor names the action outright;
// `data-rum-privacy="mask"|"hidden"` (the replay recorder's attribute) hides the text inside.
function label(t, el, edit) {
  const named = t.closest('[data-rum-action-name]');
  if (named) return named.getAttribute('data-rum-action-name');
  if (t.closest('[data-rum-privacy=mask],[data-rum-privacy=hidden]')) return '';
  const entry = edit || el.tagName === 'TEXTAREA' || t.isContentEditable || el.isContentEditable
    || (el.tagName === 'INPUT' && !/^(button|submit|reset|image)$/.test(el.type));
  return (entry ? '' : el.innerText || el.value) || el.getAttribute('aria-label') || el.title || el.placeholder || '';
}

// A click or an edit (`k` 'input'); `x`, `y` where on the page the pointer was. Only plain
// facts leave here: no element handle is kept.
function describe(ev, k) {
  const t = ev.target;
  const el = t?.closest?.(CLICKABLE);
  if (!el) return null;
  return {
    k,
    tag: el.tagName.toLowerCase(),
    // (Missing attributes stay null or undefined: the report leaves out what is falsy.)
    type: el.getAttribute('type'),
    text: label(t, el, k).trim(),
    id: el.id,
    name: el.getAttribute('name'),
    cls: typeof el.className === 'string' && el.className,
    href: el.href,
    src: el.src,
    x: ev.pageX,
    y: ev.pageY,
    xp: xpath(el),
    ts: performance.timeOrigin + ev.timeStamp,
    dur: Math.max(0, now() - ev.timeStamp),
  };
}

// A scroll: one action per gesture of the page or of a scrolling element (over when it has been
// still for 500 ms), when it moved 50 px or more from where the element's last gesture ended
// (or from the top); `x`, `y` are its scroll offsets at the end. Each gesture is an action of
// its own (no merging: its offsets are the point).
const STILL_MS = 500;
const MIN_PX = 50;
let gesture;   // [element, x, y, first timeStamp, last timeStamp, timer]
let ended = []; // [element, x, y] of the last gesture

// Scroll events come at frame rate: each only notes its time; one timer a gesture checks,
// and waits again for what is left, whether the element has been still long enough.
function scrolled(ev) {
  const t = ev.target;
  const el = t.scrollingElement || t;
  if (gesture && gesture[0] !== el) settle(1);
  if (!gesture) {
    gesture = ended[0] === el ? [...ended, ev.timeStamp] : [el, 0, 0, ev.timeStamp];
    gesture[5] = setTimeout(settle, STILL_MS);
  }
  gesture[4] = ev.timeStamp;
}

function settle(now) {
  const [el, x0, y0, t0, t1, timer] = gesture;
  const wait = t1 + STILL_MS - performance.now();
  if (!now && wait > 0) { gesture[5] = setTimeout(settle, wait); return; }
  const x = el.scrollLeft;
  const y = el.scrollTop;
  gesture = 0;
  clearTimeout(timer);
  ended = [el, x, y];
  if (Math.abs(x - x0) + Math.abs(y - y0) >= MIN_PX) {
    later(clickReport, {
      k: 'scroll', tag: el === document.scrollingElement ? 'page' : el.localName, id: el.id, cls: el.className,
      x, y, xp: xpath(el), ts: performance.timeOrigin + t0, dur: t1 - t0, one: 1,
    });
  }
}

// Reports built, by their facts: a burst's repeats (below) get the first one's.
const built = new WeakMap();

/** An action, from what `describe` (or `settle`) read off the element; built once per facts. */
export function clickReport(c) {
  if (built.has(c)) return built.get(c);
  const type = c.k || 'click';
  let name = type + ' on ' + (c.type ? c.type + '-' : '') + c.tag;
  const text = c.text;
  if (text) { const t = cut(text, 20); name += ': ' + t + (t.length < text.length ? '...' : ''); }
  const snap = {};
  for (const [k, v] of [['id', c.id], ['name', c.name], ['className', c.cls], ['href', c.href], ['src', c.src]]) if (v) snap[k] = cut(v, 300);
  snap.x = c.x;
  snap.y = c.y;
  const o = { type, name, target_name: c.xp, duration: pos(c.dur), snapshots: cut(JSON.stringify(snap), 1000) };
  const r = ['action', body(o), c.one ? 0 : type + '\n' + c.xp, Math.floor(c.ts)];
  built.set(c, r);
  return r;
}

// The target and facts of the last click. Clicked again before its report is built (a burst in
// one task), the element is not read again: the same facts are queued, and the report, built
// once, merges with the first as a repeat would (same name, XPath, attributes).
let last = [];

export function install(hooks, undo) {
  undo.push(
    listen(true, 'scroll', true, scrolled),
    listen(true, 'click', true, (e) => {
      if (last[0] === e.target && !built.has(last[1])) return later(clickReport, last[1]);
      const d = describe(e);
      if (d) later(clickReport, (last = [e.target, d])[1]);
    }),
    listen(true, 'change', true, (e) => { const d = describe(e, 'input'); if (d) later(clickReport, d); }),
  );
}
