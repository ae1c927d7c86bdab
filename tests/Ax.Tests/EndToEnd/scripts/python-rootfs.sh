#!/usr/bin/env bash
# python-rootfs.sh ROOTFS: a root filesystem with the host's python3, laid out as python:alpine lays out
# its own (/usr/local/bin/python, /usr/local/lib/pythonX.Y), so the seed's compose file may mount the host's
# /usr/bin over /usr/bin; with the C libraries ldd lists for python and its extension modules, and the
# standard library without its tests, IDLE, tkinter and caches (~35 MB). No image can be pulled here.
set -euo pipefail
rootfs=$1
python=$(readlink -f /usr/bin/python3)
version=$(basename "$python")
mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib" "$rootfs/tmp" "$rootfs/etc"
chmod 1777 "$rootfs/tmp"
cp "$python" "$rootfs/usr/local/bin/$version"
ln -s "$version" "$rootfs/usr/local/bin/python3"
ln -s "$version" "$rootfs/usr/local/bin/python"
tar -C /usr/lib -c --exclude=test --exclude=__pycache__ --exclude=idlelib --exclude=tkinter --exclude=lib2to3 \
    --exclude=ensurepip --exclude=turtledemo --exclude=site-packages --exclude=dist-packages --exclude='config-*' \
    "$version" | tar -C "$rootfs/usr/local/lib" -x
ldd "$python" /usr/lib/"$version"/lib-dynload/*.so | sed -n 's|.*=> \(/[^ ]*\).*|\1|p; s|^[[:space:]]*\(/[^ ]*\) (.*|\1|p' | sort -u |
    while read -r library; do
        mkdir -p "$rootfs$(dirname "$library")"
        cp -L "$library" "$rootfs$library"
    done
