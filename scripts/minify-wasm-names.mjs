// Shortens the wasm's import/export names and the JS glue's references to them, on the glue's
// syntax tree (acorn). Saves 1,872 bytes gzip of the page (32,448 with it, 34,320 without,
// measured 2026-12-03), so it stays.
//
// wasm-bindgen names every import `__wbg_<name>_<16 hex hash>` in a module "./rum_wasm_bg.js";
// those names sit in both the .wasm and the glue, and random hex does not compress. wasm-opt
// renames them (module "a", names "A", "B", …) and prints the mapping; this applies it to the
// glue. It also trims glue code this SDK never runs, and exports what js/facade.js needs to
// load the wasm itself. Each step finds its node by shape and throws, naming the step, when the
// glue no longer has that shape (a wasm-bindgen upgrade): check the new glue, then update the
// step. tests/tools/minify-glue.test.mjs holds the shapes.
//   node scripts/minify-wasm-names.mjs <mapping.json> <glue.js>
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';

const GLUE = './rum_wasm_bg.js';

/** Every node below `node` (depth first), with its parent. */
function* walk(node, parent = null) {
  yield [node, parent];
  for (const key of Object.keys(node)) {
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === 'string') yield* walk(c, node);
    } else if (v && typeof v.type === 'string' && key !== 'loc') {
      yield* walk(v, node);
    }
  }
}

const keyName = (p) => (p.key.type === 'Identifier' ? p.key.name : p.key.value);
const isWasmMember = (n, name) => n.type === 'MemberExpression' && !n.computed && n.object.type === 'Identifier'
  && n.object.name === 'wasm' && (name === undefined || n.property.name === name);

