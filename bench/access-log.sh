#!/usr/bin/env bash
# What the access log costs ingest: the gateway answering device POSTs (one sensor line each, 16
# connections, fsync off, gateway on CPU 0 with a loopback InfluxDB stand-in, wrk on CPU 1) with its
# default log level (`info`: one `msg=request` line per request, to a file) against `warn` (no
# access log), alternating runs in one go. Prints each run and the median of the runs' pairwise
# ratios: the performance issue asks for at least 0.85. Usage: bench/access-log.sh [seconds] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" wrk curl

DURATION=${1:-10}
RUNS=${2:-5}
start_workspace access-log
PORT=$((20000 + RANDOM % 10000))  # below the ephemeral range, where clients' own ports live
bench_build plantbuddy plantbuddy-bench
export PB_LINES=1
PB_TOKEN=$("$BENCH_BIN/plantbuddy" users add bench --data-dir "$WORK/data" --password-iterations 1000)
export PB_TOKEN
taskset -c 0 "$BENCH_BIN/plantbuddy-bench" influx-v1 "$((PORT + 10))" &
pids+=($!)

# run LEVEL: one wrk run against a fresh gateway logging at LEVEL; prints a row, leaves req/s in $RPS.
run() {
    taskset -c 0 "$BENCH_BIN/plantbuddy" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" \
        --influx-url "http://127.0.0.1:$((PORT + 10))" --influx-api v1 --wal-fsync false --log-level "$1" \
        --gateway-alerts off 2>"$WORK/gateway-$1.log" &
    local gateway=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
    taskset -c 1 wrk -t1 -c16 -d"${DURATION}s" --latency -s bench/write.lua "http://127.0.0.1:$PORT/write" >"$WORK/wrk.txt"
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.txt")
    kill -TERM "$gateway"; wait "$gateway" 2>/dev/null || true
    printf '%-22s %12s %10s %10s %14s\n' "log level $1" "$RPS" "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.txt")" \
        "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt")" "$(grep -c 'msg=request' "$WORK/gateway-$1.log" || true)"
}

printf '%-22s %12s %10s %10s %14s\n' run "req/s" p50 p99 "request lines"
ratios=()
for _ in $(seq "$RUNS"); do
    run warn
    quiet=$RPS
    run info
    ratios+=("$(awk -v on="$RPS" -v off="$quiet" 'BEGIN { print on / off }')")
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END {
    m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    printf "access log on / off, median of %d pairs: %.3f (target >= 0.85)\n", NR, m }'
