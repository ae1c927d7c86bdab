#!/usr/bin/env bash
# Installs what ax's build, tests and demo use on Debian 12, as root. Safe to run again.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run this as root (it uses apt-get and the tests make network namespaces)" >&2
    exit 1
fi

packages=(
    make gcc libc6-dev          # the hostile test program is C
    iproute2 util-linux procps  # ip netns, setpriv, ps
    curl python3 nginx-light    # the real apps the tests and the demo run under ax
    dnsutils socat
    golang-go nodejs            # Go and Node.js servers written as their docs show (RealProgramsTests)
    libpython3.11-testsuite     # CPython's own socket tests, run directly and under ax (SocketSuiteTests)
    serf                        # the gossip agent each daemon runs for cluster membership (src/Ax/Cluster)
    openssl tcpdump             # --tls tests: certificates made as an operator would, and a capture of the sync port
    nftables                    # a server whose port resets every SYN, for outlier ejection (RulesEndToEndTests)
    podman runc                 # apps in containers, the seed's `podman run --net none ...` line (ContainerTests)
    docker-compose              # the seed's compose files, run against podman's Docker API (ComposeTests, make image)
    busybox-static              # a root filesystem without a C library for those containers
    musl-tools                  # out/ax: the static front (ax run's C launcher, musl), for any image
    systemd binutils init-system-helpers  # make deb and PackagingTests: systemd-analyze and a contained systemd, objdump, deb-systemd-helper
)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "install-deps: installed ${missing[*]}"
fi

# Debian's docker.io for DockerTests, which run a dockerd of their own inside a test node's namespace.
# Its package would start dockerd (and containerd) on the host, which makes a bridge and firewall rules
# there: a policy-rc.d that refuses (exit 101, invoke-rc.d(8)) keeps the install from starting them, and
# the units are disabled so that no boot starts them either. A policy-rc.d already present is left alone.
if ! dpkg-query -W -f='${Status}' docker.io 2>/dev/null | grep -q "install ok installed"; then
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    docker_status=0
    apt-get install -y -qq --no-install-recommends docker.io >/dev/null || docker_status=$?
    if [ "$made_policy" -eq 1 ]; then rm -f "$policy"; fi
    if [ "$docker_status" -ne 0 ]; then
        echo "install-deps: could not install docker.io" >&2
        exit "$docker_status"
    fi
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable docker.service docker.socket containerd.service >/dev/null 2>&1 || true
    fi
    echo "install-deps: installed docker.io (its services disabled; the tests start their own dockerd)"
fi

# Debian starts nginx when it is installed where an init system runs; ax's tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx || true
fi

if ! command -v dotnet >/dev/null 2>&1; then
    echo "install-deps: the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK, which builds ax for net9.0 with NativeAOT" >&2
    exit 1
fi
