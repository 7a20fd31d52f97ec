# Bind, receive one datagram, answer the sender in upper case.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
data, addr = s.recvfrom(1024)
s.sendto(data.upper(), addr)
s.close()
