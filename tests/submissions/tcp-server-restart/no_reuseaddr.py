# Without SO_REUSEADDR, bind() fails: Address already in use.
import socket

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 6000))
server.listen(5)
conn, addr = server.accept()
while True:
    data = conn.recv(1024)
    if not data:
        break
    conn.sendall(data.upper())
conn.close()
