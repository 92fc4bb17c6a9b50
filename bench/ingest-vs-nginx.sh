#!/usr/bin/env bash
# Ingest against nginx on the same machine, in the same run: the gateway (pinned to CPU 0) answering
# device POSTs to /write (one sensor line each, as the performance issue sets it; LINES=5 for a whole
# reading of every sensor), and nginx (one worker, pinned to CPU 0) answering `return 204` on the same
# path; wrk pinned to CPU 1, keep-alive, 16 and 256 connections. The gateway runs with fsync off
# (acknowledged once in the page cache) and on (group commit); its upstream is a loopback stand-in
# for InfluxDB 2.x that drops what it gets, on wrk's CPU: it stands for InfluxDB, which is not the
# gateway's work, and there it takes about 0.5 % of a CPU from wrk, while on the gateway's CPU its
# wake-ups cost the gateway 7-12 % of its requests/s and a third of its p99 (measured 2026-12-02;
# bench/ingest.sh measures the real InfluxDB 1.x path).
# With fsync on, the disk's own fsync rate is measured first and compared with the syncs the
# gateway achieved; the restated fsync targets are reported (@256 fsync on against off; @16 fsync
# on's p50 against twice the disk's write+fdatasync time on the gateway's CPU under the same load).
# Every gateway run also says whether the forwarder kept up (lines forwarded against lines
# acknowledged) and its reads from the buffer files; the lowest of those ratios closes the report.
# Then ROUNDS (5) alternating rounds at 16 connections, fsync off — nginx, the gateway with the access
# log off, and on — give the medians the performance issue sets targets for; a "read-back" run in
# each round (access log off, the forwarder reading every batch back from the files) is the
# reference for what taking the newest records from memory saves.
# The rounds' medians are given twice: over all rounds, and over those the host left alone (steal at
# most QUIET_STEAL %, 10 by default, on both CPUs: with more, a round measures the host).
# Usage: bench/ingest-vs-nginx.sh [seconds] (FSYNC_MODES=true: only the fsync-on runs; ROUNDS=N;
# PACED_CONNECTIONS=N for the paced round; STANDIN_CPU=0 puts the stand-in on the gateway's CPU)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" wrk nginx-light curl

DURATION=${1:-10}
export PB_LINES=${LINES:-1}
start_workspace nginx
PORT=$((20000 + RANDOM % 10000))  # below the ephemeral range, where clients' own ports live
bench_build plantbuddy plantbuddy-bench

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

# to_us: a wrk latency (212.00us, 1.11ms, 1.02s) in microseconds.
to_us() { awk '{ v = $1; u = 1; if (v ~ /us$/) u = 1; else if (v ~ /ms$/) u = 1000; else if (v ~ /s$/) u = 1e6; sub(/[a-z]+$/, "", v); print v * u }'; }

# cpu_jiffies: "busy idle steal" per CPU (0 and 1) from /proc/stat; idle counts iowait too.
cpu_jiffies() { awk '$1 == "cpu0" || $1 == "cpu1" { print $2 + $3 + $4 + $7 + $8, $5 + $6, $9 }' /proc/stat; }

# idle_shares BEFORE AFTER: each CPU's idle and steal share of the time between two cpu_jiffies.
idle_shares() {
    paste <(echo "$1") <(echo "$2") | awk '{ total = ($4 + $5 + $6) - ($1 + $2 + $3); if (total <= 0) total = 1
        printf "%s%.0f/%.0f", NR == 1 ? "" : " ", 100 * ($5 - $2) / total, 100 * ($6 - $3) / total }'
}

