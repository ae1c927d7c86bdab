"""keeper_garbage.py SOCKET: sends the keeper malformed messages, as a confused or hostile peer would.
Prints "refused ERRNO-NAME" if it cannot connect, else "sent"."""
import errno
import socket
import sys

try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
except OSError as e:
    print("refused", errno.errorcode.get(e.errno, e.errno), flush=True)
    sys.exit(0)

s.settimeout(2)
for message in [b"\xff" * 60000, b"hold ../../etc/passwd", b"hold f1", b"grace 99999999", b"\x00\x01", b"drop", b"list"]:
    try:
        s.send(message)
    except OSError:
        break
try:
    while s.recv(65536):
        pass
except OSError:
    pass
print("sent", flush=True)
