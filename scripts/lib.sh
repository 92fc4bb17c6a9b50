# Shared by scripts/test and scripts/demo. Source it; do not run it.

# Installs the Debian packages named, if any is missing (apt-get update first, as a fresh machine needs).
ensure_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The packages the build and tests need: libcurl and zlib headers (pkg-config finds them), and InfluxDB 1.x.
BUILD_PACKAGES=(libcurl4-openssl-dev zlib1g-dev pkg-config)
INFLUXDB_PACKAGES=(influxdb)

# start_influxd DIR PORT: runs Debian's influxd on 127.0.0.1:PORT (its RPC port is PORT+1) with its
# data under DIR, waits until it answers, and creates the database `plantbuddy`. Sets INFLUXD_PID.
start_influxd() {
    local dir=$1 port=$2
    mkdir -p "$dir"
    cat > "$dir/influxdb.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:$((port + 1))"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[monitor]
  store-enabled = false
CONF
    influxd run -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
    INFLUXD_PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ping" >/dev/null && break; sleep 0.1; done
    if ! kill -0 "$INFLUXD_PID" 2>/dev/null; then
        echo "influxd did not start (is port $port taken?):" >&2
        tail -5 "$dir/influxd.log" >&2
        return 1
    fi
    curl -sf -XPOST "http://127.0.0.1:$port/query" --data-urlencode 'q=CREATE DATABASE plantbuddy' >/dev/null
}

# start_workspace NAME: a fresh temporary directory in $WORK and a `pids` list; on exit every pid in
# it is stopped (SIGTERM, then waited for) and the directory removed.
start_workspace() {
    WORK=$(mktemp -d "/tmp/plantbuddy-$1-XXXXXX")
    pids=()
    trap stop_workspace EXIT
}

stop_workspace() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}

# bench_build PRODUCT...: builds the benchmark binaries and sets BENCH_BIN. Release unless
# BENCH_CONFIGURATION=debug (the smoke runs in CI, which only check that the benchmarks still work).
bench_build() {
    local configuration=${BENCH_CONFIGURATION:-release}
    for product in "$@"; do swift build -c "$configuration" --product "$product" >&2; done
    BENCH_BIN=$(swift build -c "$configuration" --show-bin-path)
}
