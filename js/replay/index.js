// The lazy replay file (dist/rum-replay.js, with dist/rum_replay_bg.wasm beside it): the
// recorder and the replay wasm (segments and their delivery), imported by the core's loader
// (src/browser/replay.js) only when the core decides that this page records. The core decides
// the mode; `control` carries it out.
// captureFetch: the glue's copy of transport.js, the one the replay wasm sends with.
import { captureFetch, finishInit, getImports, rhub } from '../../pkg-replay/rum_replay.js';
import { REDACT } from '../../src/browser/constants.js';
// rhub kinds, generated from src/replay_api.rs.
import { CLEAR, EXIT, IDS, MODE, RECORDS, RELEASE, SETUP, TICK } from './kinds.js';
import { record } from './record.js';

const TAG = '[rum-wasm] ';
// How often the recorder hands its events over (and segments are checked for age).
const TICK_MS = 500;
const BUFFER_DEFAULT_S = 30;

let rec = null;
let mode = 0;
let ids = '';
let last = '';
let level = 'mask-user-input';
let bufferMs = BUFFER_DEFAULT_S * 1000;
let canvas = null; // { fps, quality } when `sessionReplayCanvas` asks for canvas pixels
let checkoutAt = 0;
let timer = 0;
let url;

const call = (kind, data) => { try { rhub(kind, data); } catch (_) { /* never into the page */ } };

/**
 * Loads the replay wasm (beside this file: `new URL(..., import.meta.url)`, which bundlers emit
 * as an asset) and reads the replay options; resolves to `control`. Rejects when the wasm
 * cannot load. `hub`: the core's, which redacts the URLs the recorder records.
 */
export async function boot(cfg, pageFetch, hub) {
  const f = pageFetch || fetch;
  const r = await f(new URL('./rum_replay_bg.wasm', import.meta.url));
  if (!r.ok) throw new Error('rum_replay_bg.wasm: HTTP ' + r.status);
  const w = await WebAssembly.instantiate(await r.arrayBuffer(), getImports());
  finishInit(w.instance, w.module);
  captureFetch(rhub, pageFetch);
  cfg = cfg || {};
  // A URL as it may leave the page: redacted by the core, by the bundles' rule and the config as
  // it is now; when the core cannot answer (busy or stopped), without its query and fragment.
  url = (u) => {
    let r;
    try { r = hub(REDACT, u); } catch (_) { /* fails closed */ }
    return typeof r === 'string' ? r : u.split(/[?#]/)[0];
  };
  const lvl = cfg.defaultPrivacyLevel;
  if (lvl != null && !['mask-user-input', 'mask', 'allow'].includes(lvl)) {
    console.warn(TAG + "defaultPrivacyLevel: '" + lvl + "' is not valid; using 'mask'");
    level = 'mask';
  } else if (lvl) {
    level = lvl;
  }
  const b = cfg.sessionReplayBuffer;
  if (typeof b === 'number') {
    if (b >= 5 && b <= 300) bufferMs = b * 1000;
    else console.warn(TAG + 'sessionReplayBuffer: ' + b + ' is not valid; using ' + BUFFER_DEFAULT_S);
  }
  // Canvas pixels, opt-in (their cost and what they may show): true, or { fps (1..12, default
  // 4), quality (0..1, default 0.4) } as PostHog settled them.
  const c = cfg.sessionReplayCanvas;
  if (c === true || (c && typeof c === 'object')) {
    const fps = c.fps ?? 4;
    const quality = c.quality ?? 0.4;
    if (fps >= 1 && fps <= 12 && quality >= 0 && quality <= 1) canvas = { fps, quality };
    else console.warn(TAG + 'sessionReplayCanvas: fps 1..12 and quality 0..1; canvas is not recorded');
  } else if (c != null && c !== false) {
    console.warn(TAG + 'sessionReplayCanvas: true or { fps, quality }; canvas is not recorded');
  }
  const endpoint = new URL(String(cfg.endpoint), location.href).href;
  const own = cfg.sessionReplayEndpoint ? new URL(String(cfg.sessionReplayEndpoint), location.href).href : '';
  // The pid and ids as JSON string literals: the wasm writes them into the segments as they are.
  call(SETUP, [endpoint, JSON.stringify(String(cfg.pid)), own]);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') exit(false); });
  addEventListener('pagehide', () => exit(true));
  addEventListener('error', onError);
  addEventListener('unhandledrejection', onError);
  return control;
}

function flush() { if (rec) rec.flush(); }

function exit(leaving) {
  flush();
  call(EXIT, leaving);
}

// Buffer mode: the seconds before the error go out, and buffering goes on from a new full
// snapshot (so the next error's upload is playable on its own).
function onError() {
  if (mode !== 1 || !rec) return;
  flush();
  call(RELEASE);
  snapshot();
}

function snapshot() {
  checkoutAt = Date.now() + bufferMs;
  rec.snapshot();
}

function tick() {
  flush();
  call(TICK);
  // Buffer mode keeps from the second-last full snapshot: one every `bufferMs` keeps at least
  // that many seconds, at most twice as many.
  if (mode === 1 && Date.now() >= checkoutAt) snapshot();
}

function stop(drop) {
  flush();
  call(CLEAR, drop);
  if (rec) rec.stop();
  rec = null;
  clearInterval(timer);
  mode = 0;
  ids = '';
}

/**
 * The core's decision: op 0 off, 1 buffer, 2 record (chosen), 3 record (forced), 8 opted out
 * (stop and drop what waits); `session`/`view`: the ids the segments belong to. Carried out
 * once the core's call has returned: the recorder asks the core to redact its URLs.
 */
const control = (...a) => queueMicrotask(() => apply(...a));

function apply(op, session, view) {
  try {
    // The core calls after every event: only changes count.
    const key = op + ' ' + session + ' ' + view;
    if (key === last) return;
    last = key;
    if (op === 0 || op === 8) return stop(op === 8);
    flush();
    // Buffer to recording (a forced start): what was buffered goes out first.
    if (mode === 1 && op !== 1) call(RELEASE);
    if (mode !== op) call(MODE, [op === 1, op === 3]);
    mode = op;
    const now = session + ' ' + view;
    if (now === ids && rec) return;
    ids = now;
    call(IDS, [JSON.stringify(session), JSON.stringify(view)]);
    // A new session or view starts with a full snapshot (taken at start, too).
    if (rec) {
      snapshot();
    } else {
      checkoutAt = Date.now() + bufferMs;
      rec = record({ level, url, canvas }, (text, count, first, last, full) => call(RECORDS, [text, count, first, last, full]));
      timer = setInterval(tick, TICK_MS);
    }
  } catch (e) {
    console.warn(TAG + 'session replay stopped: ' + e);
    stop(false);
  }
}
