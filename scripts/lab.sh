#!/usr/bin/env bash
# Starts JupyterLab from .venv on notebooks/ with the minitron kernel (TypeScript, `mt` and `tf` preloaded).
# Usage: bash scripts/lab.sh [extra jupyter lab args]   (npm run lab runs the set-up first)
# Env: PORT (8888), JUPYTER_IP (127.0.0.1), JUPYTER_TOKEN (random), LAB_BROWSER=1 to open a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/jupyter ]; then echo "[lab] .venv/bin/jupyter missing: run bash scripts/setup.sh first" >&2; exit 1; fi
specs="$(.venv/bin/jupyter kernelspec list --json 2>/dev/null || true)"  # not piped into grep -q: SIGPIPE + pipefail
case "$specs" in *'"minitron"'*) ;; *) bash scripts/setup.d/kernel.sh ;; esac
mkdir -p notebooks
PORT="${PORT:-8888}"
IP="${JUPYTER_IP:-127.0.0.1}"
TOKEN="${JUPYTER_TOKEN:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
browser=(--no-browser)
root=(); [ "$(id -u)" = 0 ] && root=(--allow-root)
[ "${LAB_BROWSER:-0}" = 1 ] && browser=()
host="$IP"; [ "$IP" = 0.0.0.0 ] && host=localhost
echo "[lab] JupyterLab on notebooks/ with kernel 'TypeScript (minitron)'"
echo "[lab] URL: http://$host:$PORT/lab?token=$TOKEN"
exec .venv/bin/jupyter lab "${browser[@]}" "${root[@]}" --ServerApp.root_dir=notebooks --ServerApp.ip="$IP" --ServerApp.port="$PORT" \
  --ServerApp.port_retries=0 --IdentityProvider.token="$TOKEN" "$@"
