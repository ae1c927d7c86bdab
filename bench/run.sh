#!/usr/bin/env bash
# ax benchmark suite (`make bench`). Runs as root on Debian 12; see BENCHMARKS.md for what it measures.
#
# Every process runs inside one network namespace this script makes (axbench-<pid>), whose only
# addresses are loopback and 10.213.200.1/24 on a veth pair that leads nowhere (no default route).
# Apps under `ax run` get their own empty namespaces; their virtual addresses (1.1.1.1, 1.1.1.2) are
# rewritten by the ax daemon to 10.213.200.1:<pool port> and never leave the node namespace.
#
# Variants of each network workload, interleaved within every round (the order rotates per round):
#   direct    plain client and server in the node namespace, client -> 10.213.200.1
#   ax        client and server both under `ax run`, server on virtual IP 1.1.1.1
#   haproxy1  client -> HAProxy (TCP mode, 127.0.0.1) -> server at 10.213.200.1
#   haproxy2  client -> client-side HAProxy (127.0.0.1) -> server-side HAProxy (10.213.200.1) -> server (127.0.0.1)
#
# Knobs (environment):
#   BENCH_RUNS=5           measured runs (rounds) per workload and variant; figures are medians
#   BENCH_SECONDS=5        seconds per wrk run
#   BENCH_IPERF_SECONDS=20 seconds per iperf3 run (a single stream's rate wanders; 5 s runs could not
#                          tell 0.96x from 0.99x)
#   BENCH_CONNECTS=2000    connect() calls per connect-latency run (after 200 warm-up connects)
#   BENCH_LAUNCH_RUNS=20   hyperfine runs per command per round (launch overhead)
#   BENCH_APPS=100         apps (`ax run -- sleep`) for the daemon RSS figure
#   BENCH_SERVICES=10000   listening sockets (services) for the daemon RSS figure (0 skips it)
#   BENCH_WORKLOADS=...    csv subset of: launch,connect,iperf3,wrk_keepalive,wrk_close,memory,lookup, the
#                          container workloads (bench/lib/container.sh): container_launch,container_wrk_keepalive,
#                          container_wrk_close, and the cluster workloads (bench/lib/cluster.sh): cluster_iperf3,cluster_wrk_keepalive,
#                          cluster_wrk_close,cluster_converge,cluster_failure,cluster_scale (default: all)
#   BENCH_CONTAINER_RUNS=10  hyperfine runs per command per round of container_launch (quick: 3)
#   BENCH_CLUSTER_NODES=30 nodes of the large cluster (convergence and scale; quick: 5)
#   BENCH_CLUSTER_SERVICES=300  services per node in the scale workload (quick: 20)
#   BENCH_CONVERGE_SERVICES=100 services timed from listen() to a remote connect (quick: 20)
#   BENCH_FAILURE_RUNS=5   node kills timed in the failure workload (quick: 2)
#   BENCH_IDLE_SECONDS=30  idle window of the scale workload (CPU, wire bytes; quick: 10)
#   BENCH_HAPROXY_THREADS=1  nbthread of each HAProxy;  BENCH_NGINX_WORKERS=1  nginx worker_processes
#   BENCH_QUICK=1          smoke test: 2 short rounds, small counts; results go to bench/results/quick/
#                          and BENCHMARKS.md is left alone
#   BENCH_OUT=DIR          where latest.json and ratios.svg go (default bench/results, quick: bench/results/quick)
#   BENCH_MARKDOWN=FILE    the markdown report to update (default BENCHMARKS.md; quick: DIR/BENCHMARKS.md)
#   BENCH_BPF_CONNECT=0    skip the takeover_bpf variant of the connect workload (connect() rewritten by BPF)
#   BENCH_TW_BUCKETS=N     diagnostic: net.ipv4.tcp_max_tw_buckets in the node namespace (default: the kernel's)
#   BENCH_KEEP_WORK=1      keep the scratch directory /tmp/axbench/<pid> (logs) after the run
#   AX_BINARY=PATH         the ax binary, the static front (default out/ax); ax-core beside it is copied too
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
AX=${AX_BINARY:-$REPO/out/ax}

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
    RUNS=${BENCH_RUNS:-2}
    SECS=${BENCH_SECONDS:-1}
    IPERF_SECS=${BENCH_IPERF_SECONDS:-1}
    CONNECTS=${BENCH_CONNECTS:-300}
    LAUNCH_RUNS=${BENCH_LAUNCH_RUNS:-5}
    CT_RUNS=${BENCH_CONTAINER_RUNS:-3}
    APPS=${BENCH_APPS:-10}
    SERVICES=${BENCH_SERVICES:-500}
    CLUSTER_NODES=${BENCH_CLUSTER_NODES:-5}
    CLUSTER_SERVICES=${BENCH_CLUSTER_SERVICES:-20}
    CONVERGE_SERVICES=${BENCH_CONVERGE_SERVICES:-20}
    FAILURE_RUNS=${BENCH_FAILURE_RUNS:-2}
    IDLE_SECS=${BENCH_IDLE_SECONDS:-10}
    OUT=${BENCH_OUT:-$BENCH_DIR/results/quick}
    MARKDOWN=${BENCH_MARKDOWN:-$OUT/BENCHMARKS.md}
else
    RUNS=${BENCH_RUNS:-5}
    SECS=${BENCH_SECONDS:-5}
    IPERF_SECS=${BENCH_IPERF_SECONDS:-20}
    CONNECTS=${BENCH_CONNECTS:-2000}
    LAUNCH_RUNS=${BENCH_LAUNCH_RUNS:-20}
    CT_RUNS=${BENCH_CONTAINER_RUNS:-10}
    APPS=${BENCH_APPS:-100}
    SERVICES=${BENCH_SERVICES:-10000}
    CLUSTER_NODES=${BENCH_CLUSTER_NODES:-30}
    CLUSTER_SERVICES=${BENCH_CLUSTER_SERVICES:-300}
    CONVERGE_SERVICES=${BENCH_CONVERGE_SERVICES:-100}
    FAILURE_RUNS=${BENCH_FAILURE_RUNS:-5}
    IDLE_SECS=${BENCH_IDLE_SECONDS:-30}
    OUT=${BENCH_OUT:-$BENCH_DIR/results}
    MARKDOWN=${BENCH_MARKDOWN:-$REPO/BENCHMARKS.md}
