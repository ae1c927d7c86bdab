# The container workloads of bench/run.sh (sourced by it; see BENCHMARKS.md, "Containers").
#
# Debian's podman, run inside the node namespace (nsenter --net, not `ip netns exec`, whose /sys remount
# hides the cgroup mounts runc needs), with what this machine needs to run podman at all in a
# containers.conf of the run's own (CONTAINERS_CONF; issue 19, "Facts measured on this machine"), as the
# tests do (tests/Ax.Tests/EndToEnd/PodmanSandbox.cs). No image can be pulled here: the root filesystem is
# a directory holding the host's true, nginx and wrk with the libraries ldd lists.
#
#   container_launch        `podman run --net none ... true` (direct) against the seed's
#                           `podman run --net none -v RUN_DIR:/var/run/appswitch -v out/ax:/usr/bin/ax
#                           --entrypoint /usr/bin/ax ... run -- true` (ax): hyperfine, CT_RUNS runs a round
#   container_wrk_keepalive wrk (2 threads, 50 conns) in one container against nginx in another: both
#   container_wrk_close     --net none under ax (ax, nginx on virtual IP CT_APP_IP), or both on a podman
#                           bridge network made inside the node namespace (bridge)
#
# The bridge network (podman network create, CNI or netavark) puts its bridge, veths and firewall rules
# in the namespace podman runs in: the node namespace. ct_bridge_check refuses to go on if the bridge
# shows up in the host's namespace instead. Containers are named CT_PREFIX*, removed by that prefix (and
# the network by its name) in ct_cleanup, which run.sh's cleanup calls, also on failure.
#
# Uses from run.sh: log, die, start_bg, stop, PIDS, LAST_PID, WORK, NS, AX_SOURCE, RUN_DIR, PY, SECS,
# WRK_THREADS, WRK_CONNS, NGINX_WORKERS, record, rotated, nginx_conf, client_timeout, wait_service.

CT_CONF=$WORK/containers.conf
CT_ROOTFS=$WORK/ct-rootfs
CT_LAUNCHER=$WORK/ax   # run.sh's private copy of the static front
CT_PREFIX=axbench-$$-
CT_NET=axbench-$$
CT_SUBNET=10.213.204      # the bridge network's /24, inside the node namespace only
CT_SERVER_IP=$CT_SUBNET.10
CT_APP_IP=1.1.1.4         # the containerised nginx's virtual IP under ax
CT_AX_PORT=8090           # its nginx config (nginx-8090.conf: own pid file and logs)
CT_BRIDGE_PORT=8091       # the bridge server's
CT_VARIANTS=(bridge ax)
CT_NET_MADE=0
CT_SERVERS=()

# podman in the node namespace, as an external command (start_bg and timeout need one, not a function).
POD=(env "CONTAINERS_CONF=$CT_CONF" nsenter --net="/run/netns/$NS" podman)
pod() { "${POD[@]}" "$@"; }

# The seed's options for an app in a container under ax: no network, the run directory and the
# host's ax (the static front: runs whatever the image's C library) mounted, ax as entrypoint.
ct_seed_args() { echo "--net none -v $RUN_DIR:/var/run/appswitch -v $CT_LAUNCHER:/usr/bin/ax --entrypoint /usr/bin/ax"; }

ct_name() { echo "$CT_PREFIX$(date +%s%N)"; } # a fresh container name; ct_cleanup finds them by the prefix

ct_setup() {
    [[ -f $CT_CONF ]] && return 0
    command -v podman >/dev/null || die "the container workloads need podman (apt-get install podman)"
    cat >"$CT_CONF" <<EOF
[containers]
cgroupns = "private"
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
    local d b lib
    for d in etc tmp proc sys dev var/run/appswitch usr/bin; do mkdir -p "$CT_ROOTFS/$d"; done
    for b in "$(type -P true)" "$(type -P nginx)" "$(type -P wrk)"; do
        mkdir -p "$CT_ROOTFS$(dirname "$b")"
        cp "$b" "$CT_ROOTFS$b"
        for lib in $(ldd "$b" | grep -o '/[^ ]*'); do
            mkdir -p "$CT_ROOTFS$(dirname "$lib")"
            [[ -e $CT_ROOTFS$lib ]] || cp -L "$lib" "$CT_ROOTFS$lib"
        done
    done
    # nginx's workers run as nobody.
    printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$CT_ROOTFS/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$CT_ROOTFS/etc/group"
    pod run --rm --name "$(ct_name)" --net none --rootfs "$CT_ROOTFS" "$(type -P true)" >"$WORK/logs/podman-check.log" 2>&1 ||
        { cat "$WORK/logs/podman-check.log" >&2; die "podman cannot run a container in $NS"; }
}

