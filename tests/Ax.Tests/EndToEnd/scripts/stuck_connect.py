"""stuck_connect.py HOST PORT: one thread makes a blocking connect to HOST:PORT and prints
"result ERRNO-NAME" (or "result connected") when it returns; the main thread answers each stdin
line with a socket() call and prints "pong"."""
import errno
import socket
import sys
import threading


def stuck():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    print("connecting", flush=True)
    try:
        s.connect((sys.argv[1], int(sys.argv[2])))
        print("result connected", flush=True)
    except OSError as e:
        print("result", errno.errorcode.get(e.errno, e.errno), flush=True)


threading.Thread(target=stuck, daemon=True).start()
for line in sys.stdin:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    print("pong", flush=True)
