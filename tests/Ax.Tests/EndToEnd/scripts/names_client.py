"""Connects (blocking) to IP:PORT and prints the names it sees and the server's report, as JSON."""
import json
import socket
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
report = {"local": list(s.getsockname()), "peer": list(s.getpeername())}
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
report["server"] = json.loads(data.decode())
print(json.dumps(report))
