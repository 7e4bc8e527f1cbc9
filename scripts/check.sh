#!/usr/bin/env bash
# The one test command (npm test): lint, format check, type check, generated-file check, all tests.
# CI runs exactly this; so should you before a commit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "== lint";        npx eslint .
echo "== format";      npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
echo "== types";       npx tsc --noEmit
echo "== imports";     node scripts/check-imports.mjs
echo "== generated";   bash scripts/check-generated.sh
echo "== tests"
reportdir="$(mktemp -d)"; trap 'rm -rf "$reportdir"' EXIT
report="$reportdir/vitest.json"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# the plain closing line CI reads: "tests: N passed, N failed"
# (a file that fails to load has no failed test but a failed suite: count it as one failure)
node -e 'const r = require(process.argv[1]);
  const failed = r.numFailedTests || r.numFailedTestSuites;
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed`);' "$report" || true
exit "$status"
