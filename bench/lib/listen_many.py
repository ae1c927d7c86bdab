#!/usr/bin/env python3
"""Opens COUNT listening TCP sockets on ports BASE..BASE+COUNT-1, then idles.

Under `ax run --ip A` every listen() publishes one service A:port in the daemon's service table,
so this one app stands in for a node with COUNT services (bench/run.sh, daemon RSS).
When all sockets listen it writes "ready SECONDS" to READY_FILE (the time the listens took).
"""
import resource
import socket
import sys
import time


def main() -> int:
    if len(sys.argv) != 4:
        print("usage: listen_many.py COUNT BASE_PORT READY_FILE", file=sys.stderr)
        return 2
    count, base, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 64
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            print(f"listen_many: need {want} open files, the hard limit is {hard}", file=sys.stderr)
            return 1
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    sockets = []
    start = time.monotonic()
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("0.0.0.0", base + i))
        s.listen(16)
        sockets.append(s)
    took = time.monotonic() - start
    with open(ready, "w", encoding="ascii") as f:
        f.write(f"ready {took:.3f}\n")
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
