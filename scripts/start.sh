#!/usr/bin/env bash
# The main job: set-up, build the SDK, then start the collector on its embedded SQLite store,
# serving the demo page (/demo/), the console (/console/) and the SDK (/dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
ADDR=${RUM_ADDR:-127.0.0.1:8080}
bash scripts/setup.sh
bash scripts/build.sh
cargo build -p rum-collector --profile collector
mkdir -p remote-config
echo
echo "  demo page:  http://$ADDR/demo/"
echo "  console:    http://$ADDR/console/   (log in as admin: its password is printed below on the"
echo "              first start only; lost: target/collector/rum-collector user password admin --db ${RUM_DB:-rum.db})"
echo "  ingest:     http://$ADDR/collect     (Ctrl-C stops; data stays in rum.db)"
echo
exec target/collector/rum-collector --addr "$ADDR" --db "${RUM_DB:-rum.db}" --www www --dist dist --config-dir remote-config
