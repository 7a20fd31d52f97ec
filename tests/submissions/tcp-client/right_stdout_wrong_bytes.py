# Prints the right thing, but sends a Windows line ending: hello\r\n is not hello\n.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall("hello\r\n".encode("utf-8"))
print(s.recv(1024).decode("utf-8"), end="")
s.close()
