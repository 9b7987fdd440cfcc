// scripts/minify-wasm-names.mjs on a glue of wasm-bindgen 0.2.130's shape (trimmed from a real
// one): what it rewrites, and that each change of shape stops the build naming the step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'acorn';
import { minifyGlue } from '../../scripts/minify-wasm-names.mjs';

const SNIPPET = './snippets/rum-wasm-0123456789abcdef/src/browser/store.js';
const GLUE = `import { storeGet } from '${SNIPPET}';
import * as import1 from "${SNIPPET}"

export function hub(kind, data) {
    const ret = wasm.hub(+kind, addHeapObject(data));
    return takeObject(ret);
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg___wbindgen_is_falsy_d864b623500ae65d: function(arg0) {
            const ret = !getObject(arg0);
            return ret;
        },
        __wbg_gone_0000000000000000: function(arg0) {
            takeObject(arg0);
        },
        __wbg___wbindgen_string_get_7ce8eee7fd327545: function(arg0, arg1) {
            var ptr1 = passStringToWasm0(getObject(arg1), wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            getDataViewMemory0().setInt32(arg0, ptr1, true);
        },
    };
    return {
        __proto__: null,
        "./rum_wasm_bg.js": import0,
        "${SNIPPET}": import1,
    };
}
let cachedDataViewMemory0 = null;
function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}
function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        return malloc(buf.length, 1) >>> 0;
    }
    let ptr = malloc(arg.length, 1) >>> 0;
    return realloc(ptr, arg.length, arg.length, 1) >>> 0;
}
const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        return { read: arg.length, written: 0 };
    };
}
let wasm;
function __wbg_finalize_init(instance, module) {
    wasm = instance.exports;
    return wasm;
}
`;
const MAP = {
  imports: [
    ['./rum_wasm_bg.js', '__wbg___wbindgen_is_falsy_d864b623500ae65d', 'A'],
    ['./rum_wasm_bg.js', '__wbg___wbindgen_string_get_7ce8eee7fd327545', 'B'],
    [SNIPPET, 'storeGet', 'C'],
  ],
  exports: [['memory', 'D'], ['hub', 'E'], ['__wbindgen_malloc', 'F'], ['__wbindgen_realloc', 'G']],
};

test('the glue gets the short names, loses what the SDK never runs, and still parses', () => {
  const out = minifyGlue(GLUE, MAP);
  parse(out, { ecmaVersion: 'latest', sourceType: 'module' });
  assert.match(out, /"A": function\(arg0\)/);
  assert.match(out, /"B": function\(arg0, arg1\)/);
  assert.match(out, /"C": import1\.storeGet,/, 'a plain snippet import goes to the wasm directly');
  assert.doesNotMatch(out, /__wbg_gone_/, 'an import the wasm no longer has goes');
  assert.doesNotMatch(out, /"\.\/snippets\/[^"]+": import1/, 'the snippet module leaves the imports object');
  assert.match(out, /"a": import0/);
  assert.match(out, /wasm\["E"\]\(\+kind/);
  assert.match(out, /passStringToWasm0\(getObject\(arg1\)\)/);
  assert.match(out, /function passStringToWasm0\(arg\) \{\n {4}const buf = cachedTextEncoder\.encode\(arg\);\n {4}const ptr = wasm\["F"\]\(buf\.length, 1\) >>> 0;/);
  assert.doesNotMatch(out, /realloc|encodeInto|detached/);
  assert.match(out, /cachedDataViewMemory0\.buffer !== wasm\["D"\]\.buffer\)/);
  assert.match(out, /new DataView\(wasm\["D"\]\.buffer\)/);
  assert.match(out, /export \{ __wbg_get_imports as getImports, __wbg_finalize_init as finishInit \};\nexport const wasmMemory = \(\) => wasm\["D"\];\n$/);
  assert.doesNotMatch(out, /\bwasm\.\w/, 'no export keeps its long name');
});

const changed = [
  ['passStringToWasm0 lost its encode-only branch', (g) => g.replace(/ {4}if \(realloc === undefined\) \{[^]*?\n {4}\}\n/, ''), /passStringToWasm0\(arg, malloc, realloc\)/],
  ['the encodeInto polyfill is gone', (g) => g.replace(/if \(!\('encodeInto'[^]*?\n\}\n/, ''), /encodeInto/],
  ['the memory check no longer reads `detached`', (g) => g.replaceAll('.buffer.detached', '.buffer.gone'), /detached check/],
  ['a catching import appeared', (g) => g + 'function handleError(f, args) { try { return f.apply(this, args); } catch (e) { } }\n', /handleError/],
  ['an export the mapping does not know', (g) => g.replace('return takeObject(ret);', 'wasm.fresh(); return takeObject(ret);'), /exports left unmapped in the glue: fresh/],
  ['an import of the mapping is missing', (g) => g.replace('__wbg___wbindgen_is_falsy_d864b623500ae65d', '__wbg___wbindgen_is_falsy_ffffffffffffffff'), /imports not found in the glue: __wbg___wbindgen_is_falsy_d864b623500ae65d/],
  ['the imports object is built another way', (g) => g.replace('const import0 = {', 'const imports = {'), /__wbg_get_imports/],
  ['the snippet is not a namespace import', (g) => g.replace(`import * as import1 from "${SNIPPET}"`, ''), /import \* as importN/],
];
for (const [what, change, step] of changed) {
  test(`a changed glue stops the build: ${what}`, () => {
    const g = change(GLUE);
    assert.notEqual(g, GLUE, 'the fixture has the shape this case changes');
    assert.throws(() => minifyGlue(g, MAP), (e) => /^glue shape changed: /.test(e.message) && step.test(e.message));
  });
}
