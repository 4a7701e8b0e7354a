#!/usr/bin/env bash
# The whole test suite: build the bundle and the single-file executable, run
# every test with Deno, then run the keys HTTP suite, a cluster tutorial and
# the real-client tests once more against the executable itself (dist/etcd).
set -euo pipefail
cd "$(dirname "$0")/.."
DENO=node_modules/.bin/deno
"$DENO" run -A build.ts
if [ $# -gt 0 ]; then exec "$DENO" test -A --parallel "$@"; fi
"$DENO" test -A --parallel test/
echo "== again against the executable dist/etcd =="
ETCD_TEST_BINARY="$PWD/dist/etcd" ETCD_TEST_RUNTIMES=node \
  "$DENO" test -A --parallel test/http/keys.test.ts test/cluster/seed000_clustering.test.ts test/clients/
