#!/usr/bin/env bash
# Builds the prebuilt JupyterLab extension (labextension/ → labextension/minitron_labextension/labextension: tsc, then
# @jupyter/builder through the venv's `jupyter-builder`) and installs the Python package `minitron-labextension`
# (labextension/pyproject.toml: hatchling + hatch-jupyter-builder, as the JupyterLab extension template does) into
# .venv with pip, so `jupyter labextension list` shows it "enabled OK (python, minitron-labextension)".
# Offline once .venv has the build backend: `pip install --no-build-isolation` uses .venv's hatchling and
# hatch-jupyter-builder (installed from the package index the first time, pinned below).
# Idempotent: skips the build when the sources' hash is unchanged and the install when the installed stamp matches.
# `--force` rebuilds and reinstalls. Needs: npm packages installed (npm ci at the repository root), .venv with jupyterlab.
set -euo pipefail
cd "$(dirname "$0")/../.."
EXT=labextension
NAME=minitron-labextension
OUT="$EXT/minitron_labextension/labextension"
BUILD_DEPS="hatchling==1.33.0 hatch-jupyter-builder==0.10.0"
force=0; [ "${1:-}" = "--force" ] && force=1

if [ ! -x .venv/bin/jupyter-builder ] || [ ! -x .venv/bin/python ]; then
  echo "[labextension] .venv has no jupyter-builder (jupyterlab); skipped"; exit 0
fi
PY=.venv/bin/python
prefix=$($PY -c 'import sys; print(sys.prefix)')
DEST="$prefix/share/jupyter/labextensions/$NAME"

# The bundle includes the library's dependency-free plan core (src/plan_core and the src/errors.ts it extends).
src_hash=$( { find "$EXT/src" "$EXT/style" src/plan_core src/errors.ts -type f | LC_ALL=C sort | xargs sha1sum;
  sha1sum "$EXT/package.json" "$EXT/tsconfig.json" "$EXT/pyproject.toml" "$EXT/install.json" "$EXT/minitron_labextension/__init__.py" package-lock.json; } | sha1sum | cut -c1-40)
if [ "$force" = 1 ] || [ ! -f "$OUT/.minitron-stamp" ] || [ "$(cat "$OUT/.minitron-stamp")" != "$src_hash" ]; then
  echo "[labextension] tsc"
  rm -rf "$EXT/lib"
  npx tsc -p "$EXT/tsconfig.json"
  echo "[labextension] jupyter-builder build (production)"
  rm -rf "$OUT"
  PATH="$prefix/bin:$PATH" "$prefix/bin/jupyter-builder" build "$EXT" 2>&1 | sed -e '/^[[:space:]]*$/d' | tail -n 20
  [ -f "$OUT/package.json" ] && [ -f "$OUT/static/style.js" ] || { echo "[labextension] build failed: $OUT/package.json or static/style.js missing"; exit 1; }
  echo "$src_hash" > "$OUT/.minitron-stamp"
else
  echo "[labextension] build up to date"
fi

installed() { $PY -c 'import importlib.metadata as m; m.distribution("minitron-labextension")' 2>/dev/null; }
if [ "$force" = 0 ] && installed && [ -f "$DEST/.minitron-stamp" ] && [ "$(cat "$DEST/.minitron-stamp")" = "$src_hash" ]; then
  echo "[labextension] pip package installed at $DEST (up to date)"
  exit 0
fi
if ! $PY -c 'import hatchling, hatch_jupyter_builder' 2>/dev/null; then
  echo "[labextension] pip install $BUILD_DEPS (the package's build backend, into .venv)"
  $PY -m pip install -q --disable-pip-version-check $BUILD_DEPS
fi
echo "[labextension] pip install ./$EXT (no build isolation: .venv's hatchling; the prebuilt files are used as they are)"
$PY -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps --force-reinstall "./$EXT"
# Files of an older copy or build that the package does not own (renamed hashed chunks) are removed.
$PY - "$DEST" <<'PYEOF'
import importlib.metadata as md, pathlib, sys
dest = pathlib.Path(sys.argv[1]).resolve()
owned = {pathlib.Path(f.locate()).resolve() for f in (md.distribution("minitron-labextension").files or [])}
for p in sorted(dest.rglob("*"), reverse=True):
    if p.is_file() and p.resolve() not in owned: p.unlink()
    elif p.is_dir() and not any(p.iterdir()): p.rmdir()
PYEOF
[ -f "$DEST/package.json" ] && [ "$(cat "$DEST/.minitron-stamp")" = "$src_hash" ] || { echo "[labextension] install failed: $DEST"; exit 1; }
echo "[labextension] installed $NAME into $prefix (pip)"
