# Binds the wrong port: socklab's datagram meets ICMP port unreachable.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"]) + 1
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(3)
data, addr = s.recvfrom(1024)
s.sendto(data.upper(), addr)
