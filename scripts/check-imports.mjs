// Fails when the modules of src/ import each other in a circle, naming the circle.
//   node scripts/check-imports.mjs [root]      (root defaults to this checkout; tests pass a fixture)
//   node scripts/check-imports.mjs --list      prints each module with what it imports
// A module is a Rust file (src/lib.rs is `crate`, src/a/mod.rs is `a`, src/a/b.rs is `a::b`). Its
// edges: every `crate::…`, `super::…` and `self::…` path in it (in `use` trees or inline), taken to
// the longest module it names; a `mod x;` declaration is not an edge (it says where a file is, not
// what it calls). A JS snippet belongs to the Rust module that links it with
// `#[wasm_bindgen(module = "/src/…")]`: the two are one module, so the snippet's `import … from`
// lines are that module's edges too. Other JS files of src/ are modules of their own.
// Paths inside `#[cfg(test)]` code count: a test is code, and a circle through it is a circle.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const list = args.includes('--list');
const root = resolve(args.find((a) => !a.startsWith('--')) ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const src = join(root, 'src');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const files = walk(src).map((p) => relative(root, p).split(sep).join('/')).sort();

// Rust module path of each file: src/lib.rs -> [], src/core/mod.rs -> [core], src/core/agent.rs -> [core, agent].
const modOf = new Map();
for (const f of files.filter((f) => f.endsWith('.rs'))) {
  const parts = f.slice('src/'.length, -'.rs'.length).split('/');
  if (parts.at(-1) === 'mod' || (parts.length === 1 && (parts[0] === 'lib' || parts[0] === 'main'))) parts.pop();
  modOf.set(parts.join('::'), f);
}
const nameOfRs = (f) => [...modOf].find(([, file]) => file === f)[0] || 'crate';

/** Comments, strings and char literals blanked (same length, newlines kept), so braces and paths are code. */
function blankRust(text) {
  let out = '';
  let i = 0;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  while (i < text.length) {
    const rest = text.slice(i);
    let m;
    if (rest.startsWith('//')) m = rest.match(/^\/\/[^\n]*/);
    else if (rest.startsWith('/*')) {
      let depth = 0, j = 0;
      do {
        if (rest.startsWith('/*', j)) { depth++; j += 2; } else if (rest.startsWith('*/', j)) { depth--; j += 2; } else j++;
      } while (depth > 0 && j < rest.length);
      m = [rest.slice(0, j)];
    } else if ((m = rest.match(/^b?r(#*)"/))) {
      const end = rest.indexOf('"' + m[1], m[0].length);
      m = [rest.slice(0, end < 0 ? rest.length : end + 1 + m[1].length)];
    } else if (/^b?"/.test(rest)) m = rest.match(/^b?"(?:\\[^]|[^"\\])*"/);
    else if (/^b?'/.test(rest)) m = rest.match(/^b?'(?:\\[^']{1,10}|[^'\\])'/); // a lifetime 'a does not match
    if (m) {
      // A string keeps its quotes and text when it names a snippet: the attribute is read below.
      out += /^"\/src\//.test(m[0]) ? m[0] : blank(m[0]);
      i += m[0].length;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/** Expands a `use` tree (`a::{b, c::{self, d}}`) into full paths. */
function expandUse(tree) {
  tree = tree.replace(/\s+/g, '');
  const open = tree.indexOf('{');
  if (open < 0) return [tree.replace(/::self$/, '').replace(/\bas\w+$/, '')];
  const prefix = tree.slice(0, open);
  const inner = tree.slice(open + 1, tree.lastIndexOf('}'));
  const items = [];
  let depth = 0, start = 0;
  for (let j = 0; j <= inner.length; j++) {
    const c = inner[j];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if ((c === ',' && depth === 0) || j === inner.length) {
      if (j > start) items.push(inner.slice(start, j));
      start = j + 1;
    }
  }
  return items.flatMap((item) => expandUse(item === 'self' ? prefix.replace(/::$/, '') : prefix + item));
}

// Nodes: Rust modules by path ('crate' for lib.rs), JS files by path. Snippets map to their Rust module.
const owner = new Map(); // snippet file -> Rust module name
const edges = new Map(); // node -> Set(node)
const node = (f) => (f.endsWith('.rs') ? nameOfRs(f) : owner.get(f) ?? f);
const addEdge = (from, to) => {
  if (from === to) return;
  if (!edges.has(from)) edges.set(from, new Set());
  edges.get(from).add(to);
};

// The module a path names: the longest prefix of it that is a module of the crate.
function resolveRust(segments) {
  for (let n = segments.length; n > 0; n--) {
    const name = segments.slice(0, n).join('::');
    if (modOf.has(name)) return name;
  }
  return 'crate';
}

const rustText = new Map();
for (const f of files.filter((f) => f.endsWith('.rs'))) {
  const code = blankRust(readFileSync(join(root, f), 'utf8'));
  rustText.set(f, code);
  for (const m of code.matchAll(/#\[wasm_bindgen\([^\]]*?module\s*=\s*"\/(src\/[^"]+)"/g)) {
    if (owner.has(m[1]) && owner.get(m[1]) !== nameOfRs(f)) continue; // first binder owns it
    owner.set(m[1], nameOfRs(f));
  }
}

for (const [f, code] of rustText) {
  const self = nameOfRs(f);
  const base = self ? self.split('::') : [];
  // Inline `mod name {` blocks shift what `self`/`super` mean inside them.
  const opens = [];
  for (const m of code.matchAll(/\bmod\s+(\w+)\s*\{/g)) opens.push({ at: m.index + m[0].length - 1, name: m[1] });
  const scopeAt = (pos) => {
    const stack = [];
    let depth = 0, oi = 0;
    const frames = [];
    for (let j = 0; j < pos; j++) {
      if (oi < opens.length && opens[oi].at === j) { frames.push({ name: opens[oi].name, depth }); oi++; }
      if (code[j] === '{') depth++;
      else if (code[j] === '}') { depth--; while (frames.length && frames.at(-1).depth >= depth) frames.pop(); }
    }
    for (const fr of frames) stack.push(fr.name);
    return [...base, ...stack];
  };
  const paths = [];
  for (const m of code.matchAll(/\buse\s+([^;]+);/g)) for (const p of expandUse(m[1])) paths.push({ p, at: m.index });
  for (const m of code.matchAll(/(?<![\w:])(crate|super|self)((?:::\w+)+)/g)) {
    // `use` trees were read whole above.
    const lineStart = code.lastIndexOf('\n', m.index) + 1;
    if (/^\s*(pub(\([^)]*\))?\s+)?use\b/.test(code.slice(lineStart, m.index)) || /\{[^}]*$/.test(code.slice(lineStart, m.index)) && /\buse\b/.test(code.slice(lineStart, m.index))) continue;
    paths.push({ p: m[1] + m[2], at: m.index });
  }
  for (const { p, at } of paths) {
    let segs = p.split('::').filter(Boolean);
    if (segs[0] === 'crate') segs = segs.slice(1);
    else if (segs[0] === 'super' || segs[0] === 'self') {
      const scope = scopeAt(at);
      while (segs[0] === 'super' || segs[0] === 'self') {
        if (segs[0] === 'super') scope.pop();
        segs = segs.slice(1);
      }
      segs = [...scope, ...segs];
    } else continue; // external crate or a local name
    const to = resolveRust(segs);
    // A path into one's own module or below (e.g. a test module's `use super::*`) is no edge.
    if (to === self || (self && to.startsWith(self + '::'))) continue;
    if (to === 'crate' && segs.length && segs[0] === '*') continue;
    addEdge(self || 'crate', to || 'crate');
  }
  for (const m of code.matchAll(/#\[wasm_bindgen\([^\]]*?module\s*=\s*"\/(src\/[^"]+)"/g)) addEdge(self || 'crate', node(m[1]));
}

for (const f of files.filter((f) => /\.m?js$/.test(f))) {
  const text = readFileSync(join(root, f), 'utf8').replace(/\/\*[^]*?\*\/|\/\/[^\n]*/g, '');
  for (const m of text.matchAll(/\bimport\s*(?:[^'"`;]*?\s*from\s*)?['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = relative(root, resolve(root, dirname(f), m[1])).split(sep).join('/');
    if (target.startsWith('src/')) addEdge(node(f), node(target));
  }
}

const nodes = [...new Set([...[...modOf.keys()].map((k) => k || 'crate'), ...files.filter((f) => /\.m?js$/.test(f)).map(node)])].sort();
const label = (n) => {
  const snippets = [...owner].filter(([, o]) => o === n).map(([f]) => f.replace(/^src\//, ''));
  return snippets.length ? `${n} (+ ${snippets.join(', ')})` : n;
};

if (list) {
  for (const n of nodes) console.log(`${label(n)} -> ${[...(edges.get(n) ?? [])].sort().join(', ') || '(nothing)'}`);
}

// Circles: depth-first search, each back edge names one.
const state = new Map();
const circles = [];
function visit(n, stack) {
  state.set(n, 'open');
  stack.push(n);
  for (const m of [...(edges.get(n) ?? [])].sort()) {
    if (state.get(m) === 'open') circles.push([...stack.slice(stack.indexOf(m)), m]);
    else if (!state.has(m)) visit(m, stack);
  }
  stack.pop();
  state.set(n, 'done');
}
for (const n of nodes) if (!state.has(n)) visit(n, []);

if (circles.length) {
  for (const c of circles) console.error('import circle: ' + c.join(' -> '));
  console.error(`check-imports: ${circles.length} circle(s) among the modules of ${relative(process.cwd(), src) || src}`);
  process.exit(1);
}
console.log(`check-imports: ${nodes.length} modules, no circle`);
