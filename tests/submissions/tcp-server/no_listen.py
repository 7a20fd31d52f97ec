# Forgets listen(): accept() fails, and every connection is refused.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", port))
conn, addr = server.accept()
