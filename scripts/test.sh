#!/usr/bin/env bash
# Runs every test: Python-driven protocol tests (pytest, .venv) first, then the TypeScript tests with
# Node's built-in runner, whose summary is the last thing printed. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
echo "[test] tsc --noEmit (src, test, bench)"
npx tsc -p tsconfig.test.json --noEmit || status=1
if compgen -G "test/py/test_*.py" >/dev/null; then
  echo "[test] pytest test/py"
  .venv/bin/python -m pytest -q test/py || status=1
fi
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "[test] node --test (${#files[@]} files)"
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=1
exit $status
