#!/usr/bin/env bash
# Live capacity over TLS versus plain (issue 15): the same release `attune serve`, once plain
# (http/ws) and once terminating TLS itself ("tls" in its configuration, https/wss), each loaded
# by `attune-load replay` with N native calls (default 1,000), in the same run and interleaved
# (plain, TLS, plain, TLS, …), so that both modes see the same machine state. Every run's p50 and
# p99 update latency, the server's CPU (cores) and the load tool's CPU are printed, then each
# mode's medians and the TLS/plain ratios.
#   Scripts/bench/live-load-tls.sh              # 1,000 native calls, 3 runs of each mode
#   REPEAT=5 Scripts/bench/live-load-tls.sh 800 # 800 calls, 5 runs of each
# SECONDS_PER_CALL (default 30) sets each call's length (the first 5 s are warm-up); calls start
# over 5 s. The test CA and server certificate (P-256) are made with openssl in a temporary
# folder, as TestCertificates does, but the certificate names only attune.test, no IP address, as
# a public CA's would: the load tool connects to 127.0.0.1, trusts only that CA (--tls-ca), and
# asks for and verifies the name attune.test (--tls-server-name, sent as SNI).
# Writes bench-out/live-load-tls-CALLS-{plain,tls}-RUN.txt (git-ignored); each server's store is
# a fresh SQLite file.
#
# Every run is made and summarised, but the script exits 1 when any run was not clean (a failure
# count in its RESULT line, or attune-load's exit status; checked by live-load.sh --check-result):
# such a run's figures are not those of the load asked for.
set -euo pipefail
cd "$(dirname "$0")/../.."
calls="${1:-1000}"
repeat="${REPEAT:-3}"
seconds="${SECONDS_PER_CALL:-30}"
Scripts/install-dependencies.sh
for tool in openssl curl; do
    command -v "$tool" > /dev/null || { echo "live-load-tls: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done
Scripts/build-release.sh --product attune > /dev/null
Scripts/build-release.sh --product attune-load > /dev/null
mkdir -p bench-out
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ingest="ingest-load-0123456789abcdef"; viewer="supervisor-load-0123456789abcdef"
port=18182
name=attune.test

certs=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -INT "$server"; wait "$server" || true; fi
    rm -rf "$certs"
}
trap cleanup EXIT

# A test CA and a server certificate it signed (the openssl commands of TestCertificates).
printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
    "$name" > "$certs/server.ext"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=Attune load test CA" \
    -keyout "$certs/ca.key" -out "$certs/ca.pem" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2> /dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$certs/server.key" -out "$certs/server.csr" 2> /dev/null
openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" -CAcreateserial -days 2 \
    -extfile "$certs/server.ext" -out "$certs/server.pem" 2> /dev/null

outputs=()
not_clean=()   # "OUTPUT: what went wrong", one per run that was not clean

# run_one MODE RUN (MODE: plain or tls)
run_one() {
    local mode="$1" run="$2"
    local work; work=$(mktemp -d)
    local tls_json="" url="http://127.0.0.1:$port" health=(curl -sf "http://127.0.0.1:$port/health") client_tls=()
    if [ "$mode" = tls ]; then
        tls_json=", \"tls\": { \"certificate\": \"$certs/server.pem\", \"privateKey\": \"$certs/server.key\" }"
        url="https://127.0.0.1:$port"
        health=(curl -sf --cacert "$certs/ca.pem" --resolve "$name:$port:127.0.0.1" "https://$name:$port/health")
        client_tls=(--tls-ca "$certs/ca.pem" --tls-server-name "$name")
    fi
    cat > "$work/serve.json" <<JSON
{ "host": "127.0.0.1", "port": $port, "database": "$work/live.db", "model": "$PWD/models/default.json",
  "tokens": [ { "token": "$ingest", "role": "ingest" }, { "token": "$viewer", "role": "supervisor", "team": "load" } ]$tls_json }
JSON
    .build/release/attune serve --config "$work/serve.json" --log-level warning > "$work/serve.log" 2>&1 &
    server=$!
    local up=0
    for _ in $(seq 1 100); do "${health[@]}" > /dev/null 2>&1 && { up=1; break; }; sleep 0.1; done
    if [ $up -eq 0 ]; then
        echo "live-load-tls: the $mode server did not come up on $url:" >&2
        cat "$work/serve.log" >&2
        exit 1
    fi
    local out="bench-out/live-load-tls-$calls-$mode-$run.txt"
    outputs+=("$out")
    echo "== $mode server ($url), native, $calls calls, run $run; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    local status=0 problems
    .build/release/attune-load replay --server "$url" "${client_tls[@]+"${client_tls[@]}"}" --protocol native --calls "$calls" \
        --seconds "$seconds" --ramp-seconds 5 --ingest-token "$ingest" --viewer-token "$viewer" --server-pid "$server" \
        | tee "$out" || status=$?
    kill -INT "$server"; wait "$server" || true
    server=""
    rm -rf "$work"
    if ! problems=$(Scripts/bench/live-load.sh --check-result "$out" "$status" 2>&1 > /dev/null); then
        echo "live-load-tls: NOT CLEAN ($mode, $calls calls, run $run): ${problems#*: NOT CLEAN: $out: }" >&2
        not_clean+=("$out: ${problems#*: NOT CLEAN: $out: }")
    fi
}

