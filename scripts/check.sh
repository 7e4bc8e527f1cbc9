#!/usr/bin/env bash
# The one test command (npm test): lint, format check, type check, generated-file check, all tests.
# CI runs exactly this; so should you before a commit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "== lint";        npx eslint .
echo "== format";      npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
echo "== types";       npx tsc --noEmit
echo "== generated";   bash scripts/check-generated.sh
echo "== tests";       npx vitest run "$@"
