#!/usr/bin/env bash
# The graph page end to end: a signed-in GET / (48 h, 5 sensors, one reading a minute = 14,400 points)
# through the gateway (pinned to CPU 0), whose InfluxDB 2.x is a loopback stand-in answering the
# Flux query with generated annotated CSV (plantbuddy-bench influx-v2, on CPU 1 with the client).
# Median and p99 latency over one keep-alive connection, and the page's size.
# Then the real-1.x case: DAYS (default 30) of one-a-minute readings in Debian's InfluxDB 1.x (rick with
# 3 devices, 10 other users, 5 sensors each), `plantbuddy setup` run, and per range the page against
# the queries it ran (replayed straight to influxd), and against a gateway that reads raw readings
# only; medians of RUNS (default 5) alternating runs (bench/page_influxdb1.py).
# Usage: [DAYS=30] [RUNS=5] bench/page.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${INFLUXDB_PACKAGES[@]}" wrk curl

DURATION=${1:-10}
start_workspace page
PORT=$((20000 + RANDOM % 10000))  # below the ephemeral range, where clients' own ports live
bench_build plantbuddy plantbuddy-bench

python3 bench/generate_csv.py 14400 5 "$(($(date +%s) - 48 * 3600 + 60))" 60 > "$WORK/readings.csv"
taskset -c 1 "$BENCH_BIN/plantbuddy-bench" influx-v2 "$WORK/readings.csv" "$((PORT + 10))" &
pids+=($!)
echo bench-password | "$BENCH_BIN/plantbuddy" users add rick --password-stdin --data-dir "$WORK/data" \
    --password-iterations 1000 >/dev/null
taskset -c 0 "$BENCH_BIN/plantbuddy" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" \
    --influx-url "http://127.0.0.1:$((PORT + 10))" --influx-api v2 --influx-org bench --influx-token bench \
    --log-level warn 2>"$WORK/gateway.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null || { cat "$WORK/gateway.log" >&2; exit 1; }

# Sign in the way a browser does: the form's CSRF token, bound to its cookie, then the session cookie.
csrf=$(curl -sf -c "$WORK/cookies" "http://127.0.0.1:$PORT/login" | sed -nE 's/.*name="csrf" value="([^"]+)".*/\1/p')
curl -sf -b "$WORK/cookies" -c "$WORK/cookies" -o /dev/null --data-urlencode "csrf=$csrf" \
    --data-urlencode username=rick --data-urlencode password=bench-password "http://127.0.0.1:$PORT/login"
session=$(awk '$6 == "pb_session" { print $7 }' "$WORK/cookies")
[ -n "$session" ] || { echo "sign-in failed" >&2; exit 1; }

# measure_page LABEL PORT SOURCE-FILE ROWS: one page fetched and checked (a panel per sensor), then
# wrk over one keep-alive connection for DURATION seconds.
measure_page() {
    local label=$1 port=$2 source=$3 rows=$4
    curl -sf -H "Cookie: pb_session=$session" "http://127.0.0.1:$port/?range=48h" -o "$WORK/page-$port.html"
    local panels
    panels=$(grep -o '<g class="panel"' "$WORK/page-$port.html" | wc -l)
    echo "page$label: $(stat -c %s "$WORK/page-$port.html") bytes, $panels chart panels, from $rows ($(($(stat -c %s "$source") / 1000)) KB)"
    [ "$panels" -ge 5 ] || { echo "expected a chart panel per sensor$label" >&2; exit 1; }
    taskset -c 1 wrk -t1 -c1 -d"${DURATION}s" --latency -H "Cookie: pb_session=$session" \
        "http://127.0.0.1:$port/?range=48h" >"$WORK/wrk-$port.txt"
    printf 'GET / end to end%s: %s requests/s, p50 %s, p99 %s, non-2xx %s\n' "$label" \
        "$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk-$port.txt")" "$(awk '/ 50%/ { print $2 }' "$WORK/wrk-$port.txt")" \
        "$(awk '/ 99%/ { print $2 }' "$WORK/wrk-$port.txt")" \
        "$(awk '/Non-2xx/ { print $5 }' "$WORK/wrk-$port.txt" | grep . || echo 0)"
}
measure_page "" "$PORT" "$WORK/readings.csv" "$(($(wc -l < "$WORK/readings.csv") - 5)) CSV rows"

# The same page from InfluxDB 3 (a loopback stand-in answering the gateway's SQL with 14,400 generated
# means as jsonl): parsed as it streams and drawn, same measures.
python3 bench/generate_jsonl.py 14400 5 "$(($(date +%s) - 48 * 3600 + 60))" 60 "$WORK/latest.jsonl" > "$WORK/readings.jsonl"
taskset -c 1 "$BENCH_BIN/plantbuddy-bench" influx-v3 "$WORK/readings.jsonl" "$WORK/latest.jsonl" "$((PORT + 11))" &
pids+=($!)
taskset -c 0 "$BENCH_BIN/plantbuddy" serve --data-dir "$WORK/data" --listen "127.0.0.1:$((PORT + 3))" \
    --influx-url "http://127.0.0.1:$((PORT + 11))" --log-level warn 2>"$WORK/gateway3.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((PORT + 3))/ready" >/dev/null && break; sleep 0.1; done
measure_page " from 3.x (SQL, jsonl)" "$((PORT + 3))" "$WORK/readings.jsonl" "$(wc -l < "$WORK/readings.jsonl") jsonl rows"

# The real-1.x case.
DAYS=${DAYS:-30}
RUNS=${RUNS:-5}
start_influxd "$WORK/influxd" "$((PORT + 20))"
pids+=("$INFLUXD_PID")
INFLUXD="http://127.0.0.1:$((PORT + 20))"
taskset -c 1 python3 bench/page_influxdb1.py generate "$INFLUXD" "$DAYS"
setup_started=$(date +%s%N)
INFLUX_URL=$INFLUXD INFLUX_API=v1 "$BENCH_BIN/plantbuddy" setup >"$WORK/setup.log"
echo "setup: $(grep -c . "$WORK/setup.log") steps in $((($(date +%s%N) - setup_started) / 1000000)) ms"
# The gateway as set up on PORT+1; on PORT+2, one that reads only raw readings.
for variant in downsampled raw; do
    if [ $variant = raw ]; then port=$((PORT + 2)) bucket=""; else port=$((PORT + 1)) bucket=downsampled; fi
    taskset -c 0 "$BENCH_BIN/plantbuddy" serve --data-dir "$WORK/data" --listen "127.0.0.1:$port" \
        --influx-url "$INFLUXD" --influx-api v1 --influx-downsampled-bucket "$bucket" \
        --log-level debug 2>"$WORK/$variant.log" &
    pids+=($!)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
done
echo "real InfluxDB 1.x, $DAYS days, medians of $RUNS alternating runs:"
taskset -c 1 python3 bench/page_influxdb1.py measure "$RUNS" "http://127.0.0.1:$((PORT + 1))" "$WORK/downsampled.log" \
    "http://127.0.0.1:$((PORT + 2))" "$WORK/raw.log" "$INFLUXD"
