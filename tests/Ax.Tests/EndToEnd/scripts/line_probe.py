"""Connects to HOST PORT from an AF_INET or AF_INET6 socket (line_probe.py inet|inet6 HOST PORT), reads one
line, and prints JSON: the outcome, the line, and the socket's getpeername and getsockname."""
import errno
import json
import socket
import sys

family = socket.AF_INET6 if sys.argv[1] == "inet6" else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(5)
report = {}
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
    report["connect"] = "OK"
    report["peer"] = s.getpeername()[:2]
    report["local"] = s.getsockname()[:2]
    report["line"] = s.makefile().readline().strip()
except OSError as e:
    report["connect"] = errno.errorcode.get(e.errno, str(e.errno))
print(json.dumps(report), flush=True)
