// Session replay on the session page: rrweb's player (rrweb-player, served by the collector from
// vendor/, loaded on first use only) beside the session path, linked both ways:
//   - clicking an event in the path seeks the replay to that moment;
//   - while it plays, the page and the event at the playhead are marked in the path.
// The path's elements carry their time in data-ts (ms since epoch, the page's clock, the same
// clock as the recorded records). Works under `script-src 'self'`: no inline script, no eval.
'use strict';

window.rumReplay = (() => {
  // A click or a route change is recorded a moment before the DOM changes it causes: seeking to
  // an event lands this much later, so the replay shows what the event did.
  const AFTER_EVENT_MS = 250;
  let loading = null;

  function load() {
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const css = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: 'vendor/rrweb-player.css' });
        const js = Object.assign(document.createElement('script'), { src: 'vendor/rrweb-player.js' });
        js.onload = () => {
          const m = window.rrwebPlayer;
          const Player = m && (m.Player || m.default || m);
          if (typeof Player === 'function') resolve(Player);
          else reject(new Error('vendor/rrweb-player.js did not define the player'));
        };
        js.onerror = () => { loading = null; reject(new Error('could not load the replay player (vendor/rrweb-player.js)')); };
        document.head.append(css, js);
      });
    }
    return loading;
  }

  function note(target, cls, text) {
    const p = document.createElement('p');
    p.className = cls;
    p.textContent = text;
    target.replaceChildren(p);
  }

  // The last element of `list` whose data-ts is at or before `t`.
  function at(list, t) {
    let found = null;
    for (const el of list) {
      const ts = Number(el.dataset.ts);
      if (ts <= t) found = el; else break;
    }
    return found;
  }

  function mark(els, cls, el) {
    if (els.current === el) return;
    if (els.current) els.current.classList.remove(cls);
    els.current = el;
    if (el) el.classList.add(cls);
  }

  // Segments missing from the store: `seq` counts up from 0 within a page load, so after a
  // segment comes the next number or a new page load's 0.
  function missing(segments) {
    let n = 0, prev = null;
    for (const s of segments) {
      if (prev === null) n += s.seq;
      else if (s.seq > prev + 1) n += s.seq - prev - 1;
      else if (s.seq !== 0 && s.seq <= prev) n += 1;
      prev = s.seq;
    }
    return n;
  }

  // target: the element to play in; path: the session path's container; autoplay; seekTo: ms
  // epoch to start at.
  async function mount({ sessionId, target, path, autoplay, seekTo }) {
    note(target, 'muted', 'Loading replay…');
    let data, Player;
    try {
      const r = await fetch('/api/sessions/' + encodeURIComponent(sessionId) + '/replay', { headers: { accept: 'application/json' } });
      data = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
      Player = await load();
    } catch (e) {
      return note(target, 'error', 'Replay unavailable: ' + e.message);
    }
    // What the store holds is shown as far as it can be: malformed records and segments are skipped.
    const records = (Array.isArray(data.records) ? data.records : []).filter((r) => r !== null && typeof r === 'object' && Number.isFinite(r.timestamp));
    const segments = (Array.isArray(data.segments) ? data.segments : []).filter((g) => g !== null && typeof g === 'object' && Number.isInteger(g.seq));
    // The player needs a full snapshot to draw anything; say so instead of a white frame.
    const first = records.findIndex((r) => r.type === 2);
    if (first < 0 || records.length < 2) {
      return note(target, 'error', 'This replay cannot be played: it has no full page snapshot (its first segments were not received).');
    }
    const events = records.slice(Math.max(0, first - 1));
    const start = events[0].timestamp;
    const width = Math.max(280, target.clientWidth - 2);
    target.replaceChildren();
    const gaps = missing(segments);
    if (gaps) {
      note(target, 'muted', `${gaps} segment${gaps > 1 ? 's' : ''} of this recording did not reach the collector: the replay may jump there.`);
      target.firstChild.dataset.testid = 'replay-gaps';
    }
    let player;
    try {
      player = new Player({
        target,
        props: { events, width, height: Math.round(width * 0.62), autoPlay: false, skipInactive: true, speedOption: [1, 2, 4], showController: true },
      });
    } catch (e) {
      return note(target, 'error', 'Replay cannot be played: ' + e.message);
    }
    target.dataset.start = String(start);
    target.dataset.segments = String(segments.length);

    const eventEls = [...path.querySelectorAll('[data-testid="path-event"][data-ts]')].sort((a, b) => a.dataset.ts - b.dataset.ts);
    const pageEls = [...path.querySelectorAll('[data-testid="path-page"][data-ts]')].sort((a, b) => a.dataset.ts - b.dataset.ts);
    const nowEvent = { current: null }, nowPage = { current: null };
    let playing = false;
    const follow = (offset) => {
      const t = start + offset;
      target.dataset.time = String(Math.round(t));
      mark(nowEvent, 'now', at(eventEls, t));
      mark(nowPage, 'now', at(pageEls, t));
    };
    player.addEventListener('ui-update-current-time', (e) => follow(e.payload));
    player.addEventListener('ui-update-player-state', (e) => { playing = e.payload === 'playing'; target.dataset.state = e.payload; });
    const seek = (t, li) => {
      const offset = Math.max(0, t - start);
      player.goto(offset, playing);
      follow(offset);
      if (li) mark(nowEvent, 'now', li);
    };
    // Capture phase: the path's own click handler (event details) still runs.
    path.addEventListener('click', (ev) => {
      const li = ev.target.closest('[data-testid="path-event"][data-ts]');
      if (li) seek(Number(li.dataset.ts) + AFTER_EVENT_MS, li);
    }, true);
    if (seekTo) seek(seekTo);
    else follow(0);
    if (autoplay) player.play();
    return player;
  }

  return { mount };
})();
