#!/usr/bin/env bash
# Builds the prebuilt JupyterLab extension (labextension/ → labextension/minitron_labextension/labextension) with
# @jupyter/builder through the venv's `jupyter-builder`, then copies it into .venv/share/jupyter/labextensions/.
# Idempotent: skips the build when the sources' hash is unchanged and the copy when the installed stamp matches.
# `--force` rebuilds. Needs: npm packages installed (npm ci at the repository root), .venv with jupyterlab.
set -euo pipefail
cd "$(dirname "$0")/../.."
EXT=labextension
NAME=minitron-labextension
OUT="$EXT/minitron_labextension/labextension"
force=0; [ "${1:-}" = "--force" ] && force=1

if [ ! -x .venv/bin/jupyter-builder ] && [ ! -x .venv/bin/jupyter ]; then
  echo "[labextension] .venv has no jupyter; skipped"; exit 0
fi
prefix=$(.venv/bin/python -c 'import sys; print(sys.prefix)')
DEST="$prefix/share/jupyter/labextensions/$NAME"

# The bundle includes the library's dependency-free plan core (src/plan_core and the src/errors.ts it extends).
src_hash=$( { find "$EXT/src" "$EXT/style" src/plan_core src/errors.ts -type f | LC_ALL=C sort | xargs sha1sum; sha1sum "$EXT/package.json" "$EXT/tsconfig.json" package-lock.json; } | sha1sum | cut -c1-40)
if [ "$force" = 1 ] || [ ! -f "$OUT/.minitron-stamp" ] || [ "$(cat "$OUT/.minitron-stamp")" != "$src_hash" ]; then
  echo "[labextension] tsc"
  rm -rf "$EXT/lib"
  npx tsc -p "$EXT/tsconfig.json"
  echo "[labextension] jupyter-builder build (production)"
  rm -rf "$OUT"
  PATH="$prefix/bin:$PATH" "$prefix/bin/jupyter-builder" build "$EXT" 2>&1 | sed -e '/^[[:space:]]*$/d' | tail -n 20
  [ -f "$OUT/package.json" ] || { echo "[labextension] build failed: $OUT/package.json missing"; exit 1; }
  echo "$src_hash" > "$OUT/.minitron-stamp"
else
  echo "[labextension] build up to date"
fi

if [ "$force" = 0 ] && [ -f "$DEST/.minitron-stamp" ] && [ "$(cat "$DEST/.minitron-stamp")" = "$src_hash" ] && [ ! -L "$DEST" ]; then
  echo "[labextension] installed at $DEST (up to date)"
else
  mkdir -p "$(dirname "$DEST")"
  tmp="$DEST.tmp.$$"
  rm -rf "$tmp"; cp -r "$OUT" "$tmp"
  rm -rf "$DEST"; mv "$tmp" "$DEST"
  echo "[labextension] installed at $DEST"
fi
