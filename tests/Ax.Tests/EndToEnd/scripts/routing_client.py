"""A client for routing tests, driven by commands on stdin, one JSON line out per command:
"tally HOST PORT COUNT": COUNT connections one after another to an identity_server.py, each read and closed;
    prints {"NAME": n, ..., "refused": n} (a connect that fails counts as "refused");
"hold HOST PORT N": opens N connections and keeps them; prints {"held": [NAME, ...]};
"release": closes the held connections; prints {"released": N};
"time HOST PORT": one connection; prints {"name": NAME or null, "connect_ms": milliseconds to connect}."""
import json
import socket
import sys
import time

held = []


def identity(conn):
    return conn.makefile("rb").readline().decode().strip()


for command in sys.stdin:
    words = command.split()
    if not words:
        continue
    verb, args = words[0], words[1:]
    if verb == "tally":
        host, port, count = args[0], int(args[1]), int(args[2])
        tally = {}
        for _ in range(count):
            try:
                with socket.create_connection((host, port), timeout=10) as conn:
                    name = identity(conn)
            except OSError:
                name = "refused"
            tally[name] = tally.get(name, 0) + 1
        print(json.dumps(tally), flush=True)
    elif verb == "hold":
        host, port, n = args[0], int(args[1]), int(args[2])
        names = []
        for _ in range(n):
            conn = socket.create_connection((host, port), timeout=10)
            held.append(conn)
            names.append(identity(conn))
        print(json.dumps({"held": names}), flush=True)
    elif verb == "release":
        for conn in held:
            conn.close()
        print(json.dumps({"released": len(held)}), flush=True)
        held.clear()
    elif verb == "time":
        host, port = args[0], int(args[1])
        start = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=30) as conn:
                connected = time.monotonic()
                name = identity(conn)
        except OSError:
            connected, name = time.monotonic(), None
        print(json.dumps({"name": name, "connect_ms": round((connected - start) * 1000)}), flush=True)
