#!/usr/bin/env bash
# Builds the ax image with podman (`make image`): build.sh BIN_DIR TAG, where BIN_DIR holds ax (the
# static front) and ax-core (make build's out/). Stages a root filesystem of ax, ax-core, the C libraries
# that ldd lists for ax-core and serf, OpenSSL (which ax loads for --tls), Debian's serf and busybox, then
# `podman build`s packaging/image/Containerfile FROM scratch. No registry is needed.
set -euo pipefail
bin_dir=$1
tag=$2
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/ax-image.XXXXXX")
trap 'rm -rf "$stage"' EXIT

rootfs=$stage/rootfs
mkdir -p "$rootfs/opt/ax/bin" "$rootfs/tmp" "$rootfs/var/run/appswitch" "$rootfs/var/log"
chmod 1777 "$rootfs/tmp"
install -m 755 "$bin_dir/ax" "$bin_dir/ax-core" "$(command -v serf)" /bin/busybox "$here/entrypoint" "$rootfs/opt/ax/bin/"

libraries() {
    ldd "$@" | sed -n 's|.*=> \(/[^ ]*\).*|\1|p; s|^[[:space:]]*\(/[^ ]*\) (.*|\1|p'
    for name in libssl.so.3 libcrypto.so.3; do
        ldconfig -p | sed -n "s|.*$name (libc6,x86-64) => \(/.*\)|\1|p" | head -1
    done
}
libraries "$bin_dir/ax-core" "$(command -v serf)" | sort -u | while read -r library; do
    mkdir -p "$rootfs$(dirname "$library")"
    cp -L "$library" "$rootfs$library"
done

cp "$here/Containerfile" "$stage/"
podman build --quiet --tag "$tag" --file "$stage/Containerfile" "$stage"
