"""A server that names itself: identity_server.py PORT TEXT. Sends TEXT and a newline on every connection it
accepts, then keeps the connection open until the client closes it (so clients can hold connections open)."""
import socket
import sys
import threading

port, text = int(sys.argv[1]), sys.argv[2].encode() + b"\n"


def serve(conn):
    with conn:
        conn.sendall(text)
        while conn.recv(4096):
            pass


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", port))
server.listen(128)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
