# Answers to a port it chose instead of the sender's address.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
data, addr = s.recvfrom(1024)
s.sendto(data.upper(), ("127.0.0.1", 9999))
s.close()
