// The recorder: the page as rrweb events (rrweb's format: meta type 4, full snapshot type 2
// with the serialized node tree, incremental snapshots type 3 with a `source` per kind), so
// rrweb's player replays it and users can take the data elsewhere. Masking happens here, in
// the DOM walk, before any value leaves it:
// - what a user types is never recorded unless the level is 'allow';
// - password, e-mail, tel and card fields are masked at every level (a field once seen as a
//   password stays masked after a "show password" toggle);
// - `data-rum-privacy="allow|mask-user-input|mask|hidden"` on an element sets the level of
//   its subtree (an unknown value means 'mask': fail closed); 'hidden' becomes a placeholder
//   of the same size, and nothing inside it is observed.
// Constants from the replay products' settled figures: moves sampled every 50 ms and sent
// every 500 ms, scroll 100 ms, resize 200 ms; a mutation batch over 10,000 records is not
// diffed: a new full snapshot replaces it; attribute changes are rate-limited per element
// (PostHog's token bucket: 100, refilled 10 a second; inside an <svg> they count against it).
// Beyond the DOM: rules a script adds through the CSSOM (CSS-in-JS) and open shadow roots with
// their constructed style sheets, in rrweb's events (StyleSheetRule, isShadow/isShadowHost,
// AdoptedStyleSheet), and same-origin iframes' documents (attached to the iframe's node as
// rrweb does, observed like the page). Not recorded: cross-origin iframes, closed shadow roots,
// canvas pixels unless the page opts in (below).
// A canvas is recorded as an <img> of its size: in the player's sandbox, which runs no script
// (rrweb's canvas replay needs one that does), a canvas is only its fallback content and takes
// no room. With the page's opt-in (`o.canvas`) the image shows the canvas's pixels (WebP), and
// again, as a change of its `src`, when they change, at most `fps` times a second.

const META = 4;
const FULL = 2;
const INC = 3;
const MUTATION = 0;
const MOVE = 1;
const MOUSE = 2;
const SCROLL = 3;
const RESIZE = 4;
const INPUT = 5;
const TOUCH_MOVE = 6;
const MEDIA = 7;
const STYLE_RULE = 8;
const ADOPTED = 15;
const MASK = '***';
const LEVELS = ['allow', 'mask-user-input', 'mask', 'hidden'];
const ATTR = 'data-rum-privacy';
const MUTATION_STORM = 10000;
const ATTR_TOKENS = 100;
const ATTR_REFILL_MS = 100; // one token back every 100 ms
const CANVAS_MAX = 512 * 1024; // an image larger than this (as a data URL) is left out
const MOUSE_TYPES = { mouseup: 0, mousedown: 1, click: 2, contextmenu: 3, dblclick: 4, focus: 5, blur: 6, touchstart: 7, touchend: 9 };
const MEDIA_TYPES = { play: 0, pause: 1, seeked: 2, volumechange: 3, ratechange: 4 };
const MASKED_WHEN_MASK = /^(title|alt|placeholder|aria-label|aria-description|data-.*)$/;
const SENSITIVE_NAME = /pass|card|cc-?num|cvc|cvv|iban|ssn/i;

/**
 * Starts recording. `o.level`: the default privacy level; `o.url(u)`: a URL as it may leave
 * the page (secrets redacted); `emit(text, count, first, last, full)`: a batch of events, as
 * the inside of a JSON array. Returns { snapshot, flush, stop }.
 */
