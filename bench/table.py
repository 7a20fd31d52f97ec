#!/usr/bin/env python3
"""Prints bench/run.sh's table (Markdown) from the result files in the directory given."""

import json
import re
import statistics
import sys
from pathlib import Path

results = Path(sys.argv[1])


def read_keys(name):
    """key=value pairs from a file, or {} if it is missing."""
    path = results / name
    if not path.exists():
        return {}
    pairs = {}
    for line in path.read_text().splitlines():
        for key, value in re.findall(r"(\w+)=(\S+)", line):
            pairs[key] = value
    return pairs


def hyperfine(name):
    """Command name -> result, from a hyperfine --export-json file."""
    path = results / name
    if not path.exists():
        return {}
    return {r["command"]: r for r in json.loads(path.read_text())["results"]}


def percentile(values, percent):
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[rank - 1]


def fmt_rate(per_second):
    return f"{per_second / 1e6:.2f} M packets/s" if per_second >= 1e6 else f"{per_second / 1e3:.0f} k packets/s"


def verdict(ok):
    return "**met**" if ok else "**missed**"


rows = []


def row(measure, ours, peer, ratio, target, met):
    rows.append((measure, ours, peer, ratio, target, met))


inputs = read_keys("inputs.txt")
packets = int(inputs.get("packets", "0"))
ours = hyperfine("replay-socklab.json")
peers = hyperfine("replay-peers.json")


def seconds(result):
    return result["median"], result["user"] + result["system"]


for fmt in ("json", "text"):
    mine = ours.get(f"socklab {fmt}")
    if not mine:
        continue
    wall, cpu = seconds(mine)
    figure = f"{fmt_rate(packets / wall)} ({wall:.2f} s; CPU {cpu:.2f} s)"
    for peer_name, target, goal in (("tshark", "≥ 20× tshark", 20.0), ("tcpdump", "faster than tcpdump", 1.0)):
        peer = peers.get(peer_name)
        if not peer:
            row(f"replay {fmt} vs {peer_name}", figure, "not run", "-", target, "-")
            continue
        peer_wall, peer_cpu = seconds(peer)
        ratio = peer_wall / wall
        row(
            f"replay --format {fmt} vs `{peer_name}{' -nn' if peer_name == 'tcpdump' else ''} -r`",
            figure,
            f"{fmt_rate(packets / peer_wall)} ({peer_wall:.1f} s; CPU {peer_cpu:.1f} s)",
            f"{ratio:.1f}× (CPU {peer_cpu / cpu:.1f}×)",
            target,
            verdict(ratio > 1.0 if goal == 1.0 else ratio >= goal),
        )
floor = peers.get("tcpdump read only")
if floor:
    wall, cpu = seconds(floor)
    row("reading the file only: `tcpdump -r f -w /dev/null`", "-", f"{wall:.2f} s (CPU {cpu:.2f} s)", "-", "(the floor)", "-")


def criterion(stage):
    path = results / f"criterion-{stage}.json"
    bench = results / f"criterion-{stage}-benchmark.json"
    if not path.exists():
        return None
    per_iteration = json.loads(path.read_text())["median"]["point_estimate"]
    elements = json.loads(bench.read_text())["throughput"]["Elements"]
    return per_iteration / elements


stages = {stage: criterion(stage) for stage in ("decode", "decode_analysis", "pipeline_json", "pipeline_text")}
if stages["decode_analysis"] is not None:
    ns = stages["decode_analysis"]
    row("decode + analysis per packet (criterion)", f"{ns:.0f} ns", "-", "-", "< 200 ns", verdict(ns < 200))
    row(
        "per packet: decode / + JSON render / + text render",
        f"{stages['decode']:.0f} / {stages['pipeline_json']:.0f} / {stages['pipeline_text']:.0f} ns",
        "-",
        "-",
        "(breakdown)",
        "-",
    )


def peak_kib(name):
    text = (results / name).read_text() if (results / name).exists() else ""
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return int(match.group(1)) if match else None


small = peak_kib(f"memory-{inputs.get('packets')}.txt")
big = peak_kib(f"memory-{inputs.get('big_packets')}.txt")
if small and big:
    growth = (big - small) / small * 100
    row(
        f"peak RSS, replay --format json: {int(inputs['packets']):,} vs {int(inputs['big_packets']):,} packets",
        f"{small / 1024:.1f} MiB vs {big / 1024:.1f} MiB",
        "-",
        f"{growth:+.1f} %",
        "< 10 % apart, < 64 MiB",
        verdict(abs(growth) < 10 and max(small, big) < 64 * 1024),
    )

for name, label in (
    ("live-bulk.txt", "bulk writes"),
    ("live-small.txt", "TCP_NODELAY, 100-byte writes"),
    ("live-bulk-unprivileged.txt", "bulk writes, unprivileged (uid 65534, user namespace)"),
):
    live = read_keys(name)
    if not live:
        continue
    mib = int(live["bytes"]) / 2**20
    # Complete means: every frame lo transmitted was captured, and the kernel counted no drop. TCP's own
    # segment count is context only: it counts segments handed to IP, a few of which may never reach lo.
    frames, transmitted = int(live["frames_captured"]), int(live["lo_tx_packets"])
    drops = int(live["kernel_drops"])
    ratio = float(live["throughput_ratio"])
    cpu = float(live["cpu_ratio"])
    row(
        f"live capture, {mib:.0f} MiB, {label}",
        f"{frames} of {transmitted} frames lo sent captured, kernel_drops {drops} "
        f"(TCP_INFO: {live['captured']} of {live['segments_sent']} segments); "
        f"{float(live['capture_pkts_per_s']) / 1e3:.0f} k packets/s, {live.get('reader', '?')} reader",
        f"{float(live['plain_gbit_s']):.2f} Gbit/s without capture",
        f"{float(live['capture_gbit_s']):.2f} Gbit/s = {ratio * 100:.0f} % "
        f"(pairs {float(live['pair_ratio_min']) * 100:.0f}–{float(live['pair_ratio_max']) * 100:.0f} %; "
        f"CPU per GiB {cpu * 100:.0f} %)",
        "0 lost at ≥ 80 %",
        verdict(frames == transmitted and drops == 0 and ratio >= 0.8),
    )

