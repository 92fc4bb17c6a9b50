#!/usr/bin/env bash
# Durable ingest: acknowledged device lines per second with the write-ahead log fsynced (group
# commit) and without fsync, and how many InfluxDB requests each 10,000 device lines cost.
#
# The gateway (release build) runs pinned to CPU 0 and wrk to CPU 1, against a real InfluxDB 1.x
# on loopback with its data in a temporary directory. Usage: bench/ingest.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${INFLUXDB_PACKAGES[@]}" wrk curl

DURATION=${1:-15}
CONNECTIONS=${2:-64}
LINES_PER_REQUEST=5
start_workspace bench
INFLUX_PORT=$((20000 + RANDOM % 10000))
GATEWAY_PORT=$((INFLUX_PORT + 2))

bench_build plantbuddy
PLANTBUDDY="$BENCH_BIN/plantbuddy"

start_influxd "$WORK/influxdb" "$INFLUX_PORT"
pids+=("$INFLUXD_PID")

metric() { curl -s "http://127.0.0.1:$GATEWAY_PORT/metrics" | awk -v name="$1" '$1 == name { print $2 }'; }

run() {
    local fsync=$1 data="$WORK/data-$1"
    export PB_TOKEN
    PB_TOKEN=$("$PLANTBUDDY" users add bench --data-dir "$data")
    taskset -c 0 "$PLANTBUDDY" serve --data-dir "$data" --listen "127.0.0.1:$GATEWAY_PORT" \
        --influx-url "http://127.0.0.1:$INFLUX_PORT" --influx-db plantbuddy --wal-fsync "$fsync" \
        --log-level warn 2>"$WORK/gateway-$fsync.log" &
    local gateway=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GATEWAY_PORT/metrics" >/dev/null && break; sleep 0.1; done

    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/write.lua \
        "http://127.0.0.1:$GATEWAY_PORT/write" >"$WORK/wrk-$fsync.txt"
    # Let the sender drain the backlog, then read what it took.
    for _ in $(seq 600); do [ "$(metric plantbuddy_buffer_lines)" = "0" ] && break; sleep 0.1; done

    local requests non2xx accepted written batches sent appends fsyncs
    requests=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk-$fsync.txt")
    non2xx=$(awk '/Non-2xx/ { print $5 }' "$WORK/wrk-$fsync.txt")
    accepted=$(metric plantbuddy_lines_accepted_total)
    written=$(metric plantbuddy_points_written_total)
    batches=$(metric plantbuddy_batches_sent_total)
    sent=$(metric plantbuddy_influx_write_bytes_total)
    appends=$(metric plantbuddy_buffer_appends_total)
    fsyncs=$(metric plantbuddy_buffer_fsyncs_total)
    printf '%-6s %10s %12s %10s %10s %12s %14s %14s %10s %8s\n' "$fsync" "$requests" \
        "$(awk -v r="$requests" -v l=$LINES_PER_REQUEST 'BEGIN { printf "%.0f", r * l }')" \
        "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk-$fsync.txt")" "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk-$fsync.txt")" \
        "$accepted/$written" \
        "$(awk -v b="$batches" -v w="$written" 'BEGIN { printf "%.2f", (w > 0 ? b / w * 10000 : 0) }')" \
        "$(awk -v s="$sent" -v w="$written" 'BEGIN { printf "%.0f", (w > 0 ? s / w * 10000 : 0) }')" \
        "$(awk -v a="$appends" -v f="$fsyncs" 'BEGIN { printf "%.1f", (f > 0 ? a / f : 0) }')" "${non2xx:-0}"
    kill -TERM "$gateway"
    wait "$gateway" || true
}

echo "ingest: ${DURATION}s per run, $CONNECTIONS connections, $LINES_PER_REQUEST lines per request, $(nproc) CPUs"
printf '%-6s %10s %12s %10s %10s %12s %14s %14s %10s %8s\n' fsync "req/s" "lines/s" p50 p99 \
    "acked/stored" "influx-req/10k" "influx-B/10k" "group" "non-2xx"
run true
run false
