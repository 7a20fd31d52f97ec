# Reads the reply but never closes: the program keeps running with the socket open.
import os
import socket
import time

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"hello\n")
print(s.recv(1024).decode("utf-8"), end="")
while True:
    time.sleep(1)