lesson = hyperfine("lesson.json")
if lesson:
    times = next(iter(lesson.values()))["times"]
    median = statistics.median(times) * 1e3
    p95 = percentile(times, 95) * 1e3
    row(
        f"`socklab run tcp-handshake`, whole process, {len(times)} runs",
        f"median {median:.1f} ms, p95 {p95:.1f} ms",
        "-",
        "-",
        "median < 30 ms",
        verdict(median < 30),
    )
inner = read_keys("lesson-in-process.txt")
if inner:
    row(
        "  of which step-locked (first call to last packet)",
        f"median {float(inner['step_locked_median_ms']):.2f} ms, p95 {float(inner['step_locked_p95_ms']):.2f} ms",
        "-",
        "-",
        "(reported)",
        "-",
    )
    row(
        "  of which `scenario::run` (capture set-up and drain included)",
        f"median {float(inner['scenario_run_median_ms']):.1f} ms, p95 {float(inner['scenario_run_p95_ms']):.1f} ms",
        "-",
        "-",
        "(reported)",
        "-",
    )
batch = hyperfine("batch.json")
settings = read_keys("batch-settings.txt")
if batch.get("socklab"):
    size = int(settings.get("batch_size", "0")) or 1
    wall, cpu = seconds(batch["socklab"])
    check = read_keys("batch-check.txt")
    wrong = int(check.get("batch_wrong", "0"))
    plain = batch.get("plain")
    if plain:
        plain_wall, plain_cpu = seconds(plain)
        floor = f"{plain_wall:.1f} s (CPU {plain_cpu:.1f} s): the same clients, a plain server, no sandbox"
        ratio = f"{wall / plain_wall:.2f}× the floor (CPU {cpu / plain_cpu:.2f}×)"
    else:
        floor, ratio = "not run", "-"
    row(
        f"batch grading: {size} tcp-client submissions, {settings.get('batch_jobs', '?')} at a time",
        f"{wall:.1f} s, {wall / size * 1000:.0f} ms per submission (CPU {cpu:.1f} s)",
        floor,
        ratio,
        "wall time and where it goes",
        f"**{wrong} graded wrong**" if wrong or not check else "-",
    )
phases = read_keys("batch-phases.txt")
plain_one = read_keys("batch-plain-one.txt")
names = ("start", "prepare", "sandbox", "python", "run", "stop", "report", "collect")
if "quick_median_total_ms" in phases:
    parts = " + ".join(f"{name} {float(phases[f'quick_median_{name}_ms']):.1f}" for name in names)
    plain_ms = float(plain_one.get("plain_median_quick_ms", "nan"))
    mine = float(phases["quick_median_total_ms"])
    row(
        f"  one at a time, per submission (median of the {phases.get('quick', '?')} that exit by themselves)",
        f"{mine:.0f} ms = {parts}",
        f"{plain_ms:.0f} ms (plain)" if plain_one else "not run",
        f"+{mine - plain_ms:.0f} ms" if plain_one else "-",
        "(breakdown, ms)",
        "-",
    )
if "all_sum_total_ms" in phases:
    parts = ", ".join(f"{name} {float(phases[f'all_sum_{name}_ms']) / 1000:.1f}" for name in names)
    mine = float(phases["all_sum_total_ms"]) / 1000
    plain_s = float(plain_one.get("plain_sum_s", "nan"))
    row(
        f"  one at a time, all {phases.get('submissions', '?')}: each phase summed",
        f"{mine:.1f} s: {parts}",
        f"{plain_s:.1f} s (plain)" if plain_one else "not run",
        f"{mine / plain_s:.2f}×" if plain_one else "-",
        "(breakdown, s)",
        "-",
    )

machine = {}
if (results / "machine.txt").exists():
    for line in (results / "machine.txt").read_text().splitlines():
        key, _, value = line.partition("=")
        machine[key] = value
print(
    f"socklab benchmark: {machine.get('cpus', '?')} CPUs ({machine.get('cpu', '?')}), "
    f"{machine.get('memory_mib', '?')} MiB, kernel {machine.get('kernel', '?')}; "
    f"load average {machine.get('load_before', '?')} before, {machine.get('load_after', '?')} after"
)
print(f"replay input: {packets:,} packets, {int(inputs.get('bytes', '0')) / 1e6:.0f} MB (generated by examples/gen_capture.rs)")
print()
print("| measure | socklab | peer | ratio | target | |")
print("|---|---|---|---|---|---|")
for measure, mine, peer, ratio, target, met in rows:
    print(f"| {measure} | {mine} | {peer} | {ratio} | {target} | {met} |")
