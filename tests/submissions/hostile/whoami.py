# Reports who it runs as, and tries a raw packet socket (needs CAP_NET_RAW).
import os
import socket

print("uid", os.getuid(), "euid", os.geteuid())
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("CapEff"):
            print(line.strip())
try:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    print("raw socket: OPENED")
except OSError as error:
    print("raw socket:", error.strerror)
