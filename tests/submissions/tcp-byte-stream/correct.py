# Keep calling recv() until the newline has arrived.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"hello\n")
reply = b""
while not reply.endswith(b"\n"):
    chunk = s.recv(1024)
    if not chunk:
        break
    reply += chunk
print(reply.decode("utf-8"), end="")
s.close()
