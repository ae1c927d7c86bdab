"""Binds 0.0.0.0:PORT, then for one connection reports the names the app sees, as JSON lines."""
import json
import socket
import sys

port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
print(json.dumps({"bound": list(s.getsockname())}), flush=True)
s.listen(16)
print(json.dumps({"listening": list(s.getsockname()), "reuseaddr": s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)}), flush=True)
while True:
    conn, addr = s.accept()
    report = {"accepted_from": list(addr), "conn_local": list(conn.getsockname()), "conn_peer": list(conn.getpeername())}
    print(json.dumps(report), flush=True)
    conn.sendall(json.dumps(report).encode() + b"\n")
    conn.close()