fi
WORKLOADS=${BENCH_WORKLOADS:-launch,connect,iperf3,wrk_keepalive,wrk_close,memory,lookup,container_launch,container_wrk_keepalive,container_wrk_close,cluster_iperf3,cluster_wrk_keepalive,cluster_wrk_close,cluster_converge,cluster_failure,cluster_scale}
# Whether any one-node workload runs (their report block) and any cluster one (bench/lib/cluster.sh).
SINGLE=0 CLUSTER=0 CONTAINERS=0
for w in ${WORKLOADS//,/ }; do
    case $w in
        launch | connect | iperf3 | wrk_keepalive | wrk_close | memory | lookup) SINGLE=1 ;;
        container_launch | container_wrk_keepalive | container_wrk_close) SINGLE=1 CONTAINERS=1 ;;
        cluster_iperf3 | cluster_wrk_keepalive | cluster_wrk_close | cluster_converge | cluster_failure | cluster_scale) CLUSTER=1 ;;
        *) echo "bench: unknown workload '$w' in BENCH_WORKLOADS" >&2; exit 1 ;;
    esac
done
HAPROXY_THREADS=${BENCH_HAPROXY_THREADS:-1}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-1}
WRK_THREADS=2
WRK_CONNS=50

NS=axbench-$$
WORK=/tmp/axbench/$$
RUN_DIR=$WORK/run
NODE_IP=10.213.200.1
NODE_CIDR=10.213.200.1/24
APP_IP=1.1.1.1            # virtual IP of the servers under ax
RULES_IP=1.1.1.3          # virtual IP of the connect server routed by a rule (ax_rules)
MANY_IP=1.1.1.2           # virtual IP of the many-services app
REST_PORT=6690
VARIANTS=(direct ax haproxy1 haproxy2)

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites

