"""Binds 0.0.0.0:PORT (UDP); for each datagram prints {"from": [ip, port]} as a JSON line and answers
"reply" to the address recvfrom gave, with sendto or sendmsg (argv[2])."""
import json
import socket
import sys

port, how = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", port))
print(json.dumps({"bound": list(s.getsockname())}), flush=True)
while True:
    data, addr = s.recvfrom(2048)
    print(json.dumps({"from": list(addr)}), flush=True)
    try:
        if how == "sendmsg":
            s.sendmsg([b"reply"], [], 0, addr)
        else:
            s.sendto(b"reply", addr)
    except OSError as e:
        print(json.dumps({"reply_error": e.strerror}), flush=True)
