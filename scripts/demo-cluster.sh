#!/usr/bin/env bash
# The seed's multi-node walkthrough (001, "Multi-Node AppSwitch Cluster"), on two throw-away nodes: two
# network namespaces joined by a bridge that lives in a third one (the "switch"); no namespace has a
# default route. Each node runs its own ax daemon (and, under it, its gossip agent). Everything started
# is stopped and the namespaces removed when it ends, also on Ctrl-C or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
AX="$(pwd)/out/ax"
switch="axdsw-$$"
nodes=(host00 host01)
work="$(mktemp -d /tmp/axdemo-cluster.XXXXXX)"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    # The daemons stop their gossip agents; a keeper outlives its daemon by design, so end it by its pid.
    for n in "${nodes[@]}"; do
        pid=$(cat "$work/$n/keeper.pid" 2>/dev/null || true)
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
        ip netns del "$n-$$" 2>/dev/null || true
    done
    ip netns del "$switch" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m%s$ %s\033[0m\n' "$1" "${*:2}"; }
on() { local n=$1; shift; AX_RUN_DIR="$work/$n" ip netns exec "$n-$$" "$@"; }
on_bg() { local n=$1; shift; AX_RUN_DIR="$work/$n" setsid ip netns exec "$n-$$" "$@" & pids+=($!); }

ip netns add "$switch"
ip -n "$switch" link add br0 type bridge
ip -n "$switch" link set br0 up
i=0
for n in "${nodes[@]}"; do
    i=$((i + 1))
    ip netns add "$n-$$"
    ip -n "$switch" link add "p$i" type veth peer name eth0 netns "$n-$$"
    ip -n "$switch" link set "p$i" master br0 up
    ip -n "$n-$$" addr add "10.213.251.$i/24" dev eth0
    ip -n "$n-$$" link set eth0 up
    ip -n "$n-$$" link set lo up
    mkdir -p "$work/$n"
done

neighbors=10.213.251.1,10.213.251.2
for n in "${nodes[@]}"; do
    step "$n" "ax daemon --node-name $n --node-interface eth0 --neighbors $neighbors &"
    on_bg "$n" "$AX" daemon --node-name "$n" --node-interface eth0 --neighbors "$neighbors" >"$work/$n.log" 2>&1
done
for _ in $(seq 200); do [ "$(on host01 "$AX" get nodes 2>/dev/null | grep -c alive)" = 2 ] && break; sleep 0.1; done

step host01 "ax get nodes"
on host01 "$AX" get nodes

step host00 "ax run --ip 1.1.1.1 --name webserver --expose 8000:0.0.0.0:10000 python3 -m http.server 8000 &"
on_bg host00 "$AX" run --ip 1.1.1.1 --name webserver --expose 8000:0.0.0.0:10000 python3 -m http.server 8000 --directory "$work" >/dev/null 2>&1
for _ in $(seq 200); do on host01 "$AX" get servers | grep -q "1.1.1.1:8000" && break; sleep 0.1; done

step host01 "ax get servers   (host00's service, in host01's copy of the table)"
on host01 "$AX" get servers

step host01 "ax run -- curl -I 1.1.1.1:8000   (a real socket from host01 straight to host00)"
on host01 "$AX" run -- curl -sI 1.1.1.1:8000 | head -1

step host01 "ax run -- curl -I webserver:8000"
on host01 "$AX" run -- curl -sI webserver:8000 | head -1

for addr in 10.213.251.1 10.213.251.2; do
    step host01 "curl -I $addr:10000   (plain curl, not under ax: --expose 8000:0.0.0.0:10000 serves on every node)"
    for _ in $(seq 50); do on host01 curl -sI --max-time 2 "$addr:10000" >/dev/null 2>&1 && break; sleep 0.1; done
    on host01 curl -sI --max-time 5 "$addr:10000" | head -1
done

step host01 "ax get apps --all-nodes"
on host01 "$AX" get apps --all-nodes

printf '\nCluster demo done; stopping the apps and daemons and removing the namespaces.\n'
