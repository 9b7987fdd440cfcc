// The published types: `tsc --noEmit --strict` on a typed usage of the package
// (tests/fixtures/types-usage.ts), resolved the way a user's project resolves it: through
// node_modules/rum-wasm and package.json `exports` → `types` (dist/index.d.ts). Valid calls must
// type-check; the `@ts-expect-error` lines must be real errors (tsc fails on an unused directive).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { ROOT } from './harness.mjs';

const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const FIXTURE = path.join(ROOT, 'tests/fixtures/types-usage.ts');
let dir;

function tsc(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, ...args], { cwd: dir, timeout: 60000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

function project(name, compilerOptions) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({
    compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false, ...compilerOptions },
    files: ['usage.ts'],
  }, null, 2));
  return file;
}

before(() => {
  assert.ok(fs.existsSync(path.join(ROOT, 'dist/index.d.ts')), 'dist/index.d.ts missing: run npm run build');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rum-types-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'types-app', private: true, type: 'module' }));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  // The repo root is the package (package.json + dist/), as an installed dependency.
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules/rum-wasm'), 'dir');
  fs.copyFileSync(FIXTURE, path.join(dir, 'usage.ts'));
});
after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

test('typed usage compiles under --strict with bundler resolution (package.json exports → types)', async () => {
  const p = project('tsconfig.bundler.json', { module: 'ESNext', moduleResolution: 'Bundler' });
  const r = await tsc(['-p', p, '--noEmit', '--strict', '--traceResolution']);
  assert.equal(r.code, 0, r.out.split('\n').filter((l) => /error TS/.test(l)).join('\n') || r.out.slice(-3000));
  // It really resolved the package's declaration file (not `any` from a missing module).
  assert.match(r.out, /Module name 'rum-wasm' was successfully resolved to '[^']*dist\/index\.d\.ts'/);
});

test('typed usage compiles under --strict with NodeNext resolution (an ESM app)', async () => {
  const p = project('tsconfig.nodenext.json', { module: 'NodeNext', moduleResolution: 'NodeNext' });
  const r = await tsc(['-p', p, '--noEmit', '--strict']);
  assert.equal(r.code, 0, r.out);
});

test('the @ts-expect-error lines are what makes it pass: without them tsc reports each invalid call', async () => {
  const src = fs.readFileSync(FIXTURE, 'utf8');
  const expected = src.split('\n').filter((l) => l.trim().startsWith('// @ts-expect-error')).length;
  assert.ok(expected >= 4);
  fs.writeFileSync(path.join(dir, 'usage.ts'), src.replaceAll('// @ts-expect-error', '// (expected error)'));
  try {
    const p = project('tsconfig.bundler.json', { module: 'ESNext', moduleResolution: 'Bundler' });
    const r = await tsc(['-p', p, '--noEmit', '--strict', '--pretty', 'false']);
    assert.notEqual(r.code, 0);
    const lines = new Set(r.out.split('\n').map((l) => l.match(/^usage\.ts\((\d+),/)?.[1]).filter(Boolean));
    assert.equal(lines.size, expected, r.out);
  } finally {
    fs.copyFileSync(FIXTURE, path.join(dir, 'usage.ts'));
  }
});
