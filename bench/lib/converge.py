#!/usr/bin/env python3
"""Convergence across nodes (bench/run.sh, cluster_converge): the time from listen() on one node until a
client on another node connects.

  converge.py listen COUNT BASE_PORT DIR        (under `ax run --ip VIP` on node A)
  converge.py probe  COUNT VIP BASE_PORT DIR    (under `ax run` on node B)

The listener opens one new service at a time: listen() on BASE_PORT+i, append "i <wall-clock time>" to
DIR/listen.txt as soon as listen() returns, then wait until the prober has reached it (DIR/probe.txt) before
the next one, so that one service's wait never delays the next one's measurement. The prober, already
dialling VIP:BASE_PORT+i before the listen, retries connect() every millisecond until one succeeds and
appends "i <wall-clock time>". All node namespaces share this machine's CLOCK_REALTIME, so the two files'
times compare directly. Old listeners stay open (a node's table grows as in life). Standard library only.
"""
import os
import random
import socket
import sys
import time

PROBE_TIMEOUT_S = 30.0


def lines(path):
    try:
        with open(path, encoding="ascii") as f:
            return f.read().count("\n")
    except FileNotFoundError:
        return 0


def append(path, text):
    with open(path, "a", encoding="ascii") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def listen(count, base, d):
    socks = []
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", base + i))
        s.listen(64)
        append(os.path.join(d, "listen.txt"), f"{i} {time.time():.6f}\n")
        socks.append(s)
        deadline = time.monotonic() + PROBE_TIMEOUT_S + 5
        while lines(os.path.join(d, "probe.txt")) <= i and time.monotonic() < deadline:
            time.sleep(0.002)
        # A short random pause: the next listen() falls at a random point of any periodic work in the daemons.
        time.sleep(random.uniform(0.02, 0.08))
    append(os.path.join(d, "listen.txt"), "done\n")
    while True:
        time.sleep(3600)


def probe(count, vip, base, d):
    for i in range(count):
        deadline = time.monotonic() + PROBE_TIMEOUT_S
        ok = False
        while time.monotonic() < deadline:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(1.0)
            try:
                s.connect((vip, base + i))
                ok = True
            except OSError:
                pass
            finally:
                s.close()
            if ok:
                break
            time.sleep(0.001)
        append(os.path.join(d, "probe.txt"), f"{i} {time.time():.6f}\n" if ok else f"{i} timeout\n")
    return 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "listen":
        return listen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    if len(sys.argv) == 6 and sys.argv[1] == "probe":
        return probe(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
