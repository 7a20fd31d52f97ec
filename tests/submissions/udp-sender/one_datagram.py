# Sends both words in one datagram.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"helloworld", ("127.0.0.1", port))
s.close()
