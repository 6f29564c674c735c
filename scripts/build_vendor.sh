#!/usr/bin/env bash
# tfjs-core's Node bundle registers no gradient functions; they ship only as extensionless ES modules
# (dist/register_all_gradients.js) that plain `node` cannot require. Bundle them once into one CommonJS file
# (vendor/tfjs_gradients.cjs, git-ignored) that src/backend/gradients.ts requires. They register into
# tfjs' global registry, shared with the Node bundle. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
out=vendor/tfjs_gradients.cjs
src=node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js
stamp="$(node -p "require('@tensorflow/tfjs-core/package.json').version")"
if [ -f "$out" ] && head -1 "$out" | grep -q "tfjs-core $stamp"; then echo "[vendor] $out up to date"; exit 0; fi
mkdir -p vendor
node_modules/.bin/esbuild "$src" --bundle --platform=node --format=cjs --log-level=warning \
  --banner:js="// tfjs-core $stamp gradient registrations, bundled by scripts/build_vendor.sh" --outfile="$out.tmp"
mv "$out.tmp" "$out"
echo "[vendor] wrote $out"
