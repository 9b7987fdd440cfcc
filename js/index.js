// npm entry: `import armsRum from 'rum-wasm'`. The .wasm is found next to this file through
// `new URL(..., import.meta.url)`, which bundlers (Vite, webpack 5, esbuild, Rollup) resolve as
// an asset with no plugin. Override with `init({ wasmUrl })`.
// The replay recorder (dist/rum-replay.js and its .wasm) the same way: a dynamic import that
// bundlers split into a chunk loaded only by pages that record; remote config's rules likewise,
// for pages whose config has `remoteConfig`, and trace propagation's headers for `tracing`.
import { createArmsRum } from './facade.js';
import { remoteModule, replayModule, sendWorker, traceModule } from '../pkg/rum_wasm.js';

replayModule(() => import('./rum-replay.js'));
remoteModule(() => import('./rum-remote.js'));
traceModule(() => import('./rum-trace.js'));
sendWorker(() => new Worker(new URL('./rum-send.js', import.meta.url)));
const armsRum = createArmsRum(() => new URL('./rum_wasm_bg.wasm', import.meta.url));

export { armsRum };
export default armsRum;
