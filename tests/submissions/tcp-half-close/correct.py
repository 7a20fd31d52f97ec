# Send the request, shut down the sending side, read the reply to the end, close.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"count these\n")
s.shutdown(socket.SHUT_WR)
reply = b""
while True:
    chunk = s.recv(1024)
    if not chunk:
        break
    reply += chunk
print(reply.decode("utf-8"), end="")
s.close()
