"""Connects from many threads at once: parallel_connects.py HOST PORT THREADS COUNT.
Each thread makes COUNT connections to a line_server.py, sends one line on each and checks the
echo. Runs a burst, a quiet spell with one connection at a time, and a second burst, printing one
JSON line after each ("burst", "single", "burst"). Then waits for a line on stdin before exiting,
so the caller can look at the daemon while the app is still alive."""
import json
import socket
import sys
import threading
import time

host, port, threads, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def exchange(tag):
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(tag.encode() + b"\n")
        answer = conn.makefile("rb").readline().decode().strip()
    return answer == "%d:%s" % (port, tag)


def run(phase, n_threads, n_each):
    results = {"ok": 0, "wrong": 0, "errors": {}}
    lock = threading.Lock()

    def worker(t):
        for i in range(n_each):
            try:
                good = exchange("%s-%d-%d" % (phase, t, i))
                key = "ok" if good else "wrong"
                with lock:
                    results[key] += 1
            except OSError as e:
                with lock:
                    name = type(e).__name__
                    results["errors"][name] = results["errors"].get(name, 0) + 1

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for w in pool:
        w.start()
    for w in pool:
        w.join()
    print(json.dumps({"phase": phase, **results}), flush=True)


run("burst", threads, count)
time.sleep(0.3)  # longer than the daemon's helper stays on the listener with nothing to answer
run("single", 1, 20)
run("burst", threads, count)
sys.stdin.readline()
