# Hard-codes port 8080 instead of reading SOCKLAB_PORT: nothing listens there.
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", 8080))
s.sendall(b"hello\n")
print(s.recv(1024).decode("utf-8"), end="")
s.close()