# 7. launch overhead inside a container.
container_launch_begin() {
    ct_setup
    log "container launch: hyperfine, $CT_RUNS runs per command and round (podman run --net none)"
}
container_launch_round() { # ROUND
    local r=$1 out=$WORK/raw/container-launch-$1.json true_path
    true_path=$(type -P true)
    # --rm and a fresh name per run (podman's own) in both commands: the same work around the program.
    CONTAINERS_CONF=$CT_CONF timeout 600 nsenter --net="/run/netns/$NS" hyperfine -N --style none --warmup 1 --runs "$CT_RUNS" \
        --export-json "$out" \
        "podman run --rm --net none --rootfs $CT_ROOTFS $true_path" \
        "podman run --rm $(ct_seed_args) --rootfs $CT_ROOTFS run -- $true_path" \
        >"$WORK/logs/container-hyperfine-$r.log" 2>&1 ||
        die "hyperfine (containers) failed; see $WORK/logs/container-hyperfine-$r.log"
    "$PY" - "$out" "$r" >>"$RAW" <<'EOF'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
for res, variant in zip(d["results"], ("direct", "ax")):
    times = [t * 1000 for t in res["times"]]
    print(json.dumps({"workload": "container_launch", "variant": variant, "round": int(sys.argv[2]),
                      "value": round(statistics.median(times), 3), "mean": round(res["mean"] * 1000, 3),
                      "min": round(min(times), 3), "max": round(max(times), 3), "n": len(times)}))
EOF
}
container_launch_end() { :; }

# The bridge network, made inside the node namespace; the check that it stayed there.
ct_bridge_up() {
    pod network create --disable-dns --subnet "$CT_SUBNET.0/24" "$CT_NET" >"$WORK/logs/podman-network.log" 2>&1 ||
        { cat "$WORK/logs/podman-network.log" >&2; die "podman network create failed"; }
    CT_NET_MADE=1
}
ct_bridge_check() {
    local bridge
    bridge=$(pod network inspect "$CT_NET" --format '{{.NetworkInterface}}' 2>/dev/null)
    [[ -n $bridge ]] || die "podman network inspect $CT_NET gave no bridge name"
    ip -n "$NS" link show "$bridge" >/dev/null 2>&1 || die "the bridge $bridge of $CT_NET is not in $NS"
    ! ip link show "$bridge" >/dev/null 2>&1 || die "the bridge $bridge of $CT_NET appeared in the host's namespace"
    ip -n "$NS" route show default | grep -q . && die "$NS got a default route from the bridge network"
    log "bridge network $CT_NET: $bridge, $CT_SUBNET.0/24, in $NS only"
}

