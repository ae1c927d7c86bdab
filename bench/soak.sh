#!/usr/bin/env bash
# ax soak test (`make soak`, not part of `make test`). Runs as root on Debian 12.
#
# For SOAK_SECONDS, ax apps keep opening and closing connections to each other while the servers are
# restarted and short-lived apps come and go; every SOAK_INTERVAL seconds the daemon's RSS, thread count
# and open descriptors are sampled into bench/results/soak.csv. At the end bench/lib/soak_report.py draws
# bench/results/soak.svg and rewrites the "Soak" section of BENCHMARKS.md. A flat curve means no leak.
#
# Everything runs in one network namespace this script makes (axsoak-<pid>): loopback and
# 10.213.201.1/24 on a veth pair that leads nowhere, no default route. Apps get their own namespaces.
#
# Knobs (environment):
#   SOAK_SECONDS=600     how long the workload runs
#   SOAK_INTERVAL=5      seconds between samples
#   SOAK_CLIENTS=2       client apps running at any time (each lives one cycle)
#   SOAK_CYCLE=15        seconds per cycle: each cycle restarts one server and replaces every client
#   SOAK_OUT=DIR         where soak.csv and soak.svg go (default bench/results)
#   SOAK_MARKDOWN=FILE   the report to update (default BENCHMARKS.md)
#   AX_BINARY=PATH       the ax binary, the static front (default out/ax); ax-core beside it is copied too
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
AX=${AX_BINARY:-$REPO/out/ax}
SECONDS_TOTAL=${SOAK_SECONDS:-600}
INTERVAL=${SOAK_INTERVAL:-5}
CLIENTS=${SOAK_CLIENTS:-2}
CYCLE=${SOAK_CYCLE:-15}
OUT=${SOAK_OUT:-$BENCH_DIR/results}
MARKDOWN=${SOAK_MARKDOWN:-$REPO/BENCHMARKS.md}

NS=axsoak-$$
WORK=/tmp/axsoak/$$
RUN_DIR=$WORK/run
NODE_IP=10.213.201.1
REST_PORT=6691
APP_IP=1.1.1.1
PORT=7000

