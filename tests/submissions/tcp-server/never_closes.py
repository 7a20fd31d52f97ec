# Answers, but never closes the connection: it stays in CLOSE-WAIT once the client has closed.
import os
import socket
import time

port = int(os.environ["SOCKLAB_PORT"])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", port))
server.listen(5)
conn, addr = server.accept()
data = conn.recv(1024)
conn.sendall(data.upper())
while True:
    time.sleep(1)
