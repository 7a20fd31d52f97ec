#!/usr/bin/env bash
# Every performance comparison of bench/README.md in one go, on this machine: builds socklab, generates
# its own captures, times socklab against tcpdump and tshark, runs the per-packet micro-benchmark,
# measures peak memory, live-capture completeness, lesson latency and batch grading, then prints the table.
#
# Settings (environment): BENCH_DIR (default target/bench), PACKETS (1000000), BIG_PACKETS (10000000),
# RUNS (timed runs of socklab, 5), PEER_RUNS (timed runs of tcpdump and tshark, 1: tcpdump -nn takes
# minutes on a million packets), LIVE_BYTES (1 GiB), SMALL_BYTES (bytes sent in 100-byte writes,
# 64 MiB), UNPRIVILEGED_BYTES (the bulk transfer again as uid 65534, 200 MiB), LESSON_RUNS (50), BATCH_SIZE (submissions graded in batch, 100), BATCH_RUNS (timed batch
# gradings, 3), BATCH_JOBS (gradings at a time, socklab's default: 4 per CPU), SKIP_PEERS=1 (socklab
# only, for a quick look).
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-target/bench}
PACKETS=${PACKETS:-1000000}
BIG_PACKETS=${BIG_PACKETS:-10000000}
RUNS=${RUNS:-5}
PEER_RUNS=${PEER_RUNS:-1}
LIVE_BYTES=${LIVE_BYTES:-1073741824}
SMALL_BYTES=${SMALL_BYTES:-67108864}
UNPRIVILEGED_BYTES=${UNPRIVILEGED_BYTES:-209715200}
LESSON_RUNS=${LESSON_RUNS:-50}
BATCH_SIZE=${BATCH_SIZE:-100}
BATCH_RUNS=${BATCH_RUNS:-3}
BATCH_JOBS=${BATCH_JOBS:-$(($(nproc) * 4 > 64 ? 64 : $(nproc) * 4))}
SKIP_PEERS=${SKIP_PEERS:-0}

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "bench: $1 is missing (Debian: apt-get install -y $2)" >&2
    exit 1
  }
}
need hyperfine hyperfine
need python3 python3
need strace strace
need unshare util-linux
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (Debian: apt-get install -y time)" >&2; exit 1; }
if [ "$SKIP_PEERS" != 1 ]; then
  need tcpdump tcpdump
  need tshark tshark
fi

