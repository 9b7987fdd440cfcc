// Zeroes text in a .wasm's data that no code can read any more: wasm-bindgen's closure shims
// (js-sys declares one per closure type, and each carries its "closure invoked recursively"
// message) are linked in, then removed by wasm-bindgen once it has read them; their text stays
// in the data, which no pass garbage-collects. Zeros compress to almost nothing (-40 B gzip
// a file). A text is zeroed only when nothing could point into it: no `i32.const` in the code
// and no 4-byte word in the data holds an address inside it (a byte scan, so a false match
// only keeps the text).
//   node scripts/dead-data.mjs <file.wasm>
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEAD = ['closure invoked recursively or after being dropped'];

/** The wasm with each dead text zeroed; `log` hears what was and was not. */
export function zeroDeadData(wasm, log = () => {}) {
  const b = Buffer.from(wasm);
  let p = 8;
  const leb = () => { let r = 0; let s = 0; let x; do { x = b[p++]; r += (x & 127) * 2 ** s; s += 7; } while (x & 128); return r; };
  let code = null;
  const segments = []; // [file start, address, size]
  while (p < b.length) {
    const id = b[p++];
    const len = leb();
    const end = p + len;
    if (id === 10) code = [p, end];
    if (id === 11) {
      for (let n = leb(); n--;) {
        const flag = leb();
        if (flag === 2) leb();
        let at = -1;
        if (flag !== 1) {
          if (b[p] !== 0x41) return b; // an offset that is not a constant: leave it all
          p++;
          at = leb();
          p++; // end
        }
        const size = leb();
        if (at >= 0) segments.push([p, at, size]);
        p += size;
      }
    }
    p = end;
  }
  if (!code) return b;
  // Every i32.const's value in the code (by bytes: may include values that are not one).
  const consts = new Set();
  for (let i = code[0]; i < code[1]; i++) {
    if (b[i] !== 0x41) continue;
    let r = 0; let s = 0; let x; let j = i + 1;
    do { x = b[j++]; r |= (x & 127) << s; s += 7; } while (x & 128 && s < 35);
    if (s < 32 && x & 64) r |= -1 << s;
    consts.add(r >>> 0);
  }
  for (const text of DEAD) {
    const t = Buffer.from(text);
    for (const [start, at, size] of segments) {
      const i = b.subarray(start, start + size).indexOf(t);
      if (i < 0) continue;
      const lo = at + i;
      const hi = lo + t.length;
      let used = false;
      for (const c of consts) used ||= c >= lo && c < hi;
      for (const [s2, , z2] of segments) {
        for (let k = s2; k + 4 <= s2 + z2 && !used; k++) {
          const w = b.readUInt32LE(k);
          used = w >= lo && w < hi;
        }
      }
      if (used) { log('kept (may be read): ' + text); continue; }
      b.fill(0, start + i, start + i + t.length);
      log('zeroed: ' + text);
    }
  }
  return b;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const f = process.argv[2];
  fs.writeFileSync(f, zeroDeadData(fs.readFileSync(f)));
}
