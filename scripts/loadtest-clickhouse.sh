#!/usr/bin/env bash
# Load figures of the ClickHouse store next to SQLite's, from one run (a measurement, not a
# test: it never fails on numbers; run it once, on a quiet machine).
#
#   1. ingest: the load generator (collector/examples/loadtest.rs) against 1 collector on SQLite,
#      1 collector on a two-shard ClickHouse cluster, and 2 collectors on the same cluster (one
#      generator per collector, as a load balancer would split them): accepted bundles/s,
#      events/s, ingest latency p50/p99.
#   2. queries over EVENTS_TOTAL stored events (default 10 million, 50 per session), bulk-loaded
#      into each store with SQL (ingesting them over HTTP would take hours here): the console's
#      session list (all sessions, newest first; and filtered by browser) and a session page,
#      QUERIES requests each through the collector's HTTP API: p50/p95 in ms.
#
#   EVENTS_TOTAL=10000000 INGEST_SECONDS=20 SESSIONS=1000 THINK_MS=200 QUERIES=20 scripts/loadtest-clickhouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS_TOTAL=${EVENTS_TOTAL:-10000000}
INGEST_SECONDS=${INGEST_SECONDS:-20}
SESSIONS=${SESSIONS:-1000}
QUERIES=${QUERIES:-20}
THINK_MS=${THINK_MS:-200}
TARGET=${CARGO_TARGET_DIR:-target}
ulimit -n "$(( SESSIONS * 4 + 512 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

cargo build --quiet -p rum-collector --profile collector --bin rum-collector --example loadtest
BIN="$TARGET/collector/rum-collector"
GEN="$TARGET/collector/examples/loadtest"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rum-load.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  bash scripts/clickhouse-cluster.sh stop "$TMP/ch" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

CH_URL=$(bash scripts/clickhouse-cluster.sh start "$TMP/ch")
CH_HTTP=${CH_URL#clickhouse+http://}; CH_HTTP=${CH_HTTP%%/*}
CH_QUERY=${CH_URL#*\?}
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); ClickHouse $(curl -s "http://$CH_HTTP/?query=SELECT%20version()"), two shards"

# start_collector NAME STORE_ARGS... -> sets ADDR; the pid goes to PIDS (so it runs in this
# shell, never in a $(...) subshell, or the pid would be lost)
start_collector() {
  local name=$1; shift
  "$BIN" --addr 127.0.0.1:0 --geo-db none --retention-days 0 --www "$TMP" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS+=($!)
  for _ in $(seq 600); do grep -q '^listening on' "$TMP/$name.out" 2>/dev/null && break; sleep 0.1; done
  local addr; addr=$(sed -n 's#^listening on http://##p' "$TMP/$name.out" | head -1)
  [ -n "$addr" ] || { echo "collector $name did not start:" >&2; cat "$TMP/$name.err" >&2; exit 1; }
  ADDR=$addr
}

stop_collectors() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=()
}

# ingest LABEL ADDR... : one generator per collector, SESSIONS split between them
ingest() {
  local label=$1; shift
  local n=$#; local per=$(( SESSIONS / n )); local i=0
  for addr in "$@"; do
    "$GEN" --addr "$addr" --sessions "$per" --bundles 100000 --events 10 --think-ms "$THINK_MS" --max-seconds "$INGEST_SECONDS" \
      >"$TMP/gen-$label-$i.txt" 2>&1 &
    GPIDS[$i]=$!; i=$((i + 1))
  done
  for p in "${GPIDS[@]:0:$n}"; do wait "$p"; done
  local bps=0 eps=0 p50="" p99=""
  for ((j = 0; j < n; j++)); do
    f="$TMP/gen-$label-$j.txt"
    bps=$(( bps + $(sed -n 's/^accepted bundles\/s: *\([0-9]*\).*/\1/p' "$f") ))
    eps=$(( eps + $(sed -n 's/^accepted events\/s: *\([0-9]*\).*/\1/p' "$f") ))
    p50="$p50 $(sed -n 's/.*p50 \([0-9.]*\).*/\1/p' "$f")"
    p99="$p99 $(sed -n 's/.*p99 \([0-9.]*\).*/\1/p' "$f")"
    failed=$(sed -n 's/.*(\([0-9]*\) failed).*/\1/p' "$f")
  done
  printf '%-34s %8s bundles/s %9s events/s   latency ms p50%s  p99%s   (failed: %s)\n' "$label" "$bps" "$eps" "$p50" "$p99" "$failed"
}