[[ $(id -u) == 0 ]] || die "run as root (the suite makes a network namespace): sudo make bench"
[[ -x $AX ]] || die "no ax binary at $AX; run 'make build' first"
for n in RUNS SECS IPERF_SECS CONNECTS LAUNCH_RUNS CT_RUNS APPS SERVICES HAPROXY_THREADS NGINX_WORKERS CLUSTER_NODES CLUSTER_SERVICES CONVERGE_SERVICES FAILURE_RUNS IDLE_SECS; do
    [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a number, not '${!n}'"
done
(( RUNS >= 1 && SECS >= 1 && CONNECTS >= 1 )) || die "BENCH_RUNS, BENCH_SECONDS and BENCH_CONNECTS must be at least 1"
(( CLUSTER_NODES >= 3 && CLUSTER_NODES <= 250 )) || die "BENCH_CLUSTER_NODES must be 3 to 250"
(( CONVERGE_SERVICES >= 1 && FAILURE_RUNS >= 1 && IDLE_SECS >= 1 )) || die "BENCH_CONVERGE_SERVICES, BENCH_FAILURE_RUNS and BENCH_IDLE_SECONDS must be at least 1"

install_missing() {
    local -a pkgs=()
    command -v ip >/dev/null || pkgs+=(iproute2)
    command -v nginx >/dev/null || pkgs+=(nginx-light)
    command -v wrk >/dev/null || pkgs+=(wrk)
    command -v iperf3 >/dev/null || pkgs+=(iperf3)
    command -v haproxy >/dev/null || pkgs+=(haproxy)
    command -v hyperfine >/dev/null || pkgs+=(hyperfine)
    command -v python3 >/dev/null || pkgs+=(python3)
    command -v gcc >/dev/null || pkgs+=(gcc libc6-dev)
    command -v timeout >/dev/null || pkgs+=(coreutils)
    ((CLUSTER)) && ! command -v serf >/dev/null && pkgs+=(serf)
    ((CONTAINERS)) && ! command -v podman >/dev/null && pkgs+=(podman)
    ((${#pkgs[@]})) || return 0
    log "installing ${pkgs[*]} with apt-get"
    command -v apt-get >/dev/null || die "missing ${pkgs[*]} and there is no apt-get to install them"
    # Packaged daemons (nginx, haproxy) must not be started on the host by their install scripts.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    local p
    for p in "${pkgs[@]}"; do
        if ! apt-get install -y -qq --no-install-recommends "$p" >/dev/null; then
            [[ $p == nginx-light ]] && apt-get install -y -qq --no-install-recommends nginx >/dev/null && continue
            ((made_policy)) && rm -f "$policy"
            die "could not install $p"
        fi
    done
    ((made_policy)) && rm -f "$policy"
    # The packages' own services, if the init system started any anyway, are not ours to stop.
    return 0
}
install_missing
PY=$(command -v python3)
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

# ---------------------------------------------------------------- processes we start, and cleanup

declare -a PIDS=()
LAST_PID=

# start_bg, ours, stop
source "$BENCH_DIR/lib/procs.sh"
# run_cluster, cluster_cleanup (the cluster workloads; nothing runs when sourced)
source "$BENCH_DIR/lib/cluster.sh"
# the container workloads and ct_cleanup (nothing runs when sourced)
source "$BENCH_DIR/lib/container.sh"

DAEMON_PID=
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    # The cluster's apps and daemons (and their agents) first, then its namespaces.
    declare -F cluster_cleanup >/dev/null && cluster_cleanup
    # The containers (by name) and the podman network, while the daemon still serves their calls.
    declare -F ct_cleanup >/dev/null && ct_cleanup
    if ((${#PIDS[@]})); then
        # Apps and servers first, the daemon last (it serves the apps' calls while they stop).
        local -a others=()
        local pid
        for pid in "${PIDS[@]}"; do [[ $pid != "$DAEMON_PID" ]] && others+=("$pid"); done
        ((${#others[@]})) && stop "${others[@]}"
        [[ -n $DAEMON_PID ]] && stop "$DAEMON_PID"
    fi
    declare -F bpf_cgroup_remove >/dev/null && bpf_cgroup_remove
    if ip netns list 2>/dev/null | grep -qw "^$NS"; then
        local left
        left=$(ip netns pids "$NS" 2>/dev/null | tr '\n' ' ')
        [[ -n $left ]] && log "warning: processes still in $NS (not started by this script, left alone): $left"
        ip netns del "$NS"
    fi
    if [[ ${BENCH_KEEP_WORK:-0} == 1 || $rc != 0 ]]; then
        log "scratch files and logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- node namespace and daemon

mkdir -p "$WORK/logs" "$WORK/raw" "$RUN_DIR" "$OUT"
RAW=$WORK/raw/records.jsonl
: >"$RAW"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

in_ns() { ip netns exec "$NS" "$@"; }
export AX_RUN_DIR=$RUN_DIR

log "namespace $NS, scratch $WORK; runs=$RUNS seconds=$SECS quick=$QUICK workloads=$WORKLOADS"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" addr add "$NODE_CIDR" dev v0
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up
if ip -n "$NS" route show default | grep -q .; then die "namespace $NS has a default route; refusing to run"; fi
if [[ -n ${BENCH_TW_BUCKETS:-} ]]; then
    # Diagnostic: cap TIME_WAIT sockets in the node namespace (the daemon's listener sweep reads them all).
    ip netns exec "$NS" sysctl -q -w net.ipv4.tcp_max_tw_buckets="$BENCH_TW_BUCKETS"
fi

gcc -O2 -Wall -o "$WORK/connlat" "$BENCH_DIR/lib/connlat.c"
# The bare takeover mechanism in C (no daemon, table or policy): the limit column for connect and launch.
gcc -O2 -Wall -o "$WORK/takeover" "$BENCH_DIR/lib/takeover.c"
# The other design, measured beside it: connect() rewritten in the kernel by a cgroup BPF program, no trap.
gcc -O2 -Wall -o "$WORK/bpfconnect" "$BENCH_DIR/lib/bpfconnect.c"
# A private copy of ax: `make build` elsewhere may replace out/ax while the suite runs, and the daemon
# and every `ax run` must be the same build. ax is the static front: it runs the plain `ax run` itself and
# execs the ax-core beside it for the rest (the daemon, ax get ..., every launch it hands over).
AX_SOURCE=$AX
[[ -x $(dirname "$AX_SOURCE")/ax-core ]] || die "no ax-core beside $AX_SOURCE; run 'make build' first"
cp "$AX_SOURCE" "$WORK/ax"
cp "$(dirname "$AX_SOURCE")/ax-core" "$WORK/ax-core"
AX=$WORK/ax

start_bg daemon ip netns exec "$NS" "$AX" daemon --rest-port "$REST_PORT" --node-interface "$NODE_IP"
DAEMON_PID=$LAST_PID
for ((i = 0; i < 100; i++)); do
    [[ -S $RUN_DIR/ax.sock ]] && in_ns "$AX" get apps >/dev/null 2>&1 && break
    ours "$DAEMON_PID" || { cat "$WORK/logs/daemon.log" >&2; die "the ax daemon exited"; }
    sleep 0.1
done
[[ -S $RUN_DIR/ax.sock ]] || die "the ax daemon did not come up; see $WORK/logs/daemon.log"

daemon_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"; }
daemon_cpu_ticks() { local s; s=$(cat "/proc/$DAEMON_PID/stat"); s=${s##*) }; local -a f=($s); echo $((f[11] + f[12])); }
CLK_TCK=$(getconf CLK_TCK)
tw_count() { in_ns ss -Htan state time-wait 2>/dev/null | wc -l; }

# record WORKLOAD VARIANT ROUND VALUE [EXTRA-JSON-MEMBERS]
record() {
    local extra=${5:-}
    printf '{"workload":"%s","variant":"%s","round":%s,"value":%s%s}\n' "$1" "$2" "$3" "$4" "${extra:+,$extra}" >>"$RAW"
}

# Daemon CPU seconds used while CMD runs (the ax variant's hidden cost); sets DAEMON_CPU_S.
DAEMON_CPU_S=0
with_daemon_cpu() {
    local before after
    before=$(daemon_cpu_ticks)
    "$@"
    after=$(daemon_cpu_ticks)
    DAEMON_CPU_S=$(awk -v d=$((after - before)) -v t="$CLK_TCK" 'BEGIN {printf "%.2f", d / t}')
}

# The order of the variants in round R (rotated so that no variant always runs first or last).
rotated() {
    local r=$1; shift
    local -a v=("$@")
    local n=${#v[@]} i
    for ((i = 0; i < n; i++)); do echo "${v[(i + r) % n]}"; done
}

# warm_up RUN-FUNCTION [ARGS...]: one unrecorded 1-second run of each variant (RUN-FUNCTION ARGS VARIANT 0).
warm_up() {
    local v saved=$SECS
    SECS=1
    for v in "${VARIANTS[@]}"; do "$@" "$v" 0; done
    SECS=$saved
    sed -i '/"round":0,/d' "$RAW"
}

# run_round ROUND RUN-FUNCTION [ARGS...]: one recorded run of each variant, in the round's order.
run_round() {
    local r=$1 v
    shift
    for v in $(rotated "$r" "${VARIANTS[@]}"); do "$@" "$v" "$r"; done
}

wait_tcp_listen() { # PORT: a plain listener on PORT in the node namespace
    local i
    for ((i = 0; i < 100; i++)); do
        in_ns ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    die "nothing listens on port $1 in $NS"
}

wait_service() { # ADDR: a service ADDR (ip:port) in the daemon's table
    local i
    for ((i = 0; i < 100; i++)); do
        in_ns "$AX" get servers -o json 2>/dev/null | grep -q "\"serviceAddr\": \"$1\"" && return 0
        sleep 0.1
    done
    die "service $1 did not appear in 'ax get servers'"
}

wants() { [[ ,$WORKLOADS, == *,$1,* ]]; }

client_timeout() { echo $((SECS + 30)); }

# ---------------------------------------------------------------- HAProxy

haproxy_start() { # NAME BIND TARGET: starts one HAProxy and adds its pid to PROXY_PIDS
    cat >"$WORK/$1.cfg" <<EOF
global
    maxconn 8000
    nbthread $HAPROXY_THREADS
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
listen l
    bind $2
    server s $3
EOF
    start_bg "$1" ip netns exec "$NS" haproxy -f "$WORK/$1.cfg" -db
    PROXY_PIDS+=("$LAST_PID")
    wait_tcp_listen "${2##*:}"
}

# Starts the proxies for a server whose plain listener is at NODE_IP:PORT (and 127.0.0.1:PORT):
# haproxy1 is 127.0.0.1:P1 -> NODE_IP:PORT;
# haproxy2 is 127.0.0.1:P2 (client side) -> NODE_IP:P2+1 (server side) -> 127.0.0.1:PORT.
PROXY_PIDS=()
proxies_start() { # PORT P1 P2
    PROXY_PIDS=()
    haproxy_start "hp1-$1" "127.0.0.1:$2" "$NODE_IP:$1"
    haproxy_start "hp2s-$1" "$NODE_IP:$(($3 + 1))" "127.0.0.1:$1"
    haproxy_start "hp2c-$1" "127.0.0.1:$3" "$NODE_IP:$(($3 + 1))"
}

# ---------------------------------------------------------------- workloads

# 5. launch overhead: `ax run -- true` against `true`, with hyperfine inside the node namespace; also
#    `ax --version` and `ax run --new-netns=false -- true`, which split the overhead into its parts, and
#    `takeover -- true`, the bare mechanism in C (filter, listener handed to a supervisor, exec), and
#    `execfloor true` (bench/floor), a NativeAOT program that only execs: the runtime's own share.
launch_begin() {
    log "launch overhead: hyperfine, $LAUNCH_RUNS runs per command and round"
    (cd "$BENCH_DIR/.." && dotnet publish bench/floor/Ax.Floor.csproj -c Release -r linux-x64 -o "$WORK/floor" \
        -p:DebugType=none -nologo -v quiet) >"$WORK/logs/floor-build.log" 2>&1 \
        || { cat "$WORK/logs/floor-build.log" >&2; die "building bench/floor failed"; }
}
launch_round() { # ROUND
    local r=$1 out true_path
    true_path=$(type -P true)
    out=$WORK/raw/launch-$r.json
    timeout 300 ip netns exec "$NS" hyperfine -N --style none --warmup 3 --runs "$LAUNCH_RUNS" \
        --export-json "$out" 'true' "$AX run -- true" "$AX --version" "$AX run --new-netns=false -- true" \
        "$WORK/takeover -- true" "$WORK/floor/execfloor $true_path" \
        >"$WORK/logs/hyperfine-$r.log" 2>&1 \
        || die "hyperfine failed; see $WORK/logs/hyperfine-$r.log"
    "$PY" - "$out" "$r" >>"$RAW" <<'EOF'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
# ax_startup: ax alone (`ax --version`: the front, one exec, ax-core's runtime); ax_same_netns: `ax run --new-netns=false -- true`;
# takeover: `takeover -- true`, the C yardstick; floor: `execfloor true`, the NativeAOT runtime alone.
for res, variant in zip(d["results"], ("direct", "ax", "ax_startup", "ax_same_netns", "takeover", "floor")):
    times = [t * 1000 for t in res["times"]]
    print(json.dumps({"workload": "launch", "variant": variant, "round": int(sys.argv[2]),
                      "value": round(statistics.median(times), 3), "mean": round(res["mean"] * 1000, 3),
                      "min": round(min(times), 3), "max": round(max(times), 3), "n": len(times)}))
EOF
}
launch_end() { :; }

# 4. connect latency, blocking and non-blocking connect(): direct, under ax (from an AF_INET socket, and
#    from an AF_INET6 one dialling the IPv4-mapped address: ax_inet6), and under the bare takeover
#    mechanism in C with connect() trapped (takeover) and with socket() trapped as well (takeover_socket,
#    the calls ax traps), both against the direct server. takeover_bpf is the design with no connect()
#    trap: socket() trapped, and a cgroup BPF program (bench/lib/bpfconnect.c) rewrites BPF_VIP:7001 to
#    the direct server inside connect(); skipped where the kernel or the machine cannot attach it.
CONNLAT_DIRECT= CONNLAT_AX= CONNLAT_RULES=
BPF_CGROUP=
BPF_VIP=10.213.201.1     # not on any link of the node namespace: unrewritten, a connect fails at once
connect_begin() {
    log "connect latency: $CONNECTS connects per run and round"
    start_bg connlat-direct ip netns exec "$NS" "$WORK/connlat" serve "$NODE_IP" 7001; CONNLAT_DIRECT=$LAST_PID
    start_bg connlat-ax ip netns exec "$NS" "$AX" run --ip "$APP_IP" -- "$WORK/connlat" serve 0.0.0.0 7000; CONNLAT_AX=$LAST_PID
    wait_tcp_listen 7001
    wait_service "$APP_IP:7000"
    # ax_rules: a server named 'ruled' with 100 Amalgam8 rules loaded, one of them routing it by version.
    start_bg connlat-rules ip netns exec "$NS" "$AX" run --name ruled --ip "$RULES_IP" --labels zone=default,version=v1 -- "$WORK/connlat" serve 0.0.0.0 7000; CONNLAT_RULES=$LAST_PID
    wait_service "$RULES_IP:7000"
    python3 - "$WORK/rules.json" <<'PY'
import json, sys
rules = [{"id": f"other-{k}", "priority": 1, "destination": f"other-{k}",
          "route": {"backends": [{"tags": ["version=v2"], "weight": 0.25}, {"tags": ["version=v1"]}]}} for k in range(99)]
rules.append({"id": "ruled-v1", "priority": 1, "destination": "ruled",
              "route": {"backends": [{"tags": ["version=v1"], "lb_type": "round_robin"}]}})
json.dump({"rules": rules}, open(sys.argv[1], "w"))
PY
    in_ns "$AX" create rule -f "$WORK/rules.json" >/dev/null || die "ax create rule -f refused the bench's 100 rules"
    bpf_cgroup_make
}

# bpf_cgroup_make: a cgroup v2 directory of this run with the connect program attached, in BPF_CGROUP;
# left empty (and takeover_bpf skipped) where that cannot be done.
bpf_cgroup_make() {
    local root dir
    if [[ ${BENCH_BPF_CONNECT:-1} == 0 ]]; then log "takeover_bpf skipped: BENCH_BPF_CONNECT=0"; return 0; fi
    root=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo | head -1)
    if [[ -z $root ]]; then log "takeover_bpf skipped: no cgroup v2 mount"; return 0; fi
    dir=$root/axbench-$$
    if ! mkdir "$dir" 2>/dev/null; then log "takeover_bpf skipped: cannot make $dir"; return 0; fi
    BPF_CGROUP=$dir
    if ! "$WORK/bpfconnect" "$dir" "$BPF_VIP:7001" "$NODE_IP:7001" 7002 2>"$WORK/logs/bpfconnect.log"; then
        log "takeover_bpf skipped: $(tail -1 "$WORK/logs/bpfconnect.log")"
        bpf_cgroup_remove
        return 0
    fi
    # The rewrite must work, and a refused entry must give ECONNREFUSED, before any figure counts.
    local refused
    refused=$(in_bpf_cgroup timeout 10 ip netns exec "$NS" "$WORK/takeover" --socket-only -- "$WORK/connlat" connect "$BPF_VIP" 7002 1 block 2>&1 >/dev/null) || true
    if ! in_bpf_cgroup timeout 10 ip netns exec "$NS" "$WORK/takeover" --socket-only -- "$WORK/connlat" connect "$BPF_VIP" 7001 10 block >/dev/null ||
        [[ $refused != *"Connection refused"* ]]; then
        log "takeover_bpf skipped: the connect program did not rewrite or refuse as it should"
        bpf_cgroup_remove
    fi
}
in_bpf_cgroup() { sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$BPF_CGROUP" "$@"; }
bpf_cgroup_remove() {
    [[ -n $BPF_CGROUP ]] || return 0
    local i
    for ((i = 0; i < 50; i++)); do rmdir "$BPF_CGROUP" 2>/dev/null && break; sleep 0.1; done
    [[ -d $BPF_CGROUP ]] && log "warning: cannot remove $BPF_CGROUP"
    BPF_CGROUP=
}

connect_round() { # ROUND
    local r=$1 v mode line p50
    local -a variants=(direct ax ax_inet6 ax_rules takeover takeover_socket)
    [[ -n $BPF_CGROUP ]] && variants+=(takeover_bpf)
    # The daemon's own account of each step, read before and after the round: other workloads' rounds
    # (wrk and iperf3 under ax) trap socket() and connect() too, and must not count here.
    curl -s --unix-socket "$RUN_DIR/api.sock" http://ax/api/v1/timings >"$WORK/raw/timings-before-$r.json"
    for v in $(rotated "$r" "${variants[@]}"); do
        for mode in block nonblock; do
            case $v in
                direct) line=$(timeout 120 ip netns exec "$NS" "$WORK/connlat" connect "$NODE_IP" 7001 "$CONNECTS" "$mode") ;;
                ax) line=$(timeout 120 ip netns exec "$NS" "$AX" run -- "$WORK/connlat" connect "$APP_IP" 7000 "$CONNECTS" "$mode") ;;
                ax_inet6) line=$(timeout 120 ip netns exec "$NS" "$AX" run -- "$WORK/connlat" connect "::ffff:$APP_IP" 7000 "$CONNECTS" "$mode") ;;
                ax_rules) line=$(timeout 120 ip netns exec "$NS" "$AX" run -- "$WORK/connlat" connect "$RULES_IP" 7000 "$CONNECTS" "$mode") ;;
                takeover) line=$(timeout 120 ip netns exec "$NS" "$WORK/takeover" -- "$WORK/connlat" connect "$NODE_IP" 7001 "$CONNECTS" "$mode") ;;
                takeover_socket) line=$(timeout 120 ip netns exec "$NS" "$WORK/takeover" --socket -- "$WORK/connlat" connect "$NODE_IP" 7001 "$CONNECTS" "$mode") ;;
                takeover_bpf) line=$(in_bpf_cgroup timeout 120 ip netns exec "$NS" "$WORK/takeover" --socket-only -- "$WORK/connlat" connect "$BPF_VIP" 7001 "$CONNECTS" "$mode") ;;
            esac
            [[ $line == '{'* ]] || die "connlat ($v, $mode) gave no result"
            p50=$(sed -E 's/.*"connect":\{[^}]*"p50":([0-9.]+).*/\1/' <<<"$line")
            record "connect_$mode" "$v" "$r" "$p50" "\"detail\":$line"
        done
    done
    curl -s --unix-socket "$RUN_DIR/api.sock" http://ax/api/v1/timings >"$WORK/raw/timings-after-$r.json"
}
connect_end() {
    # The daemon's mean per step of socket() and connect(), summed over the connect rounds only.
    "$PY" - "$WORK"/raw/timings-before-*.json >>"$RAW" <<'PYEOF'
import json, sys
def load(path):
    try:
        return {(t["call"], t["step"]): (t["count"], t["count"] * t["meanMicroseconds"]) for t in json.load(open(path))}
    except (OSError, ValueError):
        return {}
sums = {}
for before_path in sys.argv[1:]:
    before, after = load(before_path), load(before_path.replace("timings-before-", "timings-after-"))
    for key, (count, total) in after.items():
        c0, t0 = before.get(key, (0, 0.0))
        n, t = sums.get(key, (0, 0.0))
        sums[key] = (n + count - c0, t + total - t0)
for key, (count, total) in sums.items():
    if count > 0:
        print(json.dumps({"workload": "connect_steps", "variant": f"{key[0]}.{key[1]}", "round": 1,
                          "value": round(total / count, 2), "unit": "us", "calls": count}))
PYEOF
    stop "$CONNLAT_DIRECT" "$CONNLAT_AX" "$CONNLAT_RULES"
    bpf_cgroup_remove
}

# 1. iperf3 single-stream throughput.
iperf_run() { # VARIANT ROUND
    local v=$1 r=$2 json=$WORK/raw/iperf3-$1-$2.json t
    t=$(client_timeout)
    case $v in
        direct)   timeout "$t" ip netns exec "$NS" iperf3 -c "$NODE_IP" -p 5201 -t "$SECS" -J >"$json" ;;
        ax)       with_daemon_cpu timeout "$t" ip netns exec "$NS" "$AX" run -- iperf3 -c "$APP_IP" -p 5201 -t "$SECS" -J >"$json" ;;
        haproxy1) timeout "$t" ip netns exec "$NS" iperf3 -c 127.0.0.1 -p 15201 -t "$SECS" -J >"$json" ;;
        haproxy2) timeout "$t" ip netns exec "$NS" iperf3 -c 127.0.0.1 -p 25201 -t "$SECS" -J >"$json" ;;
    esac
    local gbps
    gbps=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d.get("error"); print("ERR "+e if e else "%.3f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' "$json")
    [[ $gbps != ERR* ]] || die "iperf3 ($v): ${gbps#ERR }"
    local extra=
    [[ $v == ax ]] && extra="\"daemon_cpu_s\":$DAEMON_CPU_S"
    record iperf3 "$v" "$r" "$gbps" "$extra"
}

IPERF_PIDS=()
iperf3_begin() {
    log "iperf3: ${IPERF_SECS}s single stream per run, ${#VARIANTS[@]} variants a round"
    start_bg iperf3-direct ip netns exec "$NS" iperf3 -s -4 -p 5201; IPERF_PIDS+=("$LAST_PID")
    start_bg iperf3-ax ip netns exec "$NS" "$AX" run --ip "$APP_IP" -- iperf3 -s -4 -p 5201; IPERF_PIDS+=("$LAST_PID")
    wait_tcp_listen 5201
    wait_service "$APP_IP:5201"
    proxies_start 5201 15201 25201
    IPERF_PIDS+=("${PROXY_PIDS[@]}")
    warm_up iperf_run
}
iperf3_round() { # ROUND
    local saved=$SECS
    SECS=$IPERF_SECS
    run_round "$1" iperf_run
    SECS=$saved
}
iperf3_end() { stop "${IPERF_PIDS[@]}"; }

# 2./3. wrk against nginx, keep-alive or one connection per request.
nginx_conf() { # PORT
    cat >"$WORK/nginx-$1.conf" <<EOF
worker_processes $NGINX_WORKERS;
pid $WORK/nginx-$1.pid;
error_log $WORK/logs/nginx-$1-error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx-tmp;
    proxy_temp_path $WORK/nginx-tmp;
    fastcgi_temp_path $WORK/nginx-tmp;
    uwsgi_temp_path $WORK/nginx-tmp;
    scgi_temp_path $WORK/nginx-tmp;
    keepalive_requests 1000000;
    server { listen $1; root $WORK/www; }
}
EOF
}

NGINX_DIRECT=
NGINX_AX=
nginx_up() {
    [[ -n $NGINX_DIRECT ]] && return 0
    mkdir -p "$WORK/www" "$WORK/nginx-tmp"
    head -c 612 /dev/zero | tr '\0' 'x' >"$WORK/www/index.html"
    nginx_conf 8080
    nginx_conf 80
    start_bg nginx-direct ip netns exec "$NS" nginx -c "$WORK/nginx-8080.conf" -g 'daemon off;'; NGINX_DIRECT=$LAST_PID
    start_bg nginx-ax ip netns exec "$NS" "$AX" run --ip "$APP_IP" -- nginx -c "$WORK/nginx-80.conf" -g 'daemon off;'; NGINX_AX=$LAST_PID
    wait_tcp_listen 8080
    wait_service "$APP_IP:80"
    proxies_start 8080 18080 28080
    NGINX_PROXIES=("${PROXY_PIDS[@]}")
}
nginx_down() {
    [[ -n $NGINX_DIRECT ]] || return 0
    stop "${NGINX_PROXIES[@]}" "$NGINX_AX" "$NGINX_DIRECT"
    NGINX_DIRECT= NGINX_AX=
}

wrk_run() { # WORKLOAD VARIANT ROUND
    local w=$1 v=$2 r=$3 out=$WORK/raw/$1-$2-$3.txt t
    local -a hdr=()
    [[ $w == wrk_close ]] && hdr=(-H 'Connection: close')
    local -a args=(-t"$WRK_THREADS" -c"$WRK_CONNS" -d"${SECS}s" "${hdr[@]+"${hdr[@]}"}")
    t=$(client_timeout)
    case $v in
        direct)   timeout "$t" ip netns exec "$NS" wrk "${args[@]}" "http://$NODE_IP:8080/" >"$out" ;;
        ax)       with_daemon_cpu timeout "$t" ip netns exec "$NS" "$AX" run -- wrk "${args[@]}" "http://$APP_IP:80/" >"$out" ;;
        haproxy1) timeout "$t" ip netns exec "$NS" wrk "${args[@]}" "http://127.0.0.1:18080/" >"$out" ;;
        haproxy2) timeout "$t" ip netns exec "$NS" wrk "${args[@]}" "http://127.0.0.1:28080/" >"$out" ;;
    esac
    local rps errors non2xx
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    [[ -n $rps ]] || die "wrk ($w, $v) printed no Requests/sec; see $out"
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
    local extra="\"socket_errors\":${errors:-0},\"non_2xx\":${non2xx:-0},\"time_wait\":$(tw_count)"
    [[ $v == ax ]] && extra+=",\"daemon_cpu_s\":$DAEMON_CPU_S"
    record "$w" "$v" "$r" "$rps" "$extra"
}

