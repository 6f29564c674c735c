#!/usr/bin/env bash
# Builds the Jupyter kernel (kernel/src → kernel/dist) and installs its kernelspec `minitron` into the project's
# .venv (sys-prefix), so jupyter_client / JupyterLab from .venv find it. Runs after the root `tsc` build (the kernel
# preloads dist/index.js). Idempotent: rebuilding and rewriting the kernelspec are safe to repeat.
# MINITRON_KERNEL_PREFIX=DIR installs into DIR/share/jupyter/kernels instead (used to test this script).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/index.js ] || npx tsc -p tsconfig.json
npx tsc -p kernel/tsconfig.json
if [ -n "${MINITRON_KERNEL_PREFIX:-}" ]; then
  node kernel/bin/minitron-kernel.js install --prefix "$MINITRON_KERNEL_PREFIX"
else
  node kernel/bin/minitron-kernel.js install --sys-prefix --python .venv/bin/python
fi
