#!/usr/bin/env bash
# The `mailsla` command: runs cli/main.ts with this checkout's tsx (no build step).
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
exec "$here/node_modules/.bin/tsx" "$here/cli/main.ts" "$@"