wrk_begin() { # WORKLOAD
    local w=$1
    log "$w: wrk -t$WRK_THREADS -c$WRK_CONNS ${SECS}s against nginx per run, ${#VARIANTS[@]} variants a round"
    nginx_up
    warm_up wrk_run "$w"
}
wrk_round() { # WORKLOAD ROUND
    run_round "$2" wrk_run "$1"
}
wrk_keepalive_begin() { wrk_begin wrk_keepalive; }
wrk_keepalive_round() { wrk_round wrk_keepalive "$1"; }
wrk_keepalive_end() { :; }
wrk_close_begin() { wrk_begin wrk_close; }
wrk_close_round() { wrk_round wrk_close "$1"; }
wrk_close_end() { :; }

# 6. daemon memory: idle, with APPS apps, with SERVICES services.
daemon_cpu_pct() { # SECONDS: daemon CPU use over the next SECONDS, in % of one core
    local a b
    a=$(daemon_cpu_ticks); sleep "$1"; b=$(daemon_cpu_ticks)
    awk -v d=$((b - a)) -v t="$CLK_TCK" -v s="$1" 'BEGIN {printf "%.1f", 100 * d / t / s}'
}
count_json() { "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

bench_memory() {
    log "daemon memory: idle, $APPS apps, $SERVICES services"
    sleep 2
    record memory idle 1 "$(daemon_rss_kb)" "\"unit\":\"kB\",\"cpu_pct\":$(daemon_cpu_pct 3)"

    if ((APPS > 0)); then
        local -a apps=()
        local i n t0 t1
        t0=$(date +%s.%N)
        for ((i = 0; i < APPS; i++)); do
            start_bg "app-$i" ip netns exec "$NS" "$AX" run -- sleep 600
            apps+=("$LAST_PID")
        done
        for ((i = 0; i < 1200; i++)); do
            n=$(in_ns "$AX" get apps -o json | count_json)
            ((n >= APPS)) && break
            sleep 0.1
        done
        t1=$(date +%s.%N)
        ((n >= APPS)) || die "only $n of $APPS apps registered with the daemon"
        sleep 2
        local rss cpu
        rss=$(daemon_rss_kb); cpu=$(daemon_cpu_pct 3)
        stop "${apps[@]}"
        for ((i = 0; i < 100; i++)); do
            n=$(in_ns "$AX" get apps -o json | count_json)
            ((n == 0)) && break
            sleep 0.1
        done
        record memory apps 1 "$rss" "\"unit\":\"kB\",\"apps\":$APPS,\"cpu_pct\":$cpu,\"start_s\":$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'),\"apps_left_after_exit\":$n,\"rss_after_exit_kb\":$(daemon_rss_kb)"
    fi

    if ((SERVICES > 0)); then
        local ready=$WORK/many.ready pid i took want=$((SERVICES + 64))
        if (($(ulimit -n) < want)); then
            log "warning: open-file limit $(ulimit -n) is below $want; services capped"
            SERVICES=$(($(ulimit -n) - 64))
        fi
        rm -f "$ready"
        start_bg many ip netns exec "$NS" "$AX" run --ip "$MANY_IP" -- "$PY" "$BENCH_DIR/lib/listen_many.py" "$SERVICES" 10000 "$ready"
        pid=$LAST_PID
        for ((i = 0; i < 3000; i++)); do
            [[ -s $ready ]] && break
            ours "$pid" || { cat "$WORK/logs/many.log" >&2; die "listen_many exited"; }
            sleep 0.1
        done
        [[ -s $ready ]] || die "listen_many did not get $SERVICES listeners up"
        took=$(awk '{print $2}' "$ready")
        sleep 2 # a few sweeps of the service table
        local in_table kernel rss cpu t0 t1 get_s
        t0=$(date +%s.%N)
        in_table=$(in_ns "$AX" get servers -o json | "$PY" -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["serviceAddr"].startswith(sys.argv[1] + ":")))' "$MANY_IP")
        t1=$(date +%s.%N)
        get_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
        kernel=$(in_ns ss -Hltn | wc -l)
        rss=$(daemon_rss_kb); cpu=$(daemon_cpu_pct 5)
        stop "$pid"
        record memory services 1 "$rss" "\"unit\":\"kB\",\"services\":$SERVICES,\"services_in_table\":$in_table,\"listeners_in_kernel\":$kernel,\"listen_s\":$took,\"get_servers_s\":$get_s,\"cpu_pct\":$cpu"
        if ((in_table != SERVICES)); then
            log "warning: $SERVICES sockets listen but the daemon's table lists $in_table of them"
        fi
    fi
}

