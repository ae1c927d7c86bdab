# The cluster workloads of bench/run.sh (sourced by it; see BENCHMARKS.md, "Cluster").
#
# A cluster is a switch namespace (axbs-<pid>) holding the bridge br0, and per node a namespace
# (axbn-<pid>-<i>) whose only link is eth0, a veth whose peer is a port of br0, with 10.213.210.<i>/24 and no
# default route: nothing any node sends can leave the switch. Each node runs `ax daemon` on eth0 with its
# own AX_RUN_DIR and --neighbors listing the first three nodes; apps run under that node's daemon.
# Everything is stopped by pid and the namespaces are deleted by cluster_down, also on failure (cleanup
# in run.sh calls cluster_cleanup).
#
# Uses from run.sh: log, die, start_bg, stop, ours, PIDS, LAST_PID, WORK, AX, PY, RUNS, SECS, IPERF_SECS,
# WRK_THREADS, WRK_CONNS, CLK_TCK, rotated, nginx_conf. Records go to $CRAW (one JSON line per figure).

CL_SUBNET=10.213.210
CL_SWITCH=axbs-$$
CL_N=0
declare -a CL_DAEMONS=()   # daemon pid per node (index 1..N)
declare -a CL_APPS=()      # pids of apps and servers started in the cluster (ax run, plain servers)
CRAW=$WORK/raw/cluster.jsonl

cl_ns() { echo "axbn-$$-$1"; }
cl_ip() { echo "$CL_SUBNET.$1"; }
cl_run_dir() { echo "$WORK/cluster/node$1"; }
in_node() { local i=$1; shift; ip netns exec "$(cl_ns "$i")" "$@"; }
# ax CLI against node I's daemon (the CLI talks to the daemon's socket in its run directory).
cl_ax() { local i=$1; shift; AX_RUN_DIR=$(cl_run_dir "$i") "$AX" "$@"; }

crecord() { # WORKLOAD VARIANT ROUND VALUE [EXTRA-JSON-MEMBERS]
    local extra=${5:-}
    printf '{"workload":"%s","variant":"%s","round":%s,"value":%s%s}\n' "$1" "$2" "$3" "$4" "${extra:+,$extra}" >>"$CRAW"
}

# A pid from a file the daemon keeps in its run directory (keeper.pid, serf.pid), only if that process
# lives in node I's namespace: a stale file must never make us signal someone else's process.
cl_pidfile_pid() { # I FILE
    local f pid
    f=$(cl_run_dir "$1")/$2
    [[ -s $f ]] || return 1
    pid=$(tr -dc '0-9' <"$f")
    [[ -n $pid && -d /proc/$pid ]] || return 1
    [[ $(ip netns identify "$pid" 2>/dev/null) == "$(cl_ns "$1")" ]] || return 1
    echo "$pid"
}

# Descendants of PID (an `ax run` and the program it started), deepest last.
cl_tree() {
    local pid=$1 child
    echo "$pid"
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do cl_tree "$child"; done
}

cl_link_up() { # I
    local i
    for ((i = 0; i < 100; i++)); do
        ip -n "$(cl_ns "$1")" -o link show eth0 | grep -q 'state UP' && return 0
        sleep 0.05
    done
    die "eth0 of $(cl_ns "$1") did not come up"
}

cl_add_node() { # I: the namespace, its veth on the switch, its address
    local i=$1 ns
    ns=$(cl_ns "$i")
    ip netns add "$ns"
    ip -n "$CL_SWITCH" link add "p$i" type veth peer name eth0 netns "$ns"
    ip -n "$CL_SWITCH" link set "p$i" master br0 up
    ip -n "$ns" addr add "$(cl_ip "$i")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    if ip -n "$ns" route show default | grep -q .; then die "namespace $ns has a default route; refusing to run"; fi
}

cl_neighbors() {
    local i out=
    for ((i = 1; i <= CL_N && i <= 3; i++)); do out+=${out:+,}$(cl_ip "$i"); done
    echo "$out"
}

