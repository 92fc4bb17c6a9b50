#!/usr/bin/env bash
# Annotated-CSV parsing: a generated 1,000,000-row response (5 tables, as InfluxDB 2.x writes it),
# parsed from memory and while streaming from a loopback HTTP server through libcurl, against the
# Python influxdb-client parser on the same bytes in the same run. Usage: bench/csv.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" curl
python3 -c "import influxdb_client" 2>/dev/null || python3 -m pip install -q influxdb-client

ROWS=${1:-1000000}
start_workspace csv
PORT=$((20000 + RANDOM % 10000))  # below the ephemeral range, where clients' own ports live
FILE="$WORK/response.csv"
python3 bench/generate_csv.py "$ROWS" 5 > "$FILE"
echo "annotated CSV: $ROWS rows, 5 tables, $(($(stat -c %s "$FILE") / 1000000)) MB"
bench_build plantbuddy-bench
SWIFT=$("$BENCH_BIN/plantbuddy-bench" csv "$FILE")
# Python's stream is the client's own query_stream against a loopback InfluxDB 2.x stand-in.
"$BENCH_BIN/plantbuddy-bench" influx-v2 "$FILE" "$PORT" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && break; sleep 0.1; done
PYTHON=$(python3 bench/csv_python.py "$FILE" "http://127.0.0.1:$PORT")
echo "$SWIFT"
echo "$PYTHON"
rate() { grep "$1" <<<"$2" | sed -E 's/.* ([0-9.]+) MB\/s.*/\1/'; }
awk -v file="$(rate 'swift file' "$SWIFT")" -v stream="$(rate 'swift stream' "$SWIFT")" \
    -v pyfile="$(rate 'python file' "$PYTHON")" -v pystream="$(rate 'python stream' "$PYTHON")" \
    'BEGIN { printf "ratio to Python: file %.1fx, stream %.1fx (stream against file: %.1fx)\n",
        file / pyfile, stream / pystream, stream / pyfile }'
