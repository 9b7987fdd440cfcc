#!/usr/bin/env bash
# Idempotent set-up: installs only what is missing. Second run: seconds, no network.
# Works here (Debian + rustup) and on an ordinary machine with rustup and a Chrome/Chromium
# on PATH; the Debian-only steps run only where apt-get exists and is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '[setup] %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
export PATH="$HOME/.cargo/bin:$PATH"

# 1. wasm32 target: rustup first, Debian rustc-web + self-built sysroot as the fallback.
if have rustup && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "wasm32 target: present"
elif have rustup && rustup target add wasm32-unknown-unknown; then
  log "wasm32 target: added with rustup"
else
  log "rustup target add failed: falling back to Debian rustc-web + self-built sysroot"
  bash "$ROOT/scripts/debian-toolchain.sh"
  echo "export RUSTUP_TOOLCHAIN=debian-web" > "$ROOT/.toolchain-env"
fi

# 1b. The standard library's source: the release build recompiles core/alloc for size (see
# scripts/build.sh). Optional: without it the build still works, only bigger.
SRC="$(rustc --print sysroot 2>/dev/null)/lib/rustlib/src/rust/library/core"
if [ -d "$SRC" ]; then
  log "rust-src: present"
elif have rustup && [ ! -f "$ROOT/.toolchain-env" ] && rustup component add rust-src; then
  log "rust-src: added with rustup"
else
  log "rust-src: not available; the release wasm will use the prebuilt core (larger)"
fi

# 2. wasm-bindgen-cli at exactly the crate's wasm-bindgen version.
WB_VERSION=$(sed -n 's/^wasm-bindgen = { *version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -1)
if [ -z "$WB_VERSION" ]; then echo "[setup] cannot read the wasm-bindgen version from Cargo.toml" >&2; exit 1; fi
if have wasm-bindgen && [ "$(wasm-bindgen --version | awk '{print $2}')" = "$WB_VERSION" ] && have wasm-bindgen-test-runner; then
  log "wasm-bindgen-cli $WB_VERSION: present"
else
  log "installing wasm-bindgen-cli $WB_VERSION (a few minutes)"
  cargo install --locked wasm-bindgen-cli --version "$WB_VERSION" --force \
    || cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

# 3. Chromium: anything on PATH will do; Debian's package otherwise. Every browser test drives it
#    through playwright-core over CDP (the wasm-bindgen-test layer too, scripts/browser-tests.mjs),
#    so neither chromedriver nor wasm-pack is needed.
find_chrome() { [ -x "${CHROME_BIN:-}" ] && { echo "$CHROME_BIN"; return 0; }; for c in chromium chromium-browser google-chrome google-chrome-stable; do have "$c" && { command -v "$c"; return 0; }; done; return 1; }
if find_chrome >/dev/null; then
  log "browser: $(find_chrome)"
elif have apt-get; then
  log "installing Debian chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
else
  echo "[setup] need Chrome or Chromium on PATH (or CHROME_BIN)" >&2; exit 1
fi

# 4b. sqlite3: the console test edits a real collector's database the way an older collector or a
#     manual fix could leave it (tests/e2e/console-odd-data.test.mjs).
if have sqlite3; then
  log "sqlite3: present"
elif have apt-get; then
  log "installing Debian sqlite3"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
else
  echo "[setup] need the sqlite3 command on PATH" >&2; exit 1
fi

# 5. npm dev dependencies (binaryen for wasm-opt, esbuild, terser, playwright-core, typescript, vite).
#    None of them downloads a browser; PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD is belt and braces.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -x node_modules/.bin/wasm-opt ] && [ -x node_modules/.bin/esbuild ] && [ -x node_modules/.bin/terser ] && [ -d node_modules/playwright-core ] \
   && [ node_modules/.package-lock.json -nt package.json ]; then
  log "npm dev dependencies: present"
else
  log "installing npm dev dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
# 5b. The console's replay player (rrweb-player) into www/console/vendor/, served by the collector.
bash "$ROOT/scripts/console-vendor.sh"
# 5c. The console's charts and world map (uPlot, d3-geo, world-atlas) into www/console/vendor/.
bash "$ROOT/scripts/console-charts-vendor.sh"
# 6. The collector's default country database (CC0), from the npm registry.
bash "$ROOT/collector/geo/setup.sh"

# 7. The benchmark's peers (ARMS, Datadog, Sentry, Faro, Elastic, OpenObserve), for `npm run bench`
#    and the smoke run in `npm test`.
bash "$ROOT/bench/setup.sh"

# 8. ClickHouse (server + client) for the ClickHouse store's tests: a two-shard cluster on
#    loopback is started by scripts/test.sh. Debian ships 18.16; the package starts no service.
if have clickhouse-server; then
  log "clickhouse-server: present"
elif have apt-get; then
  log "installing Debian clickhouse-server + clickhouse-client"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null
else
  log "clickhouse-server: not installed; the ClickHouse store tests will say so and not run"
fi
log "done"
