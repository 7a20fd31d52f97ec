# Sends to the port after the right one: ICMP port unreachable, data lost.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"]) + 1
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"hello", ("127.0.0.1", port))
s.sendto(b"world", ("127.0.0.1", port))
s.close()
