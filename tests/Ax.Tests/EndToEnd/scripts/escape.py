"""Tries one way out of an ax app's confinement and reports, as JSON, what the app saw: escape.py ATTEMPT ARGS.

raw NODE_IP              an ICMP echo on a raw AF_INET socket
packet                   an AF_PACKET socket: which interfaces it sees, and a frame on each
ipv6 NODE_IP PORT        connect over IPv6, to the v4-mapped node address and to the loopback
udp IP PORT              a datagram sent with sendto to IP:PORT
sendmsg IP PORT          a datagram sent with sendmsg to IP:PORT (msg_name, which seccomp cannot read),
                         after trying to clear the socket's SO_MARK
connect IP PORT          a TCP connect to IP:PORT
connect6 IP PORT         the same from an AF_INET6 socket, to the IPv4-mapped ::ffff:IP
fastopen IP PORT         a TCP connection opened by sendto or sendmsg(MSG_FASTOPEN), which skips connect()
fastopen6 IP PORT        the same from an AF_INET6 socket, to ::ffff:IP
"""
import errno
import json
import socket
import struct
import sys


def family_and_address(attempt, ip):
    """An attempt ending in 6 is made from an AF_INET6 socket, to the IPv4-mapped address."""
    return (socket.AF_INET6, "::ffff:" + ip) if attempt.endswith("6") else (socket.AF_INET, ip)


def outcome(action):
    try:
        result = action()
        return "OK" if result is None else result
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def icmp_echo():
    body = struct.pack("!BBHHH", 8, 0, 0, 0x4158, 1) + b"ax-escape"
    checksum = sum(struct.unpack("!%dH" % (len(body) // 2), body[: len(body) // 2 * 2]))
    if len(body) % 2:
        checksum += body[-1] << 8
    checksum = (checksum >> 16) + (checksum & 0xFFFF)
    checksum = ~(checksum + (checksum >> 16)) & 0xFFFF
    return body[:2] + struct.pack("!H", checksum) + body[4:]


attempt, args, report = sys.argv[1], sys.argv[2:], {}
if attempt == "raw":
    s = None

    def make():
        global s
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)

    report["socket"] = outcome(make)
    if s is not None:
        report["send"] = outcome(lambda: s.sendto(icmp_echo(), (args[0], 0)) and None)
elif attempt == "packet":
    s = None

    def make():
        global s
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))

    report["socket"] = outcome(make)
    report["interfaces"] = sorted(name for _, name in socket.if_nameindex())
    if s is not None:
        frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + b"ax-escape".ljust(46, b"\0")
        report["send"] = {name: outcome(lambda: s.sendto(frame, (name, 0)) and None) for name in report["interfaces"]}
        report["bind_v0"] = outcome(lambda: s.bind(("v0", 0)))
elif attempt == "ipv6":
    for name, address in (("mapped", "::ffff:" + args[0]), ("loopback", "::1")):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.settimeout(5)
        report[name] = outcome(lambda: s.connect((address, int(args[1]))))
        s.close()
elif attempt == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    report["send"] = outcome(lambda: s.sendto(b"ax-escape", (args[0], int(args[1]))) and None)
elif attempt == "sendmsg":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # SO_MARK is 36 in <asm-generic/socket.h>; older Pythons do not name it.
    report["clear_mark"] = outcome(lambda: s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_MARK", 36), 0))
    report["send"] = outcome(lambda: s.sendmsg([b"ax-", b"escape"], [], 0, (args[0], int(args[1]))) and None)
elif attempt in ("connect", "connect6"):
    family, address = family_and_address(attempt, args[0])
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    report["connect"] = outcome(lambda: s.connect((address, int(args[1]))))
    if report["connect"] == "OK":
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
        report["reply"] = reply.decode(errors="replace")
elif attempt in ("fastopen", "fastopen6"):
    family, address = family_and_address(attempt, args[0])
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    report["sendto"] = outcome(lambda: s.sendto(b"GET / HTTP/1.0\r\n\r\n", socket.MSG_FASTOPEN, (address, int(args[1]))) and None)
    if report["sendto"] == "OK":
        report["reply"] = outcome(lambda: s.recv(4096).decode(errors="replace"))
    # The same through sendmsg, whose msg_name the seccomp filter cannot read.
    m = socket.socket(family, socket.SOCK_STREAM)
    m.settimeout(5)
    report["sendmsg"] = outcome(lambda: m.sendmsg([b"GET / HTTP/1.0\r\n\r\n"], [], socket.MSG_FASTOPEN, (address, int(args[1]))) and None)
    if report["sendmsg"] == "OK":
        report["sendmsg_reply"] = outcome(lambda: m.recv(4096).decode(errors="replace"))
else:
    sys.exit("unknown attempt " + attempt)
print(json.dumps(report), flush=True)
