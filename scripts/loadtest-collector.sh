#!/usr/bin/env bash
# Load test of the collector: builds it (profile `collector`), starts it on 127.0.0.1 with a
# throw-away database, runs `SESSIONS` concurrent sessions sending `BUNDLES` bundles of `EVENTS`
# events each, and prints accepted bundles/s, events/s and ingest latency percentiles.
# Bounded: at most MAX_SECONDS of sending. A measurement, not a test: it never fails on numbers.
#   SESSIONS=3000 BUNDLES=5 EVENTS=10 THINK_MS=3000 MAX_SECONDS=60 scripts/loadtest-collector.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS=${SESSIONS:-3000}
BUNDLES=${BUNDLES:-5}
EVENTS=${EVENTS:-10}
THINK_MS=${THINK_MS:-3000}
MAX_SECONDS=${MAX_SECONDS:-60}
TARGET=${CARGO_TARGET_DIR:-target}

# One socket per session on each side.
ulimit -n "$(( SESSIONS * 2 + 512 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

cargo build --quiet -p rum-collector --profile collector --bin rum-collector --example loadtest
BIN="$TARGET/collector/rum-collector"
GEN="$TARGET/collector/examples/loadtest"

TMP=$(mktemp -d)
OUT="$TMP/collector.out"
# Every simulated session connects from 127.0.0.1 and thinks between bundles: no per-address cap,
# no idle close shorter than the think time, and no per-address or per-pid ingest rate limit
# (which would answer 429 to most of them).
"$BIN" --addr 127.0.0.1:0 --db "$TMP/load.db" --geo-db none --retention-days 0 --www "$TMP" \
  --max-connections 0 --max-connections-per-client 0 --idle-timeout 120 \
  --ingest-rate-ip off --ingest-rate-pid off >"$OUT" 2>"$TMP/collector.err" &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q '^listening on' "$OUT" 2>/dev/null && break; sleep 0.05; done
ADDR=$(sed -n 's#^listening on http://##p' "$OUT" | head -1)
[ -n "$ADDR" ] || { echo "collector did not start:"; cat "$TMP/collector.err"; exit 1; }

echo "collector $ADDR (pid $PID, db $TMP/load.db), $(nproc) CPUs"
"$GEN" --addr "$ADDR" --sessions "$SESSIONS" --bundles "$BUNDLES" --events "$EVENTS" --think-ms "$THINK_MS" --max-seconds "$MAX_SECONDS"
STORED=$(curl -s "http://$ADDR/api/sessions?limit=1" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
echo "sessions stored:       ${STORED:-?}"
echo "database size:         $(du -h "$TMP/load.db" | cut -f1) (+ WAL $(du -h "$TMP/load.db-wal" 2>/dev/null | cut -f1))"
