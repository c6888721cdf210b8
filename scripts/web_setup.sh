#!/usr/bin/env bash
# The web widget and its demo page, built into web/dist (git-ignored):
#   npm ci from web/package-lock.json (socket.io-client only), then web/build.mjs, which puts socket.io-client's
#   browser build and web/src/trialchat.js into one file. Nothing is fetched when the page is served.
#   Rebuilt only when web/package*.json, web/build.mjs or web/src changed.
# `scripts/web_setup.sh test` also makes sure the browser tests can run: Debian's chromium (installed with apt-get
# when missing; needs root) — Playwright drives it and never downloads a browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "web_setup: '$tool' is required to build the web widget (Node.js 18 or newer with npm)." >&2
    exit 1
  }
done

want=$( { cat web/package.json web/package-lock.json web/build.mjs; find web/src -type f | LC_ALL=C sort | xargs cat; } \
  | sha256sum | cut -c1-16)
stamp=web/node_modules/.trialbot-web-stamp
if [ "$want" = "$(cat "$stamp" 2>/dev/null || true)" ] && [ -f web/dist/trialchat.js ]; then
  echo "web_setup: web/dist is up to date"
else
  echo "web_setup: building web/dist (npm ci, then web/build.mjs)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs)
  echo "$want" > "$stamp"
fi

case "$mode" in
  build) ;;
  test)
    if [ ! -x /usr/bin/chromium ]; then
      echo "web_setup: installing Debian's chromium for the browser tests"
      if [ "$(id -u)" -ne 0 ]; then
        echo "web_setup: run as root, or: sudo apt-get install -y --no-install-recommends chromium fonts-dejavu-core" >&2
        exit 1
      fi
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
    fi
    echo "web_setup: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
    ;;
  *) echo "usage: scripts/web_setup.sh [build|test]" >&2; exit 2 ;;
esac
