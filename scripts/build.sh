#!/usr/bin/env bash
# Release build: cargo (opt-level z, LTO, panic=abort) → wasm-bindgen → wasm-opt -Oz → dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
[ -f .toolchain-env ] && . ./.toolchain-env

VERSION=$(node -p "require('./package.json').version")
# A 64 KiB stack instead of rustc's 1 MiB default: the SDK never recurses deeply (the JSON
# parser stops at depth 64), and the stack is linear memory every page pays for. Plus 1 KiB:
# the stack comes first and grows down to address 0, and wasm-opt is told that the low 1 KiB
# is never used (--low-memory-unused, below), which holds while the SDK stays in its 64 KiB.
FLAGS="-C link-arg=-zstack-size=66560"
# Without reference types, wasm-bindgen keeps JS values in a JS array (indices in the wasm)
# instead of an externref table managed by the wasm: -0.75 KB gzip of wasm, +0.25 KB of glue.
FLAGS="$FLAGS -C target-feature=-reference-types"
# Inlining tuned for size, measured on this code (gzip of the SDK's wasm after wasm-opt):
# rustc's MIR inliner, off at opt-level z, on with thresholds 30 (any function) and 50
# (#[inline] ones), and LLVM's inliner at threshold 0 instead of z's 5: -1.0 KB (24,797 ->
# 23,798). Both inliners at their defaults, or MIR thresholds of 0 or 100, gave back 300 to
# 800 bytes. -Zinline-mir* are unstable flags, used only in the shipped (build-std) build.
SIZE_INLINING="-Zinline-mir=yes -Zinline-mir-threshold=30 -Zinline-mir-hint-threshold=50 -C llvm-args=-inline-threshold=0"
# With the standard library's source at hand, core and alloc are rebuilt with our profile
# (opt-level z instead of the prebuilt 3) and with panics that abort on the spot: no panic
# messages, file names or core::fmt in the page (-1.8 KB gzip). Both are unstable flags of the
# stable compiler, hence RUSTC_BOOTSTRAP, and only this shipped build uses them; tests build
# the ordinary way. Without the source (`rustup component add rust-src`) the build still works.
OUT=target/slim
wasm_build() { # features
  if [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/core" ]; then
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="${RUSTFLAGS:-} $FLAGS $SIZE_INLINING -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
      cargo build --release --target wasm32-unknown-unknown -p rum-wasm --features "$1" \
      -Zbuild-std=core,alloc --target-dir "$OUT"
  else
    echo "build: no rust-src, so core/alloc are the prebuilt ones (larger wasm)" >&2
    RUSTFLAGS="${RUSTFLAGS:-} $FLAGS" \
      cargo build --release --target wasm32-unknown-unknown -p rum-wasm --features "$1" --target-dir "$OUT"
  fi
}
# The JS copies of what Rust defines once (hub kinds, shared limits, the collector registry)
# must be current: `npm run gen` writes them.
node scripts/gen-shared.mjs --check
# npm binaryen (never Debian's 108: its output breaks in Chromium). The features are the ones
# rustc enables for wasm32 by default.
FEATURES="--enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-mutable-globals --enable-multivalue"
# The wasm just built → <dir>/<name>.js (glue) + <dir>/<name>_bg.wasm, shrunk.
bind_and_shrink() { # dir name
  rm -rf "$1"
  wasm-bindgen --target web --out-dir "$1" --out-name "$2" "$OUT"/wasm32-unknown-unknown/release/rum_wasm.wasm
  # flatten + rereloop + gufa between the -Oz rounds: about -0.2 KB gzip over a single -Oz (measured).
  # --low-memory-unused lets it fold constant offsets into loads and stores: -132 B gzip.
  wasm-opt -Oz --flatten --rereloop -Oz --gufa -Oz --converge --low-memory-unused $FEATURES --strip-debug --strip-producers \
    "$1/$2_bg.wasm" -o "$1/$2_bg.wasm"
  # A pass of its own: --converge would re-run it and print the name map twice.
  wasm-opt $FEATURES --minify-imports-and-exports-and-modules --strip-target-features \
    "$1/$2_bg.wasm" -o "$1/$2_bg.wasm" > "$1/names.json"
  node scripts/minify-wasm-names.mjs "$1/names.json" "$1/$2.js"
  # The text of wasm-bindgen's closure shims, removed above but left in the data: zeroed.
  node scripts/dead-data.mjs "$1/$2_bg.wasm"
  # Once more, now that the dead text is zeros and the names are short: memory packing drops
  # the zeroed runs from the data, and the renamed module re-optimises a little (-14 B gzip).
  wasm-opt -Oz --converge --low-memory-unused $FEATURES "$1/$2_bg.wasm" -o "$1/$2_bg.wasm"
}
# A lazy file of the page: js/<feature>/index.js with its glue → dist/rum-<feature>.js, its
# .wasm beside it.
lazy_file() { # feature
  esbuild "js/$1/index.js" --bundle --format=esm --minify --target=es2020 \
    --log-level=warning --outfile="dist/rum-$1.js"
  terser "dist/rum-$1.js" --module -c $TERSER_C -m -o "dist/rum-$1.js"
  cp "pkg-$1/rum_$1_bg.wasm" dist/
}
wasm_build slim
rm -rf dist
bind_and_shrink pkg rum_wasm
# The facade tells the replay loader the config and the .wasm's URL: through the glue, so that
# both reach the one copy of replay.js that the wasm imports (wasm-bindgen copies it to snippets/).
echo "export { replayModule, setupReplay } from './$(cd pkg && ls snippets/*/src/browser/replay.js)';" >> pkg/rum_wasm.js
echo "export { remoteLocal, remoteModule, remoteStart } from './$(cd pkg && ls snippets/*/src/browser/remote.js)';" >> pkg/rum_wasm.js
echo "export { sendWorker } from './$(cd pkg && ls snippets/*/src/browser/send_worker.js)';" >> pkg/rum_wasm.js
echo "export { traceModule, traceStart } from './$(cd pkg && ls snippets/*/src/browser/collectors/api.js)';" >> pkg/rum_wasm.js

mkdir -p dist
# `./rum-replay.js`, `./rum-remote.js` and `./rum-trace.js` stay dynamic imports of the file beside dist/index.js (the app's bundler
# splits it off).
esbuild js/index.js --bundle --format=esm --minify --target=es2020 --external:./rum-replay.js --external:./rum-remote.js --external:./rum-trace.js \
  --log-level=warning --outfile=dist/index.js
# The script-tag build never uses import.meta (it locates the .wasm from document.currentScript).
esbuild js/script.js --bundle --format=iife --minify --target=es2020 \
  --define:import.meta.url=undefined --log-level=error --outfile=dist/rum.js
sed -i "s/__VERSION__/$VERSION/g" dist/index.js dist/rum.js
# esbuild bundles; terser's compressor then finds what esbuild's minifier leaves (-0.35 KB gzip;
# hoisting function declarations, which JS hoists anyway, -57 B; function expressions that use
# no `this` as arrows and function-valued properties as methods, -41 B: "unsafe" only for code
# that calls such a function with `new`, which none of ours does).
TERSER_C=passes=2,hoist_funs=true,ecma=2020,unsafe_arrows=true,unsafe_methods=true
terser dist/index.js --module -c $TERSER_C -m -o dist/index.js
terser dist/rum.js -c $TERSER_C -m -o dist/rum.js
cp pkg/rum_wasm_bg.wasm dist/
cp js/index.d.ts dist/index.d.ts

# The lazy replay file, loaded only by pages that record: the same crate built with
# `--features replay` (src/replay_api.rs: segments and their delivery over core::delivery),
# and the recorder (js/replay/) bundled with its glue. dist/rum-replay.js + rum_replay_bg.wasm.
wasm_build slim,replay
bind_and_shrink pkg-replay rum_replay
# captureFetch from the glue's own copy of transport.js (the one the replay wasm sends with).
echo "export { captureFetch } from './$(cd pkg-replay && ls snippets/*/src/browser/transport.js)';" >> pkg-replay/rum_replay.js
lazy_file replay

# The lazy remote-config file, loaded only by pages whose config has `remoteConfig`: the crate
# built with `--features remote` (src/remote_api.rs: core::remote_config's rules) and its glue.
wasm_build slim,remote
bind_and_shrink pkg-remote rum_remote
lazy_file remote
# Trace propagation's headers (js/trace/), imported by the API hooks only on pages whose config has `tracing`.
esbuild js/trace/index.js --bundle --format=esm --minify --target=es2020 --log-level=warning --outfile=dist/rum-trace.js
terser dist/rum-trace.js --module -c $TERSER_C -m -o dist/rum-trace.js
# The send worker (js/send/worker.js): a classic script the core starts from beside the .wasm.
esbuild js/send/worker.js --minify --target=es2020 --log-level=warning --outfile=dist/rum-send.js
terser dist/rum-send.js -c $TERSER_C -m -o dist/rum-send.js
echo "built dist/: $(cd dist && ls | tr '\n' ' ')"
