# SO_REUSEADDR lets the server bind a port still in TIME-WAIT.
import socket

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 6000))
server.listen(5)
conn, addr = server.accept()
while True:
    data = conn.recv(1024)
    if not data:
        break
    conn.sendall(data.upper())
conn.close()