cl_start_daemon() { # I
    local i=$1 dir
    dir=$(cl_run_dir "$i")
    rm -rf "$dir"
    mkdir -p "$dir"
    start_bg "cl-daemon-$i" env AX_RUN_DIR="$dir" ip netns exec "$(cl_ns "$i")" "$AX" daemon \
        --node-name "node$i" --node-interface eth0 --dns=false --neighbors "$(cl_neighbors)"
    CL_DAEMONS[i]=$LAST_PID
}

cl_alive_count() { # I: nodes node I's daemon sees alive
    cl_ax "$1" get nodes -o json 2>/dev/null |
        "$PY" -c 'import json,sys; print(sum(1 for n in json.load(sys.stdin) if n.get("status", "").lower() in ("alive", "")))' 2>/dev/null || echo 0
}

cl_wait_members() { # I COUNT SECONDS: until node I sees COUNT live members
    local i=$1 want=$2 t=$3 n=0 k
    for ((k = 0; k < t * 5; k++)); do
        ours "${CL_DAEMONS[i]}" || { tail -20 "$WORK/logs/cl-daemon-$i.log" >&2; die "node$i's daemon exited"; }
        n=$(cl_alive_count "$i")
        ((n >= want)) && return 0
        sleep 0.2
    done
    tail -20 "$WORK/logs/cl-daemon-$i.log" >&2
    die "node$i sees $n of $want nodes after ${t}s"
}

# cluster_up N: the switch, N nodes, a daemon on each; returns when every daemon sees N live nodes.
cluster_up() {
    local n=$1 i t0
    CL_N=$n
    t0=$(date +%s.%N)
    log "cluster: $n nodes on $CL_SWITCH ($CL_SUBNET.0/24)"
    ip netns add "$CL_SWITCH"
    ip -n "$CL_SWITCH" link add br0 type bridge
    ip -n "$CL_SWITCH" link set br0 up
    for ((i = 1; i <= n; i++)); do cl_add_node "$i"; done
    for ((i = 1; i <= n; i++)); do cl_link_up "$i"; done
    for ((i = 1; i <= n; i++)); do cl_start_daemon "$i"; done
    for ((i = 1; i <= n; i++)); do cl_wait_members "$i" "$n" $((60 + n * 4)); done
    CL_UP_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    log "cluster: $n daemons agree on $n live nodes after ${CL_UP_S}s"
}

cl_start_app() { # NAME I ARGS...: `ax run ARGS` on node I; pid in LAST_PID
    local name=$1 i=$2; shift 2
    start_bg "$name" env AX_RUN_DIR="$(cl_run_dir "$i")" ip netns exec "$(cl_ns "$i")" "$AX" run "$@"
    CL_APPS+=("$LAST_PID")
}
cl_start_plain() { # NAME I CMD...: a plain program in node I's namespace
    local name=$1 i=$2; shift 2
    start_bg "$name" ip netns exec "$(cl_ns "$i")" "$@"
    CL_APPS+=("$LAST_PID")
}

cl_count_rows() { # I [PREFIX]: rows of node I's `ax get servers` (whose serviceAddr starts with PREFIX)
    cl_ax "$1" get servers -o json 2>/dev/null |
        "$PY" -c 'import json,sys; p=sys.argv[1]; print(sum(1 for s in json.load(sys.stdin) if s["serviceAddr"].startswith(p)))' "${2:-}" 2>/dev/null || echo -1
}
cl_count_node_rows() { # I NODE-NAME: rows of node I's table owned by NODE-NAME
    cl_ax "$1" get servers -o json 2>/dev/null |
        "$PY" -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["nodeId"] == sys.argv[1]))' "$2" 2>/dev/null || echo -1
}
cl_wait_rows() { # I PREFIX COUNT SECONDS
    local k n=0
    for ((k = 0; k < $4 * 5; k++)); do
        n=$(cl_count_rows "$1" "$2")
        ((n >= $3)) && return 0
        sleep 0.2
    done
    die "node$1's table lists $n of $3 services $2* after $4 s"
}
cl_wait_listen() { # I PORT: a plain listener on PORT in node I
    local k
    for ((k = 0; k < 100; k++)); do
        in_node "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
        sleep 0.1
    done
    die "nothing listens on port $2 in node$1"
}

