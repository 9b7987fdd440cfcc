// Shortens the wasm's import/export names and the JS glue's references to them.
//
// wasm-bindgen names every import `__wbg_<name>_<16 hex hash>` in a module "./rum_wasm_bg.js";
// those names sit in both the .wasm and the glue, and random hex does not compress. wasm-opt
// renames them (module "a", names "A", "B", …) and prints the mapping; this applies it to the
// glue. Usage: node scripts/minify-wasm-names.mjs <mapping.json> <glue.js>
import fs from 'node:fs';

const [mapFile, glueFile] = process.argv.slice(2);
const map = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
let js = fs.readFileSync(glueFile, 'utf8');
const modules = new Set(map.imports.map(([m]) => m));
if (modules.size !== 1 || !modules.has('./rum_wasm_bg.js')) throw new Error('unexpected import modules: ' + [...modules]);

const count = (re) => (js.match(re) || []).length;
for (const [, from, to] of map.imports) {
  // Import names carry a hash: unique, safe to replace as whole words.
  const re = new RegExp('\\b' + from + '\\b', 'g');
  if (!count(re)) throw new Error('import not found in the glue: ' + from);
  js = js.replace(re, JSON.stringify(to));
}
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
fs.writeFileSync(glueFile, js);
