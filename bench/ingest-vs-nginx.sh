#!/usr/bin/env bash
# Ingest against nginx on the same machine, in the same run: the gateway (release build, pinned to
# CPU 0) answering device POSTs to /write, and nginx (one worker, pinned to CPU 0) answering
# `return 204` on the same path; wrk pinned to CPU 1, keep-alive, 16 and 256 connections.
# The gateway runs with fsync off (acknowledged after the page-cache write) and on.
# Usage: bench/ingest-vs-nginx.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${INFLUXDB_PACKAGES[@]}" wrk nginx-light curl

DURATION=${1:-10}
start_workspace nginx
PORT=$((30000 + RANDOM % 10000))

swift build -c release --product plantbuddy >&2
PLANTBUDDY="$(swift build -c release --show-bin-path)/plantbuddy"
start_influxd "$WORK/influxdb" "$((PORT + 10))"
pids+=("$INFLUXD_PID")

cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/body;
    server {
        listen 127.0.0.1:$PORT;
        keepalive_requests 1000000;
        location = /write { return 204; }
    }
}
CONF

measure() {  # label, connections → "req/s p50 p99"
    taskset -c 1 wrk -t1 -c"$2" -d"${DURATION}s" --latency -s bench/write.lua "http://127.0.0.1:$PORT/write" >"$WORK/wrk.txt"
    printf '%-28s %5s %12s %10s %10s\n' "$1" "$2" "$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.txt")" \
        "$(awk '/ 50%/ { print $2 }' "$WORK/wrk.txt")" "$(awk '/ 99%/ { print $2 }' "$WORK/wrk.txt")"
}

printf '%-28s %5s %12s %10s %10s\n' server conns "req/s" p50 p99
export PB_TOKEN=unused
taskset -c 0 nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 0.5
measure "nginx return 204" 16
measure "nginx return 204" 256
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

for fsync in false true; do
    data="$WORK/data-$fsync"
    PB_TOKEN=$("$PLANTBUDDY" users add bench --data-dir "$data" --password-iterations 1000)
    export PB_TOKEN
    taskset -c 0 "$PLANTBUDDY" serve --data-dir "$data" --listen "127.0.0.1:$PORT" \
        --influx-url "http://127.0.0.1:$((PORT + 10))" --influx-db plantbuddy --wal-fsync "$fsync" --log-level warn \
        --max-connections 20000 2>"$WORK/gateway.log" &
    gateway=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
    measure "plantbuddy fsync=$fsync" 16
    measure "plantbuddy fsync=$fsync" 256
    kill -TERM "$gateway"; wait "$gateway" 2>/dev/null || true
done
