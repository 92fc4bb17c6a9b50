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
