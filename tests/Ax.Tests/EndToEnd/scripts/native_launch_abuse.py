"""native_launch_abuse.py SOCKET: speaks the native launcher's protocol (src/Ax/Control/NativeLaunch.cs)
wrongly, every way it can, and prints one line per case with what the daemon answered."""
import array
import socket
import sys

path = sys.argv[1]
MAGIC = b"ax-launch/1\0"


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(15)
    s.connect(path)
    return s


def plan(s, arguments):
    s.send(MAGIC + b"".join(a + b"\0" for a in arguments))
    data, fds, _, _ = socket.recv_fds(s, 65536, 4)
    for fd in fds:
        socket.close(fd)
    return data


def answer(s):
    try:
        data = s.recv(65536)
    except OSError as e:
        return f"error {e.errno}"
    return data[:1].decode() if data else "closed"


# The listener message without a listener: refused in words, nothing admitted.
s = connect()
print("no-listener", plan(s, [b"run", b"--", b"true"])[:1].decode(), end=" ")
s.send(b"L")
print(answer(s), flush=True)

# Something other than "L" after the plan: the daemon hangs up.
s = connect()
plan(s, [b"run", b"--", b"true"])
s.send(b"hello")
print("garbage-after-plan", answer(s), flush=True)

# A descriptor that is no seccomp listener (a pipe): refused or closed, never served.
s = connect()
plan(s, [b"run", b"--", b"true"])
r, w = __import__("os").pipe()
socket.send_fds(s, [b"L"], [r])
print("pipe-as-listener", answer(s), flush=True)

# Hanging up right after the plan (which may carry a namespace): nothing leaks.
for _ in range(20):
    s = connect()
    plan(s, [b"run", b"--", b"true"])
    s.close()
print("hung-up-after-plan done", flush=True)

# Very many arguments, invalid UTF-8, an empty request, the magic alone.
for name, arguments in [("many", [b"run", b"--"] + [b"x"] * 30000), ("utf8", [b"run", b"--ip", b"\xff\xfe", b"true"]),
                        ("magic-only", [])]:
    s = connect()
    print(name, (plan(s, arguments)[:1] or b"closed").decode(), flush=True)
    s.close()
print("all done", flush=True)