log() { printf '[soak %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (the soak makes a network namespace): sudo make soak"
[[ -x $AX ]] || die "no ax binary at $AX; run 'make build' first"
for n in SECONDS_TOTAL INTERVAL CLIENTS CYCLE; do
    [[ ${!n} =~ ^[0-9]+$ && ${!n} -ge 1 ]] || die "$n must be a whole number of at least 1, not '${!n}'"
done
PY=$(command -v python3) || die "python3 is needed (apt-get install python3)"
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3   # not a pyenv shim, which would fork

# ---------------------------------------------------------------- our processes, and cleanup

declare -a PIDS=()
LAST_PID=

# start_bg, ours, stop
source "$BENCH_DIR/lib/procs.sh"

DAEMON_PID=
SAMPLER_PID=
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    [[ -n $SAMPLER_PID ]] && stop "$SAMPLER_PID"
    local -a others=()
    local pid
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do [[ $pid != "$DAEMON_PID" && $pid != "$SAMPLER_PID" ]] && others+=("$pid"); done
    ((${#others[@]})) && stop "${others[@]}"
    [[ -n $DAEMON_PID ]] && stop "$DAEMON_PID"
    if ip netns list 2>/dev/null | grep -qw "^$NS"; then
        local left
        left=$(ip netns pids "$NS" 2>/dev/null | tr '\n' ' ')
        [[ -n $left ]] && log "warning: processes still in $NS (not started by this script, left alone): $left"
        ip netns del "$NS"
    fi
    if [[ $rc != 0 ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- node namespace and daemon

mkdir -p "$WORK/logs" "$RUN_DIR" "$OUT"
in_ns() { ip netns exec "$NS" "$@"; }
export AX_RUN_DIR=$RUN_DIR

log "namespace $NS, scratch $WORK; ${SECONDS_TOTAL} s, a sample every ${INTERVAL} s, $CLIENTS clients, ${CYCLE} s cycles"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" addr add "$NODE_IP/24" dev v0
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up
if ip -n "$NS" route show default | grep -q .; then die "namespace $NS has a default route; refusing to run"; fi

cp "$AX" "$WORK/ax"   # a private copy: `make build` may replace out/ax meanwhile
cp "$(dirname "$AX")/ax-core" "$WORK/ax-core"   # the rest of ax, which the front execs from beside itself
AX=$WORK/ax
start_bg daemon ip netns exec "$NS" "$AX" daemon --rest-port "$REST_PORT" --node-interface "$NODE_IP"
DAEMON_PID=$LAST_PID
for ((i = 0; i < 100; i++)); do
    in_ns "$AX" get apps >/dev/null 2>&1 && break
    ours "$DAEMON_PID" || { cat "$WORK/logs/daemon.log" >&2; die "the ax daemon exited"; }
    sleep 0.1
done
in_ns "$AX" get apps >/dev/null 2>&1 || die "the ax daemon did not come up; see $WORK/logs/daemon.log"

# ---------------------------------------------------------------- sampler

CSV=$OUT/soak.csv
sample() {
    local start=$SECONDS rss threads fds
    echo "seconds,rss_kib,threads,fds"
    while [[ -d /proc/$DAEMON_PID ]]; do
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status" 2>/dev/null) || break
        threads=$(awk '/^Threads:/ {print $2}' "/proc/$DAEMON_PID/status" 2>/dev/null) || break
        fds=$(ls "/proc/$DAEMON_PID/fd" 2>/dev/null | wc -l)
        echo "$((SECONDS - start)),$rss,$threads,$fds"
        sleep "$INTERVAL"
    done
}
sample >"$CSV.partial" &
SAMPLER_PID=$!

# ---------------------------------------------------------------- workload

start_server() { # SLOT
    start_bg "server$1" ip netns exec "$NS" "$AX" run --ip "$APP_IP" -- "$PY" "$BENCH_DIR/lib/soak_peer.py" server "$PORT"
    SERVERS[$1]=$LAST_PID
}

declare -a SERVERS=()
start_server 0
start_server 1
for ((i = 0; i < 100; i++)); do
    [[ $(in_ns "$AX" get servers 2>/dev/null | grep -c "$APP_IP:$PORT") -ge 2 ]] && break
    sleep 0.1
done

CYCLES=0 CONNECTIONS=0 FAILURES=0 RESTARTS=0 SHORT_APPS=0
deadline=$((SECONDS + SECONDS_TOTAL))
while ((SECONDS < deadline)); do
    left=$((deadline - SECONDS))
    length=$((left < CYCLE ? left : CYCLE))
    declare -a clients=()
    for ((c = 0; c < CLIENTS; c++)); do
        start_bg "client$c" ip netns exec "$NS" "$AX" run -- "$PY" "$BENCH_DIR/lib/soak_peer.py" client "$APP_IP" "$PORT" "$length"
        clients+=("$LAST_PID")
    done
    # Midway, one server goes and comes back (its service leaves and rejoins the table), and a few
    # short-lived apps pass through.
    sleep $((length / 2))
    slot=$((CYCLES % 2))
    stop "${SERVERS[$slot]}"
    start_server "$slot"
    RESTARTS=$((RESTARTS + 1))
    for ((s = 0; s < 5; s++)); do
        in_ns "$AX" run -- true >/dev/null 2>&1 && SHORT_APPS=$((SHORT_APPS + 1))
    done
    for pid in "${clients[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ((c = 0; c < CLIENTS; c++)); do
        read -r done failed < <(sed -n 's/^connections=\([0-9]*\) failures=\([0-9]*\)$/\1 \2/p' "$WORK/logs/client$c.log")
        CONNECTIONS=$((CONNECTIONS + ${done:-0}))
        FAILURES=$((FAILURES + ${failed:-0}))
    done
    # Forget finished pids so the list does not grow with the run.
    declare -a live=()
    for pid in "${PIDS[@]}"; do ours "$pid" && live+=("$pid"); done
    PIDS=("${live[@]}")
    CYCLES=$((CYCLES + 1))
    ours "$DAEMON_PID" || { cat "$WORK/logs/daemon.log" >&2; die "the ax daemon died during the soak"; }
    log "cycle $CYCLES: $CONNECTIONS connections ($FAILURES failed), $RESTARTS server restarts, $SHORT_APPS short apps"
done

# A last sample after the apps are gone (the daemon should let go of everything they held).
stop "${SERVERS[@]}"
sleep "$INTERVAL"
stop "$SAMPLER_PID"
SAMPLER_PID=
mv "$CSV.partial" "$CSV"

SUMMARY="Workload: $SECONDS_TOTAL s of $CLIENTS client apps connecting to two server apps on $APP_IP:$PORT (one line each way, then close), one server restarted and 5 short apps started every ${CYCLE} s: $CONNECTIONS connections ($FAILURES failed), $RESTARTS server restarts, $SHORT_APPS short apps. Samples every $INTERVAL s; measured $(date -u +%Y-%m-%d) on $(nproc) cores."
"$PY" "$BENCH_DIR/lib/soak_report.py" "$CSV" "$OUT/soak.svg" "$MARKDOWN" "$SUMMARY"
log "wrote $CSV, $OUT/soak.svg and the Soak section of $MARKDOWN"
