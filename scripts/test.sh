#!/usr/bin/env bash
# The whole gate: installs what the suites need when missing, then static checks and every
# vitest suite (unit, real peers, Deno and Node smoke tests, Redis, browser). Ends with one
# plain summary line, "tests: N passed, N failed, N skipped", read from vitest's JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-deps.sh
bash scripts/check.sh
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" ||
  status=$?
node -e '
const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || echo "tests: no report written (vitest exit $status)"
exit "$status"
