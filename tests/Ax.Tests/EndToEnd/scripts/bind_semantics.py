"""One app's own sockets, as the kernel's rules for them go: each case prints its outcome (OK, or the
errno's name) and what the sockets show, as one JSON object.

self       bind(("", 0)) + listen, then connect to itself at 127.0.0.1, 0.0.0.0 and [::1]
port0      bind(("", 0)) + listen, print the port, and serve one line to whoever connects (stdin closes it)
rebind     a second bind of a port the app listens on; two SO_REUSEADDR sockets bound but not
           listening, then both listen; two SO_REUSEPORT listeners; an AF_INET and a dual-stack AF_INET6
           socket on one port; an AF_INET and an IPv6-only socket on one port; a bind after close
"""
import errno
import json
import socket
import sys


def outcome(action):
    try:
        result = action()
        return "OK" if result is None else result
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def tcp(family=socket.AF_INET, **options):
    s = socket.socket(family, socket.SOCK_STREAM)
    for name, value in options.items():
        level = socket.IPPROTO_IPV6 if name == "IPV6_V6ONLY" else socket.SOL_SOCKET
        s.setsockopt(level, getattr(socket, name), value)
    return s


report = {}
case = sys.argv[1]
if case == "self":
    server = tcp()
    server.bind(("", 0))
    server.listen()
    port = server.getsockname()[1]
    for name, family, address in (("v4", socket.AF_INET, "127.0.0.1"), ("any", socket.AF_INET, "0.0.0.0"), ("v6", socket.AF_INET6, "::1")):
        client = socket.socket(family)
        client.settimeout(5)
        report[name] = outcome(lambda: client.connect((address, port)))
        if report[name] == "OK":
            accepted, _ = server.accept()
            accepted.sendall(b"to myself\n")
            report[name + "_line"] = client.makefile().readline().strip()
            report[name + "_peer"] = client.getpeername()[:2]
            report[name + "_accepted_peer"] = accepted.getpeername()[:2]
            accepted.close()
        client.close()
elif case == "port0":
    server = tcp()
    server.bind(("", 0))
    server.listen()
    print(json.dumps({"port": server.getsockname()[1]}), flush=True)
    server.settimeout(30)
    accepted, _ = server.accept()
    accepted.sendall(b"reached at the port bind(0) reported\n")
    accepted.close()
    sys.stdin.read()
elif case == "rebind":
    first = tcp()
    first.bind(("", 7001))
    first.listen()
    report["second_bind"] = outcome(lambda: tcp().bind(("", 7001)))

    a, b = tcp(SO_REUSEADDR=1), tcp(SO_REUSEADDR=1)
    report["reuseaddr_binds"] = [outcome(lambda: a.bind(("", 7002))), outcome(lambda: b.bind(("", 7002)))]
    report["reuseaddr_listens"] = [outcome(lambda: a.listen()), outcome(lambda: b.listen())]

    c, d = tcp(SO_REUSEPORT=1), tcp(SO_REUSEPORT=1)
    report["reuseport"] = [outcome(lambda: c.bind(("", 7003))), outcome(lambda: d.bind(("", 7003))),
                           outcome(lambda: c.listen()), outcome(lambda: d.listen())]

    v4 = tcp()
    v4.bind(("", 7004))
    v4.listen()
    report["dual_stack_after_v4"] = outcome(lambda: tcp(socket.AF_INET6, IPV6_V6ONLY=0).bind(("::", 7004)))
    v6only = tcp(socket.AF_INET6, IPV6_V6ONLY=1)
    report["v6only_after_v4"] = outcome(lambda: v6only.bind(("::", 7004)))

    closed = tcp()
    closed.bind(("", 7005))
    closed.close()
    again = tcp()
    report["bind_after_close"] = outcome(lambda: again.bind(("", 7005)))
    report["bind_after_close_name"] = again.getsockname()[:2]
else:
    sys.exit("unknown case " + case)
print(json.dumps(report), flush=True)
