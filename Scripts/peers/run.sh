#!/usr/bin/env bash
# Voice-activity accuracy of Attune vs WebRTC VAD and Silero VAD (see peer_accuracy.py).
#
# Creates a virtualenv at .build-peers/venv (git-ignored) on first use and installs the peers
# into it; later runs reuse it. Run from anywhere; arguments go to peer_accuracy.py, e.g.
#     Scripts/peers/run.sh --json bench-out/peers.json
# A peer that cannot be installed is reported here and skipped by the script, not fatal.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$repo/.build-peers/venv"
py="$venv/bin/python"

if [[ ! -x "$py" ]]; then
    echo "peers: creating virtualenv at $venv" >&2
    python3 -m venv "$venv"
    "$py" -m pip install --quiet --upgrade pip >&2 || true
fi

# Install whatever is missing; each step is separate so one failure skips only its peer.
pip_install() {  # pip_install IMPORT_NAME PIP_ARGS...
    local module="$1"; shift
    if ! "$py" -c "import $module" 2>/dev/null; then
        echo "peers: pip install $*" >&2
        "$py" -m pip install --quiet "$@" >&2 || echo "peers: WARNING: could not install $* (peer skipped)" >&2
    fi
}
pip_install numpy numpy
pip_install soundfile soundfile
# webrtcvad-wheels ships prebuilt wheels; fall back to the original sdist (needs a C compiler).
pip_install webrtcvad webrtcvad-wheels
pip_install webrtcvad webrtcvad
pip_install onnxruntime onnxruntime
# silero-vad without its dependencies (torch, torchaudio): only the bundled ONNX model is used.
if ! "$py" -c "import importlib.metadata as m; m.version('silero-vad')" 2>/dev/null; then
    echo "peers: pip install --no-deps silero-vad" >&2
    "$py" -m pip install --quiet --no-deps silero-vad >&2 || echo "peers: WARNING: could not install silero-vad (peer skipped)" >&2
fi

cd "$repo"
exec "$py" "$repo/Scripts/peers/peer_accuracy.py" "$@"
