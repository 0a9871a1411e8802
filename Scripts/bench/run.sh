#!/usr/bin/env bash
# Benchmarks (figures for the closing notes and the README).
#   Scripts/bench/run.sh                 # analysis: speed against the C floor, memory, per-frame mallocs
#   Scripts/bench/run.sh --quick         # analysis speed and memory only
#   Scripts/bench/run.sh --batch         # also the batch: --jobs 2 vs 1, the store's share, memory by file count
#   Scripts/bench/run.sh --quick --compare OLD/attune ...   # other builds timed in the same rounds (last option)
# Writes bench-out/ (git-ignored). Needs sox and a C compiler (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
Scripts/install-dependencies.sh
command -v sox > /dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq sox libsox-fmt-all > /dev/null; }
command -v cc > /dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq gcc > /dev/null; }
Scripts/build-release.sh > /dev/null
mkdir -p bench-out
cc -O2 Scripts/bench/floor.c -lsndfile -lfftw3f -lm -o bench-out/floor
python3 Scripts/bench/bench.py "$@"
if [[ " $* " == *" --batch "* ]]; then python3 Scripts/bench/batch.py; fi
