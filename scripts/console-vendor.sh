#!/usr/bin/env bash
# The console's replay player, rrweb-player (MIT, pinned in package.json), copied from node_modules
# into www/console/vendor/ so the collector serves it itself (no CDN). Only the session page loads
# it. Idempotent: copies again only when node_modules holds a different file.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=node_modules/rrweb-player
DST=www/console/vendor
[ -f "$SRC/dist/rrweb-player.umd.min.cjs" ] || { echo "[setup] $SRC missing: run npm ci" >&2; exit 1; }
mkdir -p "$DST"
copy() { cmp -s "$1" "$2" || cp "$1" "$2"; }
# The UMD build defines window.rrwebPlayer; served as .js so it gets a script MIME type.
copy "$SRC/dist/rrweb-player.umd.min.cjs" "$DST/rrweb-player.js"
copy "$SRC/dist/style.min.css" "$DST/rrweb-player.css"
copy "$SRC/LICENSE" "$DST/LICENSE.rrweb-player" 2>/dev/null || node -e "
  const p = require('./$SRC/package.json'); require('fs').writeFileSync('$DST/LICENSE.rrweb-player', p.name + ' ' + p.version + ': ' + p.license + ' license, ' + (p.repository && p.repository.url || '') + '\n')"
echo "[setup] console player: rrweb-player $(node -p "require('./$SRC/package.json').version") in $DST"
