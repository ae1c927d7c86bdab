"""Plays COUNT UDP clients outside ax: udp_reply_clients.py IP PORT COUNT POOLFIRST.

A third of the clients bind explicitly to free ports from POOLFIRST up (inside ax's --ports pool),
the rest take the kernel's ephemeral ports (32768-60999 here, overlapping the pool). Each sends one
datagram to IP:PORT and waits for the reply; prints JSON: how many replies came, the ports that got
none, and how many client ports lay in the pool range.
"""
import json
import select
import socket
import sys
import time

ip, port, count, pool_first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
clients, candidate = [], pool_first
while len(clients) < count // 3:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("0.0.0.0", candidate))
        clients.append(s)
    except OSError:
        s.close()
    candidate += 1
while len(clients) < count:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    clients.append(s)

in_pool = sum(40000 <= s.getsockname()[1] <= 60000 for s in clients)
for n, s in enumerate(clients):
    s.sendto(b"ping %d" % n, (ip, port))

# Every reply is awaited together, so a lost one costs the test seconds, not a timeout each.
waiting, replied, deadline = dict(enumerate(clients)), 0, time.monotonic() + 5
while waiting and time.monotonic() < deadline:
    ready, _, _ = select.select(list(waiting.values()), [], [], max(0.0, deadline - time.monotonic()))
    for n, s in list(waiting.items()):
        if s in ready:
            replied += s.recv(100) == b"pong ping %d" % n
            del waiting[n]
silent = [s.getsockname()[1] for s in waiting.values()]
print(json.dumps({"replied": replied, "silent": silent, "in_pool": in_pool}), flush=True)
