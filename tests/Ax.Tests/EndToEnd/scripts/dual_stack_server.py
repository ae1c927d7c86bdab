"""A server on a dual-stack AF_INET6 socket, the way Go's net.Listen("tcp", ":PORT") and Node's
listen(PORT) make one: dual_stack_server.py PORT [v6only]. It bind()s [::]:PORT with IPV6_V6ONLY off (on
with "v6only"), prints its getsockname as JSON, and answers each connection with one JSON line: the
address accept() returned, getpeername() and getsockname() of the accepted socket."""
import json
import socket
import sys

port = int(sys.argv[1])
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if sys.argv[2:] == ["v6only"] else 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", port))
s.listen()
print(json.dumps({"bound": s.getsockname()[:2]}), flush=True)
while True:
    c, accepted = s.accept()
    c.sendall((json.dumps({"accepted": accepted[0], "peer": c.getpeername()[0], "local": c.getsockname()[:2]}) + "\n").encode())
    c.close()
