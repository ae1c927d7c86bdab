#!/usr/bin/env bash
# The seed's walkthrough (001, "Functionality Overview"), on one throw-away node: a network namespace
# with no default route, its own ax daemon and run directory. Everything it starts is stopped, and the
# namespace removed, when it ends, also on Ctrl-C or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
AX="$(pwd)/out/ax"
node="axdemo-$$"
work="$(mktemp -d /tmp/axdemo.XXXXXX)"
export AX_RUN_DIR="$work/run"
pids=()

cleanup() {
    # Each background app leads its own process group (setsid), so its children go with it.
    for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "$node" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
in_node() { ip netns exec "$node" "$@"; }
# Starts a command in the node in the background, in a process group of its own; records its pid.
in_node_bg() { setsid ip netns exec "$node" "$@" & pids+=($!); }

# The node: one veth pair inside the namespace gives it an address; there is no route out.
ip netns add "$node"
ip -n "$node" link add v0 type veth peer name v1
ip -n "$node" addr add 10.213.250.1/24 dev v0
ip -n "$node" link set v0 up
ip -n "$node" link set v1 up
ip -n "$node" link set lo up

step "ax daemon --node-name host0 &"
in_node_bg "$AX" daemon --node-name host0 >"$work/daemon.log" 2>&1
for _ in $(seq 100); do in_node "$AX" get apps >/dev/null 2>&1 && break; sleep 0.1; done

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy; fastcgi_temp_path $work/fcgi;
  uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server { listen 80; location / { return 200 "served by nginx on 1.1.1.1\n"; } }
}
CONF

step "ax run --ip 1.1.1.1 nginx -g 'daemon off;' &"
in_node_bg "$AX" run --ip 1.1.1.1 nginx -c "$work/nginx.conf" -g 'daemon off;'
wait_for() { for _ in $(seq 100); do in_node "$AX" get servers | grep -q "$1" && return 0; sleep 0.1; done; return 1; }
wait_for "1.1.1.1:80"

step "ax run --ip 2.2.2.2 curl -I 1.1.1.1"
in_node "$AX" run --ip 2.2.2.2 curl -sI 1.1.1.1

step "ax run -- curl 1.1.1.1"
in_node "$AX" run -- curl -s 1.1.1.1

step "ax run --ip 1.1.1.1 python3 -m http.server 8000 &   (a second app on the same IP, another port)"
in_node_bg "$AX" run --ip 1.1.1.1 python3 -m http.server 8000 --directory "$work" >/dev/null 2>&1
wait_for "1.1.1.1:8000"
in_node "$AX" run -- curl -sI 1.1.1.1:8000 | head -1

step "ax run --ip 3.3.3.3 --labels role=prod ... & ax run --ip 3.3.3.3 --labels role=test ... &"
for role in prod test; do
    in_node_bg "$AX" run --ip 3.3.3.3 --labels role=$role python3 -c "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b'$role server\n')
    def log_message(self, *a): pass
http.server.HTTPServer(('0.0.0.0', 80), H).serve_forever()"
done
for _ in $(seq 100); do [ "$(in_node "$AX" get servers | grep -c '3.3.3.3:80')" -ge 2 ] && break; sleep 0.1; done

step "ax get servers"
in_node "$AX" get servers

step "ax run --labels role=test -- curl 3.3.3.3   (only ever the role=test server)"
for _ in 1 2 3; do in_node "$AX" run --labels role=test -- curl -s 3.3.3.3; done

step "ax run -- curl 3.3.3.3   (a client without role labels may reach neither)"
in_node "$AX" run -- curl -sS 3.3.3.3 || echo "(refused, as the seed says)"

step "ax run --name web python3 -m http.server 9000 &   (a name, no IP: ax makes one up)"
in_node_bg "$AX" run --name web python3 -m http.server 9000 --directory "$work" >/dev/null 2>&1
for _ in $(seq 100); do in_node "$AX" get servers | grep -q ':9000' && break; sleep 0.1; done

step "ax run -- getent hosts web; ax run -- curl -I web:9000"
in_node "$AX" run -- getent hosts web
in_node "$AX" run -- curl -sI web:9000 | head -1

step "ax run --ip 4.4.4.4 --expose 8000:10000 python3 -m http.server 8000 &   (Ingress: reach it without ax)"
in_node_bg "$AX" run --ip 4.4.4.4 --expose 8000:10000 python3 -m http.server 8000 --directory "$work" >/dev/null 2>&1
wait_for "4.4.4.4:8000"

step "curl -I 10.213.250.1:10000   (plain curl, not under ax)"
in_node curl -sI 10.213.250.1:10000 | head -1

step "ax run --user nobody -- id"
in_node "$AX" run --user nobody -- id

step "ax get apps"
in_node "$AX" get apps

printf '\nDemo done; stopping the apps and the daemon and removing node %s.\n' "$node"

# The same on two nodes: the cluster (scripts/demo-cluster.sh).
cleanup
trap - EXIT
exec bash scripts/demo-cluster.sh
