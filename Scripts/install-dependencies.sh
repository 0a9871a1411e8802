#!/usr/bin/env bash
# Installs the Debian packages Attune needs, only if some are missing (safe to run repeatedly).
#   build and run:  libsndfile1-dev (decoding), libfftw3-dev (FFT), libsqlite3-dev (results store)
#   tests:          chromium (headless rendering of the live pages and the feedback reports), openssl
#                   (test certificates for the wss tests),
#                   sox and Python's numpy (Scripts/make_realspeech.py builds the real-speech test calls),
#                   postgresql (a throw-away server for the PostgreSQL store tests, Scripts/postgres-cluster.sh)
#   Scripts/install-dependencies.sh           # what building and running needs
#   Scripts/install-dependencies.sh --tests   # and what the tests need
set -euo pipefail
packages=(libsndfile1-dev libfftw3-dev libsqlite3-dev pkg-config)
tests=0
[[ " $* " == *" --tests "* ]] && tests=1
[ $tests -eq 1 ] && packages+=(chromium sox openssl postgresql)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
fi
if [ $tests -eq 1 ] && ! python3 -c "import numpy" 2>/dev/null; then
    echo "Installing: numpy (pip)"
    python3 -m pip install --quiet numpy
fi
command -v swift > /dev/null || { echo "Swift 6.3 is required (https://www.swift.org/install/linux/)" >&2; exit 1; }
