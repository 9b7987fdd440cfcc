// scripts/dead-data.mjs: the text of wasm-bindgen's removed closure shims is zeroed only where
// nothing can point into it (an i32.const in the code, a pointer in the data), on modules
// assembled here; and the shipped .wasm files carry none of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { DEAD, zeroDeadData } from '../../scripts/dead-data.mjs';

const BASE = 1024;
const uleb = (n) => { const o = []; do { let b = n & 127; n >>>= 7; if (n) b |= 128; o.push(b); } while (n); return o; };
const sleb = (n) => { const o = []; for (;;) { const b = n & 127; n >>= 7; if ((n === 0 && !(b & 64)) || (n === -1 && b & 64)) { o.push(b); return o; } o.push(b | 128); } };
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];

/** A module whose one function returns `address`, with `data` at BASE. */
function module(address, data) {
  const body = [0, 0x41, ...sleb(address), 0x0b];
  return Buffer.from([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 1, 0x7f]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(10, [1, ...uleb(body.length), ...body]),
    ...section(11, [1, 0, 0x41, ...sleb(BASE), 0x0b, ...uleb(data.length), ...data]),
  ]);
}

const TEXT = DEAD[0];
const KEEP = 'KEEP-ME|';

test('the dead text is zeroed, the text the code reads stays, and the module still validates', () => {
  const m = module(BASE, Buffer.from(KEEP + TEXT + '|tail'));
  const out = zeroDeadData(m);
  assert.ok(!out.includes(Buffer.from(TEXT)));
  assert.ok(out.includes(Buffer.from(KEEP)) && out.includes(Buffer.from('|tail')));
  assert.equal(out.length, m.length);
  assert.ok(WebAssembly.validate(out));
  assert.ok(WebAssembly.validate(m));
});

test('a constant pointing into the text keeps it', () => {
  const m = module(BASE + KEEP.length + 8, Buffer.from(KEEP + TEXT));
  const said = [];
  assert.ok(zeroDeadData(m, (s) => said.push(s)).includes(Buffer.from(TEXT)));
  assert.deepEqual(said, ['kept (may be read): ' + TEXT]);
});

test('a pointer in the data to the text keeps it', () => {
  const ptr = Buffer.alloc(4);
  ptr.writeUInt32LE(BASE + 4 + KEEP.length);
  const m = module(BASE, Buffer.concat([ptr, Buffer.from(KEEP + TEXT)]));
  assert.ok(zeroDeadData(m).includes(Buffer.from(TEXT)));
});

test('the built .wasm files carry none of the dead text', () => {
  // npm test builds before this layer runs.
  const files = fs.existsSync('dist') ? fs.readdirSync('dist').filter((f) => f.endsWith('.wasm')) : [];
  assert.equal(files.length, 3, 'dist/ holds the three .wasm files of a build');
  for (const f of files) assert.ok(!fs.readFileSync('dist/' + f).includes(Buffer.from(TEXT)), f);
});
