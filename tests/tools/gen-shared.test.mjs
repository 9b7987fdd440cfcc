// scripts/gen-shared.mjs: the JS copies of what Rust defines once (hub kinds, shared limits, the
// collector registry). On this checkout they must be current (a stale one fails here, naming
// the file); on small trees it must copy what Rust says, refuse what it cannot copy, and fail
// `--check` when a Rust value changed. Run by scripts/lint.sh (npm test, lint).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/gen-shared.mjs');
const run = (...args) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

function tree(files) {
  const root = mkdtempSync(join(tmpdir(), 'gen-shared-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const KINDS = '//! kinds\n/// A report.\npub const REPORT: u32 = 1;\npub const TIMER: u32 = 30;\nconst PRIVATE: u32 = 9;\n';
const LIMITS = 'pub const PROPERTIES_MAX: usize = 20;\npub const SLOW_LOAD_MS: f64 = 3_000.0;\n';
const REGISTRY = 'fn mask() {\n    // registry:start\n    let on = [\n        api::on(cfg),\n        long_tasks::on(cfg, first),\n    ];\n    // registry:end\n}\n';
const base = { 'src/browser/kinds.rs': KINDS, 'src/core/limits.rs': LIMITS, 'src/browser/collectors/mod.rs': REGISTRY, 'src/replay_api.rs': 'pub const SETUP: u32 = 1;\nconst SENT: u32 = 40;\n', 'src/remote_api.rs': 'pub const KEY: u32 = 1;\n', 'src/core/tracing.rs': 'pub const B3: u8 = 2;\n' };

test('this checkout: constants.js, kinds.js, ops.js, bits.js and registry.js are current', () => {
  const r = run('--check');
  assert.equal(r.status, 0, r.stderr);
});

test('writes the public constants and the registry in order; --check fails once Rust changes', () => {
  const root = tree(base);
  try {
    assert.equal(run(root).status, 0);
    const constants = readFileSync(join(root, 'src/browser/constants.js'), 'utf8');
    assert.match(constants, /export const REPORT = 1;\nexport const TIMER = 30;\nexport const PROPERTIES_MAX = 20;\nexport const SLOW_LOAD_MS = 3000;\n$/);
    assert.doesNotMatch(constants, /PRIVATE/, 'only `pub const` crosses');
    assert.match(readFileSync(join(root, 'js/replay/kinds.js'), 'utf8'), /\nexport const SETUP = 1;\n$/);
    assert.match(readFileSync(join(root, 'js/remote/ops.js'), 'utf8'), /\nexport const KEY = 1;\n$/);
    assert.match(readFileSync(join(root, 'js/trace/bits.js'), 'utf8'), /\nexport const B3 = 2;\n$/);
    const registry = readFileSync(join(root, 'src/browser/collectors/registry.js'), 'utf8');
    assert.match(registry, /import \{ install as api \} from '\.\/api\.js';\nimport \{ install as longTasks \} from '\.\/long_tasks\.js';/);
    assert.match(registry, /export const ALL = \[api, longTasks\];/);
    assert.equal(run('--check', root).status, 0);
    writeFileSync(join(root, 'src/browser/kinds.rs'), KINDS.replace('= 30;', '= 31;'));
    const stale = run('--check', root);
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /src\/browser\/constants\.js is stale/);
    writeFileSync(join(root, 'src/browser/collectors/mod.rs'), REGISTRY.replace('        api::on(cfg),\n', ''));
    assert.match(run('--check', root).stderr, /registry\.js is stale/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a value it cannot copy as a literal, a name defined twice, or no registry is an error', () => {
  for (const [files, message] of [
    [{ ...base, 'src/core/limits.rs': 'pub const HOUR: u64 = 60 * MIN;\n' }, /HOUR is not a plain number literal/],
    [{ ...base, 'src/core/limits.rs': 'pub const REPORT: u32 = 2;\n' }, /REPORT is defined twice/],
    [{ ...base, 'src/browser/collectors/mod.rs': 'fn mask() {}\n' }, /no registry:start/],
  ]) {
    const root = tree(files);
    try {
      const r = run(root);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});
