#!/usr/bin/env bash
# The web inbox in a real browser: Debian's Chromium (/usr/bin/chromium, headless) driven by
# playwright-core from tests/browser/node_modules. Never downloads a browser.
#
#   bash tests/browser/run.sh              # checks
#   SCREENSHOTS=1 bash tests/browser/run.sh  # and rewrites docs/inbox.png, docs/email.png
#
# Needs cargo, npm and chromium (`apt-get install -y chromium`; .ci/run installs it).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "no Chromium at ${CHROMIUM:-/usr/bin/chromium}: apt-get install -y chromium" >&2
  exit 1
fi

echo "== installing playwright-core and @axe-core/playwright into tests/browser/node_modules"
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/@axe-core/playwright ]; then
  # The browser comes from Debian; playwright-core never downloads one, and this says so.
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

echo "== cargo build (the binary the page is served by)"
cargo build --bin exchange-um-mock
target_dir="${CARGO_TARGET_DIR:-target}"

echo "== the web inbox in headless Chromium"
EXUM_BIN="$target_dir/debug/exchange-um-mock" node tests/browser/inbox.test.mjs