declare -a GPIDS
echo
echo "== ingest: $SESSIONS concurrent sessions, 10 events a bundle, $THINK_MS ms think time, $INGEST_SECONDS s"
start_collector sqlite --db "$TMP/ingest.db"; A=$ADDR
ingest "SQLite, 1 collector" "$A"
stop_collectors
start_collector ch1 --store "clickhouse+http://$CH_HTTP/rum_ingest1?$CH_QUERY&spool=$TMP/spool-1"; A=$ADDR
ingest "ClickHouse 2 shards, 1 collector" "$A"
stop_collectors
start_collector ch2a --store "clickhouse+http://$CH_HTTP/rum_ingest2?$CH_QUERY&spool=$TMP/spool-2a"; A=$ADDR
start_collector ch2b --store "clickhouse+http://$CH_HTTP/rum_ingest2?$CH_QUERY&spool=$TMP/spool-2b"; B=$ADDR
ingest "ClickHouse 2 shards, 2 collectors" "$A" "$B"
stop_collectors

# ---- queries over EVENTS_TOTAL events ----
SESS=$(( EVENTS_TOTAL / 50 ))
NOW=$(( $(date +%s) * 1000 ))
T0=$(( NOW - 7 * 86400000 ))
echo
echo "== queries over $EVENTS_TOTAL stored events ($SESS sessions of 50 events, last 7 days)"

chq() { curl -sS --fail-with-body "http://$CH_HTTP/?database=rum_q&insert_distributed_sync=1" --data-binary "$1"; }
start_collector chq --store "clickhouse+http://$CH_HTTP/rum_q?$CH_QUERY&spool=$TMP/spool-q"; A=$ADDR
t=$(date +%s)
chq "INSERT INTO events (session_id, event_key, event_id, seq, ts, received_ms, event_type, kind, view_id, view_name, name,
  url, message, status_code, success, duration, load_ms, is_pv, is_error, is_api, is_api_failure, is_slow, user_id, method,
  group_key, body)
SELECT concat('s', toString(intDiv(number, 50))) AS sid, concat('e', toString(number)) AS k, k, number,
  $T0 + intDiv(number, 50) * 3000 + (number % 50) * 1000 AS t, t,
  ['view','view','resource','resource','exception','action','resource','resource','resource','resource'][number % 10 + 1],
  ['pv','perf','fetch','xmlhttprequest','error','click','image','image','image','image'][number % 10 + 1],
  concat('v', toString(intDiv(number, 10))), concat('/page/', toString(number % 7)), NULL,
  concat('https://shop.example/page/', toString(number % 7), '?q=', toString(number)),
  if(number % 10 = 4, concat('boom ', toString(number % 20)), NULL),
  if(number % 10 = 3, toInt64(500), NULL), if(number % 10 = 3, toInt64(0), NULL), 4.5,
  if(number % 10 = 0, toFloat64(200 + number % 5000), NULL),
  number % 10 = 0, number % 10 = 4, number % 10 IN (2, 3), number % 10 = 3, number % 10 = 0 AND number % 5000 > 2800,
  concat('uid', toString(intDiv(number, 50) % 50000)), if(number % 10 = 3, 'POST', NULL),
  multiIf(number % 10 = 4, concat('boom ', toString(number % 20)), number % 10 IN (2, 3),
    concat('https://shop.example/page/', toString(number % 7)), NULL),
  concat('{\"event_id\":\"e', toString(number), '\",\"timestamp\":', toString(t), ',\"url\":\"https://shop.example/page/', toString(number % 7), '\"}')
FROM system.numbers LIMIT $EVENTS_TOTAL"
chq "INSERT INTO sessions SELECT concat('s', toString(number)), $T0 + number * 3000 + 49000, 'load-test', '1.0.0', 'prod',
  concat('uid', toString(number % 50000)), concat('load-', toString(number % 50000)), concat('10.0.', toString(number % 250), '.1'),
  'Mozilla/5.0', ['Chrome','Firefox','Safari'][number % 3 + 1], '126', ['Linux','Windows','macOS','Android'][number % 4 + 1],
  'desktop', '4g', ['DE','FR','US','CN'][number % 4 + 1], NULL, NULL, 'loadtest', '{}',
  $T0 + number * 3000, $T0 + number * 3000 + 49000
FROM system.numbers LIMIT $SESS"
echo "ClickHouse bulk load: $(( $(date +%s) - t )) s, $(curl -s "http://$CH_HTTP/?query=SELECT%20count()%20FROM%20rum_q.events") events"

# SQLite: the collector creates the schema, then the same rows are generated in SQL.
start_collector sqlq --db "$TMP/q.db"; B=$ADDR
stop_collectors
t=$(date +%s)
sqlite3 "$TMP/q.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $EVENTS_TOTAL - 1)
INSERT INTO events (session_id, event_id, ts, event_type, type, view_id, view_name, name, url, message, status_code,
  success, duration, load_ms, is_pv, is_error, is_api, is_api_failure, is_slow, user_id, method, group_key, body)