# One service-table lookup and one routing decision among 10,000 services: an in-process
# micro-benchmark of the daemon's own code (bench/micro), no namespace needed.
bench_lookup() {
    log "lookup: service-table micro-benchmark ($RUNS rounds)"
    local lines
    lines=$(cd "$BENCH_DIR/.." && dotnet run -c Release --project bench/micro -- "$RUNS" 2>"$WORK/logs/micro.log") ||
        { cat "$WORK/logs/micro.log" >&2; die "the lookup micro-benchmark failed"; }
    grep '^{' <<<"$lines" >>"$RAW"
}

# ---------------------------------------------------------------- run

START_TS=$(date -u +%Y-%m-%dT%H:%M:%SZ)
START_S=$SECONDS
wants memory && bench_memory
# The timed workloads take turns, one round each, so that each one's rounds spread over the whole run:
# a slow minute of the machine then costs every workload one round, not one workload all of its rounds.
# Within a round, the variants are interleaved as well (see `rotated`).
ROUNDED=()
for w in launch connect iperf3 wrk_keepalive wrk_close container_launch container_wrk_keepalive container_wrk_close; do wants "$w" && ROUNDED+=("$w"); done
for w in "${ROUNDED[@]}"; do "${w}_begin"; done
for ((round = 1; round <= RUNS; round++)); do
    ((${#ROUNDED[@]})) && log "round $round of $RUNS: ${ROUNDED[*]}"
    for w in "${ROUNDED[@]}"; do "${w}_round" "$round"; done
done
for w in "${ROUNDED[@]}"; do "${w}_end"; done
nginx_down
ct_cleanup
wants lookup && bench_lookup
# The cluster workloads run after the one-node ones, in namespaces of their own (bench/lib/cluster.sh).
: >"$CRAW"
((CLUSTER)) && run_cluster
if ((SINGLE)); then
    sleep 1
    record memory after_suite 1 "$(daemon_rss_kb)" "\"unit\":\"kB\",\"time_wait\":$(tw_count),\"cpu_pct\":$(daemon_cpu_pct 3)"
fi
ELAPSED=$((SECONDS - START_S))

# The exact command: make bench (or the script), with the knobs that were set.
cmd=""
for n in BENCH_QUICK BENCH_RUNS BENCH_SECONDS BENCH_IPERF_SECONDS BENCH_CONNECTS BENCH_LAUNCH_RUNS BENCH_CONTAINER_RUNS BENCH_APPS BENCH_SERVICES BENCH_WORKLOADS BENCH_HAPROXY_THREADS BENCH_NGINX_WORKERS BENCH_TW_BUCKETS BENCH_CLUSTER_NODES BENCH_CLUSTER_SERVICES BENCH_CONVERGE_SERVICES BENCH_FAILURE_RUNS BENCH_IDLE_SECONDS; do
    [[ -n ${!n:-} ]] && cmd+="$n=${!n} "
done
if [[ -n ${MAKELEVEL:-} ]]; then cmd+="make bench"; else cmd+="bash bench/run.sh"; fi

cat >"$WORK/raw/meta.json" <<EOF
{
  "command": "$cmd",
  "date": "$START_TS",
  "elapsed_s": $ELAPSED,
  "quick": $([[ $QUICK == 1 ]] && echo true || echo false),
  "machine": {
    "cores": $(nproc),
    "cpu": "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo | tr -d '"\\')",
    "kernel": "$(uname -r)",
    "memory_mb": $(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo),
    "os": "$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}" | tr -d '"\\')"
  },
  "ax": {
    "binary": "$AX_SOURCE",
    "sha256": "$(sha256sum "$AX" | cut -c1-16)",
    "built": "$(date -u -r "$AX_SOURCE" +%Y-%m-%dT%H:%M:%SZ)",
    "commit": "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)",
    "dirty": $([[ -n $(git -C "$REPO" status --porcelain -- src 2>/dev/null) ]] && echo true || echo false)
  },
  "config": {
    "runs": $RUNS, "seconds": $SECS, "iperf_seconds": $IPERF_SECS, "connects": $CONNECTS, "launch_runs": $LAUNCH_RUNS, "container_runs": $CT_RUNS,
    "apps": $APPS, "services": $SERVICES, "wrk_threads": $WRK_THREADS, "wrk_connections": $WRK_CONNS,
    "haproxy_threads": $HAPROXY_THREADS, "nginx_workers": $NGINX_WORKERS, "workloads": "$WORKLOADS",
    "cluster_nodes": $CLUSTER_NODES, "cluster_services": $CLUSTER_SERVICES, "converge_services": $CONVERGE_SERVICES,
    "failure_runs": $FAILURE_RUNS, "idle_seconds": $IDLE_SECS,
    "tcp_max_tw_buckets": $(ip netns exec "$NS" sysctl -n net.ipv4.tcp_max_tw_buckets)
  },
  "tools": {
    "nginx": "$(nginx -v 2>&1 | sed 's/.*nginx\///')",
    "haproxy": "$(haproxy -v 2>/dev/null | awk 'NR == 1 {print $3}')",
    "wrk": "$(wrk -v 2>&1 | awk 'NR == 1 {print $2}')",
    "iperf3": "$(iperf3 --version 2>/dev/null | awk 'NR == 1 {print $2}')",
    "hyperfine": "$(hyperfine --version | awk '{print $2}')",
    "serf": "$(serf version 2>/dev/null | awk 'NR == 1 {print $NF}')",
    "podman": "$(podman --version 2>/dev/null | awk '{print $NF}')"
  }
}
EOF
# Each part of the report is written only when its workloads ran, so a cluster-only run keeps the
# one-node figures (and the other way round).
if ((SINGLE)); then
    cp "$RAW" "$OUT/records.jsonl"
    "$PY" "$BENCH_DIR/lib/report.py" --meta "$WORK/raw/meta.json" --records "$RAW" \
        --json "$OUT/latest.json" --svg "$OUT/ratios.svg" --markdown "$MARKDOWN"
fi
if ((CLUSTER)); then
    cp "$CRAW" "$OUT/cluster-records.jsonl"
    # The one-node wrk `Connection: close` ratio, the yardstick of the cross-node one: from this run, or the last.
    "$PY" "$BENCH_DIR/lib/cluster_report.py" --meta "$WORK/raw/meta.json" --records "$CRAW" \
        --single "$OUT/latest.json" "$BENCH_DIR/results/latest.json" --json "$OUT/cluster.json" --markdown "$MARKDOWN"
fi
log "done in ${ELAPSED}s: results in $OUT, report in $MARKDOWN"
