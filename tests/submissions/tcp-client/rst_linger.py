# SO_LINGER with a zero timeout: close() sends RST instead of FIN.
import os
import socket
import struct

port = int(os.environ["SOCKLAB_PORT"])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.connect(("127.0.0.1", port))
s.sendall(b"hello\n")
print(s.recv(1024).decode("utf-8"), end="")
s.close()
