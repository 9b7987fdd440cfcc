// npm entry: `import armsRum from 'rum-wasm'`. The .wasm is found next to this file through
// `new URL(..., import.meta.url)`, which bundlers (Vite, webpack 5, esbuild, Rollup) resolve as
// an asset with no plugin. Override with `init({ wasmUrl })`.
import { createArmsRum } from './facade.js';

const armsRum = createArmsRum(() => new URL('./rum_wasm_bg.wasm', import.meta.url));

export { armsRum };
export default armsRum;