ct_servers_up() {
    [[ ${#CT_SERVERS[@]} -gt 0 ]] && return 0
    ct_setup
    mkdir -p "$WORK/www" "$WORK/nginx-tmp"
    [[ -s $WORK/www/index.html ]] || head -c 612 /dev/zero | tr '\0' 'x' >"$WORK/www/index.html"
    nginx_conf "$CT_AX_PORT"
    nginx_conf "$CT_BRIDGE_PORT"
    ct_bridge_up
    # $WORK is mounted at the same path, so the configs, the web root and the logs are where they say.
    # shellcheck disable=SC2046
    start_bg ct-nginx-ax "${POD[@]}" run --rm --name "$(ct_name)" $(ct_seed_args) -v "$WORK:$WORK" --rootfs "$CT_ROOTFS" \
        run --ip "$CT_APP_IP" -- "$(type -P nginx)" -e stderr -c "$WORK/nginx-$CT_AX_PORT.conf" -g 'daemon off;'
    CT_SERVERS+=("$LAST_PID")
    start_bg ct-nginx-bridge "${POD[@]}" run --rm --name "$(ct_name)" --network "$CT_NET" --ip "$CT_SERVER_IP" -v "$WORK:$WORK" \
        --rootfs "$CT_ROOTFS" "$(type -P nginx)" -e stderr -c "$WORK/nginx-$CT_BRIDGE_PORT.conf" -g 'daemon off;'
    CT_SERVERS+=("$LAST_PID")
    wait_service "$CT_APP_IP:$CT_AX_PORT"
    local i
    for ((i = 0; i < 100; i++)); do
        pod run --rm --name "$(ct_name)" --network "$CT_NET" --rootfs "$CT_ROOTFS" "$(type -P wrk)" -t1 -c1 -d1s \
            "http://$CT_SERVER_IP:$CT_BRIDGE_PORT/" >/dev/null 2>&1 && break
        sleep 0.2
    done
    ((i < 100)) || die "nginx on the bridge network did not answer; see $WORK/logs/ct-nginx-bridge.log"
    ct_bridge_check
}

ct_wrk_run() { # WORKLOAD VARIANT ROUND
    local w=$1 v=$2 r=$3 out=$WORK/raw/$1-$2-$3.txt t
    local -a hdr=()
    [[ $w == container_wrk_close ]] && hdr=(-H 'Connection: close')
    local -a args=(-t"$WRK_THREADS" -c"$WRK_CONNS" -d"${SECS}s" "${hdr[@]+"${hdr[@]}"}")
    t=$(client_timeout)
    case $v in
        # shellcheck disable=SC2046
        ax)     timeout "$t" "${POD[@]}" run --rm --name "$(ct_name)" $(ct_seed_args) --rootfs "$CT_ROOTFS" \
                    run -- "$(type -P wrk)" "${args[@]}" "http://$CT_APP_IP:$CT_AX_PORT/" >"$out" 2>>"$WORK/logs/ct-wrk.log" ;;
        bridge) timeout "$t" "${POD[@]}" run --rm --name "$(ct_name)" --network "$CT_NET" --rootfs "$CT_ROOTFS" \
                    "$(type -P wrk)" "${args[@]}" "http://$CT_SERVER_IP:$CT_BRIDGE_PORT/" >"$out" 2>>"$WORK/logs/ct-wrk.log" ;;
    esac
    local rps errors non2xx
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    [[ -n $rps ]] || die "wrk ($w, $v) printed no Requests/sec; see $out"
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
    record "$w" "$v" "$r" "$rps" "\"socket_errors\":${errors:-0},\"non_2xx\":${non2xx:-0}"
}

ct_wrk_begin() { # WORKLOAD
    log "$1: wrk -t$WRK_THREADS -c$WRK_CONNS ${SECS}s between two containers per run, ${#CT_VARIANTS[@]} variants a round"
    ct_servers_up
    local v saved=$SECS
    SECS=1
    for v in "${CT_VARIANTS[@]}"; do ct_wrk_run "$1" "$v" 0; done
    SECS=$saved
    sed -i '/"round":0,/d' "$RAW"
}
ct_wrk_round() { # WORKLOAD ROUND
    local v
    for v in $(rotated "$2" "${CT_VARIANTS[@]}"); do ct_wrk_run "$1" "$v" "$2"; done
}
container_wrk_keepalive_begin() { ct_wrk_begin container_wrk_keepalive; }
container_wrk_keepalive_round() { ct_wrk_round container_wrk_keepalive "$1"; }
container_wrk_keepalive_end() { :; }
container_wrk_close_begin() { ct_wrk_begin container_wrk_close; }
container_wrk_close_round() { ct_wrk_round container_wrk_close "$1"; }
container_wrk_close_end() { :; }

# Every container of this run, by its name's prefix (the servers' podman clients are stopped first), then the network.
ct_cleanup() {
    ((${#CT_SERVERS[@]})) && stop "${CT_SERVERS[@]}"
    CT_SERVERS=()
    [[ -f $CT_CONF ]] || return 0
    local n
    for n in $(pod ps --all --filter "name=^$CT_PREFIX" --format '{{.Names}}' 2>/dev/null); do
        [[ $n == "$CT_PREFIX"* ]] && pod rm --force --time 0 --ignore "$n" >/dev/null 2>&1
    done
    if ((CT_NET_MADE)); then
        pod network rm --force "$CT_NET" >/dev/null 2>&1 || log "warning: cannot remove the podman network $CT_NET"
        # CNI's host-local IPAM keeps the network's leases there, and podman leaves the directory behind.
        rm -rf "/var/lib/cni/networks/$CT_NET"
        CT_NET_MADE=0
    fi
    return 0
}
