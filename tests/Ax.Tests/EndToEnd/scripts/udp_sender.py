"""udp_sender.py: makes one UDP socket at start (socket() needs the daemon), prints "ready", then for
each line "sendmsg HOST PORT" or "sendto HOST PORT" on stdin sends "ax-N" that way and prints
"VERB N OK" or "VERB N ERRNO-NAME"."""
import errno
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("ready", flush=True)
for n, line in enumerate(sys.stdin, 1):
    verb, host, port = line.split()
    payload = b"ax-%d" % n
    try:
        if verb == "sendmsg":
            s.sendmsg([payload], [], 0, (host, int(port)))
        else:
            s.sendto(payload, (host, int(port)))
        print(verb, n, "OK", flush=True)
    except OSError as e:
        print(verb, n, errno.errorcode.get(e.errno, str(e.errno)), flush=True)
