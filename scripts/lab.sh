#!/usr/bin/env bash
# The README's lab command (after set-up): until the kernel and lab extension land, print the real model's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/minitron.js info .cache/models/smollm2-135m
