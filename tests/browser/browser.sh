#!/usr/bin/env bash
# browser.sh - runs the page's browser tests (run.mjs) in Debian's headless Chromium, or
# skips (exit 77, meson's skip) when Chromium is not installed. tools/setup installs
# Chromium, Node.js and the two npm packages the tests use (package.json beside this file).
#
#   browser.sh UCCN_BIN SOURCE_ROOT OUT_DIR     (OUT_DIR receives the screenshots)
set -euo pipefail

uccn_bin=$1
source_root=$2
out_dir=$3
here=$(cd "$(dirname "$0")" && pwd)
chromium=${UCCN_CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium" ]; then
	echo "browser: SKIP: $chromium is not installed (tools/setup installs Debian's chromium)"
	exit 77
fi
if ! command -v node >/dev/null 2>&1; then
	echo "browser: node is not installed; run tools/setup (it installs nodejs and npm)" >&2
	exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
	echo "browser: tests/browser/node_modules is missing; run tools/setup (npm ci there)" >&2
	exit 1
fi

export UCCN_BIN=$uccn_bin UCCN_SOURCE_ROOT=$source_root UCCN_CHROMIUM=$chromium
export UCCN_SCREENSHOTS=$out_dir/browser-screenshots
mkdir -p "$UCCN_SCREENSHOTS"
rm -f "$UCCN_SCREENSHOTS"/failed-*.png
major=$(node -p "process.versions.node.split('.')[0]")
if [ "$major" -lt 20 ]; then
	echo "browser: Node.js $(node --version) is too old for playwright-core (20 or later)" >&2
	exit 1
fi
exec node --test --test-concurrency=1 --test-reporter=spec "$here/run.mjs"
