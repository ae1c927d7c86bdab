"""Sends hostile DNS messages to a DNS server, then one honest query: dns_probe.py SERVER NAME.

Prints one line per hostile message ("garbage N: answered RCODE" or "garbage N: dropped") and finally
"answer: A.B.C.D" (or "answer: none ..."), so a test can see the server survived and still answers."""
import os
import random
import socket
import struct
import sys

server, name = (sys.argv[1], 53), sys.argv[2]


def query(query_id, qname, qtype=1):
    body = b"".join(bytes([len(label)]) + label.encode() for label in qname.split(".")) + b"\x00"
    return struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + body + struct.pack("!HH", qtype, 1)


header = struct.pack("!HHHHHH", 0x4141, 0x0100, 1, 0, 0, 0)
rng = random.Random(5)
hostile = [
    b"",                                                   # empty datagram
    b"\x12",                                               # one byte
    header[:11],                                           # truncated header
    header,                                                # a question count with no question
    header + b"\xc0\x0c\x00\x01\x00\x01",                   # a pointer to itself
    header + b"\x01a\xc0\x0c\x00\x01\x00\x01",              # a two-step loop back to the name's start
    header + b"\x01a\xc0\x0e\x00\x01",                      # a forward pointer
    header + b"\x3fabc",                                   # a label longer than the message
    header + b"\x80abc\x00\x00\x01\x00\x01",                # a reserved label type
    header + b"\x3f" + b"a" * 63 + b"\x3f" + b"b" * 63 + b"\x3f" + b"c" * 63 + b"\x3f" + b"d" * 63 + b"\x00\x00\x01\x00\x01",  # 257 bytes: too long
    struct.pack("!HHHHHH", 0x4242, 0x8180, 1, 0, 0, 0) + query(0, name)[12:],  # a response, not a query
    bytes(rng.getrandbits(8) for _ in range(512)),           # noise
    query(0x4343, name)[:-3],                              # the question cut short
]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(0.3)
for index, message in enumerate(hostile):
    sock.sendto(message, server)
    try:
        reply, _ = sock.recvfrom(4096)
        print(f"garbage {index}: answered {reply[3] & 0x0f}", flush=True)
    except socket.timeout:
        print(f"garbage {index}: dropped", flush=True)

sock.settimeout(5)
sock.sendto(query(0x5151, name), server)
reply, _ = sock.recvfrom(4096)
(reply_id, flags, _, answers, _, _) = struct.unpack("!HHHHHH", reply[:12])
if reply_id == 0x5151 and answers >= 1:
    print("answer: " + socket.inet_ntoa(reply[-4:]), flush=True)
else:
    print(f"answer: none (rcode {flags & 0x0f})", flush=True)
