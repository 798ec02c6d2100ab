#!/usr/bin/env bash
# The whole gate: installs what the suites need when missing, then static checks and every
# vitest suite (unit, real peers, Deno and Node smoke tests, Redis, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-deps.sh
bash scripts/check.sh
npx vitest run "$@"
