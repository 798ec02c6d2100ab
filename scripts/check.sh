#!/usr/bin/env bash
# The static gate: format, lint, type check under Node's TypeScript and under Deno.
set -euo pipefail
cd "$(dirname "$0")/.."
npx deno fmt --check
npx deno lint
npx tsc --noEmit -p .
npx deno check src/main.ts plugins/*.ts scripts/*.ts
