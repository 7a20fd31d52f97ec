# Assumes one recv() returns the whole message.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"hello\n")
print(s.recv(1024).decode("utf-8"))
s.close()
