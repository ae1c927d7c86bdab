"""Both ends of the soak's traffic, run under `ax run`.

soak_peer.py server PORT              a threaded TCP server: reads one line, answers it, closes
soak_peer.py client IP PORT SECONDS   opens, uses and closes connections to IP:PORT for SECONDS;
                                      prints "connections=N failures=M" at the end
"""
import socket
import socketserver
import sys
import time


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        self.wfile.write(b"ok " + line)


def client(ip, port, seconds):
    done = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((ip, port), timeout=5) as s:
                s.sendall(b"ping\n")
                if s.recv(64).startswith(b"ok"):
                    done += 1
                else:
                    failed += 1
        except OSError:
            failed += 1
            time.sleep(0.05)
    print(f"connections={done} failures={failed}", flush=True)


if sys.argv[1] == "server":
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    socketserver.ThreadingTCPServer(("0.0.0.0", int(sys.argv[2])), Echo).serve_forever()
else:
    client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
