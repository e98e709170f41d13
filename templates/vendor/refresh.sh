#!/usr/bin/env bash
# refresh.sh copies the ECharts bundle the report inlines from the echarts npm
# package. Usage: templates/vendor/refresh.sh [VERSION] (default 5.6.0).
set -euo pipefail
version=${1:-5.6.0}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# npm pack verifies the tarball against the registry's integrity hash.
npm pack --silent "echarts@$version" >/dev/null
tar xzf "echarts-$version.tgz"
cp package/dist/echarts.common.min.js "$here/echarts.common.min.js"
cp package/LICENSE "$here/ECHARTS-LICENSE"
cp package/NOTICE "$here/ECHARTS-NOTICE"
echo "echarts $version copied into $here; update the version in README.md"
