#!/bin/bash
# Boots systemd as PID 1 of a throw-away system for PackagingTests: run it as
#   unshare --fork --pid --mount --net --uts --cgroup --propagation private bash boot-systemd.sh DIR
# from a fresh cgroup v2 directory. The system's root is this machine's / under an overlay whose upper
# layer is a tmpfs on DIR, so whatever is installed or removed in it (apt-get install ./ax.deb) never
# reaches this machine's files. Its network namespace has loopback and one veth pair (both ends inside,
# no route out), as a test node has. /sys is read-only, so systemd-udevd stays off (its
# ConditionPathIsReadWrite=/sys), and /dev holds only copies of a few harmless device nodes.
set -euo pipefail
dir=$1
mount -t tmpfs -o mode=755 tmpfs "$dir"
mkdir "$dir/upper" "$dir/work" "$dir/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work" "$dir/root"
root=$dir/root
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup"
mount -t tmpfs -o mode=755 tmpfs "$root/dev"
for node in null zero full random urandom tty; do
    touch "$root/dev/$node"
    mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t tmpfs tmpfs "$root/run"
mount -t tmpfs tmpfs "$root/tmp"

ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 10.213.251.1/24 dev v0
ip link set v0 up
ip link set v1 up
hostname ax-systemd

cd "$root"
# container=: systemd's container detection (systemd-detect-virt); basic.target: only the early boot,
# none of this machine's own services (nginx, postgresql ...).
exec chroot . env -i container=ax-test PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd --log-target=console --unit=basic.target
