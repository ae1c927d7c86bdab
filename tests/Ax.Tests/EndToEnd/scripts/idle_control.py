"""idle_control.py SOCKET COUNT SECONDS: opens COUNT connections to the daemon's control socket, sends
nothing on them, prints "open N" once they are connected, and holds them SECONDS seconds."""
import socket
import sys
import time

path, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
held = []
for _ in range(count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    held.append(s)
print("open", len(held), flush=True)
time.sleep(seconds)
