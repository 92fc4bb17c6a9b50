#!/usr/bin/env bash
# User-space instructions per device request, counted by valgrind's callgrind: one sensor line a
# request, 16 connections, fsync off, access log off (`LOG_LEVEL=info`: on), everything the gateway
# process runs (I/O threads, the forwarder on the first, committer) divided by the requests answered.
# Instruction counts do not depend on what else the machine is doing, so this compares two builds
# where requests/s on this shared machine swing by a third from run to run (the kernel's share,
# about 40 % of the CPU, is not counted).
# Usage: bench/instructions.sh [seconds] (BENCH_BIN=DIR measures another build's binaries;
# LOG_LEVEL=info counts with the access log on, written to a file)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" valgrind wrk curl

DURATION=${1:-5}
export PB_LINES=1
start_workspace instructions
PORT=$((20000 + RANDOM % 10000))
if [ -z "${BENCH_BIN:-}" ]; then bench_build plantbuddy plantbuddy-bench; fi

python3 bench/generate_csv.py 10 1 > "$WORK/empty.csv"
"$BENCH_BIN/plantbuddy-bench" influx-v2 "$WORK/empty.csv" "$((PORT + 10))" &
pids+=($!)
PB_TOKEN=$("$BENCH_BIN/plantbuddy" users add bench --data-dir "$WORK/data" --password-iterations 1000)
export PB_TOKEN
valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$WORK/callgrind.out" "$BENCH_BIN/plantbuddy" serve \
    --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" --influx-url "http://127.0.0.1:$((PORT + 10))" \
    --influx-api v2 --influx-org bench --influx-token bench --wal-fsync false --log-level "${LOG_LEVEL:-warn}" 2>"$WORK/gateway.log" &
gateway=$!
pids+=($gateway)
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
wrk -t1 -c16 -d1s -s bench/write.lua "http://127.0.0.1:$PORT/write" >/dev/null  # warm-up, not counted
# ... until the forwarder has sent a batch: its first one initialises libcurl and OpenSSL (about
# 2.4 M instructions once, which would otherwise land in the count).
for _ in $(seq 300); do
    sent=$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '$1 == "plantbuddy_batches_sent_total" { print $2 }')
    [ "${sent:-0}" != 0 ] && break
    sleep 0.1
done
callgrind_control --zero "$gateway" >/dev/null 2>&1
wrk -t1 -c16 -d"${DURATION}s" -s bench/write.lua "http://127.0.0.1:$PORT/write" >"$WORK/wrk.txt"
callgrind_control --dump "$gateway" >/dev/null 2>&1
requests=$(awk '/requests in/ { print $1 }' "$WORK/wrk.txt")
# The dumps after the zero are the only files whose trigger is "dump", one per thread; their totals
# are the measured run's (the forwarder's work among them: it runs on the first I/O thread).
dumps=$(grep -l '^desc: Trigger: dump' "$WORK"/callgrind.out*)
instructions=$(xargs awk '/^(summary|totals):/ { sum += $2; nextfile } END { print sum }' <<<"$dumps")
awk -v n="$requests" -v ir="$instructions" 'BEGIN {
    printf "%d requests under callgrind, %d instructions: %.0f user-space instructions per request\n", n, ir, ir / n }'
