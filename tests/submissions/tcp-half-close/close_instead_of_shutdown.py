# Closes the whole socket instead of shutting down the sending side: the reply is refused.
import os
import socket

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"count these\n")
s.close()
