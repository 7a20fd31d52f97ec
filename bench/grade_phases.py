#!/usr/bin/env python3
"""Where the time of a batch grading goes, per submission, from an strace log of the whole batch.

    strace -f --seccomp-bpf -ttt -T -s 256 -e signal=none \\
        -e trace=execve,unshare,clone,clone3,fork,vfork,connect,exit_group,kill,wait4,waitid \\
        -o LOG socklab grade EXERCISE --batch DIR ...
    bench/grade_phases.py LOG [EXPECTED_CSV]

Only the named system calls stop the traced processes (seccomp), so the run is close to an untraced
one. Each submission is graded by a `socklab grade --dir DIR/STUDENT` child; its own system calls and
those of the submission it starts mark the phases:

  start      the batch starts the child until its private network namespace exists (exec of socklab,
             argument parsing, unshare(CLONE_NEWNET))
  prepare    capture on lo opened, working folder copied, socklab's listening socket ready, until the
             fork of the submission
  sandbox    fork to the submission's exec: pid and mount namespaces, rlimits, setuid (in the child)
  python     exec of the submission to its first connect(): the interpreter's start-up and imports
  run        first connect() until the submission exited (or socklab stopped it): the exchange, and the
             submission's own waits (a slow or stuck one spends its time here)
  stop       the submission's exit until socklab kills its process group: noticing the exit, stopping
             and draining the capture
  report     kill until the child exits: reaping, analysis, grading, the four report files
  collect    the child's exit until the batch has reaped it

Prints one line per submission (milliseconds), then key=value lines (medians over all submissions and
over those that exit by themselves within a second, "quick"), which bench/table.py reads.
"""

import csv
import re
import statistics
import sys
from collections import defaultdict

PHASES = ["start", "prepare", "sandbox", "python", "run", "stop", "report", "collect"]

LINE = re.compile(r"^(\d+) +(\d+\.\d+) (.*)$")
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
CALL = re.compile(r"^(\w+)\((.*)$")
RESULT = re.compile(r"= (-?\d+)(?: [A-Z]+ \(.*\))? ?(?:<(\d+\.\d+)>)?$")
EXITED = re.compile(r"^\+\+\+ (exited with|killed by)")


def parse(path):
    """Completed system calls: (pid, start, name, text, result, end), plus process ends (pid -> time)."""
    pending = {}
    calls = []
    ends = {}
    with open(path, errors="replace") as log:
        for raw in log:
            match = LINE.match(raw.rstrip("\n"))
            if not match:
                continue
            pid, at, rest = int(match.group(1)), float(match.group(2)), match.group(3)
            if EXITED.match(rest):
                ends[pid] = at
                continue
            resumed = RESUMED.match(rest)
            if resumed:
                if pid not in pending:
                    continue
                name, start, text = pending.pop(pid)
                text += resumed.group(2)
            else:
                call = CALL.match(rest)
                if not call:
                    continue
                name, start, text = call.group(1), at, call.group(2)
                if text.endswith("<unfinished ...>"):
                    pending[pid] = (name, start, text[: -len("<unfinished ...>")])
                    continue
            result = RESULT.search(text)
            value = int(result.group(1)) if result else None
            duration = float(result.group(2)) if result and result.group(2) else 0.0
            calls.append((pid, start, name, text, value, start + duration))
    calls.sort(key=lambda call: call[1])
    return calls, ends


def phases(path):
    calls, ends = parse(path)
    parent = {}
    for pid, _start, name, text, value, _end in calls:
        if name in ("clone", "clone3", "fork", "vfork") and value and value > 0:
            parent[value] = pid
    by_pid = defaultdict(list)
    for call in calls:
        by_pid[call[0]].append(call)
    children = defaultdict(list)
    for child, mother in parent.items():
        children[mother].append(child)

    def descendants(pid):
        found = [pid]
        for child in children.get(pid, []):
            found.extend(descendants(child))
        return found

    graded = {}
    for pid, start, name, text, value, _end in calls:
        if name != "execve" or value != 0 or '"grade"' not in text or '"--dir"' not in text:
            continue
        student = re.search(r'"--dir", "([^"]*)"', text).group(1).rstrip("/").rsplit("/", 1)[-1]
        mine = [call for p in descendants(pid) for call in by_pid.get(p, [])]
        mine.sort(key=lambda call: call[1])
        # The batch thread's fork of this child, and its reaping of it.
        forked = next((c[1] for c in calls if c[4] == pid and c[2] in ("clone", "clone3", "fork", "vfork")), start)
        reaped = next(
            (c[5] for c in calls if c[2] in ("wait4", "waitid") and c[4] == pid and c[0] != pid), None
        )
        netns = next((c[5] for c in mine if c[0] == pid and c[2] == "unshare" and "CLONE_NEWNET" in c[3]), None)
        spawn = next(
            (c for c in mine if c[0] == pid and c[2] in ("clone", "clone3", "fork", "vfork") and "CLONE_THREAD" not in c[3]),
            None,
        )
        if spawn is None or netns is None:
            continue
        # The submission: the process that execs the command (inside its pid namespace).
        sub_exec = next(
            (c for c in mine if c[2] == "execve" and c[4] == 0 and c[0] != pid and c[1] > spawn[1]), None
        )
        if sub_exec is None:
            continue
        sub = sub_exec[0]
        connect = next((c[1] for c in by_pid[sub] if c[2] == "connect"), None)
        killed = next((c[1] for c in by_pid[pid] if c[2] == "kill" and c[1] > spawn[1]), None)
        exited = ends.get(sub)
        finished = ends.get(pid) or next((c[1] for c in by_pid[pid] if c[2] == "exit_group"), None)
        if killed is None or finished is None:
            continue
        ran_until = min(t for t in (exited, killed) if t is not None)
        connect = connect if connect is not None and connect <= ran_until else ran_until
        marks = [forked, netns, spawn[1], sub_exec[5], connect, ran_until, killed, finished, reaped or finished]
        spans = [max(0.0, b - a) * 1000 for a, b in zip(marks, marks[1:])]
        graded[student] = dict(zip(PHASES, spans))
        graded[student]["total"] = (marks[-1] - marks[0]) * 1000
        graded[student]["exited_by_itself"] = exited is not None and exited <= killed
    return graded


def main():
    graded = phases(sys.argv[1])
    variants = {}
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as expected:
            variants = {row["student"]: row["variant"] for row in csv.DictReader(expected)}
    print("student      variant                   " + " ".join(f"{p:>8}" for p in PHASES) + "    total")
    for student in sorted(graded):
        row = graded[student]
        print(
            f"{student:<12} {variants.get(student, ''):<25} "
            + " ".join(f"{row[p]:8.1f}" for p in PHASES)
            + f" {row['total']:8.1f}"
        )
    quick = [row for row in graded.values() if row["exited_by_itself"] and row["run"] < 1000 and row["total"] < 2000]
    print(f"submissions={len(graded)} quick={len(quick)}")
    for label, rows in (("all", list(graded.values())), ("quick", quick)):
        if not rows:
            continue
        medians = {p: statistics.median(row[p] for row in rows) for p in PHASES + ["total"]}
        sums = {p: sum(row[p] for row in rows) for p in PHASES + ["total"]}
        print(" ".join(f"{label}_median_{p}_ms={medians[p]:.1f}" for p in PHASES + ["total"]))
        print(" ".join(f"{label}_sum_{p}_ms={sums[p]:.0f}" for p in PHASES + ["total"]))


if __name__ == "__main__":
    main()
