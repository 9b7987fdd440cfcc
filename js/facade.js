// The armsRum object: ARMS's API over the wasm SDK. As thin as it can be: it loads the wasm on
// init(), queues calls made before it is ready, buffers errors thrown before that, and marshals
// the config (functions and RegExps included) to JSON. Everything decidable lives in Rust.
// By name, so that the bundler drops the glue's unused exports (initSync, ...). Besides `start`,
// the API goes through `hub(kind, data)` (kinds: src/browser/kinds.rs, read from the generated constants.js).
import { finishInit, getImports, hub, remoteLocal, remoteStart, setupReplay, start as wasmStart, traceStart, wasmMemory } from '../pkg/rum_wasm.js';
import { EARLY, FLUSH, GET_CONFIG, OPT_IN, OPT_OUT, REPLAY, SEND, SESSION_ID, SET_CONFIG } from '../src/browser/constants.js';

const TAG = '[rum-wasm] ';

// Fetches and instantiates the .wasm: compiled from the whole buffer, whatever MIME type the
// server sends (streaming compilation gains nothing measurable at 48 KB, and its fallback for
// a wrong MIME type cost page bytes).
async function load(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error('HTTP ' + r.status + ' for ' + r.url);
  const w = await WebAssembly.instantiate(await r.arrayBuffer(), getImports());
  finishInit(w.instance, w.module);
}
const EARLY_MAX = 20;

