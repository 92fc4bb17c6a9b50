#!/usr/bin/env bash
# Annotated-CSV parsing: a generated 1,000,000-row response (5 tables, as InfluxDB 2.x writes it),
# parsed from memory and while streaming from a loopback HTTP server through libcurl, against the
# Python influxdb-client parser on the same bytes in the same run. Usage: bench/csv.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}"
python3 -c "import influxdb_client" 2>/dev/null || python3 -m pip install -q influxdb-client

ROWS=${1:-1000000}
FILE=$(mktemp /tmp/plantbuddy-csv-XXXXXX.csv)
trap 'rm -f "$FILE"' EXIT
python3 bench/generate_csv.py "$ROWS" 5 > "$FILE"
echo "annotated CSV: $ROWS rows, 5 tables, $(($(stat -c %s "$FILE") / 1000000)) MB"
bench_build plantbuddy-bench
SWIFT=$("$BENCH_BIN/plantbuddy-bench" csv "$FILE")
PYTHON=$(python3 bench/csv_python.py "$FILE")
echo "$SWIFT"
echo "$PYTHON"
rate() { grep "$1" <<<"$2" | sed -E 's/.* ([0-9.]+) MB\/s.*/\1/'; }
awk -v file="$(rate 'swift file' "$SWIFT")" -v stream="$(rate 'swift stream' "$SWIFT")" \
    -v python="$(rate python "$PYTHON")" \
    'BEGIN { printf "ratio to Python: file %.1fx, stream %.1fx\n", file / python, stream / python }'