for run in $(seq 1 "$repeat"); do
    run_one plain "$run"
    run_one tls "$run"
done

# field OUTPUT KEY: a value of the RESULT line ("-" when there is none).
field() { sed -n "s/^RESULT .* $2=\([^ ]*\).*/\1/p; s/^RESULT $2=\([^ ]*\).*/\1/p" "$1" | tail -n 1 | grep . || echo -; }
# tool_cores OUTPUT: the load tool's own CPU (cores).
tool_cores() { sed -n 's/.*the tool used \([0-9.]*\) cores.*/\1/p' "$1" | tail -n 1 | grep . || echo -; }
# median VALUES…: the median of numbers (the mean of the middle two for an even count).
median() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'; }

echo "== summary: native, $calls calls × $seconds s, plain and TLS interleaved ($repeat runs each; ms, cores)"
printf '%-34s %8s %8s %8s %12s %10s\n' run p50 p99 max "server cpu" "tool cpu"
declare -A values
for out in "${outputs[@]}"; do
    mark=""
    for entry in "${not_clean[@]+"${not_clean[@]}"}"; do [[ "$entry" == "$out: "* ]] && mark=" NOT CLEAN"; done
    mode=$(basename "$out" .txt | sed 's/.*-\(plain\|tls\)-[0-9]*$/\1/')
    p50=$(field "$out" p50); p99=$(field "$out" p99); max=$(field "$out" max); cpu=$(field "$out" cpu); tool=$(tool_cores "$out")
    printf '%-34s %8s %8s %8s %12s %10s%s\n' "$(basename "$out" .txt)" "$p50" "$p99" "$max" "$cpu" "$tool" "$mark"
    values[$mode-p50]+="$p50 "; values[$mode-p99]+="$p99 "; values[$mode-cpu]+="$cpu "; values[$mode-tool]+="$tool "
done
for mode in plain tls; do
    # shellcheck disable=SC2086
    printf '%-34s %8s %8s %8s %12s %10s\n' "median $mode" "$(median ${values[$mode-p50]})" "$(median ${values[$mode-p99]})" "" \
        "$(median ${values[$mode-cpu]})" "$(median ${values[$mode-tool]})"
done
# shellcheck disable=SC2086
printf '%-34s %8s %8s %8s %12s %10s\n' "TLS/plain (medians)" \
    "$(ratio "$(median ${values[tls-p50]})" "$(median ${values[plain-p50]})")" \
    "$(ratio "$(median ${values[tls-p99]})" "$(median ${values[plain-p99]})")" "" \
    "$(ratio "$(median ${values[tls-cpu]})" "$(median ${values[plain-cpu]})")" \
    "$(ratio "$(median ${values[tls-tool]})" "$(median ${values[plain-tool]})")"
if [ ${#not_clean[@]} -gt 0 ]; then
    echo "live-load-tls: FAILED: ${#not_clean[@]} of ${#outputs[@]} runs were not clean; their figures are not those of the load asked for:" >&2
    for entry in "${not_clean[@]}"; do echo "  $entry" >&2; done
    exit 1
fi
