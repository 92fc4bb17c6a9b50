#!/usr/bin/env bash
# What the gateway's own alerting costs ingest: /write with 1,000 users × 10 rules each (judged on
# every reading, as on InfluxDB 1.x) against the same 1,000 users with the gateway's alerting off,
# alternating runs in one go (gateway on CPU 0 with a loopback InfluxDB 1.x stand-in that drops what
# it gets, wrk on CPU 1; one sensor line a request, each request a random user's, 16 connections,
# fsync off). Prints each run, each side's median, the median of the runs' pairwise ratios (each
# pair ran back to back, so it shares the machine's noise of the moment), and the gateway's own CPU
# time per request on each side (steadier on a shared machine than req/s): the alerts issue asks
# that alerting cost at most 5 %.
# Usage: bench/alerts.sh [seconds] [runs] [users] [rules]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" wrk curl

DURATION=${1:-10}
RUNS=${2:-5}
USERS=${3:-1000}
RULES=${4:-10}
start_workspace alerts
PORT=$((20000 + RANDOM % 10000))  # below the ephemeral range, where clients' own ports live
bench_build plantbuddy plantbuddy-bench

export PB_TOKENS_FILE="$WORK/tokens.txt"
python3 bench/generate_users.py "$USERS" "$RULES" "$WORK/data-rules" "$PB_TOKENS_FILE"
python3 bench/generate_users.py "$USERS" 0 "$WORK/data-plain" "$WORK/tokens-plain.txt"
taskset -c 0 "$BENCH_BIN/plantbuddy-bench" influx-v1 "$((PORT + 10))" &
pids+=($!)

# run LABEL DATA_DIR ALERTS: one wrk run against a fresh gateway; prints a row, leaves req/s in $RPS.
run() {
    taskset -c 0 "$BENCH_BIN/plantbuddy" serve --data-dir "$2" --listen "127.0.0.1:$PORT" \
        --influx-url "http://127.0.0.1:$((PORT + 10))" --influx-api v1 --wal-fsync false --log-level warn \
        --gateway-alerts "$3" 2>"$WORK/gateway.log" &
    local gateway=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
    local want=$([ "$3" = auto ] && echo gateway || echo off)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" | grep -q "\"evaluated_by\":\"$want\"" && break; sleep 0.1; done
    local ticks_before ticks_after
    ticks_before=$(awk '{ print $14 + $15 }' "/proc/$gateway/stat")
    taskset -c 1 wrk -t1 -c16 -d"${DURATION}s" --latency -s bench/write-many.lua "http://127.0.0.1:$PORT/write" >"$WORK/wrk.txt"
    ticks_after=$(awk '{ print $14 + $15 }' "/proc/$gateway/stat")
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.txt")
    # The gateway's own CPU time per request: unlike req/s, untouched by time the machine gave others.
    CPU_US=$(awk -v ticks=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" \
        '/ requests in / { printf "%.2f", ticks / hz * 1e6 / $1 }' "$WORK/wrk.txt")
    local transitions
    transitions=$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '$1 ~ /^plantbuddy_alert_transitions_total/ { n += $2 } END { print n + 0 }')
    printf '%-34s %12s %10s %10s %10s %12s\n' "$1" "$RPS" "$CPU_US" "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.txt")" \
        "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt")" "$transitions"
    kill -TERM "$gateway"; wait "$gateway" 2>/dev/null || true
}

echo "$USERS users, $RULES rules each with alerts on; $DURATION s a run, $RUNS runs each"
printf '%-34s %12s %10s %10s %10s %12s\n' run "req/s" "CPU µs/req" p50 p99 transitions
without=()
with=()
cpu_without=()
cpu_with=()
for _ in $(seq "$RUNS"); do
    run "alerting off" "$WORK/data-plain" off
    without+=("$RPS")
    cpu_without+=("$CPU_US")
    run "alerting on, $RULES rules a user" "$WORK/data-rules" auto
    with+=("$RPS")
    cpu_with+=("$CPU_US")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ratios=()
for index in "${!with[@]}"; do ratios+=("$(awk -v on="${with[$index]}" -v off="${without[$index]}" 'BEGIN { print on / off }')"); done
awk -v off="$(median "${without[@]}")" -v on="$(median "${with[@]}")" -v pairs="$(median "${ratios[@]}")" \
    -v all="${ratios[*]}" 'BEGIN {
    printf "median: alerting off %.0f req/s, on %.0f req/s (%.3f); pairwise ratios %s: median %.3f (target >= 0.95)\n",
        off, on, on / off, all, pairs }'
awk -v off="$(median "${cpu_without[@]}")" -v on="$(median "${cpu_with[@]}")" 'BEGIN {
    printf "gateway CPU per request: alerting off %.2f µs, on %.2f µs: alerting costs %.1f %% (target <= 5 %%)\n",
        off, on, (on / off - 1) * 100 }'
