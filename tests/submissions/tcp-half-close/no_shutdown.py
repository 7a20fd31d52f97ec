# Waits for the reply without signalling the end of the request: both sides wait forever.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"count these\n")
print(s.recv(1024).decode("utf-8"), end="")
s.close()
