#!/usr/bin/env bash
# Issue 16, live side by side: two attune serve (A and B) on one throw-away PostgreSQL store.
# For each N given, in the same run and alternating: N concurrent real-time calls ingested on A
# with their desktops on B (every update crosses LISTEN/NOTIFY), then the same with the desktops
# on A. attune-load measures update latency (the frame completing an update sent → the desktop
# has it). Writes bench-out/live-cluster-*.txt (git-ignored).
#   Scripts/bench/live-cluster.sh 500
#   REPEAT=3 Scripts/bench/live-cluster.sh 250 500
# A run is clean under the same rule as Scripts/bench/live-load.sh (its --check-result).
set -euo pipefail
cd "$(dirname "$0")/../.."
counts=("$@"); [ ${#counts[@]} -eq 0 ] && counts=(500)
seconds="${SECONDS_PER_CALL:-30}"
repeat="${REPEAT:-1}"
Scripts/build-release.sh --product attune > /dev/null
Scripts/build-release.sh --product attune-load > /dev/null
mkdir -p bench-out
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
eval "$(Scripts/postgres-cluster.sh start)"
ingest="ingest-load-0123456789abcdef"; viewer="supervisor-load-0123456789abcdef"
port_a=18281; port_b=18282
work=$(mktemp -d)
servers=()
stop_all() {
    for pid in "${servers[@]+"${servers[@]}"}"; do kill -INT "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done
    Scripts/postgres-cluster.sh stop "$ATTUNE_TEST_POSTGRES_DATA"
    cp "$work"/a.log bench-out/live-cluster-server-a.log; cp "$work"/b.log bench-out/live-cluster-server-b.log
    rm -rf "$work"
}
trap stop_all EXIT
"$ATTUNE_TEST_POSTGRES_BIN/psql" "$ATTUNE_TEST_POSTGRES" -q -c "CREATE DATABASE cluster"
store=$(sed "s#/attune?#/cluster?#" <<< "$ATTUNE_TEST_POSTGRES")
for name in a b; do
    port=$port_a; [ $name = b ] && port=$port_b
    cat > "$work/$name.json" <<JSON
{ "host": "127.0.0.1", "port": $port, "database": "$store", "model": "$PWD/models/default.json",
  "tokens": [ { "token": "$ingest", "role": "ingest" }, { "token": "$viewer", "role": "supervisor", "team": "load" } ] }
JSON
    .build/release/attune serve --config "$work/$name.json" --log-level warning > "$work/$name.log" 2>&1 &
    servers+=($!)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
done
outputs=(); not_clean=()
for calls in "${counts[@]}"; do
    for run in $(seq 1 "$repeat"); do
        for where in b a; do
            viewer_port=$port_a; [ $where = b ] && viewer_port=$port_b
            out="bench-out/live-cluster-$calls-desktops-on-$where-$run.txt"
            outputs+=("$out")
            echo "== $calls calls on A, desktops on $(tr a-z A-Z <<< $where), run $run"
            status=0
            .build/release/attune-load replay --server "http://127.0.0.1:$port_a" --viewer-server "http://127.0.0.1:$viewer_port" \
                --calls "$calls" --seconds "$seconds" --ramp-seconds 5 --ingest-token "$ingest" --viewer-token "$viewer" \
                --server-pid "${servers[0]}" | tee "$out" || status=$?
            if ! problems=$(Scripts/bench/live-load.sh --check-result "$out" "$status" 2>&1); then not_clean+=("$out: $problems"); fi
        done
    done
done
echo "== summary (p99 in ms, server A's cpu in cores)"
for out in "${outputs[@]}"; do echo "$(basename "$out" .txt): $(grep -h "^RESULT" "$out" || echo "no result")"; done
if [ ${#not_clean[@]} -gt 0 ]; then
    echo "live-cluster: ${#not_clean[@]} of ${#outputs[@]} runs were not clean:" >&2
    for entry in "${not_clean[@]}"; do echo "  $entry" >&2; done
    exit 1
fi
