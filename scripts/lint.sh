#!/usr/bin/env bash
# Form checks, each one counted: rustfmt, clippy -D warnings (the SDK natively and for wasm32,
# the collector), ESLint over every JS file we write (eslint.config.js says which), and no
# import circle in src/ (scripts/check-imports.mjs, and its own test on fixture trees).
# `npm run lint` alone, or layer 5 of `npm test`. Output of each check: test-output/lint.log.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
[ -f .toolchain-env ] && . ./.toolchain-env
mkdir -p test-output; : > test-output/lint.log
pass=0; fail=0
check() { # name, command...
  local name=$1; shift
  echo "-- $name: $*" | tee -a test-output/lint.log
  if "$@" >>test-output/lint.log 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $name (see test-output/lint.log)"; fi
}
check rustfmt cargo fmt --all --check
check clippy-sdk-native cargo clippy --all-targets -p rum-wasm -- -D warnings
check clippy-sdk-wasm32 cargo clippy --all-targets --target wasm32-unknown-unknown -p rum-wasm -- -D warnings
# The shipped build (no_std, `slim`): what the page runs.
check clippy-sdk-wasm32-slim cargo clippy --lib --target wasm32-unknown-unknown -p rum-wasm --features slim -- -D warnings
# The lazy replay wasm (src/replay_api.rs), built the same way.
check clippy-sdk-wasm32-replay cargo clippy --lib --target wasm32-unknown-unknown -p rum-wasm --features slim,replay -- -D warnings
# The lazy remote-config wasm (src/remote_api.rs).
check clippy-sdk-wasm32-remote cargo clippy --lib --target wasm32-unknown-unknown -p rum-wasm --features slim,remote -- -D warnings
check clippy-collector cargo clippy --all-targets -p rum-collector -- -D warnings
check eslint eslint .
# No import circle among the modules of src/ (Rust and JS): calls go one way. tests/tools/: the
# tests of the build's own tools (the import checker, the glue minifier) on fixtures.
check import-circles node scripts/check-imports.mjs
check tools-tests node --test tests/tools/
echo "lint: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
