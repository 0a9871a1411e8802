#!/usr/bin/env bash
# Speed, memory and allocation benchmarks for issue 2 (figures for the closing note / README).
#   Scripts/bench/run.sh                 # everything (about 5 minutes)
#   Scripts/bench/run.sh --quick         # speed and memory only
# Writes bench-out/ (git-ignored). Needs sox and a C compiler (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
Scripts/install-dependencies.sh
command -v sox > /dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq sox libsox-fmt-all > /dev/null; }
command -v cc > /dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq gcc > /dev/null; }
swift build -c release > /dev/null
mkdir -p bench-out
cc -O2 Scripts/bench/floor.c -lsndfile -lfftw3f -lm -o bench-out/floor
exec python3 Scripts/bench/bench.py "$@"
