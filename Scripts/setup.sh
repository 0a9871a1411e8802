#!/usr/bin/env bash
# One command on a fresh Debian 12 machine with Swift 6.3 (the only prerequisite apt cannot give):
# installs the C libraries Attune links (libsndfile, FFTW), builds the release binary and analyses
# a bundled fixture call.
#   Scripts/setup.sh            # then: .build/release/attune analyze fixtures/calls/heated-clean.flac
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-dependencies.sh
Scripts/build-release.sh
.build/release/attune analyze fixtures/calls/heated-clean.flac