# cpu_ticks PID...: the user and kernel clock ticks all threads of the processes have used (the
# fields after the name in /proc/PID/task/TID/stat, counted from the name's closing parenthesis).
cpu_ticks() {
    local pid
    for pid in "$@"; do cat /proc/"$pid"/task/*/stat 2>/dev/null || true; done | sed 's/.*) //' |
        awk '{ user += $12; kernel += $13 } END { print user, kernel }'
}
TICK_US=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN { print 1e6 / hz }')

# measure LABEL CONNECTIONS: one wrk run; prints a row and leaves requests/s in $RPS, p50 and p99 in
# microseconds in $P50 and $P99, and the higher of the two CPUs' steal percentages in $STEAL. With
# SERVER_PIDS set (the server's processes), a second line gives the server's CPU per request, user
# and kernel, left in $USER_US and $KERNEL_US.
# PB_PAUSE_MS set: paced (bench/write.lua). The last column is each CPU's idle/steal percentage
# during the run (the server's CPU 0, wrk's CPU 1): a server that leaves
# its CPU idle at full load waits on the hand-offs between the CPUs, whose cost on a VM moves with
# the host's load.
measure() {
    local before ticks
    before=$(cpu_jiffies)
    [ -n "${SERVER_PIDS:-}" ] && ticks=$(cpu_ticks $SERVER_PIDS)
    taskset -c 1 wrk -t1 -c"$2" -d"${DURATION}s" --latency -s bench/write.lua "http://127.0.0.1:$PORT/write" >"$WORK/wrk.txt"
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.txt")
    P50=$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.txt" | to_us)
    P99=$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt" | to_us)
    local errors shares
    errors=$(awk '/Non-2xx/ { print $5 }' "$WORK/wrk.txt")
    shares=$(idle_shares "$before" "$(cpu_jiffies)")
    STEAL=$(tr ' /' '\n\n' <<<"$shares" | awk 'NR % 2 == 0 && $1 > max { max = $1 } END { print max + 0 }')
    printf '%-24s %5s %12s %10s %10s %8s  %s\n' "$1" "$2" "$RPS" "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.txt")" \
        "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt")" "${errors:-0}" "$shares"
    [ -n "${SERVER_PIDS:-}" ] || return 0
    local requests
    requests=$(awk '/requests in/ { print $1 }' "$WORK/wrk.txt")
    read -r USER_US KERNEL_US < <(paste <(echo "$ticks") <(cpu_ticks $SERVER_PIDS) |
        awk -v n="${requests:-0}" -v tick="$TICK_US" '{ if (n <= 0) n = 1; printf "%.2f %.2f\n", ($3 - $1) * tick / n, ($4 - $2) * tick / n }')
    echo "  the server's CPU per request: $USER_US us user, $KERNEL_US us kernel"
}
metric() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v name="$1" '$1 == name { print $2 }'; }
# measure_forwarding LABEL CONNECTIONS: measure, then whether the forwarder kept up during the run
# (the lines it delivered to the stand-in against the lines acknowledged, and the backlog left) and
# how often it had to read the buffer files back; the pace is also kept for the report's last line.
# (It runs on the first I/O thread, so its CPU is the gateway's, counted in the CPU per request.)
measure_forwarding() {
    local accepted written reads
    accepted=$(metric plantbuddy_lines_accepted_total) written=$(metric plantbuddy_points_written_total)
    reads=$(metric plantbuddy_buffer_file_reads_total)
    measure "$1" "$2"
    awk -v connections="$2" -v label="$1 @$2" -v out="$WORK/forwarded.txt" \
        -v a0="$accepted" -v a1="$(metric plantbuddy_lines_accepted_total)" \
        -v w0="$written" -v w1="$(metric plantbuddy_points_written_total)" \
        -v r0="$reads" -v r1="$(metric plantbuddy_buffer_file_reads_total)" 'BEGIN {
            pace = (w1 - w0) / (a1 - a0)
            printf "  forwarder at %d connections: %.0f lines acknowledged, %.0f forwarded (%.2fx), %.0f left in the log;",
                connections, a1 - a0, w1 - w0, pace, a1 - w1
            printf " %d reads from the buffer files\n", r1 - r0
            printf "%.2f %s\n", pace, label >> out }'
}

DISK=$("$BENCH_BIN/plantbuddy-bench" fsync "$WORK" 3)
DISK_RATE=$(sed -E 's/.*: ([0-9]+)\/s$/\1/' <<<"$DISK")
echo "disk under $WORK: $DISK"
echo "$PB_LINES device line(s) per request"

printf '%-24s %5s %12s %10s %10s %8s  %s\n' server conns "req/s" p50 p99 non-2xx "idle/steal % cpu0 cpu1"
export PB_TOKEN=unused
taskset -c 0 nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
nginx=$!
sleep 0.5
SERVER_PIDS="$nginx $(pgrep -P "$nginx")"
measure "nginx return 204" 16
NGINX_16=$RPS
measure "nginx return 204" 256
kill -TERM "$nginx"; wait "$nginx" 2>/dev/null || true

python3 bench/generate_csv.py 10 1 > "$WORK/empty.csv"
taskset -c "${STANDIN_CPU:-1}" "$BENCH_BIN/plantbuddy-bench" influx-v2 "$WORK/empty.csv" "$((PORT + 10))" &
pids+=($!)
for fsync in ${FSYNC_MODES:-false true}; do
    data="$WORK/data-$fsync"
    PB_TOKEN=$("$BENCH_BIN/plantbuddy" users add bench --data-dir "$data" --password-iterations 1000)
    export PB_TOKEN
    taskset -c 0 "$BENCH_BIN/plantbuddy" serve --data-dir "$data" --listen "127.0.0.1:$PORT" \
        --influx-url "http://127.0.0.1:$((PORT + 10))" --influx-api v2 --influx-org bench --influx-token bench \
        --wal-fsync "$fsync" --log-level warn --max-connections 20000 2>"$WORK/gateway.log" &
    gateway=$!
    SERVER_PIDS=$gateway
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
    if [ "$fsync" = false ]; then
        # The disk's write+fdatasync time on the gateway's CPU while the gateway serves 16 connections.
        (sleep "$(awk -v d="$DURATION" 'BEGIN { print d / 4 }')"
            taskset -c 0 "$BENCH_BIN/plantbuddy-bench" fsync "$WORK" "$(awk -v d="$DURATION" 'BEGIN { print d / 2 }')" \
                >"$WORK/disk-loaded-16.txt") &
        probe16=$!
    fi
    syncs_16=$(metric plantbuddy_buffer_fsyncs_total) sync_seconds_16=$(metric plantbuddy_buffer_fsync_seconds_total)
    measure_forwarding "plantbuddy fsync=$fsync" 16
    [ "$fsync" = false ] && { wait "$probe16"; DISK_16_RATE=$(sed -E 's/.*: ([0-9]+)\/s$/\1/' "$WORK/disk-loaded-16.txt"); }
    if [ "$fsync" = true ]; then
        FSYNC_P50_16=$P50
        # The committer's own write+fdatasync time in this very run (the gateway counts it).
        SYNC_US_16=$(awk -v s0="$syncs_16" -v t0="$sync_seconds_16" -v s1="$(metric plantbuddy_buffer_fsyncs_total)" \
            -v t1="$(metric plantbuddy_buffer_fsync_seconds_total)" 'BEGIN { printf "%.0f", (t1 - t0) / (s1 - s0) * 1e6 }')
        SYNCS_PER_SECOND_16=$(awk -v s0="$syncs_16" -v s1="$(metric plantbuddy_buffer_fsyncs_total)" -v d="$DURATION" \
            'BEGIN { printf "%.0f", (s1 - s0) / d }')
        echo "  the gateway's own syncs in this run: $SYNCS_PER_SECOND_16/s, $SYNC_US_16 us each (write+fdatasync)"
    fi
    awk -v us="$RPS" -v nginx="$NGINX_16" -v lines="$PB_LINES" \
        'BEGIN { printf "  ratio to nginx at 16 connections: %.2fx; %.0f acknowledged lines/s\n", us / nginx, us * lines }'
    syncs_before=$(metric plantbuddy_buffer_fsyncs_total)
    lines_before=$(metric plantbuddy_lines_accepted_total)
    probe=""
    if [ "$fsync" = false ]; then
        # The disk's rate once more, on the gateway's CPU while the gateway serves 256 connections:
        # what a sync achieves when the CPU it needs is as busy as in the fsync=true run.
        (sleep "$(awk -v d="$DURATION" 'BEGIN { print d / 4 }')"
            taskset -c 0 "$BENCH_BIN/plantbuddy-bench" fsync "$WORK" "$(awk -v d="$DURATION" 'BEGIN { print d / 2 }')" \
                >"$WORK/disk-loaded.txt") &
        probe=$!
    fi
    measure_forwarding "plantbuddy fsync=$fsync" 256
    [ "$fsync" = false ] && RPS_256_OFF=$RPS
    [ "$fsync" = true ] && RPS_256_ON=$RPS
    if [ -n "$probe" ]; then
        wait "$probe"
        DISK_LOADED_RATE=$(sed -E 's/.*: ([0-9]+)\/s$/\1/' "$WORK/disk-loaded.txt")
        echo "  meanwhile the disk on the gateway's CPU: $(cat "$WORK/disk-loaded.txt")"
    fi
    if [ "$fsync" = true ]; then
        syncs=$(($(metric plantbuddy_buffer_fsyncs_total) - syncs_before))
        lines=$(($(metric plantbuddy_lines_accepted_total) - lines_before))
        awk -v lines="$lines" -v syncs="$syncs" -v seconds="$DURATION" -v disk="$DISK_RATE" \
            -v loaded="${DISK_LOADED_RATE:-0}" 'BEGIN {
            group = lines / syncs
            printf "  at 256 connections: %.0f acknowledged lines/s, %.0f fsyncs/s, %.1f lines per group\n",
                lines / seconds, syncs / seconds, group
            printf "  disk ceiling: %d fsyncs/s x %.1f lines per group = %.0f lines/s; achieved %.2fx of it\n",
                disk, group, disk * group, lines / seconds / (disk * group)
            if (loaded > 0)
                printf "  disk ceiling under the same CPU load: %d fsyncs/s x %.1f = %.0f lines/s; achieved %.2fx of it\n",
                    loaded, group, loaded * group, lines / seconds / (loaded * group)
        }'
    fi
    kill -TERM "$gateway"; wait "$gateway" 2>/dev/null || true
done

if [ -n "${RPS_256_OFF:-}" ] && [ -n "${RPS_256_ON:-}" ]; then
    awk -v on="$RPS_256_ON" -v off="$RPS_256_OFF" -v p50="$FSYNC_P50_16" -v rate="${DISK_16_RATE:-0}" -v own="${SYNC_US_16:-0}" 'BEGIN {
        printf "fsync targets: @256 fsync on / off %.2fx (target >= 0.9)", on / off
        if (rate > 0) printf "; @16 fsync on p50 %.0f us against 2 x the disk'"'"'s %.0f us under the fsync-off load = %.0f us: %.2fx (target <= 1)",
            p50, 1e6 / rate, 2e6 / rate, p50 / (2e6 / rate)
        if (own > 0) printf "; against 2 x the gateway'"'"'s own %.0f us syncs in that run: %.2fx", own, p50 / (2 * own)
        printf "\n" }'
fi

# The performance issue's ingest targets, as medians of ROUNDS alternating rounds at 16 connections
# with fsync off: nginx, the gateway with its access log off (--log-level warn) and on (info, the
# default; to a file), back to back each round so they share the machine's noise of the moment.
# Each round also runs nginx and the quiet gateway at the same offered load (PACED_CONNECTIONS, 32,
# each pausing 1 ms after every answer: PB_PAUSE_MS in bench/write.lua), because at full load
# wrk's closed loop ties latency to throughput (mean latency = connections / requests per second), so
# a server at half nginx's rate has twice its mean latency whatever its tail; the paced p99s compare
# the tails at one load.
ROUNDS=${ROUNDS:-5}
PACED=${PACED_CONNECTIONS:-32}
data="$WORK/data-rounds"
PB_TOKEN=$("$BENCH_BIN/plantbuddy" users add bench --data-dir "$data" --password-iterations 1000)
export PB_TOKEN
off_ratio=() p99_ratio=() log_ratio=() paced_p99_ratio=() paced_rps_ratio=() round_steal=()
memory_cpu_ratio=() memory_p99_ratio=() user_ratio=() kernel_ratio=() cpu_ratio=()
echo "$ROUNDS alternating rounds at 16 connections, fsync off:"
for _ in $(seq "$ROUNDS"); do
    taskset -c 0 nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
    nginx=$!
    sleep 0.5
    SERVER_PIDS="$nginx $(pgrep -P "$nginx")"
    measure "nginx return 204" 16
    nginx_rps=$RPS nginx_p99=$P99 steal=$STEAL nginx_user=$USER_US nginx_kernel=$KERNEL_US
    PB_PAUSE_MS=1 measure "nginx paced" "$PACED"
    nginx_paced_rps=$RPS nginx_paced_p99=$P99
    kill -TERM "$nginx"; wait "$nginx" 2>/dev/null || true
    # "files": access log off, and the forwarder reads every batch back from the buffer files (a
    # 1-byte memory holds no group), as before the log kept its newest records in memory.
    for level in warn files info; do
        memory=8388608
        [ "$level" = files ] && memory=1
        taskset -c 0 "$BENCH_BIN/plantbuddy" serve --data-dir "$data" --listen "127.0.0.1:$PORT" \
            --influx-url "http://127.0.0.1:$((PORT + 10))" --influx-api v2 --influx-org bench --influx-token bench \
            --wal-fsync false --log-level "${level/files/warn}" --wal-memory-bytes "$memory" \
            2>"$WORK/gateway-$level.log" &
        gateway=$!
        SERVER_PIDS=$gateway
        for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
        if [ "$level" = files ]; then label="plantbuddy read-back"; else label="plantbuddy log=$level"; fi
        measure_forwarding "$label" 16
        if [ "$level" = files ]; then
            memory_cpu_ratio+=("$(awk -v a="$USER_US" -v b="$quiet_user_us" 'BEGIN { print (b > 0 ? a / b : 0) }')")
            memory_p99_ratio+=("$(awk -v a="$P99" -v b="$quiet_p99" 'BEGIN { print a / b }')")
            kill -TERM "$gateway"; wait "$gateway" 2>/dev/null || true
            continue
        fi
        steal=$((STEAL > steal ? STEAL : steal))
        if [ "$level" = warn ]; then
            quiet_user_us=$USER_US quiet_p99=$P99
            quiet_rps=$RPS
            off_ratio+=("$(awk -v a="$RPS" -v b="$nginx_rps" 'BEGIN { print a / b }')")
            p99_ratio+=("$(awk -v a="$P99" -v b="$nginx_p99" 'BEGIN { print a / b }')")
            # (A run too short for a clock tick of nginx's user time gives no ratio rather than a fault.)
            user_ratio+=("$(awk -v a="$USER_US" -v b="$nginx_user" 'BEGIN { print (b > 0 ? a / b : 0) }')")
            kernel_ratio+=("$(awk -v a="$KERNEL_US" -v b="$nginx_kernel" 'BEGIN { print (b > 0 ? a / b : 0) }')")
            cpu_ratio+=("$(awk -v a="$USER_US" -v b="$KERNEL_US" -v c="$nginx_user" -v d="$nginx_kernel" \
                'BEGIN { print (c + d > 0 ? (a + b) / (c + d) : 0) }')")
            PB_PAUSE_MS=1 measure "plantbuddy paced" "$PACED"
            paced_p99_ratio+=("$(awk -v a="$P99" -v b="$nginx_paced_p99" 'BEGIN { print a / b }')")
            paced_rps_ratio+=("$(awk -v a="$RPS" -v b="$nginx_paced_rps" 'BEGIN { print a / b }')")
        else
            log_ratio+=("$(awk -v a="$RPS" -v b="$quiet_rps" 'BEGIN { print a / b }')")
        fi
        kill -TERM "$gateway"; wait "$gateway" 2>/dev/null || true
    done
    round_steal+=("$steal")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
printf 'medians of %d rounds: access log off %.2fx nginx (target >= 0.5), p99 %.2fx nginx'"'"'s (target <= 1.5), access log on %.2fx off (target >= 0.85)\n' \
    "$ROUNDS" "$(median "${off_ratio[@]}")" "$(median "${p99_ratio[@]}")" "$(median "${log_ratio[@]}")"
printf 'the forwarder reading every batch back from the files against taking it from memory: the gateway'"'"'s user CPU per request %.2fx, its p99 %.2fx\n' \
    "$(median "${memory_cpu_ratio[@]}")" "$(median "${memory_p99_ratio[@]}")"
# At full load wrk's closed loop makes the mean latency connections / requests per second, and on one
# CPU requests per second is the inverse of the CPU per request: a server spending twice the CPU per
# request has twice the mean latency, whatever its tail. The CPU ratio is therefore the floor of the
# p99 ratio for a gateway whose tail were as tight as nginx's.
printf 'CPU per request (access log off against nginx): user %.2fx, kernel %.2fx, together %.2fx: the floor of the full-load p99 ratio\n' \
    "$(median "${user_ratio[@]}")" "$(median "${kernel_ratio[@]}")" "$(median "${cpu_ratio[@]}")"
printf 'at the same offered load (%d paced connections; the gateway answered %.2fx nginx'"'"'s requests): p99 %.2fx nginx'"'"'s\n' \
    "$PACED" "$(median "${paced_rps_ratio[@]}")" "$(median "${paced_p99_ratio[@]}")"
# The same medians over the rounds the host left alone (steal at most QUIET_STEAL %, default 10, on
# both CPUs in the round's full-load runs): with steal in the tens of percent a round measures the host.
quiet=()
for index in "${!round_steal[@]}"; do [ "${round_steal[$index]}" -le "${QUIET_STEAL:-10}" ] && quiet+=("$index"); done
if [ "${#quiet[@]}" -gt 0 ]; then
    pick() { local -n values=$1; for index in "${quiet[@]}"; do echo "${values[$index]}"; done; }
    printf 'medians of the %d of %d rounds with steal <= %d %%: access log off %.2fx nginx, p99 %.2fx nginx'"'"'s, access log on %.2fx off\n' \
        "${#quiet[@]}" "$ROUNDS" "${QUIET_STEAL:-10}" "$(median $(pick off_ratio))" "$(median $(pick p99_ratio))" \
        "$(median $(pick log_ratio))"
else
    echo "no round had steal <= ${QUIET_STEAL:-10} % on both CPUs (per round: ${round_steal[*]} %)"
fi

# The forwarder must keep pace at every load (a backlog that grows run after run fills the disk):
# the lowest forwarded/acknowledged ratio of the runs, a batch (2,000 lines) in flight either side.
sort -n "$WORK/forwarded.txt" | awk 'NR == 1 { printf "forwarder pace: lowest forwarded/acknowledged %.2fx (%s; target >= 0.95)\n", $1, substr($0, index($0, " ") + 1) }'
