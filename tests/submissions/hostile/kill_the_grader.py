# Tries to kill its parent and every process called socklab.
import os
import signal

print("ppid", os.getppid(), "pid", os.getpid())
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        with open(f"/proc/{entry}/comm") as comm:
            name = comm.read().strip()
    except OSError:
        continue
    if name == "socklab":
        try:
            os.kill(int(entry), signal.SIGKILL)
            print("KILLED", entry)
        except OSError as error:
            print("could not kill", entry, error.strerror)
