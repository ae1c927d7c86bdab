"""A client that keeps one connection open: line_client.py HOST PORT. Commands on stdin:
"echo TEXT" sends TEXT on the open connection and prints "echo REPLY";
"new PORT TEXT" makes a new (blocking) connection to HOST:PORT, sends TEXT and prints "new REPLY",
or "error ERRNO-NAME" when a call fails."""
import errno
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])


def exchange(conn, text):
    conn.sendall(text.encode() + b"\n")
    return conn.makefile("rb").readline().decode().strip()


conn = socket.create_connection((host, port))
print("connected", flush=True)
for command in sys.stdin:
    verb, _, argument = command.strip().partition(" ")
    try:
        if verb == "echo":
            print("echo", exchange(conn, argument), flush=True)
        elif verb == "new":
            other_port, _, text = argument.partition(" ")
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as fresh:
                fresh.connect((host, int(other_port)))
                print("new", exchange(fresh, text), flush=True)
    except OSError as e:
        print("error", errno.errorcode.get(e.errno, e.errno), flush=True)
