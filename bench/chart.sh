#!/usr/bin/env bash
# Chart rendering: 14,400 points (48 h × 5 sensors × one a minute) and 1,000,000 points; median and
# worst of 9 renders, and the SVG's size. Usage: bench/chart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}"
bench_build plantbuddy-bench
"$BENCH_BIN/plantbuddy-bench" chart
