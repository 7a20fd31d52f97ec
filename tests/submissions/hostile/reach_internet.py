# Tries to reach an address outside the machine (192.0.2.1 is reserved for documentation).
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect(("192.0.2.1", 80))
    print("connected to 192.0.2.1")
except OSError as error:
    print("could not reach 192.0.2.1:", error)