/** The glue with the mapping applied; throws `glue shape changed: <step>` when a step finds nothing. */
/** `glue`: the glue's own module, './rum_wasm_bg.js' for the SDK, './rum_replay_bg.js' for the replay wasm. */
export function minifyGlue(js, map, glue = GLUE) {
  const ast = parse(js, { ecmaVersion: 'latest', sourceType: 'module' });
  const edits = []; // [start, end, text], applied from the end
  const edit = (start, end, text) => edits.push([start, end, text]);
  const src = (n) => js.slice(n.start, n.end);
  const fail = (step) => { throw new Error('glue shape changed: ' + step); };
  const exported = new Map(map.exports);
  /** `wasm.<name>` as the minified glue says it: `wasm["K"]`. */
  const wasmRef = (name) => {
    if (!exported.has(name)) fail('export ' + name + ' not in the mapping');
    return `wasm[${JSON.stringify(exported.get(name))}]`;
  };
  const fn = (name) => ast.body.find((s) => s.type === 'FunctionDeclaration' && s.id.name === name);
  /** Removes a property of an object literal with its comma. */
  const dropProperty = (p) => edit(p.start, js[p.end] === ',' ? p.end + 1 : p.end, '');

  // Catching imports (`handleError`): none, our own JS catches (src/browser/js.rs). One would
  // cost a wrapper per call; a build that has one stops here.
  if (fn('handleError')) fail('a catching import (handleError) appeared: see src/browser/js.rs');

  // Every string goes in one way: encoded natively, copied into one malloc. (The glue's own
  // loop copies ASCII a character at a time in JS and reallocates for anything else; a batch
  // of reports is one long text, which the native encoder does several times faster, and the
  // function is 60 bytes shorter. wasm-bindgen's encode-only branch goes with it.)
  const pass = fn('passStringToWasm0');
  const [first] = pass?.body.body ?? [];
  if (pass?.params.length !== 3 || first?.type !== 'IfStatement' || src(first.test) !== 'realloc === undefined') {
    fail('passStringToWasm0(arg, malloc, realloc) { if (realloc === undefined) ... }');
  }
  edit(pass.params[0].end, pass.body.end, `) {
    const buf = cachedTextEncoder.encode(arg);
    const ptr = ${wasmRef('__wbindgen_malloc')}(buf.length, 1) >>> 0;
    getUint8ArrayMemory0().set(buf, ptr);
    WASM_VECTOR_LEN = buf.length;
    return ptr;
}`);
  let passes = 0;
  for (const [n] of walk(ast)) {
    if (n.type === 'CallExpression' && n.callee.name === 'passStringToWasm0' && n.arguments.length === 3
      && isWasmMember(n.arguments[1], '__wbindgen_malloc') && isWasmMember(n.arguments[2], '__wbindgen_realloc')) {
      edit(n.arguments[0].end, n.arguments[2].end, '');
      passes++;
    }
  }
  if (!passes) fail('passStringToWasm0(x, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc) calls');

  // A polyfill for browsers that cannot run this wasm anyway (it needs bulk memory and
  // multi-value: Chrome 85, Firefox 78, Safari 15, all of which have TextEncoder.encodeInto).
  const polyfill = ast.body.find((s) => s.type === 'IfStatement' && src(s.test) === "!('encodeInto' in cachedTextEncoder)");
  if (!polyfill) fail("if (!('encodeInto' in cachedTextEncoder)) polyfill");
  edit(polyfill.start, polyfill.end, '');

  // A grown memory has a new buffer (the old one is detached): comparing buffers says it all.
  // (A glue whose functions return nothing through memory has no data view: the remote-config one.)
  if (fn('getDataViewMemory0')) {
    const dv = fn('getDataViewMemory0').body.body[0];
    if (dv?.type !== 'IfStatement' || !src(dv.test).includes('.buffer.detached')) fail('getDataViewMemory0 detached check');
    edit(dv.test.start, dv.test.end, `cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer !== ${wasmRef('memory')}.buffer`);
  }

  // The imports object: `const import0 = { __proto__: null, <name>: function ..., }` and
  // `return { __proto__: null, "./rum_wasm_bg.js": import0, "<snippet>": importN }`.
  const getImports = fn('__wbg_get_imports');
  const decl = getImports?.body.body.find((s) => s.type === 'VariableDeclaration' && s.declarations[0].id.name === 'import0');
  const own = decl?.declarations[0].init;
  const ret = getImports?.body.body.find((s) => s.type === 'ReturnStatement')?.argument;
  if (own?.type !== 'ObjectExpression' || ret?.type !== 'ObjectExpression') fail('__wbg_get_imports: import0 and the returned object');
  const modules = ret.properties.filter((p) => p.type === 'Property' && keyName(p) !== '__proto__');
  const glueModule = modules.find((p) => keyName(p) === glue && p.value.name === 'import0');
  if (!glueModule) fail(`"${glue}": import0 in the returned imports`);

  // Imports of our own snippets that need no glue (no `catch`, plain arguments) go to the wasm
  // straight from the snippet's namespace object: they join the one minified module as
  // `"<short>": importN.<name>`, and the snippet modules leave the imports object.
  const direct = map.imports.filter(([m]) => m !== glue);
  const extra = direct.map(([m, from, to]) => {
    const ns = ast.body.find((s) => s.type === 'ImportDeclaration' && s.source.value === m
      && s.specifiers[0]?.type === 'ImportNamespaceSpecifier');
    if (!ns) fail('import * as importN from "' + m + '"');
    return `\n        ${JSON.stringify(to)}: ${ns.specifiers[0].local.name}.${from},`;
  }).join('');
  for (const p of modules) if (p !== glueModule) dropProperty(p);
  // The glue's own imports get their short names; the ones the wasm no longer has (wasm-opt
  // removed their last caller: not in the map) go.
  const short = new Map(map.imports.filter(([m]) => m === glue).map(([, from, to]) => [from, to]));
  const seen = new Set();
  for (const p of own.properties) {
    const name = p.type === 'Property' ? keyName(p) : null;
    if (name === '__proto__') continue;
    if (short.has(name)) {
      edit(p.key.start, p.key.end, JSON.stringify(short.get(name)));
      seen.add(name);
    } else if (/^__wbg|^__wbindgen/.test(name)) {
      dropProperty(p);
    } else {
      fail('unexpected entry in import0: ' + name);
    }
  }
  const missing = [...short.keys()].filter((n) => !seen.has(n));
  if (missing.length) fail('imports not found in the glue: ' + missing.join(', '));
  const last = own.properties.at(-1);
  edit(js[last.end] === ',' ? last.end + 1 : last.end, js[last.end] === ',' ? last.end + 1 : last.end,
    (js[last.end] === ',' ? '' : ',') + extra);
  edit(glueModule.key.start, glueModule.key.end, '"a"');

  // Exports by their short names: `wasm.hub` becomes `wasm["K"]` (outside the code replaced
  // above, which is written with the short names already).
  const replaced = edits.filter(([start, end]) => end > start);
  const left = new Set();
  for (const [n] of walk(ast)) {
    if (!isWasmMember(n) || replaced.some(([start, end]) => n.start >= start && n.end <= end)) continue;
    if (exported.has(n.property.name)) edit(n.start, n.end, wasmRef(n.property.name));
    else left.add(n.property.name);
  }
  if (left.size) fail('exports left unmapped in the glue: ' + [...left].join(', '));

  // The facade loads the wasm itself (js/facade.js `load`: one fetch, instantiateStreaming, the
  // same MIME fallback) with the glue's imports object and its finishing step, so the glue's own
  // loaders (`__wbg_init`, `__wbg_load`, `initSync`) are left unused and the bundler drops them.
  if (!fn('__wbg_finalize_init')) fail('function __wbg_finalize_init');

  edits.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  let out = js;
  let limit = Infinity;
  for (const [start, end, text] of edits) {
    if (end > limit) fail('overlapping edits at ' + start);
    out = out.slice(0, start) + text + out.slice(end);
    limit = start;
  }
  // The linear memory, for the facade's wasmMemoryBytes() (its export name is minified).
  return out + '\nexport { __wbg_get_imports as getImports, __wbg_finalize_init as finishInit };\n'
    + `export const wasmMemory = () => ${wasmRef('memory')};\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mapFile, glueFile] = process.argv.slice(2);
  const map = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
  fs.writeFileSync(glueFile, minifyGlue(fs.readFileSync(glueFile, 'utf8'), map, './' + glueFile.split('/').pop().replace(/\.js$/, '_bg.js')));
}
