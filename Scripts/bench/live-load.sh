#!/usr/bin/env bash
# Live load: attune serve on this machine, attune-load replaying fixture calls at real-time pace
# as N concurrent calls (each with a desktop subscriber), for each N given; then the memory of
# live analysis state per call.
#   Scripts/bench/live-load.sh                          # native protocol, 100 250 500 1000 calls
#   Scripts/bench/live-load.sh --protocol twilio 200 400
#   REPEAT=3 Scripts/bench/live-load.sh 1000 1500       # each N three times
#   Scripts/bench/live-load.sh --baseline OLD/attune 1000
#       # each run also against another build's server (same load tool, interleaved), for ratios
# SECONDS_PER_CALL (default 30) sets each call's length; the first 5 s are warm-up.
# Writes bench-out/live-load-*.txt (git-ignored). The store is a fresh SQLite file per run.
set -euo pipefail
cd "$(dirname "$0")/../.."
protocol=native
baseline=""
while [[ "${1:-}" == --* ]]; do
    case "$1" in
        --protocol) protocol="$2"; shift 2 ;;
        --baseline) baseline="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
counts=("$@"); [ ${#counts[@]} -eq 0 ] && counts=(100 250 500 1000)
seconds="${SECONDS_PER_CALL:-30}"
repeat="${REPEAT:-1}"
Scripts/install-dependencies.sh
swift build -c release --product attune > /dev/null
swift build -c release --product attune-load > /dev/null
mkdir -p bench-out
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ingest="ingest-load-0123456789abcdef"; viewer="supervisor-load-0123456789abcdef"; hook="audiohook-load-0123456789"
port=18181
outputs=()

# run_one SERVER-BINARY LABEL CALLS RUN
run_one() {
    local binary="$1" label="$2" calls="$3" run="$4"
    local work; work=$(mktemp -d)
    cat > "$work/serve.json" <<JSON
{ "host": "127.0.0.1", "port": $port, "database": "$work/live.db", "model": "$PWD/models/default.json",
  "tokens": [ { "token": "$ingest", "role": "ingest" }, { "token": "$viewer", "role": "supervisor", "team": "load" } ],
  "audioHook": { "apiKey": "$hook" } }
JSON
    "$binary" serve --config "$work/serve.json" --log-level warning > "$work/serve.log" 2>&1 &
    local server=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
    local out="bench-out/live-load-$protocol-$calls-$label-$run.txt"
    outputs+=("$out")
    echo "== $label server, $protocol, $calls calls, run $run"
    .build/release/attune-load replay --server "http://127.0.0.1:$port" --protocol "$protocol" --calls "$calls" --seconds "$seconds" \
        --ramp-seconds 5 --ingest-token "$ingest" --viewer-token "$viewer" --audio-hook-key "$hook" --server-pid "$server" | tee "$out"
    kill -INT "$server"; wait "$server" || true
    rm -rf "$work"
}

for calls in "${counts[@]}"; do
    for run in $(seq 1 "$repeat"); do
        run_one .build/release/attune this "$calls" "$run"
        [ -n "$baseline" ] && run_one "$baseline" baseline "$calls" "$run"
    done
done
echo "== summary ($protocol; p99 in ms, server cpu in cores)"
for out in "${outputs[@]}"; do echo "$(basename "$out" .txt): $(grep -h "^RESULT" "$out" || echo "no result")"; done
.build/release/attune-load memory --calls 500 --seconds 60 | tee bench-out/live-memory.txt
