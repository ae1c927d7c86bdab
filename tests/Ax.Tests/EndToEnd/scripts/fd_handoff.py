"""Hands an app's socket to a process outside ax over SCM_RIGHTS, for the socket guard's tests.

fd_handoff.py give PATH COUNT: makes COUNT unconnected TCP sockets, prints "made", then for each line
    on stdin sends the next one to the receiver listening on PATH and prints "sent N".
fd_handoff.py take PATH IP PORT NODEIP [wait]: listens on PATH, prints "up", takes one socket (with
    wait: prints "holding" and waits for a line on stdin), tries connect((IP, PORT)) and then
    bind((NODEIP, 0)) on it and prints what each gave, as JSON.
"""
import errno
import json
import socket
import sys


def outcome(call):
    try:
        call()
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


mode, path = sys.argv[1], sys.argv[2]
if mode == "give":
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(int(sys.argv[3]))]
    print("made", flush=True)
    for n, s in enumerate(sockets, 1):
        sys.stdin.readline()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
            unix.connect(path)
            socket.send_fds(unix, [b"s"], [s.fileno()])
            unix.recv(1)  # the receiver has it
        print("sent", n, flush=True)
else:
    ip, port, node_ip = sys.argv[3], int(sys.argv[4]), sys.argv[5]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen()
        print("up", flush=True)
        conn, _ = listener.accept()
        _, fds, _, _ = socket.recv_fds(conn, 1, 1)
        conn.send(b"k")
    s = socket.socket(fileno=fds[0])
    if sys.argv[6:] == ["wait"]:
        print("holding", flush=True)
        sys.stdin.readline()
    s.settimeout(5)
    report = {"connect": outcome(lambda: s.connect((ip, port)))}
    report["bind"] = outcome(lambda: s.bind((node_ip, 0)))
    print(json.dumps(report), flush=True)
