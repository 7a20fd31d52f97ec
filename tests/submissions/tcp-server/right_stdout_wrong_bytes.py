# Prints PING, but sends it with a Windows line ending.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", port))
server.listen(5)
conn, addr = server.accept()
while True:
    data = conn.recv(1024)
    if not data:
        break
    text = data.decode("utf-8").strip().upper()
    print(text)
    conn.sendall((text + "\r\n").encode("utf-8"))
conn.close()
