#!/usr/bin/env bash
# Installs the default country geo database for the collector, only if it is missing.
# geo-whois-asn-country is CC0-1.0 (public domain), so it can ship with anything.
# Second run: no network. The collector starts fine without it (geo fields stay empty).
set -euo pipefail
cd "$(dirname "$0")"
PKG=@ip-location-db/geo-whois-asn-country-mmdb
MMDB=node_modules/$PKG/geo-whois-asn-country.mmdb
if [ -s "$MMDB" ]; then
  echo "[geo] $MMDB: present"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "[geo] npm not found: skipping the geo database (the collector runs without it)" >&2
  exit 0
fi
echo "[geo] installing $PKG"
npm install --prefix . --no-save --no-audit --no-fund "$PKG" >/dev/null
ls -l "$MMDB"
