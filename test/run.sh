#!/usr/bin/env bash
# The whole test suite: build the Node bundle, then run every test with Deno.
set -euo pipefail
cd "$(dirname "$0")/.."
DENO=node_modules/.bin/deno
"$DENO" run -A build.ts
exec "$DENO" test -A --parallel "${@:-test/}"
