// Shortens the wasm's import/export names and the JS glue's references to them.
//
// wasm-bindgen names every import `__wbg_<name>_<16 hex hash>` in a module "./rum_wasm_bg.js";
// those names sit in both the .wasm and the glue, and random hex does not compress. wasm-opt
// renames them (module "a", names "A", "B", …) and prints the mapping; this applies it to the
// glue. It also trims glue code this SDK never runs, and exports what js/facade.js needs to
// load the wasm itself. Usage: node scripts/minify-wasm-names.mjs <mapping.json> <glue.js>
import fs from 'node:fs';

const [mapFile, glueFile] = process.argv.slice(2);
const map = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
let js = fs.readFileSync(glueFile, 'utf8');
const GLUE = './rum_wasm_bg.js';
const count = (re) => (js.match(re) || []).length;

// Code paths of the glue this SDK never takes, removed by exact text (the build fails when a
// wasm-bindgen upgrade changes one: check the new glue, then update the pattern).
function edit(from, to, times = 1) {
  const n = typeof from === 'string' ? js.split(from).length - 1 : count(from);
  if (n !== times) throw new Error(`glue edit: expected ${times} match(es), found ${n}: ${from}`);
  js = js.replaceAll(from, to);
}
// Catching imports: `function() { return handleError(function (...) {...}, arguments); }`
// 14 times; handleError becomes the wrapper maker (it was always called without `this`).
const catching = count(/function\(\) \{ return handleError\(function \(/g);
edit('function() { return handleError(function (', 'catching(function (', catching);
edit('}, arguments); },', '}),', catching);
// The catch body differs with reference types (externref table) and without (JS heap array).
// Without catching imports (none today: our own JS catches), wasm-bindgen emits no handleError.
edit(/function handleError\(f, args\) \{\n {4}try \{\n {8}return f\.apply\(this, args\);\n {4}\} catch \(e\) \{\n([^]*?)\n {4}\}\n\}/g,
  'const catching = (f) => function () {\n    try {\n        return f.apply(this, arguments);\n    } catch (e) {\n$1\n    }\n};', catching ? 1 : 0);
// Every string goes in with the same malloc and realloc: the function reads them itself
// (wasm-bindgen's encode-only branch, for callers without realloc, goes).
const passes = count(/passStringToWasm0\(/g) - 1;
edit(/passStringToWasm0\((\w+), wasm\.__wbindgen_malloc, wasm\.__wbindgen_realloc\)/g, 'passStringToWasm0($1)', passes);
edit(`function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }
`, `function passStringToWasm0(arg) {
    const malloc = wasm.__wbindgen_malloc, realloc = wasm.__wbindgen_realloc;
`);
// A polyfill for browsers that cannot run this wasm anyway (it needs bulk memory and multi-value:
// Chrome 85, Firefox 78, Safari 15, all of which have TextEncoder.encodeInto).
edit(`
if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}
`, '');
// A grown memory has a new buffer (the old one is detached): comparing buffers says it all.
edit(`cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)`,
  'cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer !== wasm.memory.buffer');

// Imports of our own snippets that need no glue (no `catch`, plain arguments) go to the wasm
// straight from the snippet's namespace object; they join the one minified module as
// `"<short>": importN.<name>`, and the snippet modules leave the imports object.
const direct = map.imports.filter(([m]) => m !== GLUE);
if (direct.length) {
  const extra = direct.map(([m, from, to]) => {
    const ns = js.match(new RegExp('import \\* as (import\\d+) from "' + m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '"'));
    if (!ns) throw new Error('no namespace import for ' + m);
    return JSON.stringify(to) + ': ' + ns[1] + '.' + from + ',';
  }).join('\n        ');
  const before = js;
  js = js.replace(/\n {4}\};\n {4}return \{\n {8}__proto__: null,\n/, (m) => '\n        ' + extra + m);
  if (js === before) throw new Error('imports object not found in the glue');
  js = js.replace(/\n {8}"\.\/snippets\/[^"]+": import\d+,/g, '');
}

for (const [, from, to] of map.imports.filter(([m]) => m === GLUE)) {
  // Import names carry a hash: unique, safe to replace as whole words.
  const re = new RegExp('\\b' + from + '\\b', 'g');
  if (!count(re)) throw new Error('import not found in the glue: ' + from);
  js = js.replace(re, JSON.stringify(to));
}
// Imports the wasm no longer has (wasm-opt removed their last caller) are not in the map and
// keep their long names: their glue goes. Only whole entries of the imports object match.
const unused = /\n {8}(__wbg\w+|__wbindgen\w+): function\([^)]*\) \{\n[^]*?\n {8}\},/g;
js = js.replace(unused, '');
// `"name": function` after the replacement above; quoted keys are fine in an object literal.
js = js.replace(/"\.\/rum_wasm_bg\.js"/g, '"a"');
for (const [from, to] of map.exports) {
  const re = new RegExp('\\bwasm\\.' + from + '\\b', 'g');
  js = js.replace(re, 'wasm[' + JSON.stringify(to) + ']');
}
if (/\bwasm\.(?!memory\b)[A-Za-z_]\w*/.test(js)) {
  const left = js.match(/\bwasm\.[A-Za-z_]\w*/g).filter((n) => !map.exports.some(([f]) => n === 'wasm.' + f));
  if (left.length) throw new Error('exports left unmapped in the glue: ' + [...new Set(left)].join(', '));
}
// The facade loads the wasm itself (js/facade.js `load`: one fetch, instantiateStreaming, the
// same MIME fallback) with the glue's imports object and its finishing step, so the glue's own
// loaders (`__wbg_init`, `__wbg_load`, `initSync`) are left unused and the bundler drops them.
for (const f of ['__wbg_get_imports', '__wbg_finalize_init']) {
  if (!new RegExp('\\nfunction ' + f + '\\(').test(js)) throw new Error('glue function not found: ' + f);
}
js += '\nexport { __wbg_get_imports as getImports, __wbg_finalize_init as finishInit };\n';
fs.writeFileSync(glueFile, js);
