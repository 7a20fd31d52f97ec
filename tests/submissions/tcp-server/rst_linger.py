# Answers, then closes with SO_LINGER 0: RST instead of FIN.
import os
import socket
import struct

port = int(os.environ["SOCKLAB_PORT"])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", port))
server.listen(5)
conn, addr = server.accept()
conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
data = conn.recv(1024)
conn.sendall(data.upper())
while conn.recv(1024):
    pass
conn.close()
