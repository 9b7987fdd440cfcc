// Script-tag build: defines `window.RumSDK = { default: armsRum }` as ARMS's browser bundle does,
// and initialises at once from `window.__rum` when the page set it, so an ARMS snippet works
// unchanged. The .wasm is loaded from beside this script unless `__rum.wasmUrl` says otherwise.
import { createArmsRum } from './facade.js';

const script = document.currentScript;
const base = script?.src || location.href;
const armsRum = createArmsRum(() => new URL('rum_wasm_bg.wasm', base));

window.RumSDK = { default: armsRum, armsRum };
if (window.__rum) armsRum.init(window.__rum);
