#!/usr/bin/env bash
# Idle connections: the gateway (pinned to CPU 0) holds 10,000 idle keep-alive connections; its RSS
# and CPU while idle, and a new client's connect + POST /write time. Usage: bench/connections.sh [count]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" curl

COUNT=${1:-10000}
ulimit -n $((COUNT + 1024))
start_workspace connections
PORT=$((20000 + RANDOM % 10000))  # below the ephemeral range, where clients' own ports live
bench_build plantbuddy
TOKEN=$("$BENCH_BIN/plantbuddy" users add bench --data-dir "$WORK/data" --password-iterations 1000)
# The upstream is a closed port: readings stay buffered, which is all this benchmark needs.
taskset -c 0 "$BENCH_BIN/plantbuddy" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" \
    --influx-url "http://127.0.0.1:1" --influx-db bench --log-level error \
    --max-connections $((COUNT + 100)) --idle-timeout 10m 2>"$WORK/gateway.log" &
gateway=$!
pids+=("$gateway")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
taskset -c 1 python3 bench/idle_connections.py "$PORT" "$gateway" "$COUNT" "$TOKEN" "${IDLE_SECONDS:-10}"