# Kills node I at once, as a crash would: apps (whole process trees), daemon, keeper, gossip agent, SIGKILL.
cl_kill_node() { # I APP-PIDS...
    local i=$1 pid
    shift
    local -a victims=()
    for pid in "$@"; do ours "$pid" && victims+=($(cl_tree "$pid")); done
    victims+=("${CL_DAEMONS[i]}")
    pid=$(cl_pidfile_pid "$i" keeper.pid) && victims+=("$pid")
    pid=$(cl_pidfile_pid "$i" serf.pid) && victims+=("$pid")
    kill -KILL "${victims[@]}" 2>/dev/null || true
    for pid in "$@" "${CL_DAEMONS[i]}"; do wait "$pid" 2>/dev/null || true; done
}

cluster_down() {
    ((CL_N > 0)) || { ip netns list 2>/dev/null | grep -qw "^$CL_SWITCH" && ip netns del "$CL_SWITCH"; return 0; }
    local i pid
    ((${#CL_APPS[@]})) && stop "${CL_APPS[@]}"
    CL_APPS=()
    local -a daemons=()
    for ((i = 1; i <= CL_N; i++)); do [[ -n ${CL_DAEMONS[i]:-} ]] && daemons+=("${CL_DAEMONS[i]}"); done
    ((${#daemons[@]})) && stop "${daemons[@]}"
    # A keeper or gossip agent that outlived its daemon (a killed one) is stopped by its pid, in its node only.
    for ((i = 1; i <= CL_N; i++)); do
        for f in keeper.pid serf.pid; do
            pid=$(cl_pidfile_pid "$i" "$f") && kill -KILL "$pid" 2>/dev/null
        done
    done
    for ((i = 1; i <= CL_N; i++)); do
        local ns left
        ns=$(cl_ns "$i")
        ip netns list 2>/dev/null | grep -qw "^$ns" || continue
        left=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        [[ -n $left ]] && log "warning: processes still in $ns (not started by this script, left alone): $left"
        ip netns del "$ns"
    done
    ip netns list 2>/dev/null | grep -qw "^$CL_SWITCH" && ip netns del "$CL_SWITCH"
    CL_DAEMONS=()
    CL_N=0
    return 0
}
cluster_cleanup() { cluster_down; }

# ---------------------------------------------------------------- data path: node 2 -> node 1

CL_VIP_IPERF=10.50.0.1
CL_VIP_NGINX=10.50.0.2

# CPU seconds the daemons of node1 and node2 used since cl_daemons_mark: a data path with no daemon in it
# costs them nothing per byte, only the trapped calls of setting the connection up.
cl_daemons_mark() { CL_MARK=$(($(cl_ticks "${CL_DAEMONS[1]}") + $(cl_ticks "${CL_DAEMONS[2]}"))); }
cl_daemons_cpu_s() {
    local now=$(($(cl_ticks "${CL_DAEMONS[1]}") + $(cl_ticks "${CL_DAEMONS[2]}")))
    awk -v d=$((now - CL_MARK)) -v t="$CLK_TCK" 'BEGIN {printf "%.2f", d / t}'
}

cl_iperf_run() { # VARIANT ROUND
    local v=$1 r=$2 json=$WORK/raw/cl-iperf3-$1-$2.json t=$((IPERF_SECS + 30)) gbps
    cl_daemons_mark
    case $v in
        direct) timeout "$t" ip netns exec "$(cl_ns 2)" iperf3 -c "$(cl_ip 1)" -p 5202 -t "$IPERF_SECS" -J >"$json" ;;
        ax) timeout "$t" env AX_RUN_DIR="$(cl_run_dir 2)" ip netns exec "$(cl_ns 2)" "$AX" run -- iperf3 -c "$CL_VIP_IPERF" -p 5201 -t "$IPERF_SECS" -J >"$json" ;;
    esac
    gbps=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d.get("error"); print("ERR "+e if e else "%.3f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' "$json")
    [[ $gbps != ERR* ]] || die "cluster iperf3 ($v): ${gbps#ERR }"
    ((r > 0)) && crecord cluster_iperf3 "$v" "$r" "$gbps" "\"unit\":\"Gbit/s\",\"daemons_cpu_s\":$(cl_daemons_cpu_s)"
    return 0
}

cl_wrk_run() { # WORKLOAD VARIANT ROUND
    local w=$1 v=$2 r=$3 out=$WORK/raw/$1-$2-$3.txt t=$((SECS + 30)) rps errors
    local -a hdr=()
    [[ $w == cluster_wrk_close ]] && hdr=(-H 'Connection: close')
    local -a args=(-t"$WRK_THREADS" -c"$WRK_CONNS" -d"${SECS}s" "${hdr[@]+"${hdr[@]}"}")
    cl_daemons_mark
    case $v in
        direct) timeout "$t" ip netns exec "$(cl_ns 2)" wrk "${args[@]}" "http://$(cl_ip 1):8080/" >"$out" ;;
        ax) timeout "$t" env AX_RUN_DIR="$(cl_run_dir 2)" ip netns exec "$(cl_ns 2)" "$AX" run -- wrk "${args[@]}" "http://$CL_VIP_NGINX:80/" >"$out" ;;
    esac
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    [[ -n $rps ]] || die "wrk ($w, $v) printed no Requests/sec; see $out"
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")
    ((r > 0)) && crecord "$w" "$v" "$r" "$rps" "\"unit\":\"req/s\",\"socket_errors\":${errors:-0},\"daemons_cpu_s\":$(cl_daemons_cpu_s)"
    return 0
}

# 1. iperf3 and wrk (keep-alive, close) from node 2 to node 1, ax against direct, interleaved per round.
bench_cluster_datapath() {
    local -a ws=()
    local w r v
    for w in cluster_iperf3 cluster_wrk_keepalive cluster_wrk_close; do wants "$w" && ws+=("$w"); done
    ((${#ws[@]})) || return 0
    log "cluster data path (node2 -> node1): ${ws[*]}, $RUNS rounds"
    if wants cluster_iperf3; then
        cl_start_plain cl-iperf3-direct 1 iperf3 -s -4 -p 5202
        cl_start_app cl-iperf3-ax 1 --ip "$CL_VIP_IPERF" -- iperf3 -s -4 -p 5201
        cl_wait_listen 1 5202
        cl_wait_rows 2 "$CL_VIP_IPERF:5201" 1 30
    fi
    if wants cluster_wrk_keepalive || wants cluster_wrk_close; then
        mkdir -p "$WORK/www" "$WORK/nginx-tmp"
        head -c 612 /dev/zero | tr '\0' 'x' >"$WORK/www/index.html"
        nginx_conf 8080; cp "$WORK/nginx-8080.conf" "$WORK/cl-nginx-8080.conf"
        nginx_conf 80; cp "$WORK/nginx-80.conf" "$WORK/cl-nginx-80.conf"
        sed -i "s|pid $WORK/nginx-|pid $WORK/cl-nginx-|" "$WORK"/cl-nginx-*.conf
        cl_start_plain cl-nginx-direct 1 nginx -c "$WORK/cl-nginx-8080.conf" -g 'daemon off;'
        cl_start_app cl-nginx-ax 1 --ip "$CL_VIP_NGINX" -- nginx -c "$WORK/cl-nginx-80.conf" -g 'daemon off;'
        cl_wait_listen 1 8080
        cl_wait_rows 2 "$CL_VIP_NGINX:80" 1 30
    fi
    # One unrecorded short run of each (warm-up), then the rounds.
    local saved_secs=$SECS saved_iperf=$IPERF_SECS
    SECS=1 IPERF_SECS=1
    for v in direct ax; do
        wants cluster_iperf3 && cl_iperf_run "$v" 0
        for w in cluster_wrk_keepalive cluster_wrk_close; do wants "$w" && cl_wrk_run "$w" "$v" 0; done
    done
    SECS=$saved_secs IPERF_SECS=$saved_iperf
    for ((r = 1; r <= RUNS; r++)); do
        log "cluster data path: round $r of $RUNS"
        for w in "${ws[@]}"; do
            for v in $(rotated "$r" direct ax); do
                if [[ $w == cluster_iperf3 ]]; then cl_iperf_run "$v" "$r"; else cl_wrk_run "$w" "$v" "$r"; fi
            done
        done
    done
    stop "${CL_APPS[@]}"
    CL_APPS=()
}

# ---------------------------------------------------------------- convergence

# 2. COUNT services, one at a time: listen() under ax on node 1, a prober under ax on node PROBER (the
#    last node; node 1 itself is the yardstick: the same loop with no other node in the way).
bench_cluster_converge() { # NODES COUNT PROBER
    local nodes=$1 count=$2 prober=$3 d=$WORK/converge-$1-$3 vip=10.60.$3.$1 base=20000 k lpid ppid variant=$1_nodes
    ((prober == 1)) && variant=$1_nodes_same_node
    log "cluster convergence: $count services, listen on node1, connect from node$prober ($nodes nodes)"
    rm -rf "$d"; mkdir -p "$d"
    cl_start_app "cl-converge-listen-$nodes-$prober" 1 --ip "$vip" -- "$PY" "$BENCH_DIR/lib/converge.py" listen "$count" "$base" "$d"
    lpid=$LAST_PID
    cl_start_app "cl-converge-probe-$nodes-$prober" "$prober" -- "$PY" "$BENCH_DIR/lib/converge.py" probe "$count" "$vip" "$base" "$d"
    ppid=$LAST_PID
    for ((k = 0; k < count * 40 + 600; k++)); do
        ours "$ppid" || break
        sleep 0.1
    done
    ours "$ppid" && die "the convergence prober did not finish; see $WORK/logs/cl-converge-probe-$nodes-$prober.log"
    wait "$ppid" 2>/dev/null || true
    stop "$lpid"
    "$PY" - "$d" "$nodes" "$count" "$prober" "$variant" >>"$CRAW" <<'PYEOF'
import json, sys
d, nodes, count, prober, variant = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def read(name):
    out = {}
    for line in open(f"{d}/{name}", encoding="ascii"):
        parts = line.split()
        if len(parts) == 2:
            out[int(parts[0])] = parts[1]
    return out
listen, probe = read("listen.txt"), read("probe.txt")
ms, timeouts = [], 0
for i in range(count):
    if i not in listen or probe.get(i, "timeout") == "timeout":
        timeouts += 1
        continue
    ms.append(round((float(probe[i]) - float(listen[i])) * 1000, 3))
ms.sort()
def pct(p):
    return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))] if ms else None
print(json.dumps({"workload": "cluster_converge", "variant": variant, "round": 1, "value": pct(50),
                  "unit": "ms", "nodes": nodes, "prober_node": prober, "services": count, "p50": pct(50), "p90": pct(90), "p99": pct(99),
                  "max": ms[-1] if ms else None, "min": ms[0] if ms else None, "timeouts": timeouts, "samples": ms}))
PYEOF
}

# ---------------------------------------------------------------- failure

# 3. RUNS times: node N runs an app with a few services; kill the node (SIGKILL everything of it) and time
#    until no other node's table lists anything of nodeN; then bring a fresh daemon up on node N again.
bench_cluster_failure() { # RUNS
    local runs=$1 n=$CL_N r i k t0 gone app secs vip=10.70.0.1 rows
    log "cluster failure: $runs runs, node$n killed, $CL_N nodes"
    for ((r = 1; r <= runs; r++)); do
        cl_start_app "cl-failure-app-$r" "$n" --ip "$vip" -- "$PY" "$BENCH_DIR/lib/listen_many.py" 5 21000 "$WORK/failure-ready-$r"
        app=$LAST_PID
        for ((i = 1; i < n; i++)); do cl_wait_rows "$i" "$vip:" 5 60; done
        t0=$(date +%s.%N)
        cl_kill_node "$n" "$app"
        local -a done_at=()
        gone=0
        for ((k = 0; k < 600 && gone < n - 1; k++)); do
            for ((i = 1; i < n; i++)); do
                [[ -n ${done_at[i]:-} ]] && continue
                rows=$(cl_count_node_rows "$i" "node$n")
                if ((rows == 0)); then done_at[i]=$(date +%s.%N); gone=$((gone + 1)); fi
            done
            ((gone < n - 1)) && sleep 0.1
        done
        ((gone == n - 1)) || die "node$n's services stayed in $((n - 1 - gone)) tables for 60 s"
        secs=$(printf '%s\n' "${done_at[@]}" | sort -n | tail -1)
        secs=$(awk -v a="$t0" -v b="$secs" 'BEGIN {printf "%.3f", b - a}')
        local first
        first=$(printf '%s\n' "${done_at[@]}" | sort -n | head -1)
        first=$(awk -v a="$t0" -v b="$first" 'BEGIN {printf "%.3f", b - a}')
        # When node1's daemon heard from its gossip agent that node N is gone (its log line "cluster: nodeN is
        # gone", stamped in UTC): the failure detector's share of the time.
        local detected
        detected=$("$PY" - "$WORK/logs/cl-daemon-1.log" "node$n" "$t0" <<'PYEOF'
import datetime, re, sys
path, node, t0 = sys.argv[1], sys.argv[2], float(sys.argv[3])
best = None
for line in open(path, encoding="utf-8", errors="replace"):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)", line)
    if m and f"cluster: {node} is gone" in line:
        t = datetime.datetime.fromisoformat(m.group(1)).replace(tzinfo=datetime.timezone.utc).timestamp()
        if t >= t0 - 0.01 and best is None:
            best = t - t0
print("null" if best is None else f"{best:.3f}")
PYEOF
)
        log "cluster failure: run $r: node$n gone from every table after ${secs}s (first table ${first}s, node1 told by gossip after ${detected}s)"
        crecord cluster_failure "${CL_N}_nodes" "$r" "$secs" "\"unit\":\"s\",\"first_table_s\":$first,\"gossip_detected_s\":$detected"
        cl_start_daemon "$n"
        for ((i = 1; i <= n; i++)); do cl_wait_members "$i" "$n" 120; done
    done
}

# ---------------------------------------------------------------- scale

cl_ticks() { # PID: utime+stime
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }
    local -a f=($s)
    echo $((f[11] + f[12]))
}
cl_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cl_net_bytes() { # I: rx+tx bytes of eth0 in node I
    in_node "$1" cat /proc/net/dev | awk -F'[: ]+' '$2 == "eth0" {print $3 + $11}'
}

# 4. SERVICES services on every node of the cluster; then RSS, idle CPU and wire bytes of every node.
bench_cluster_scale() { # SERVICES IDLE-SECONDS
    local per=$1 idle=$2 i k t0 total want full_s
    want=$((CL_N * per))
    log "cluster scale: $CL_N nodes x $per services = $want rows; idle window ${idle}s"
    t0=$(date +%s.%N)
    for ((i = 1; i <= CL_N; i++)); do
        cl_start_app "cl-scale-$i" "$i" --ip "10.80.$((i / 250)).$((i % 250 + 1))" -- "$PY" "$BENCH_DIR/lib/listen_many.py" "$per" 30000 "$WORK/scale-ready-$i"
    done
    for ((i = 1; i <= CL_N; i++)); do
        for ((k = 0; k < 1200; k++)); do [[ -s $WORK/scale-ready-$i ]] && break; sleep 0.1; done
        [[ -s $WORK/scale-ready-$i ]] || die "listen_many on node$i did not get $per listeners up"
    done
    # Every node's table holds every row.
    for ((i = 1; i <= CL_N; i++)); do cl_wait_rows "$i" "10.80." "$want" 300; done
    full_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    log "cluster scale: $want rows on every node after ${full_s}s; settling 5 s, then ${idle}s idle window"
    sleep 5
    local -a d0=() a0=() b0=() apid=()
    for ((i = 1; i <= CL_N; i++)); do
        apid[i]=$(cl_pidfile_pid "$i" serf.pid || echo 0)
        d0[i]=$(cl_ticks "${CL_DAEMONS[i]}"); a0[i]=$(cl_ticks "${apid[i]}"); b0[i]=$(cl_net_bytes "$i")
    done
    sleep "$idle"
    for ((i = 1; i <= CL_N; i++)); do
        local d1 a1 b1 rss arss rows
        d1=$(cl_ticks "${CL_DAEMONS[i]}"); a1=$(cl_ticks "${apid[i]}"); b1=$(cl_net_bytes "$i")
        rss=$(cl_rss_kb "${CL_DAEMONS[i]}"); arss=$(cl_rss_kb "${apid[i]}")
        crecord cluster_scale "node$i" 1 "$rss" "$(printf '"unit":"kB","nodes":%d,"services_per_node":%d,"rows_expected":%d,"daemon_cpu_pct":%s,"agent_rss_kb":%s,"agent_cpu_pct":%s,"wire_bytes_per_s":%s,"idle_s":%d,"table_full_s":%s' \
            "$CL_N" "$per" "$want" \
            "$(awk -v d=$((d1 - d0[i])) -v t="$CLK_TCK" -v s="$idle" 'BEGIN {printf "%.2f", 100 * d / t / s}')" \
            "${arss:-0}" \
            "$(awk -v d=$((a1 - a0[i])) -v t="$CLK_TCK" -v s="$idle" 'BEGIN {printf "%.2f", 100 * d / t / s}')" \
            "$(awk -v d=$((b1 - b0[i])) -v s="$idle" 'BEGIN {printf "%.0f", d / s}')" \
            "$idle" "$full_s")"
    done
    rows=$(cl_count_rows "$CL_N" "10.80.")
    log "cluster scale: node$CL_N lists $rows of $want rows after the window"
    stop "${CL_APPS[@]}"
    CL_APPS=()
}

# ---------------------------------------------------------------- run

# The small cluster (3 nodes): data path, convergence, failure. The large one (BENCH_CLUSTER_NODES):
# convergence and scale.
run_cluster() {
    local small=3
    # The machine's load (1-minute average) before and after: the nodes share its cores with everything else.
    crecord cluster_load start 1 "$(cut -d' ' -f1 /proc/loadavg)" "\"cores\":$(nproc)"
    if wants cluster_iperf3 || wants cluster_wrk_keepalive || wants cluster_wrk_close || wants cluster_converge || wants cluster_failure; then
        cluster_up "$small"
        crecord cluster_up "${small}_nodes" 1 "$CL_UP_S" '"unit":"s"'
        bench_cluster_datapath
        if wants cluster_converge; then
            bench_cluster_converge "$small" "$CONVERGE_SERVICES" 1
            bench_cluster_converge "$small" "$CONVERGE_SERVICES" "$small"
        fi
        wants cluster_failure && bench_cluster_failure "$FAILURE_RUNS"
        cluster_down
    fi
    if { wants cluster_converge && ((CLUSTER_NODES > small)); } || wants cluster_scale; then
        cluster_up "$CLUSTER_NODES"
        crecord cluster_up "${CLUSTER_NODES}_nodes" 1 "$CL_UP_S" '"unit":"s"'
        wants cluster_converge && ((CLUSTER_NODES > small)) && bench_cluster_converge "$CLUSTER_NODES" "$CONVERGE_SERVICES" "$CLUSTER_NODES"
        wants cluster_scale && bench_cluster_scale "$CLUSTER_SERVICES" "$IDLE_SECS"
        cluster_down
    fi
    crecord cluster_load end 1 "$(cut -d' ' -f1 /proc/loadavg)" "\"cores\":$(nproc)"
}
