#!/usr/bin/env bash
# Runs the whole test suite, installing what it needs first if missing, with a throw-away
# PostgreSQL server (Scripts/postgres-cluster.sh) for the store tests, stopped at the end.
#   Scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-dependencies.sh --tests
eval "$(Scripts/postgres-cluster.sh start)"
trap 'Scripts/postgres-cluster.sh stop "$ATTUNE_TEST_POSTGRES_DATA"' EXIT
swift test
