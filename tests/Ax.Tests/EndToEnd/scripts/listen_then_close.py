"""Listens on PORT, says so, closes the listener when a line arrives on stdin, then stays alive."""
import socket
import sys
import time

s = socket.socket()
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(4)
print("listening", flush=True)
sys.stdin.readline()
s.close()
print("closed", flush=True)
time.sleep(120)
