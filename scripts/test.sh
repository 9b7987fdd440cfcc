#!/usr/bin/env bash
# Every test, three layers, one command (`npm test`): set-up (idempotent), build, then
#   1. native   — cargo test --workspace (pure SDK core + collector)
#   2. browser  — wasm-pack test --headless --chrome (browser adapters in real Chromium)
#   3. e2e      — node --test tests/e2e (SDK, collector and console in Chromium, packaging, size)
#   4. bench    — the benchmark's smoke run (1 run, bare page + rum-wasm), so it cannot rot
#   5. lint     — scripts/lint.sh: rustfmt, clippy -D warnings (SDK native and wasm32, collector)
#                 and ESLint; each check counts as one test
# Each layer runs even if an earlier one failed; the command fails if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
mkdir -p test-output
bash scripts/setup.sh || { echo "set-up failed"; exit 1; }
[ -f .toolchain-env ] && . ./.toolchain-env

declare -A PASS FAIL
total_pass=0; total_fail=0; status=0

count_cargo() { # sums "test result: ... N passed; M failed" lines
  awk '/^test result:/ { for (i=1;i<=NF;i++) { if ($(i+1) ~ /^passed/) p+=$i; if ($(i+1) ~ /^failed/) f+=$i } } END { print p+0, f+0 }' "$1"
}

record() { # layer, pass, fail, exit code
  PASS[$1]=$2; FAIL[$1]=$3
  total_pass=$((total_pass + $2)); total_fail=$((total_fail + $3))
  if [ "$4" -ne 0 ] && [ "$3" -eq 0 ]; then FAIL[$1]=$(( $3 + 1 )); total_fail=$((total_fail + 1)); fi
  [ "$4" -ne 0 ] && status=1
  echo "== $1: ${PASS[$1]} passed, ${FAIL[$1]} failed"
}

echo "== build"
bash scripts/build.sh || { echo "build failed"; exit 1; }
cargo build -p rum-collector --profile collector || { echo "collector build failed"; exit 1; }

echo "== layer 1: native (cargo test --workspace)"
cargo test --workspace 2>&1 | tee test-output/native.log; rc=${PIPESTATUS[0]}
read -r p f < <(count_cargo test-output/native.log); record native "$p" "$f" "$rc"

echo "== layer 2: browser (wasm-pack test --headless --chrome)"
wasm-pack test --headless --chrome 2>&1 | tee test-output/browser.log; rc=${PIPESTATUS[0]}
# wasm-bindgen-test-runner under chromedriver sometimes never gets the test page past "Loading
# scripts..." (the page load times out after 300 s, before any test ran; seen on this machine,
# not reproduced outside chromedriver). Only that harness time-out is retried, once, and said;
# a test that ran and failed is never retried.
if [ "$rc" -ne 0 ] && grep -q "Failed to detect test as having been run" test-output/browser.log; then
  echo "== browser: the test page never loaded (harness time-out, no test ran): retrying once"
  wasm-pack test --headless --chrome 2>&1 | tee test-output/browser.log; rc=${PIPESTATUS[0]}
fi
read -r p f < <(count_cargo test-output/browser.log); record browser "$p" "$f" "$rc"

echo "== layer 3: end-to-end (node --test tests/e2e)"
node --test --test-concurrency=1 tests/e2e/ 2>&1 | tee test-output/e2e.log; rc=${PIPESTATUS[0]}
p=$(awk '/^# pass /{print $3}' test-output/e2e.log | tail -1); f=$(awk '/^# fail /{print $3}' test-output/e2e.log | tail -1)
record e2e "${p:-0}" "${f:-0}" "$rc"

echo "== layer 4: benchmark smoke (node bench/run.mjs --smoke)"
node bench/run.mjs --smoke 2>&1 | tee test-output/bench-smoke.log; rc=${PIPESTATUS[0]}
p=$(sed -n 's/^bench-smoke: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' test-output/bench-smoke.log | tail -1)
f=$(sed -n 's/^bench-smoke: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' test-output/bench-smoke.log | tail -1)
record bench "${p:-0}" "${f:-0}" "$rc"

echo "== layer 5: lint (bash scripts/lint.sh: rustfmt, clippy, ESLint)"
bash scripts/lint.sh 2>&1 | tee test-output/lint-summary.log; rc=${PIPESTATUS[0]}
p=$(sed -n 's/^lint: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' test-output/lint-summary.log)
f=$(sed -n 's/^lint: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' test-output/lint-summary.log)
record lint "${p:-0}" "${f:-0}" "$rc"

echo
echo "== summary"
for l in native browser e2e bench lint; do echo "$l: ${PASS[$l]} passed, ${FAIL[$l]} failed"; done
echo "$total_pass passed, $total_fail failed"
exit $status
