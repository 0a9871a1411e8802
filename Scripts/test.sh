#!/usr/bin/env bash
# Runs the whole test suite, installing what it needs first if missing.
#   Scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-dependencies.sh --tests
swift test
