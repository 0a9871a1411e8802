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
#
# A run is clean only when its RESULT line shows no connect failure, refused upgrade, socket
# closed early by the server, send failure, late frame (more than 100 ms behind the real-time
# schedule) or call whose end never arrived, and attune-load exited with status 0. Every run is
# still made and summarised, a run that was not clean marked NOT CLEAN; the script then exits 1,
# naming those runs, since their figures are not those of the load asked for.
#   Scripts/bench/live-load.sh --check-result OUTPUT [STATUS]
#       # only checks one saved attune-load output (and its exit status): exit 0 when clean, else
#       # 1 with what went wrong
set -euo pipefail

# The failure counts of attune-load's RESULT line; each must be 0.
failure_keys=(connectFailures refusedUpgrades earlyCloses sendFailures lateFrames endTimeouts)

# check_result OUTPUT [STATUS]: prints what made the run not clean and returns 1, or returns 0.
check_result() {
    local out="$1" status="${2:-0}" line key value detail
    local problems=()
    line=$(grep -h "^RESULT " "$out" 2>/dev/null | tail -n 1 || true)
    if [ -z "$line" ]; then
        echo "no RESULT line in $out (attune-load exit status $status)"
        return 1
    fi
    for key in "${failure_keys[@]}"; do
        value=$(sed -n "s/.* $key=\([^ ]*\).*/\1/p" <<< "$line")
        if [ -z "$value" ]; then
            problems+=("no $key in the RESULT line (an older attune-load?)")
        elif [ "$value" != 0 ]; then
            detail=""
            case "$key" in
                refusedUpgrades) detail=" (HTTP status:count $(sed -n 's/.* refusedStatuses=\([^ ]*\).*/\1/p' <<< "$line"))" ;;
                earlyCloses) detail=" (close code:count $(sed -n 's/.* closeCodes=\([^ ]*\).*/\1/p' <<< "$line"))" ;;
                lateFrames) detail=" (more than $(sed -n 's/.* lateToleranceMs=\([^ ]*\).*/\1/p' <<< "$line") ms behind schedule)" ;;
            esac
            problems+=("$key=$value$detail")
        fi
    done
    if [ "$status" != 0 ] && [ ${#problems[@]} -eq 0 ]; then problems+=("attune-load exited with status $status"); fi
    if [ ${#problems[@]} -gt 0 ]; then
        local IFS=";"
        echo "${problems[*]}" | sed 's/;/; /g'
        return 1
    fi
}

if [ "${1:-}" = --check-result ]; then
    [ $# -ge 2 ] || { echo "usage: $0 --check-result OUTPUT [STATUS]" >&2; exit 64; }
    if problems=$(check_result "$2" "${3:-0}"); then echo "clean: $2"; exit 0; fi
    echo "live-load: NOT CLEAN: $2: $problems" >&2
    exit 1
fi

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
Scripts/build-release.sh --product attune > /dev/null
Scripts/build-release.sh --product attune-load > /dev/null
mkdir -p bench-out
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ingest="ingest-load-0123456789abcdef"; viewer="supervisor-load-0123456789abcdef"; hook="audiohook-load-0123456789"
port=18181
outputs=()
not_clean=()   # "OUTPUT: what went wrong", one per run that was not clean

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
    local status=0 problems
    .build/release/attune-load replay --server "http://127.0.0.1:$port" --protocol "$protocol" --calls "$calls" --seconds "$seconds" \
        --ramp-seconds 5 --ingest-token "$ingest" --viewer-token "$viewer" --audio-hook-key "$hook" --server-pid "$server" \
        | tee "$out" || status=$?
    kill -INT "$server"; wait "$server" || true
    rm -rf "$work"
    if ! problems=$(check_result "$out" "$status"); then
        echo "live-load: NOT CLEAN ($label server, $protocol, $calls calls, run $run): $problems" >&2
        not_clean+=("$out: $problems")
    fi
}

for calls in "${counts[@]}"; do
    for run in $(seq 1 "$repeat"); do
        run_one .build/release/attune this "$calls" "$run"
        [ -n "$baseline" ] && run_one "$baseline" baseline "$calls" "$run"
    done
done
echo "== summary ($protocol; p99 in ms, server cpu in cores)"
for out in "${outputs[@]}"; do
    mark=""
    for entry in "${not_clean[@]+"${not_clean[@]}"}"; do [[ "$entry" == "$out: "* ]] && mark="NOT CLEAN "; done
    echo "$mark$(basename "$out" .txt): $(grep -h "^RESULT" "$out" || echo "no result")"
done
.build/release/attune-load memory --calls 500 --seconds 60 | tee bench-out/live-memory.txt
if [ ${#not_clean[@]} -gt 0 ]; then
    echo "live-load: FAILED: ${#not_clean[@]} of ${#outputs[@]} runs were not clean; their figures are not those of the load asked for:" >&2
    for entry in "${not_clean[@]}"; do echo "  $entry" >&2; done
    exit 1
fi