results="$BENCH_DIR/results"
mkdir -p "$results"
rm -f "$results"/*
note() { printf '\n== %s\n' "$*" >&2; }

note "machine"
{
  echo "cpus=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory_mib=$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "tcpdump=$(tcpdump --version 2>&1 | head -1 || true)"
  echo "tshark=$(tshark --version 2>/dev/null | head -1 || true)"
  echo "hyperfine=$(hyperfine --version)"
} | tee "$results/machine.txt" >&2

note "build"
cargo build --release --bin socklab --example gen_capture --example live_bench >&2
socklab=target/release/socklab

capture_for() {
  local packets=$1 file="$BENCH_DIR/capture-$1.pcap"
  if [ ! -s "$file" ]; then
    target/release/examples/gen_capture "$packets" "$file" >&2
  fi
  echo "$file"
}
note "inputs"
small=$(capture_for "$PACKETS")
big=$(capture_for "$BIG_PACKETS")
echo "packets=$PACKETS bytes=$(stat -c %s "$small") big_packets=$BIG_PACKETS big_bytes=$(stat -c %s "$big")" \
  | tee "$results/inputs.txt" >&2

note "offline replay ($PACKETS packets)"
# hyperfine sends each command's output to /dev/null, as `> /dev/null` would.
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$results/replay-socklab.json" \
  -n "socklab json" "$socklab replay $small --format json" \
  -n "socklab text" "$socklab replay $small --format text" >&2
if [ "$SKIP_PEERS" != 1 ]; then
  hyperfine -N --runs "$PEER_RUNS" --export-json "$results/replay-peers.json" \
    -n "tshark" "tshark -r $small" \
    -n "tcpdump" "tcpdump -nn -r $small" \
    -n "tcpdump read only" "tcpdump -r $small -w /dev/null" >&2
fi

note "per-packet micro-benchmark"
cargo bench --bench pipeline >&2
for stage in decode decode_analysis pipeline_json pipeline_text; do
  cp "target/criterion/per_packet/$stage/new/estimates.json" "$results/criterion-$stage.json"
  cp "target/criterion/per_packet/$stage/new/benchmark.json" "$results/criterion-$stage-benchmark.json"
done

note "peak memory ($PACKETS and $BIG_PACKETS packets)"
for file in "$small" "$big"; do
  packets=$(basename "$file" .pcap | cut -d- -f2)
  /usr/bin/time -v -o "$results/memory-$packets.txt" "$socklab" replay "$file" --format json >/dev/null
done

note "live capture completeness"
target/release/examples/live_bench capture "$LIVE_BYTES" 65536 | tee "$results/live-bulk.txt" >&2
target/release/examples/live_bench capture "$SMALL_BYTES" 100 nodelay | tee "$results/live-small.txt" >&2
# The same bulk transfer as an unprivileged user: socklab then captures inside a user namespace, where
# the kernel caps socket buffers (net.core.rmem_max) and only the memory-mapped ring keeps up.
if [ "$(id -u)" = 0 ]; then
  unprivileged_dir=$(mktemp -d)
  chmod 755 "$unprivileged_dir"
  cp target/release/examples/live_bench "$unprivileged_dir/"
  (cd "$unprivileged_dir" && setpriv --reuid=65534 --regid=65534 --clear-groups -- \
    ./live_bench capture "$UNPRIVILEGED_BYTES" 65536) | tee "$results/live-bulk-unprivileged.txt" >&2
  rm -rf "$unprivileged_dir"
else
  target/release/examples/live_bench capture "$UNPRIVILEGED_BYTES" 65536 | tee "$results/live-bulk-unprivileged.txt" >&2
fi

note "lesson latency ($LESSON_RUNS runs)"
hyperfine -N --warmup 3 --runs "$LESSON_RUNS" --export-json "$results/lesson.json" \
  "$socklab run tcp-handshake" >&2
target/release/examples/live_bench lesson "$LESSON_RUNS" | tee "$results/lesson-in-process.txt" >&2

note "batch grading ($BATCH_SIZE tcp-client submissions, $BATCH_JOBS at a time)"
batch="$BENCH_DIR/batch"
python3 bench/gen_submissions.py "$batch" "$BATCH_SIZE"
echo "batch_size=$BATCH_SIZE batch_jobs=$BATCH_JOBS" >"$results/batch-settings.txt"
# The floor runs in a network namespace of its own too, so a client's hard-coded port meets nothing.
if [ "$(id -u)" = 0 ]; then private_net="unshare -n"; else private_net="unshare -rn"; fi
hyperfine -N --warmup 1 --runs "$BATCH_RUNS" --export-json "$results/batch.json" \
  -n "socklab" "$socklab grade tcp-client --batch $batch/submissions --out $batch/grades --jobs $BATCH_JOBS -- python3 client.py" \
  -n "plain" "$private_net python3 bench/plain_grade.py $batch/submissions --jobs $BATCH_JOBS --private-lo" >&2
# Every score as expected (the timed gradings graded right).
python3 - "$batch" >"$results/batch-check.txt" <<'CHECK'
import csv, json, sys
folder = sys.argv[1]
expected = {row["student"]: int(row["score"]) for row in csv.DictReader(open(f"{folder}/expected.csv"))}
rows = json.load(open(f"{folder}/grades/summary.json"))["rows"]
wrong = [row["student"] for row in rows if row["status"] == "error" or row["score"] != expected.get(row["student"])]
print(f"batch_graded={len(rows)} batch_expected={len(expected)} batch_wrong={len(wrong)} {' '.join(wrong)}")
CHECK
cat "$results/batch-check.txt" >&2
# Where the time goes: one at a time, traced at the phase boundaries (only those system calls stop).
strace -f --seccomp-bpf -ttt -T -s 256 -e signal=none \
  -e trace=execve,unshare,clone,clone3,fork,vfork,connect,exit_group,kill,wait4,waitid \
  -o "$results/batch-trace.txt" \
  "$socklab" grade tcp-client --batch "$batch/submissions" --out "$batch/grades-traced" --jobs 1 -- python3 client.py >/dev/null
python3 bench/grade_phases.py "$results/batch-trace.txt" "$batch/expected.csv" | tee "$results/batch-phases.txt" | tail -5 >&2
$private_net python3 bench/plain_grade.py "$batch/submissions" --jobs 1 --private-lo | tee "$results/batch-plain-one.txt" >&2

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/machine.txt"
python3 bench/table.py "$results" | tee "$results/table.md"
