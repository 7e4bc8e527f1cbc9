#!/usr/bin/env bash
# Fails when a generated, committed file (alert rules, Alertmanager example, rule tests, dashboards)
# is stale: regenerates them and asks git whether any of exactly those files changed.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t written < <(npx tsx scripts/generate.ts | sed -n 's/^wrote //p')
if [ ${#written[@]} -eq 0 ]; then
  echo "scripts/generate.ts wrote nothing" >&2
  exit 1
fi
if ! git diff --exit-code --stat -- "${written[@]}"; then
  echo "generated files are stale: run 'npx tsx scripts/generate.ts' and commit the result" >&2
  exit 1
fi
if [ -n "$(git ls-files --others --exclude-standard -- "${written[@]}")" ]; then
  echo "generated files are not committed: ${written[*]}" >&2
  exit 1
fi
echo "generated files up to date (${#written[@]} files)"
