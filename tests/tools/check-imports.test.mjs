// scripts/check-imports.mjs on small trees written to a temp directory: it must fail on each kind
// of circle (naming it) and pass when calls go one way. Run by scripts/lint.sh (npm test, lint).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const checker = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/check-imports.mjs');

function check(files) {
  const root = mkdtempSync(join(tmpdir(), 'check-imports-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const r = spawnSync(process.execPath, [checker, root], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('a Rust circle through `use crate::` and an inline `super::` path fails, naming it', () => {
  const r = check({
    'src/lib.rs': 'pub mod a;\npub mod b;\n',
    'src/a.rs': 'use crate::b::{self, Thing};\npub fn g() {}\n',
    'src/b.rs': 'pub struct Thing;\npub fn f() { super::a::g() }\n',
  });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /import circle: (a -> b -> a|b -> a -> b)/);
});

test('a longer Rust circle across folders (mod.rs, nested `use` trees) fails', () => {
  const r = check({
    'src/lib.rs': 'pub mod api;\npub mod browser;\n',
    'src/api.rs': 'use crate::browser::{collect::Collectors, js};\npub fn apply() {}\n',
    'src/browser/mod.rs': 'pub mod collect;\npub mod hub;\npub mod js;\n',
    'src/browser/collect.rs': 'use super::hub::ROUTE;\npub struct Collectors;\n',
    'src/browser/hub.rs': 'pub const ROUTE: u32 = 2;\nfn d() { crate::api::apply() }\n',
    'src/browser/js.rs': '',
  });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /import circle: api -> browser::collect -> browser::hub -> api/);
});

test('a JS circle through a wasm-bindgen snippet and its Rust binder fails', () => {
  // hooks.js -> transport.js (import); transport.js is transport.rs's snippet; transport.rs ->
  // js.rs -> hooks.rs, which binds hooks.js: the circle of issue 18.
  const r = check({
    'src/lib.rs': 'pub mod browser;\n',
    'src/browser/mod.rs': 'pub mod hooks;\npub mod js;\npub mod transport;\n',
    'src/browser/hooks.rs': '#[wasm_bindgen(module = "/src/browser/hooks.js")]\nextern "C" { pub fn absolute(u: &str) -> JsValue; }\n',
    'src/browser/hooks.js': "import { hub } from './transport.js';\nexport function absolute(u) { return hub(u); }\n",
    'src/browser/transport.rs': '#[wasm_bindgen(module = "/src/browser/transport.js")]\nextern "C" { fn send(); }\nfn n() { super::js::absolute_url("x"); }\n',
    'src/browser/transport.js': 'export let hub = null;\nexport function send() {}\n',
    'src/browser/js.rs': 'pub fn absolute_url(u: &str) { super::hooks::absolute(u); }\n',
  });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /import circle: .*browser::hooks.*browser::transport.*browser::js/);
});

test('a circle between plain JS modules fails', () => {
  const r = check({
    'src/lib.rs': '',
    'src/x.js': "import { y } from './y.js';\nexport const x = () => y;\n",
    'src/y.js': "import { x } from './x.js';\nexport const y = () => x;\n",
  });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /import circle: src\/(x\.js -> src\/y\.js -> src\/x\.js|y\.js -> src\/x\.js -> src\/y\.js)/);
});

test('calls that go one way pass: tests importing their parent, paths in comments and strings', () => {
  const r = check({
    'src/lib.rs': 'pub mod core;\npub mod browser;\n',
    'src/core/mod.rs': 'pub mod a;\npub mod b;\n',
    'src/core/a.rs': '// crate::core::b would be a circle, but this is a comment\npub fn f() -> &\'static str { "crate::core::b::g" }\nuse super::b::g;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::core::a::f as ff;\n}\n',
    'src/core/b.rs': 'pub fn g() -> char { let _ = "crate::core::a::f"; \'{\' }\n/* super::a::f() */\n',
    'src/browser/mod.rs': 'pub mod hub;\n',
    'src/browser/hub.rs': 'use crate::core::{a, b::{self, g}};\n#[wasm_bindgen(module = "/src/browser/hooks.js")]\nextern "C" {}\n',
    'src/browser/hooks.js': "import { helper } from './helper.js';\nexport const h = helper;\n",
    'src/browser/helper.js': 'export const helper = 1;\n',
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /no circle/);
});

test('this checkout\'s src/ has no circle', () => {
  const r = spawnSync(process.execPath, [checker], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
