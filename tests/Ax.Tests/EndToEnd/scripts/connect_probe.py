"""Connects to IP:PORT and reports what the app saw, as JSON: connect_probe.py IP PORT blocking|nonblocking."""
import errno
import json
import select
import socket
import sys

ip, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
report = {}
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
if mode == "nonblocking":
    s.setblocking(False)
    rc = s.connect_ex((ip, port))
    report["connect"] = errno.errorcode.get(rc, "OK") if rc else "OK"
    if rc == errno.EINPROGRESS:
        _, writable, _ = select.select([], [s], [], 10)
        report["writable"] = bool(writable)
        so_error = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        report["so_error"] = errno.errorcode.get(so_error, "OK") if so_error else "OK"
    s.setblocking(True)
else:
    rc = s.connect_ex((ip, port))
    report["connect"] = errno.errorcode.get(rc, "OK") if rc else "OK"
    report["so_error"] = report["connect"]
if report.get("so_error") == "OK":
    report["peer"] = list(s.getpeername())
    report["local"] = list(s.getsockname())
    report["nodelay"] = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    report["keepalive"] = s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
    s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    report["status"] = data.split(b"\r\n", 1)[0].decode()
    report["body"] = data.split(b"\r\n\r\n", 1)[-1].decode().strip()
print(json.dumps(report))
