#!/usr/bin/env bash
# The release build every script uses (then .build/release/attune):
#   Scripts/build-release.sh                      # everything
#   Scripts/build-release.sh --product attune     # one product
# --static-swift-stdlib links the Swift runtime and Foundation into the binary: `attune` then
# starts in about 14 ms instead of 21 (nothing to bind against libswiftCore and Foundation at each
# start, and every `analyze` is a process) and runs where no Swift toolchain is installed.
# (A plain `swift build -c release` also works, but switching between the two rebuilds everything.)
# On an x86-64 machine with AVX2 (x86-64-v3) the signal engine is compiled for it (Package.swift,
# `engineCPUSettings`): the binary then needs such a CPU. ATTUNE_PORTABLE=1 builds for any x86-64.
# The linker warns that Foundation's createTemporaryFile uses `mktemp`: glibc marks the symbol, and
# only a static link shows it. It is about Foundation's code, not ours; a dynamic build runs the same.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release --static-swift-stdlib "$@"
