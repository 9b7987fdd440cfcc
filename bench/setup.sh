#!/usr/bin/env bash
# Installs the benchmark's own dependencies (the peer SDKs, esbuild, playwright-core) into
# bench/node_modules. Idempotent: does nothing when they are already installed.
# No browser is downloaded: the benchmark drives the system Chromium (/usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
need=0
for p in @arms/rum-browser @datadog/browser-rum @datadog/browser-rum-slim @sentry/browser \
         @grafana/faro-web-sdk @elastic/apm-rum @openobserve/browser-rum @rrweb/record esbuild playwright-core; do
  [ -f "node_modules/$p/package.json" ] || need=1
done
if [ "$need" = 1 ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
else
  echo "bench: dependencies already installed"
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "bench: warning: ${CHROMIUM:-/usr/bin/chromium} not found (apt-get install -y chromium)" >&2
fi
