#!/usr/bin/env bash
# Fails when a generated, committed file (dashboards, alert rules, example config docs) is stale:
# regenerates them and asks git whether anything changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f scripts/generate.ts ]; then
  npx tsx scripts/generate.ts
  if ! git diff --exit-code --stat -- dashboards alerts docs; then
    echo "generated files are stale: run 'npx tsx scripts/generate.ts' and commit the result" >&2
    exit 1
  fi
fi
echo "generated files up to date"