SELECT 's' || (i / 50), 'e' || i, $T0 + (i / 50) * 3000 + (i % 50) * 1000,
  CASE i % 10 WHEN 0 THEN 'view' WHEN 1 THEN 'view' WHEN 4 THEN 'exception' WHEN 5 THEN 'action' ELSE 'resource' END,
  CASE i % 10 WHEN 0 THEN 'pv' WHEN 1 THEN 'perf' WHEN 2 THEN 'fetch' WHEN 3 THEN 'xmlhttprequest' WHEN 4 THEN 'error' WHEN 5 THEN 'click' ELSE 'image' END,
  'v' || (i / 10), '/page/' || (i % 7), NULL, 'https://shop.example/page/' || (i % 7) || '?q=' || i,
  CASE WHEN i % 10 = 4 THEN 'boom ' || (i % 20) END, CASE WHEN i % 10 = 3 THEN 500 END, CASE WHEN i % 10 = 3 THEN 0 END, 4.5,
  CASE WHEN i % 10 = 0 THEN 200 + i % 5000 END,
  i % 10 = 0, i % 10 = 4, i % 10 IN (2, 3), i % 10 = 3, i % 10 = 0 AND i % 5000 > 2800,
  'uid' || ((i / 50) % 50000), CASE WHEN i % 10 = 3 THEN 'POST' END,
  CASE WHEN i % 10 = 4 THEN 'boom ' || (i % 20) WHEN i % 10 IN (2, 3) THEN 'https://shop.example/page/' || (i % 7) END,
  '{"event_id":"e' || i || '","timestamp":' || ($T0 + (i / 50) * 3000 + (i % 50) * 1000) || ',"url":"https://shop.example/page/' || (i % 7) || '"}'
FROM n;
INSERT INTO sessions (session_id, app_id, app_version, env, user_id, user_name, start_ms, end_ms, ip, user_agent, browser,
  browser_version, os, device_type, connection, country, sdk_version, first_url, bundle_meta, first_received_ms,
  last_received_ms, pvs, js_errors, api_calls, api_failures, slow_loads, events)
SELECT session_id, 'load-test', '1.0.0', 'prod', user_id, 'load-' || (CAST(substr(session_id, 2) AS INTEGER) % 50000),
  min(ts), max(ts), '10.0.' || (CAST(substr(session_id, 2) AS INTEGER) % 250) || '.1', 'Mozilla/5.0',
  CASE CAST(substr(session_id, 2) AS INTEGER) % 3 WHEN 0 THEN 'Chrome' WHEN 1 THEN 'Firefox' ELSE 'Safari' END, '126',
  'Linux', 'desktop', '4g', 'DE', 'loadtest', min(url), '{}', max(ts), max(ts),
  sum(is_pv), sum(is_error), sum(is_api), sum(is_api_failure), sum(is_slow), count(*)
FROM events GROUP BY session_id;
SQL
echo "SQLite bulk load: $(( $(date +%s) - t )) s, $(sqlite3 "$TMP/q.db" 'SELECT count(*) FROM events') events, $(du -h "$TMP/q.db" | cut -f1)"
echo "ClickHouse on disk: $(du -sh "$TMP/ch" | cut -f1) (both shards, all databases)"

# lat LABEL URL... : QUERIES requests cycling over the URLs, p50/p95 ms
lat() {
  local label=$1; shift
  local urls=("$@") out="$TMP/lat.txt"; : >"$out"
  for ((q = 0; q < QUERIES; q++)); do
    u=${urls[$((q % ${#urls[@]}))]}
    code=$(curl -s -o "$TMP/body" -w '%{http_code} %{time_total}' "$u")
    [ "${code%% *}" = 200 ] || { echo "$label: HTTP ${code%% *}: $(head -c 300 "$TMP/body")"; return; }
    echo "${code#* }" >>"$out"
  done
  sort -n "$out" | awk -v l="$label" '{a[NR]=$1} END {p50=a[int(NR*0.5+0.999)]; p95=a[int(NR*0.95+0.999)];
    printf "%-56s p50 %7.1f ms   p95 %7.1f ms\n", l, p50*1000, p95*1000}'
}

query_figures() { # NAME ADDR
  local name=$1 addr=$2 sids=()
  for k in 1 2 3 4 5; do sids+=("http://$addr/api/sessions/s$(( (SESS / 6) * k ))"); done
  lat "$name: session list (all, newest first, 50)" "http://$addr/api/sessions?limit=50"
  lat "$name: session list (browser=Firefox, by errors)" "http://$addr/api/sessions?browser=Firefox&sort=errors&limit=50"
  lat "$name: session page (summary + 50 events)" "${sids[@]}"
}
start_collector chq2 --store "clickhouse+http://$CH_HTTP/rum_q?$CH_QUERY&spool=$TMP/spool-q2"; A=$ADDR
query_figures "ClickHouse" "$A"
stop_collectors
start_collector sqlq2 --db "$TMP/q.db"; B=$ADDR
query_figures "SQLite" "$B"
stop_collectors
