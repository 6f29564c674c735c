#!/usr/bin/env bash
# Builds the native kernels (native/ -> native/build/Release/minitron_native.node) with node-gyp against
# local Node headers and Debian's OpenBLAS. Never downloads: node-gyp gets --nodedir pointing at the
# installed headers, or (no headers) the addon is compiled directly with g++ against npm node-api-headers.
# Idempotent: skips when the .node file is newer than every source. Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
out=native/build/Release/minitron_native.node
say() { printf '[build_native] %s\n' "$*"; }
fail() { say "error: $*"; exit 1; }

if [ -f "$out" ] && [ -z "$(find native -maxdepth 2 -newer "$out" \( -name '*.cc' -o -name '*.h' -o -name '*.gyp' \))" ] && [ "$out" -nt "$0" ]; then
  say "up to date ($out)"; exit 0
fi
command -v g++ >/dev/null || fail "no C++ compiler (apt-get install g++)"
pkg-config --exists openblas 2>/dev/null || [ -f /usr/include/cblas.h ] || [ -f /usr/include/x86_64-linux-gnu/cblas.h ] \
  || fail "OpenBLAS headers not found (apt-get install libopenblas-dev pkg-config)"

# Local Node headers: <nodedir>/include/node/node_api.h next to the running node binary.
nodedir="$(cd "$(dirname "$(readlink -f "$(command -v node)")")/.." && pwd)"
gyp=""
for c in "${npm_config_node_gyp:-}" "$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js" \
         "$nodedir/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js" node_modules/node-gyp/bin/node-gyp.js; do
  [ -n "$c" ] && [ -f "$c" ] && { gyp="$c"; break; }
done

# MINITRON_NATIVE_BUILDER=gxx forces the direct g++ build (the path used where Node's headers are absent).
if [ "${MINITRON_NATIVE_BUILDER:-}" != gxx ] && [ -f "$nodedir/include/node/node_api.h" ] && [ -f "$nodedir/include/node/common.gypi" ] \
   && [ -n "$gyp" ] && command -v make >/dev/null; then
  say "node-gyp ($gyp) --nodedir=$nodedir"
  (cd native && node "$gyp" rebuild --nodedir="$nodedir" --loglevel=warn) || fail "node-gyp build failed"
else
  hdr="$(node -p "require('node-api-headers').include_dir" 2>/dev/null || true)"
  [ -n "$hdr" ] && [ -f "$hdr/node_api.h" ] || fail "no Node headers ($nodedir/include/node) and no npm node-api-headers"
  say "g++ with node-api-headers ($hdr)"
  mkdir -p native/build/Release
  # shellcheck disable=SC2046
  g++ -shared -fPIC -pthread -O3 -march=native -fno-math-errno -fno-trapping-math -std=c++17 -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=minitron_native \
    -I"$hdr" $(pkg-config --cflags openblas 2>/dev/null) native/src/*.cc \
    -o "$out.tmp" $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) || fail "g++ build failed"
  mv "$out.tmp" "$out"
fi
[ -f "$out" ] || fail "build produced no $out"
node -e "const m=require('./$out'); const i=m.info(); console.log('[build_native] ok: OpenBLAS threads=' + i.threads + ' (' + i.config.trim() + ')')" \
  || fail "built addon does not load"
touch "$out"
