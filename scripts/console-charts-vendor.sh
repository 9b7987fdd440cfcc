#!/usr/bin/env bash
# The console's charts and world map, copied from node_modules (pinned in package.json) into
# www/console/vendor/ so the collector serves them itself (no CDN): uPlot (MIT) for the charts,
# d3-geo + d3-array (ISC) to project and draw, topojson-client (ISC) to decode, world-atlas
# (ISC; Natural Earth data, public domain) for the country shapes, and i18n-iso-countries' code
# table (MIT) to match the collector's ISO alpha-2 countries to the atlas' numeric ids. Only the
# pages that draw load them. Idempotent: copies again only when node_modules holds a different file.
set -euo pipefail
cd "$(dirname "$0")/.."
DST=www/console/vendor
NM=node_modules
for f in uplot/dist/uPlot.iife.min.js d3-geo/dist/d3-geo.min.js d3-array/dist/d3-array.min.js topojson-client/dist/topojson-client.min.js \
  world-atlas/countries-110m.json i18n-iso-countries/codes.json; do
  [ -f "$NM/$f" ] || { echo "[setup] $NM/$f missing: run npm ci" >&2; exit 1; }
done
mkdir -p "$DST"
copy() { cmp -s "$1" "$2" || cp "$1" "$2"; }
copy "$NM/uplot/dist/uPlot.iife.min.js" "$DST/uplot.js"
copy "$NM/uplot/dist/uPlot.min.css" "$DST/uplot.css"
copy "$NM/d3-array/dist/d3-array.min.js" "$DST/d3-array.js"
copy "$NM/d3-geo/dist/d3-geo.min.js" "$DST/d3-geo.js"
copy "$NM/topojson-client/dist/topojson-client.min.js" "$DST/topojson-client.js"
copy "$NM/world-atlas/countries-110m.json" "$DST/countries-110m.json"
copy "$NM/i18n-iso-countries/codes.json" "$DST/country-codes.json"
for p in uplot d3-geo d3-array topojson-client world-atlas i18n-iso-countries; do
  copy "$NM/$p/LICENSE" "$DST/LICENSE.$p"
done
echo "[setup] console charts and map: uplot $(node -p "require('./$NM/uplot/package.json').version"), world-atlas $(node -p "require('./$NM/world-atlas/package.json').version") in $DST"
