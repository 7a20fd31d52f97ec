#!/usr/bin/env python3
"""Writes a class of example submissions of the tcp-client exercise for bench/run.sh's batch grading.

    bench/gen_submissions.py DIR [COUNT]

DIR/submissions/studentNNN/client.py, one folder per student (COUNT, default 100), and DIR/expected.csv
(student,variant,score): the score each program earns, so the benchmark can check that the grading it
timed graded right. The mix is fixed (a seeded shuffle), so every run grades the same class: mostly
correct clients written a few different ways, the classic bugs of tests/submissions/tcp-client, and
slow ones that take their time before connecting or between two sends.
"""

import random
import shutil
import sys
from pathlib import Path

HEADER = "import os\nimport socket\n"
PORT = 'port = int(os.environ["SOCKLAB_PORT"])\n'

# name -> (share of the class in percent, score out of 10, program)
VARIANTS = {
    # The shape of tests/submissions/tcp-client/correct.py.
    "correct": (40, 10, HEADER + PORT + """\
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"hello\\n")
reply = b""
while not reply.endswith(b"\\n"):
    chunk = s.recv(1024)
    if not chunk:
        break
    reply += chunk
print(reply.decode("utf-8"), end="")
s.close()
"""),
    # create_connection, a with block, a file object for the line.
    "correct_with": (15, 10, HEADER + """\
host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
port = int(os.environ["SOCKLAB_PORT"])
with socket.create_connection((host, port), timeout=5) as s:
    s.sendall(b"hello\\n")
    with s.makefile("rb") as reply:
        print(reply.readline().decode("utf-8"), end="")
"""),
    # One send, one recv (enough on loopback for a one-line reply).
    "correct_single_recv": (15, 10, HEADER + PORT + """\
s = socket.socket()
s.connect(("127.0.0.1", port))
s.send("hello\\n".encode())
print(s.recv(1024).decode(), end="")
s.close()
"""),
    # Slow: a second of "work" before connecting.
    "slow_start": (4, 10, HEADER + "import time\n" + PORT + """\
time.sleep(1.0)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"hello\\n")
print(s.recv(1024).decode("utf-8"), end="")
s.close()
"""),
    # Slow: the greeting in two sends, half a second apart (still one line on the byte stream).
    "slow_sender": (4, 10, HEADER + "import time\n" + PORT + """\
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"hel")
time.sleep(0.5)
s.sendall(b"lo\\n")
print(s.recv(1024).decode("utf-8"), end="")
s.close()
"""),
    # The classic bugs, as in tests/submissions/tcp-client.
    "wrong_payload": (8, 7, HEADER + PORT + """\
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"helo\\n")
print(s.recv(1024).decode("utf-8"), end="")
s.close()
"""),
    "right_stdout_wrong_bytes": (5, 7, HEADER + PORT + """\
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall("hello\\r\\n".encode("utf-8"))
print(s.recv(1024).decode("utf-8"), end="")
s.close()
"""),
    "rst_linger": (3, 6, HEADER + "import struct\n" + PORT + """\
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.connect(("127.0.0.1", port))
s.sendall(b"hello\\n")
print(s.recv(1024).decode("utf-8"), end="")
s.close()
"""),
    "wrong_port": (3, 0, "import socket\n" + """\
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", 8080))
s.sendall(b"hello\\n")
print(s.recv(1024).decode("utf-8"), end="")
s.close()
"""),
    # Never closes: socklab waits for its FIN (the step timeout), then for it to exit, then stops it.
    "never_closes": (3, 5, HEADER + "import time\n" + PORT + """\
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
s.sendall(b"hello\\n")
print(s.recv(1024).decode("utf-8"), end="")
while True:
    time.sleep(1)
"""),
}


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) == 3 else 100
    assert sum(share for share, _, _ in VARIANTS.values()) == 100
    # Each variant's share of COUNT (largest remainders), then a seeded shuffle.
    exact = {name: share * count / 100 for name, (share, _, _) in VARIANTS.items()}
    counts = {name: int(value) for name, value in exact.items()}
    for name in sorted(exact, key=lambda n: counts[n] - exact[n])[: count - sum(counts.values())]:
        counts[name] += 1
    class_ = [name for name in VARIANTS for _ in range(counts[name])]
    random.Random(7).shuffle(class_)

    submissions = out / "submissions"
    if submissions.exists():
        shutil.rmtree(submissions)
    lines = ["student,variant,score"]
    for number, variant in enumerate(class_, start=1):
        student = f"student{number:03}"
        folder = submissions / student
        folder.mkdir(parents=True)
        (folder / "client.py").write_text(VARIANTS[variant][2])
        lines.append(f"{student},{variant},{VARIANTS[variant][1]}")
    (out / "expected.csv").write_text("\n".join(lines) + "\n")
    summary = ", ".join(f"{counts[name]} {name}" for name in VARIANTS if counts[name])
    print(f"{count} submissions in {submissions}: {summary}", file=sys.stderr)


if __name__ == "__main__":
    main()
