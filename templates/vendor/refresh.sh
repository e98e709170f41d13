#!/usr/bin/env bash
# refresh.sh builds echarts.report.min.js, the ECharts the report inlines,
# from the npm packages pinned in build/package.json and
# build/package-lock.json: ECharts with only what the report uses
# (build/entry.js), bundled and minified by the pinned esbuild. It copies
# the licenses next to it and prints the file's size and SHA-256; the same
# lock file gives the same bytes on any machine.
#
# Usage: templates/vendor/refresh.sh   (needs node 18+ and npm; CI does not
# run it, it uses the committed file)
#
# To change a version, edit build/package.json, run
# `npm install --package-lock-only --ignore-scripts` in build/, then this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/build/package.json" "$here/build/package-lock.json" "$here/build/entry.js" "$tmp/"
cd "$tmp"
# npm ci installs exactly the lock file's packages, each checked against
# its integrity hash, and runs no install scripts.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
echarts=$(node -p 'require("./node_modules/echarts/package.json").version')
zrender=$(node -p 'require("./node_modules/zrender/package.json").version')
tslib=$(node -p 'require("./node_modules/tslib/package.json").version')
banner="/*! Apache ECharts $echarts (Apache-2.0) with ZRender $zrender (BSD-3-Clause) and tslib $tslib (0BSD), \
bar, line and graph charts, grid, tooltip, legend, dataZoom and the SVG and canvas renderers only; built for pcapreport \
by templates/vendor/refresh.sh, licenses in templates/vendor/ */"
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=echarts \
  --define:process.env.NODE_ENV='"production"' --target=es2015 --charset=ascii \
  --legal-comments=none --banner:js="$banner" --log-level=warning --outfile=echarts.js
# The file is inlined in an HTML <script> element: it must not end it.
if LC_ALL=C grep -qiE '</script|<!--|<script' echarts.js; then
  echo "refresh.sh: the build contains </script, <script or <!--; it cannot be inlined" >&2
  exit 1
fi
cp echarts.js "$here/echarts.report.min.js"
cp node_modules/echarts/LICENSE "$here/ECHARTS-LICENSE"
cp node_modules/echarts/NOTICE "$here/ECHARTS-NOTICE"
cp node_modules/echarts/licenses/LICENSE-d3 "$here/ECHARTS-LICENSE-d3"
cp node_modules/zrender/LICENSE "$here/ZRENDER-LICENSE"
cd "$here"
echo "echarts.report.min.js: ECharts $echarts, $(wc -c <echarts.report.min.js) bytes"
sha256sum echarts.report.min.js