export function record(o, emit) {
  const doc = document;
  const dflt = o.level;
  const pw = new WeakSet();
  let ids = new WeakMap();
  let next = 1;
  let q = [];
  let full = false;
  let lastInput = new Map();
  let moves = [];
  let moveKind = MOVE;
  let lastMove = 0;
  let roots = [];
  let frames = [];
  const framed = new WeakSet();
  let attached = new WeakSet();
  const listened = new WeakSet();
  let sheetIds = new WeakMap();
  let nextSheet = 1;
  const buckets = new WeakMap();
  const off = [];
  const OBSERVED = { childList: true, subtree: true, attributes: true, characterData: true };
  const canvases = new Set();
  const drawn = new WeakMap(); // canvas -> the data URL last recorded

  const idOf = (n) => ids.get(n);
  const push = (type, data, t = Date.now()) => { q.push({ type, data, timestamp: t }); };
  const inc = (data) => push(INC, data);

  const own = (el) => {
    const v = el.getAttribute && el.getAttribute(ATTR);
    return v == null ? null : LEVELS.includes(v) ? v : 'mask';
  };
  // The level of a node already in the page: the nearest marked ancestor's (through shadow
  // hosts), or the default.
  const levelOf = (n) => {
    let el = n && (n.nodeType === 1 ? n : n.nodeType === 11 ? n.host : n.parentElement || (n.parentNode && n.parentNode.host));
    while (el) {
      const m = el.closest('[' + ATTR + ']');
      if (m) return own(m);
      el = el.getRootNode().host || el.ownerDocument.defaultView?.frameElement;
    }
    return dflt;
  };
  const sensitive = (el) => {
    if (el.localName !== 'input') return false;
    const t = (el.type || '').toLowerCase();
    if (t === 'password') pw.add(el);
    return pw.has(el) || t === 'email' || t === 'tel' || t === 'hidden'
      || /^cc-/i.test(el.autocomplete || '') || SENSITIVE_NAME.test((el.name || '') + ' ' + (el.id || ''));
  };
  const maskValue = (el, v, lvl) => (!v || (lvl === 'allow' && !sensitive(el)) ? v : MASK);
  // Text in a textarea or an editable element is what the user typed: masked unless allowed.
  const maskText = (t, lvl, parent) => {
    if (lvl !== 'allow' && parent && (parent.localName === 'textarea' || parent.isContentEditable)) return t && t.replace(/\S/g, 'x');
    return lvl === 'mask' ? t.replace(/\S/g, 'x') : t;
  };
  const absolute = (v) => {
    try { return o.url(new URL(v, doc.baseURI).href); } catch (_) { return v; }
  };
  // CSS as it may leave the page, wherever it is recorded (sheets, <style> text, rules added
  // through the CSSOM, adopted sheets, style attributes): each url(...) made absolute (the
  // player lives on another origin) and its secret parameters redacted like any URL.
  const css = (t, base = doc.baseURI) => t && t.replace(/url\((['"]?)([^'")]+)\1\)/g, (m, q, u) => {
    if (/^(data:|#)/.test(u)) return m;
    try { u = new URL(u, base).href; } catch (_) { /* kept as written */ }
    return 'url(' + q + o.url(u) + q + ')';
  });
  const cssText = (sheet) => {
    try {
      let t = '';
      for (const r of sheet.cssRules) t += r.cssText;
      return css(t, sheet.href || undefined);
    } catch (_) { return null; } // cross-origin: the link stays a link
  };

  const attrValue = (el, tag, name, v, lvl) => {
    if (name === 'value' && (tag === 'input' || tag === 'textarea' || tag === 'select')) return maskValue(el, el.value, lvl);
    if (name === 'value' && tag === 'option') return lvl === 'mask' ? v && MASK : v;
    if (lvl === 'mask' && name !== ATTR && MASKED_WHEN_MASK.test(name)) return v && MASK;
    if ((name === 'src' || name === 'href') && v && !/^(data:|#|javascript:)/i.test(v)) return absolute(v);
    return name === 'style' ? css(v) : v;
  };

  const attrs = (el, tag, lvl) => {
    const a = {};
    for (const { name, value } of el.attributes) {
      // Handlers never run in the player; scripts are not replayed.
      if (!/^on/i.test(name) && !(tag === 'script' && name === 'src')) a[name] = attrValue(el, tag, name, value, lvl);
    }
    if (tag === 'input' || tag === 'textarea' || tag === 'select') {
      const t = el.type;
      if (t === 'checkbox' || t === 'radio') {
        if (el.checked) a.checked = true;
      } else if (t !== 'file') {
        a.value = maskValue(el, el.value, lvl);
      }
    }
    if (tag === 'option' && el.selected && lvl === 'allow') a.selected = true;
    if ((tag === 'link' && /stylesheet/i.test(el.rel)) || (tag === 'style' && !el.textContent)) {
      const css = el.sheet && cssText(el.sheet);
      if (css != null) {
        a._cssText = css;
        if (tag === 'link') { delete a.href; delete a.rel; }
      }
    }
    return a;
  };

  // A node and its subtree, with new ids; null for what the format has no place for.
  const ser = (n, lvl, svg) => {
    let s;
    let kids = true;
    switch (n.nodeType) {
      case 9: s = { type: 0, childNodes: [] }; break;
      case 10: s = { type: 1, name: n.name, publicId: n.publicId, systemId: n.systemId }; kids = false; break;
      case 1: {
        const tag = n.localName;
        lvl = own(n) || lvl;
        svg = svg || tag === 'svg';
        if (lvl === 'hidden') {
          const r = n.getBoundingClientRect();
          s = { type: 2, tagName: tag, attributes: { rr_width: r.width + 'px', rr_height: r.height + 'px' }, childNodes: [], needBlock: true };
          kids = false;
        } else {
          if (n.localName === 'input') sensitive(n);
          s = { type: 2, tagName: tag, attributes: attrs(n, tag, lvl), childNodes: [] };
          if (tag === 'canvas') {
            const r = n.getBoundingClientRect();
            const a = s.attributes;
            s.tagName = 'img';
            a.style = (a.style ? a.style + ';' : '') + 'width:' + r.width + 'px;height:' + r.height + 'px';
            // Pixels only where text would be recorded as it is: never under 'mask'.
            if (o.canvas && lvl !== 'mask') {
              const u = pixels(n, true);
              if (u) a.src = u;
              canvases.add(n);
            }
          }
          if (tag === 'iframe') {
            // The player must not load the page itself: the document comes as an add (attach).
            const a = s.attributes;
            if (a.src) a.rr_src = a.src;
            delete a.src;
            delete a.srcdoc;
            frames.push(n);
          }
          kids = tag !== 'script' && tag !== 'noscript' && tag !== 'canvas' && !(tag === 'style' && s.attributes._cssText != null);
        }
        if (svg) s.isSVG = true;
        break;
      }
      case 3: {
        const p = n.parentNode;
        const ptag = p && p.localName;
        s = ptag === 'style'
          ? { type: 3, textContent: css(n.textContent), isStyle: true }
          : { type: 3, textContent: ptag === 'script' ? '' : maskText(n.textContent, lvl, p) };
        kids = false;
        break;
      }
      case 4: s = { type: 4, textContent: '' }; kids = false; break;
      case 8: s = { type: 5, textContent: '' }; kids = false; break;
      default: return null;
    }
    s.id = next++;
    ids.set(n, s.id);
    // A node of an iframe's document names that document (rrweb's rootId).
    if (n.ownerDocument && n.ownerDocument !== doc) s.rootId = idOf(n.ownerDocument);
    if (kids) {
      for (let c = n.firstChild; c; c = c.nextSibling) {
        const k = ser(c, lvl, svg);
        if (k) s.childNodes.push(k);
      }
      // An open shadow root: its nodes are the host's children marked isShadow (rrweb), and
      // the root stands for the host as a mutation target.
      const root = n.shadowRoot;
      if (root) {
        s.isShadowHost = true;
        ids.set(root, s.id);
        for (let c = root.firstChild; c; c = c.nextSibling) {
          const k = ser(c, lvl, svg);
          if (k) { k.isShadow = true; s.childNodes.push(k); }
        }
        roots.push(root);
      }
    }
    return s;
  };

  // Constructed sheets of the document or a shadow root, as rrweb's AdoptedStyleSheet: each
  // sheet gets a style id once, its rules go with its first use.
  const adopted = (owner, id) => {
    const list = owner.adoptedStyleSheets;
    if (!list || !list.length) return;
    const styles = [];
    const styleIds = list.map((sheet) => {
      let sid = sheetIds.get(sheet);
      if (!sid) {
        sheetIds.set(sheet, sid = nextSheet++);
        styles.push({ styleId: sid, rules: [...sheet.cssRules].map((r, index) => ({ rule: css(r.cssText), index })) });
      }
      return sid;
    });
    inc({ source: ADOPTED, id, styleIds, styles });
  };
  // Roots serialized since the last call: observed, their sheets recorded.
  const watchRoots = () => {
    for (const r of roots.splice(0)) {
      observer.observe(r, OBSERVED);
      adopted(r, idOf(r));
    }
  };
  // Same-origin iframes serialized since the last call: each loaded document once (again after
  // the frame navigates), as an add under the iframe's node (rrweb's isAttachIframe: the player
  // builds it whole into its iframe), then observed and listened to like the page.
  const attachFrames = () => {
    for (const el of frames.splice(0)) {
      if (!framed.has(el)) {
        framed.add(el);
        const reload = () => { try { frames.push(el); attachFrames(); } catch (_) { /* never into the page */ } };
        el.addEventListener('load', reload);
        off.push(() => el.removeEventListener('load', reload));
      }
      let d = null;
      try { d = el.contentDocument; } catch (_) { /* cross-origin */ }
      const id = idOf(el);
      if (!d || !id || attached.has(d) || d.readyState === 'loading' || (d.URL === 'about:blank' && el.getAttribute('src'))) continue;
      attached.add(d);
      const lvl = levelOf(el);
      if (lvl === 'hidden') continue;
      const node = ser(d, lvl, false);
      inc({ source: MUTATION, adds: [{ parentId: id, nextId: null, node }], removes: [], texts: [], attributes: [], isAttachIframe: true });
      observer.observe(d, OBSERVED);
      if (!listened.has(d)) { listened.add(d); listen(d); }
      adopted(d, node.id);
    }
    watchRoots();
  };
  // A canvas's image as a data URL, or null (unreadable: drawn from another origin; too large;
  // unless `any`, the same as last time).
  const pixels = (c, any) => {
    let u = null;
    try { u = c.toDataURL('image/webp', o.canvas.quality); } catch (_) { /* tainted */ }
    if (!u || u.length > CANVAS_MAX || (!any && u === drawn.get(c))) return null;
    drawn.set(c, u);
    return u;
  };
  // Each recorded canvas whose pixels changed: its image's new `src`.
  const redraw = () => {
    for (const c of canvases) {
      const id = idOf(c);
      if (!c.isConnected || !id) { canvases.delete(c); continue; }
      const u = pixels(c);
      if (u) inc({ source: MUTATION, texts: [], attributes: [{ id, attributes: { src: u } }], removes: [], adds: [] });
    }
  };
  // Whether an attribute change of `el` may be recorded now (the per-element token bucket).
  const attrToken = (el) => {
    const k = el.ownerSVGElement || el;
    const t = Date.now();
    const b = buckets.get(k) || [ATTR_TOKENS, t];
    b[0] = Math.min(ATTR_TOKENS, b[0] + (t - b[1]) / ATTR_REFILL_MS);
    b[1] = t;
    buckets.set(k, b);
    return b[0] >= 1 && b[0]--;
  };

  // A batch to the wasm: the events as the inside of a JSON array (one string across).
  const flush = () => {
    if (moves.length) {
      const t = Date.now();
      inc({ source: moveKind, positions: moves.map((p) => ({ x: p.x, y: p.y, id: p.id, timeOffset: p.t - t })) });
      moves = [];
    }
    if (!q.length) return;
    const batch = q;
    const f = full;
    q = [];
    full = false;
    emit(JSON.stringify(batch).slice(1, -1), batch.length, batch[0].timestamp, batch[batch.length - 1].timestamp, f);
  };

  const snapshot = () => {
    flush();
    observer.takeRecords(); // the snapshot holds what they changed
    ids = new WeakMap();
    next = 1;
    lastInput = new Map();
    sheetIds = new WeakMap();
    nextSheet = 1;
    const t = Date.now();
    push(META, { href: o.url(location.href), width: innerWidth, height: innerHeight }, t);
    push(FULL, { node: ser(doc, dflt, false), initialOffset: { left: scrollX, top: scrollY } }, t);
    full = true;
    adopted(doc, 1);
    attached = new WeakSet();
    attachFrames();
    flush();
  };

  // An added subtree as one add per node: rrweb's player builds an add without its children.
  // Parents first, siblings last first, so that each node's parent and next sibling are there
  // when it is inserted (a shadow root's nodes follow the host's own: each group by itself).
  const flat = (node, parentId, nextId, adds) => {
    const kids = node.childNodes || [];
    adds.push({ parentId, nextId, node: kids.length ? { ...node, childNodes: [] } : node });
    for (let i = kids.length; i--;) {
      const k = kids[i];
      const nx = kids[i + 1];
      flat(k, node.id, nx && !nx.isShadow === !k.isShadow ? nx.id : null, adds);
    }
  };

  const hasAddedAncestor = (n, added) => {
    for (let p = n.parentNode; p; p = p.parentNode) if (added.has(p)) return true;
    return false;
  };

  const onMutations = (list) => {
    if (list.length > MUTATION_STORM) { snapshot(); return; }
    const removes = [];
    const adds = [];
    const added = new Set();
    const gone = new Set();
    const texts = new Set();
    const changed = new Map();
    let privacyChanged = false;
    for (const m of list) {
      const t = m.target;
      if (m.type === 'childList') {
        for (const n of m.removedNodes) {
          if (added.delete(n)) continue;
          const id = idOf(n);
          const pid = idOf(t);
          if (id && pid && !gone.has(id)) { gone.add(id); removes.push({ parentId: pid, id }); }
        }
        for (const n of m.addedNodes) added.add(n);
      } else if (m.type === 'characterData') {
        texts.add(t);
      } else if (m.attributeName === ATTR) {
        privacyChanged = true;
      } else if (attrToken(t)) {
        if (!changed.has(t)) changed.set(t, new Set());
        changed.get(t).add(m.attributeName);
      }
    }
    // A privacy level changed: the whole page again, masked by the new levels.
    if (privacyChanged) { snapshot(); return; }
    const tops = [...added].filter((n) => n.isConnected && idOf(n.parentNode) && !hasAddedAncestor(n, added));
    // Last in the document first: the next sibling of each add is then known to the player.
    tops.sort((a, b) => (a.compareDocumentPosition(b) & 4 ? 1 : -1));
    for (const n of tops) {
      const parent = n.parentNode;
      const lvl = levelOf(parent);
      if (lvl === 'hidden') continue; // nothing inside a hidden element is processed
      let nx = n.nextSibling;
      while (nx && !idOf(nx)) nx = nx.nextSibling;
      const node = ser(n, lvl, parent.namespaceURI === 'http://www.w3.org/2000/svg' && parent.localName !== 'foreignObject');
      if (node) {
        if (parent.nodeType === 11) node.isShadow = true;
        flat(node, idOf(parent), nx ? idOf(nx) : null, adds);
      }
    }
    const textOut = [];
    for (const t of texts) {
      const id = idOf(t);
      const lvl = id && t.isConnected && levelOf(t);
      if (lvl && lvl !== 'hidden') {
        const p = t.parentNode;
        textOut.push({ id, value: p && p.localName === 'style' ? css(t.textContent) : maskText(t.textContent, lvl, p) });
      }
    }
    const attrOut = [];
    for (const [el, names] of changed) {
      const id = idOf(el);
      const lvl = id && el.isConnected && levelOf(el);
      if (!lvl || lvl === 'hidden') continue;
      const a = {};
      for (const name of names) {
        if (/^on/i.test(name)) continue;
        const v = el.getAttribute(name);
        a[name] = v == null ? null : attrValue(el, el.localName, name, v, lvl);
      }
      attrOut.push({ id, attributes: a });
    }
    if (adds.length || removes.length || textOut.length || attrOut.length) {
      inc({ source: MUTATION, texts: textOut, attributes: attrOut, removes, adds });
    }
    attachFrames();
  };
  const observer = new MutationObserver((list) => { try { onMutations(list); } catch (_) { /* never into the page */ } });

  const on = (target, types, fn, opts = { capture: true, passive: true }) => {
    const h = (e) => { try { fn(e); } catch (_) { /* never into the page */ } };
    for (const t of types) {
      target.addEventListener(t, h, opts);
      off.push(() => target.removeEventListener(t, h, opts));
    }
  };
  const throttled = (ms, fn) => {
    const last = new Map();
    const timers = new Map();
    return (key, ...args) => {
      const t = Date.now();
      const wait = ms - (t - (last.get(key) || 0));
      if (wait <= 0) { last.set(key, t); fn(...args); return; }
      if (!timers.has(key)) {
        timers.set(key, setTimeout(() => { timers.delete(key); last.set(key, Date.now()); try { fn(...args); } catch (_) { /* ours */ } }, wait));
      }
    };
  };

  // The node an event happened on, inside open shadow roots too (e.target is the host there).
  const target = (e) => (e.composedPath ? e.composedPath()[0] : e.target);
  const onInput = (e) => {
    const el = target(e);
    const id = idOf(el);
    if (!id || !('value' in el)) return;
    const lvl = levelOf(el);
    if (lvl === 'hidden') return;
    const check = el.type === 'checkbox' || el.type === 'radio';
    const text = check ? '' : maskValue(el, el.value, lvl);
    const key = text + '|' + el.checked;
    // Masked typing repeats the same event: one is enough.
    if (lastInput.get(id) === key) return;
    lastInput.set(id, key);
    inc({ source: INPUT, text, isChecked: !!el.checked, id, userTriggered: !!e.isTrusted });
  };
  const onMove = (e) => {
    const t = Date.now();
    if (t - lastMove < 50) return;
    lastMove = t;
    const p = e.touches ? e.touches[0] : e;
    if (!p) return;
    moveKind = e.touches ? TOUCH_MOVE : MOVE;
    moves.push({ x: p.clientX, y: p.clientY, id: idOf(target(e)) || 0, t });
  };
  const onMouse = (e) => {
    const id = idOf(target(e));
    if (!id) return;
    const p = e.changedTouches ? e.changedTouches[0] : e;
    const d = { source: MOUSE, type: MOUSE_TYPES[e.type], id };
    if (p && p.clientX != null && e.view === window) { d.x = p.clientX; d.y = p.clientY; }
    inc(d);
  };
  const scrolled = throttled(100, (target) => {
    const w = target.defaultView; // a document's window (the page's, or an iframe's)
    const id = idOf(target);
    if (id) inc({ source: SCROLL, id, x: w ? w.scrollX : target.scrollLeft, y: w ? w.scrollY : target.scrollTop });
  });
  const resized = throttled(200, () => inc({ source: RESIZE, width: innerWidth, height: innerHeight }));
  const onMedia = (e) => {
    const el = e.target;
    const id = idOf(el);
    if (id && 'currentTime' in el) inc({ source: MEDIA, type: MEDIA_TYPES[e.type], id, currentTime: el.currentTime, volume: el.volume, muted: el.muted, playbackRate: el.playbackRate });
  };

  observer.observe(doc, OBSERVED);
  // Rules added or removed through the CSSOM change no node: the calls are recorded (rrweb's
  // StyleSheetRule), for sheets of an element the recording knows, and constructed sheets
  // already sent; a shadow root attached later is observed from then on.
  const CSS = CSSStyleSheet.prototype;
  const patch = (P, k, after) => {
    const f = P[k];
    if (typeof f !== 'function') return;
    P[k] = function (...a) {
      const r = f.apply(this, a);
      try { after(this, a, r); } catch (_) { /* never into the page */ }
      return r;
    };
    off.push(() => { P[k] = f; });
  };
  const ruleChange = (sheet, data) => {
    const id = sheet.ownerNode ? idOf(sheet.ownerNode) : null;
    const sid = sheetIds.get(sheet);
    if (id) inc({ source: STYLE_RULE, id, ...data });
    else if (sid) inc({ source: STYLE_RULE, styleId: sid, ...data });
  };
  patch(CSS, 'insertRule', (sheet, [rule], index) => ruleChange(sheet, { adds: [{ rule: css(String(rule), sheet.href || undefined), index }] }));
  patch(CSS, 'deleteRule', (sheet, [index]) => ruleChange(sheet, { removes: [{ index }] }));
  patch(Element.prototype, 'attachShadow', (host, _a, root) => {
    if (idOf(host)) { ids.set(root, idOf(host)); roots.push(root); watchRoots(); }
  });
  // Sheets adopted after the snapshot (web components adopt theirs right after attachShadow).
  for (const P of [Document.prototype, ShadowRoot.prototype]) {
    const d = Object.getOwnPropertyDescriptor(P, 'adoptedStyleSheets');
    if (d && d.set && d.configurable) {
      Object.defineProperty(P, 'adoptedStyleSheets', { ...d, set(v) { d.set.call(this, v); try { if (idOf(this)) adopted(this, idOf(this)); } catch (_) { /* never into the page */ } } });
      off.push(() => Object.defineProperty(P, 'adoptedStyleSheets', d));
    }
  }
  // The page's document and each recorded iframe's (whose pointer positions are the iframe's
  // own: its moves are left out, its clicks have no position).
  const listen = (d) => {
    on(d, ['input', 'change'], onInput);
    if (d === doc) on(d, ['mousemove', 'touchmove'], onMove);
    on(d, Object.keys(MOUSE_TYPES), onMouse);
    on(d, ['scroll'], (e) => scrolled(e.target, e.target));
    on(d, Object.keys(MEDIA_TYPES), onMedia);
  };
  listen(doc);
  // A value or check a script sets fires no event: the property's setter reports it too, while
  // recording (the page's own descriptor comes back on stop).
  for (const [C, k] of [[HTMLInputElement, 'value'], [HTMLInputElement, 'checked'], [HTMLTextAreaElement, 'value'], [HTMLSelectElement, 'value']]) {
    const P = C.prototype;
    const d = Object.getOwnPropertyDescriptor(P, k);
    if (d && d.set && d.configurable) {
      Object.defineProperty(P, k, { ...d, set(v) { d.set.call(this, v); try { onInput({ target: this }); } catch (_) { /* never into the page */ } } });
      off.push(() => Object.defineProperty(P, k, d));
    }
  }
  on(window, ['resize'], () => resized(0));
  if (o.canvas) {
    const t = setInterval(() => { try { redraw(); } catch (_) { /* never into the page */ } }, 1000 / o.canvas.fps);
    off.push(() => clearInterval(t));
  }
  snapshot();

  return {
    snapshot,
    flush,
    stop() {
      observer.disconnect();
      for (const f of off.splice(0)) f();
      q = [];
      moves = [];
    },
  };
}
