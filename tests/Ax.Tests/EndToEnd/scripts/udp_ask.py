"""Sends "ping" to IP:PORT over UDP (sendto), waits up to 20 s for the answer (a loaded machine) and prints
{"local": [ip, port], "answer": text or null} as JSON."""
import json
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(20)
s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
local = list(s.getsockname())
try:
    answer = s.recv(2048).decode()
except socket.timeout:
    answer = None
print(json.dumps({"local": local, "answer": answer}))
