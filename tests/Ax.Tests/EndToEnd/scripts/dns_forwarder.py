"""A tiny upstream DNS server for forwarding tests: dns_forwarder.py HOST PORT NAME ADDRESS.

Answers A queries for NAME with ADDRESS, everything else with NXDOMAIN; prints "ready" once listening.
It runs inside the test's own network namespace, so forwarded queries never leave the machine."""
import socket
import struct
import sys

host, port, name, address = sys.argv[1], int(sys.argv[2]), sys.argv[3].lower().rstrip("."), sys.argv[4]


def read_name(message, offset):
    labels = []
    while message[offset] != 0:
        length = message[offset]
        labels.append(message[offset + 1:offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    return ".".join(labels).lower(), offset + 1


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((host, port))
print("ready", flush=True)
while True:
    message, client = sock.recvfrom(4096)
    try:
        (query_id, flags) = struct.unpack("!HH", message[:4])
        asked, end = read_name(message, 12)
        qtype = struct.unpack("!H", message[end:end + 2])[0]
        question = message[12:end + 4]
    except (IndexError, struct.error):
        continue
    found = asked == name
    answers = b""
    if found and qtype == 1:
        answers = struct.pack("!HHHIH", 0xC00C, 1, 1, 30, 4) + socket.inet_aton(address)
    rcode = 0 if found else 3
    header = struct.pack("!HHHHHH", query_id, 0x8180 | (flags & 0x0100) | rcode, 1, 1 if answers else 0, 0, 0)
    print(f"asked {asked} type {qtype}", flush=True)
    sock.sendto(header + question + answers, client)