export function createArmsRum(locateWasm) {
  const fns = [];           // the config's functions; Rust calls them by index
  const calls = [];         // API calls made before the wasm is ready
  const early = [];         // errors and rejections seen before the wasm is ready
  let state = 0;            // 0 idle, 1 loading, 2 running, 3 off
  let config;
  let resolveReady;
  const ready = new Promise((r) => { resolveReady = r; });

  const onEarly = (e) => { if (early.length < EARLY_MAX) early.push(e); };
  const g = globalThis.window; // undefined outside a page (SSR, a worker)
  if (g) {
    g.addEventListener('error', onEarly, true);
    g.addEventListener('unhandledrejection', onEarly);
  }
  const stopEarly = () => {
    if (!g) return;
    g.removeEventListener('error', onEarly, true);
    g.removeEventListener('unhandledrejection', onEarly);
  };

  const encode = (value) => JSON.stringify(value, (_k, v) => {
    if (typeof v === 'function') {
      let i = fns.indexOf(v);
      if (i < 0) i = fns.push(v) - 1;
      return { $fn: i };
    }
    if (v instanceof RegExp) return { $re: v.source, $flags: v.flags };
    return v;
  });
  const decode = (text) => JSON.parse(text, (_k, v) => {
    if (v && typeof v === 'object') {
      if (typeof v.$fn === 'number') return fns[v.$fn];
      if (typeof v.$re === 'string') { try { return new RegExp(v.$re, v.$flags || ''); } catch (_) { return v.$re; } }
    }
    return v;
  });

  // hub(kind, data) now when ready, queued while loading, nothing when off (`name` is for the
  // message). Never throws.
  const call = (name, kind, data) => {
    if (state === 2) {
      try { return hub(kind, data); } catch (e) { console.warn(TAG + name + ' failed: ' + e); }
    } else if (state < 2 && calls.length < 1000) {
      calls.push([name, kind, data]);
    }
  };

  const fail = (err) => {
    state = 3;
    calls.length = 0;
    early.length = 0;
    stopEarly();
    const text = String(err?.message || err);
    console.warn(/Content.Security.Policy|unsafe-eval|CSP/i.test(text)
      ? TAG + "WebAssembly is blocked by this page's Content-Security-Policy: add 'wasm-unsafe-eval' to script-src (and the endpoint to connect-src) to enable RUM. The page is not affected."
      : TAG + 'could not load the SDK (' + text + '); RUM is off for this page. The page is not affected.');
    resolveReady(false);
  };

  const start = async (cfg) => {
    let ok;
    try {
      const url = cfg?.wasmUrl || locateWasm();
      setupReplay(cfg, url);
      // Trace propagation's header builder, for pages whose config has `tracing`: loaded beside
      // the .wasm, there before the first request is hooked.
      const tracing = cfg.tracing && traceStart();
      await load(url);
      // What the browser says of the screen and the viewport, in the bundle's `device` (which
      // ARMS fills from the config only: the config's own fields win).
      const device = { screen: screen.width + 'x' + screen.height, viewport: innerWidth + 'x' + innerHeight, ...cfg.device };
      let text = encode({ ...cfg, device });
      // Remote config's rules load only for pages that use it, before the start: a fresh
      // cached remote config applies from the first event.
      if (cfg.remoteConfig) text = await remoteStart(text, url);
      await tracing;
      ok = wasmStart(text, fns, hub);
    } catch (e) {
      fail(e);
      return;
    }
    state = ok ? 2 : 3;
    stopEarly();
    if (ok) {
      for (const e of early.splice(0)) call('captureEarly', EARLY, e);
      for (const c of calls.splice(0)) call(...c);
    } else {
      calls.length = 0;
    }
    resolveReady(ok);
  };

  const errorLike = (e) => (e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : e);
  const send = (kind) => (payload) => {
    let text;
    try { text = encode(errorLike(payload)); } catch (e) { console.warn(TAG + 'payload could not be serialised: ' + e); return; }
    call('send', SEND + kind, text === undefined ? 'null' : text);
  };

  // Global context (Datadog's and OpenObserve's name): one key of the config's `properties`;
  // `undefined` removes it (the config travels as JSON, which leaves such a key out).
  const context = (key, value) => {
    const p = { ...armsRum.getConfig()?.properties };
    p[key] = value;
    armsRum.setConfig('properties', p);
  };

  const armsRum = {
    version: '__VERSION__',
    ready,
    init(cfg) {
      if (state !== 0) { console.warn(TAG + 'init() was called again and ignored; use setConfig() to change the config'); return armsRum; }
      if (!cfg || typeof cfg !== 'object') { console.warn(TAG + 'init() needs a config object; the SDK stays off'); return armsRum; }
      state = 1;
      config = cfg;
      // After the caller's script, not inside it: init() itself costs the page nothing (the
      // wasm's fetch and compile start a microtask later and run off the main thread).
      Promise.resolve(cfg).then(start);
      return armsRum;
    },
    getConfig() {
      if (state === 2) {
        try { const t = hub(GET_CONFIG); if (t) return decode(t); } catch (_) { /* fall through */ }
      }
      return config;
    },
    setConfig(key, value) {
      const next = typeof key === 'string' ? { ...armsRum.getConfig(), [key]: value } : key;
      if (!next || typeof next !== 'object') { console.warn(TAG + 'setConfig() needs a key and value, or a config object'); return; }
      let text;
      try { text = encode(next); } catch (e) { console.warn(TAG + 'config could not be serialised: ' + e); return; }
      config = next;
      remoteLocal(text);
      call('setConfig', SET_CONFIG, text);
    },
    // Extensions beyond ARMS, on top of setConfig: the user (setConfig('user')'s session rule: a
    // login continues the visit, a logout keeps it, another user starts a new session) and
    // global context properties.
    setUser: (user) => armsRum.setConfig('user', user),
    clearUser: () => armsRum.setConfig('user', {}),
    setGlobalContextProperty: context,
    removeGlobalContextProperty: (key) => context(key),
    sendCustom: send(0),
    sendException: send(1),
    sendResource: send(2),
    sendView: send(3),
    sendEvent: send(4),
    flush() { call('flush', FLUSH); },
    optOut() { call('optOut', OPT_OUT); },
    optIn() { call('optIn', OPT_IN); },
    startSessionReplayRecording(o) { call('replay', o?.force ? REPLAY + 2 : REPLAY + 1); },
    stopSessionReplayRecording() { call('replay', REPLAY); },
    getSessionId() { return state === 2 && hub(SESSION_ID) || ''; },
    wasmMemoryBytes() { return state === 2 ? wasmMemory().buffer.byteLength : 0; },
  };
  return armsRum;
}
