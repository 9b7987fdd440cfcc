#!/usr/bin/env bash
# A two-shard ClickHouse cluster on loopback, for tests and the load script.
#
#   scripts/clickhouse-cluster.sh start DIR   writes configs under DIR, starts two servers on free
#                                             ports, waits until both answer, prints the store URL
#                                             (also written to DIR/url)
#   scripts/clickhouse-cluster.sh stop DIR    stops both servers (pid files under DIR)
#
# Cluster name `rum_cluster`, one replica per shard, passwordless `default` user on 127.0.0.1
# only. No ZooKeeper: `ON CLUSTER` DDL does not work, the collector runs DDL on every shard.
set -euo pipefail
cmd=${1:-}; D=${2:-}
[ -n "$cmd" ] && [ -n "$D" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

stop() {
  for i in 1 2; do
    f=$D/s$i/pid
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  command -v clickhouse-server >/dev/null || { echo "clickhouse-server is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
  mkdir -p "$D"; D=$(cd "$D" && pwd)
  H1=$(free_port); T1=$(free_port); H2=$(free_port); T2=$(free_port)
  for i in 1 2; do
    if [ $i = 1 ]; then H=$H1; T=$T1; else H=$H2; T=$T2; fi
    mkdir -p "$D/s$i/data" "$D/s$i/tmp" "$D/s$i/user_files" "$D/s$i/format_schemas"
    cat > "$D/s$i/config.xml" <<X
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$D/s$i/server.log</log><errorlog>$D/s$i/error.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>$H</http_port>
  <tcp_port>$T</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$D/s$i/data/</path>
  <tmp_path>$D/s$i/tmp/</tmp_path>
  <user_files_path>$D/s$i/user_files/</user_files_path>
  <format_schema_path>$D/s$i/format_schemas/</format_schema_path>
  <users_config>$D/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <rum_cluster>
      <shard><replica><host>127.0.0.1</host><port>$T1</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$T2</port></replica></shard>
    </rum_cluster>
  </remote_servers>
</yandex>
X
  done
  cat > "$D/users.xml" <<X
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
X
  for i in 1 2; do
    (cd "$D/s$i" && exec clickhouse-server --config-file="$D/s$i/config.xml" >"$D/s$i/stdout.log" 2>&1) &
    echo $! > "$D/s$i/pid"
  done
  for H in $H1 $H2; do
    ok=
    for _ in $(seq 1 150); do
      if [ "$(curl -s "http://127.0.0.1:$H/?query=SELECT%201" 2>/dev/null)" = "1" ]; then ok=1; break; fi
      sleep 0.2
    done
    [ -n "$ok" ] || { echo "ClickHouse on port $H did not answer within 30 s (see $D/s*/error.log)" >&2; stop; exit 1; }
  done
  echo "clickhouse+http://127.0.0.1:$H1/default?cluster=rum_cluster&shards=127.0.0.1:$H1,127.0.0.1:$H2" > "$D/url"
  echo "$H2" > "$D/second_http_port"
  cat "$D/url"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
