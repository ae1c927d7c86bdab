"""A line server: line_server.py PORT. Answers each line with "PORT:line". Reads commands on stdin:
"listen P" opens another listening socket on port P. Prints "listening P" once a port listens."""
import errno
import socket
import sys
import threading


def serve(conn, port):
    with conn:
        for line in conn.makefile("rb"):
            conn.sendall(b"%d:" % port + line)


def accept_loop(server, port):
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, port), daemon=True).start()


def listen(port):
    try:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", port))
        server.listen(16)
    except OSError as e:
        print("error", errno.errorcode.get(e.errno, e.errno), flush=True)
        return
    threading.Thread(target=accept_loop, args=(server, port), daemon=True).start()
    print("listening", port, flush=True)


listen(int(sys.argv[1]))
for command in sys.stdin:
    verb, _, argument = command.strip().partition(" ")
    if verb == "listen":
        listen(int(argument))
