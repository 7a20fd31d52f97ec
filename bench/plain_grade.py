#!/usr/bin/env python3
"""The floor for batch grading: the same client programs against a plain server, without socklab.

    bench/plain_grade.py SUBMISSIONS_DIR [--jobs N] [--python /usr/bin/python3]

For every folder in SUBMISSIONS_DIR, N at a time: listen on 127.0.0.1 (a port of its own), start
`python3 client.py` in the folder with SOCKLAB_PORT set, and play socklab's tcp-client script with its
timeouts: accept, read a line, send "hello, client\\n", read until end of stream, close (2 s per step,
a step also ending when the client exits), then give the client 1 s to exit and kill it. No
namespace, no other user, no rlimits, no capture, no analysis, no report: what is left is the
clients' own time and the exchange. Run it inside one private network namespace (bench/run.sh uses
`unshare -n`) so that a client's hard-coded port meets nothing.

Prints key=value lines: plain_wall_s, plain_submissions, plain_quick, plain_median_quick_ms (the
median time per submission, start to collected, of those that exit by themselves within a second).
"""

import argparse
import os
import select
import socket
import statistics
import subprocess
import sys
import threading
import time

STEP_TIMEOUT = 2.0
EXIT_GRACE = 1.0
REPLY = b"hello, client\n"


def bring_loopback_up():
    """A new network namespace starts with lo down (SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP)."""
    import fcntl
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as handle:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(handle, 0x8913, request)[:18])[1]
        fcntl.ioctl(handle, 0x8914, struct.pack("16sh", b"lo", flags | 0x1 | 0x40))


def wait_readable(sock, pidfd, deadline):
    """True when `sock` is readable; False when the client exited (and nothing is queued) or time ran out."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([sock, pidfd], [], [], left)
        if sock in ready:
            return True
        if pidfd in ready:
            ready, _, _ = select.select([sock], [], [], 0)
            return bool(ready)


def serve(listener, pidfd):
    """socklab's tcp-client script; stops at the first step that cannot finish."""
    if not wait_readable(listener, pidfd, time.monotonic() + STEP_TIMEOUT):
        return
    connection, _ = listener.accept()
    with connection:
        got = b""
        deadline = time.monotonic() + STEP_TIMEOUT
        while b"\n" not in got:
            if not wait_readable(connection, pidfd, deadline):
                return
            try:
                chunk = connection.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            got += chunk
        try:
            connection.sendall(REPLY)
        except OSError:
            return
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            if not wait_readable(connection, pidfd, deadline):
                return
            try:
                if not connection.recv(4096):
                    break
            except OSError:
                return


def grade(folder, python):
    started = time.monotonic()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setblocking(False)
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": folder,
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "SOCKLAB_HOST": "127.0.0.1",
            "SOCKLAB_PORT": str(listener.getsockname()[1]),
        }
        client = subprocess.Popen(
            [python, "client.py"],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        pidfd = os.pidfd_open(client.pid)
        try:
            serve(listener, pidfd)
            exited = client.poll() is not None
            if not exited:
                exited = bool(select.select([pidfd], [], [], EXIT_GRACE)[0])
            if not exited:
                client.kill()
            client.communicate()
        finally:
            os.close(pidfd)
    return time.monotonic() - started, exited


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions")
    parser.add_argument("--jobs", type=int, default=4 * (os.cpu_count() or 1))
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--private-lo", action="store_true", help="bring lo up first (in a new network namespace)")
    args = parser.parse_args()
    if args.private_lo:
        bring_loopback_up()
    folders = sorted(
        os.path.join(args.submissions, name)
        for name in os.listdir(args.submissions)
        if os.path.isdir(os.path.join(args.submissions, name))
    )
    results = [None] * len(folders)
    queue = list(enumerate(folders))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                index, folder = queue.pop(0)
            results[index] = grade(folder, args.python)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(max(1, args.jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    quick = [seconds for seconds, exited in results if exited and seconds < 2.0]
    print(f"plain_wall_s={wall:.3f} plain_submissions={len(results)} plain_jobs={args.jobs} plain_quick={len(quick)}")
    if quick:
        print(f"plain_median_quick_ms={statistics.median(quick) * 1000:.1f}")
    print(f"plain_sum_s={sum(seconds for seconds, _ in results):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
