#!/usr/bin/env bash
# Surveys and feedback at scale: import 100,000 survey rows and write feedback for 500 advisors
# over 200,000 stored calls (generated, seeded). Writes bench-out/surveys/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
Scripts/build-release.sh --product attune > /dev/null
python3 Scripts/bench/surveys.py .build/release/attune
