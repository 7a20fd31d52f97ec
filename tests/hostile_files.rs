//! Whatever file a student feeds `socklab replay`, it answers with either a clear error naming the byte
//! offset (exit code 1) or a per-packet explanation (exit code 0): never a panic (exit code 101), never
//! a signal, never a hang, and memory bounded by one record, never by what a header declares.
//!
//! Every case runs the built binary, with a deadline, and reads the child's own peak memory (wait4).

mod common;
mod generated_captures;

use common::Socklab;
use generated_captures::container::{self, Interface, Record};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long one replay of a small file may take before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(30);
/// The most memory a replay may use (peak resident set), whatever the file declares.
const MAX_RSS_KIB: i64 = 32 * 1024;

/// How one replay ended.
struct Replay {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
    max_rss_kib: i64,
}

impl Replay {
    /// Records of the JSON output, checking that every line is JSON.
    fn records(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\n{}", self.context()))
            })
            .collect()
    }

    /// Frames socklab explained (decoded or not).
    fn frames(&self) -> usize {
        self.records()
            .iter()
            .filter(|record| matches!(record["type"].as_str(), Some("packet" | "undecodable")))
            .count()
    }

    fn undecodable(&self) -> usize {
        self.records()
            .iter()
            .filter(|record| record["type"] == "undecodable")
            .count()
    }

    fn context(&self) -> String {
        format!(
            "exit code {:?}, signal {:?}\n--- stderr\n{}\n--- stdout (start)\n{}",
            self.code,
            self.signal,
            self.stderr,
            self.stdout.chars().take(2000).collect::<String>()
        )
    }

    /// Exit code 0 or 1, no signal, a summary last, memory bounded.
    #[track_caller]
    fn assert_clean(&self, what: &str) {
        assert!(
            matches!(self.code, Some(0 | 1)),
            "{what}: expected exit code 0 or 1\n{}",
            self.context()
        );
        assert!(
            self.max_rss_kib < MAX_RSS_KIB,
            "{what}: peak memory {} KiB exceeds {} KiB",
            self.max_rss_kib,
            MAX_RSS_KIB
        );
        if !self.stdout.is_empty() {
            let records = self.records();
            let last = records.last().map(|record| record["type"].clone());
            assert_eq!(
                last,
                Some(Value::from("summary")),
                "{what}: the summary comes last\n{}",
                self.context()
            );
        }
    }

    /// Exit code 1 with the byte offset named.
    #[track_caller]
    fn assert_error_at(&self, what: &str, offset: u64) {
        self.assert_clean(what);
        assert_eq!(
            self.code,
            Some(1),
            "{what}: expected an error\n{}",
            self.context()
        );
        let named = format!("byte offset {offset}");
        assert!(
            self.stderr.contains(&named),
            "{what}: the error should name {named:?}\n{}",
            self.context()
        );
        assert!(
            self.stderr.starts_with("socklab: "),
            "{what}: one clear message\n{}",
            self.context()
        );
    }
}

/// Replays `file` as JSON, with a deadline; the peak memory is the child's own (wait4's rusage).
fn replay(socklab: &Socklab, file: &Path) -> Replay {
    replay_args(socklab, &["replay", "--format", "json"], file, None)
}

fn replay_args(socklab: &Socklab, args: &[&str], file: &Path, stdin: Option<Stdio>) -> Replay {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let out_path = socklab.temp().join(format!("replay-{run}.out"));
    let err_path = socklab.temp().join(format!("replay-{run}.err"));
    let mut command = socklab.command();
    command.args(args).arg(file);
    command
        .stdin(stdin.unwrap_or_else(Stdio::null))
        .stdout(std::fs::File::create(&out_path).expect("create the output file"))
        .stderr(std::fs::File::create(&err_path).expect("create the error file"));
    // Reaped by wait4 below rather than `wait`, because wait4 also reports the child's own peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = command.spawn().expect("start socklab");
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waits for our own child, writing into locals we own.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break;
        }
        if reaped == -1 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
        {
            panic!("wait4 failed: {}", std::io::Error::last_os_error());
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            // SAFETY: as above, now blocking until the killed child is reaped.
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            panic!(
                "socklab replay {} did not finish within {DEADLINE:?} (a hang)",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let read = |path: &Path| {
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
    };
    let replay = Replay {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stdout: read(&out_path),
        stderr: read(&err_path),
        max_rss_kib: usage.ru_maxrss,
    };
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    replay
}

fn write(socklab: &Socklab, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = socklab.temp().join(name);
    std::fs::write(&path, bytes).expect("write a test capture");
    path
}

fn records(frames: &[Vec<u8>]) -> Vec<Record> {
    frames
        .iter()
        .enumerate()
        .map(|(index, frame)| {
            Record::new(
                0,
                1_700_000_000_000_000_000 + index as u64 * 1000,
                frame.clone(),
            )
        })
        .collect()
}

/// The small valid pcap: its bytes and where each record ends.
fn small_pcap() -> (Vec<u8>, Vec<usize>) {
    let frames = generated_captures::small_exchange_frames();
    let bytes = container::pcap(1, false, false, 262_144, &records(&frames));
    let mut ends = Vec::new();
    let mut at = 24;
    for frame in &frames {
        at += 16 + frame.len();
        ends.push(at);
    }
    assert_eq!(at, bytes.len());
    (bytes, ends)
}

/// The small valid pcapng: two interfaces, statistics and unknown blocks, and its block boundaries
/// (start offsets, and which blocks are packets).
fn small_pcapng() -> (Vec<u8>, Vec<(usize, bool)>) {
    let frames = generated_captures::small_exchange_frames();
    let mut records = records(&frames);
    // Every other packet on the raw-IP interface, without its Ethernet header.
    for (index, record) in records.iter_mut().enumerate() {
        if index % 2 == 1 {
            record.interface = 1;
            record.data.drain(..14);
            record.original_len -= 14;
        }
    }
    let interfaces = [
        Interface {
            linktype: 1,
            tsresol: 9,
        },
        Interface {
            linktype: 101,
            tsresol: 6,
        },
    ];
    let bytes = container::pcapng(
        false,
        &interfaces,
        &records,
        &[(0x0000_4242, vec![1, 2, 3, 4]), (0x8000_0001, vec![])],
    );
    (bytes.clone(), pcapng_blocks(&bytes))
}

/// (start, is a packet block) for each block of a little-endian pcapng file.
fn pcapng_blocks(bytes: &[u8]) -> Vec<(usize, bool)> {
    let mut blocks = Vec::new();
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let word = |offset: usize| {
            u32::from_le_bytes(bytes[at + offset..at + offset + 4].try_into().unwrap()) as usize
        };
        blocks.push((at, word(0) == 6));
        at += word(4);
    }
    assert_eq!(at, bytes.len());
    blocks
}

#[test]
fn a_pcap_cut_at_every_byte_offset() {
    let socklab = Socklab::new();
    let (bytes, ends) = small_pcap();
    let whole = replay(&socklab, &write(&socklab, "whole.pcap", &bytes));
    whole.assert_clean("the whole file");
    assert_eq!(
        (whole.code, whole.frames(), whole.undecodable()),
        (Some(0), ends.len(), 0)
    );
    for cut in 0..bytes.len() {
        let what = format!("pcap cut at byte {cut} of {}", bytes.len());
        let result = replay(&socklab, &write(&socklab, "cut.pcap", &bytes[..cut]));
        let complete = ends.iter().filter(|&&end| end <= cut).count();
        if cut == 0 {
            result.assert_clean(&what);
            assert_eq!(result.code, Some(1), "{what}");
            assert!(
                result.stderr.contains("is empty (0 bytes)"),
                "{what}: {}",
                result.stderr
            );
        } else if cut < 24 {
            result.assert_error_at(&what, 0);
        } else if cut == 24 || ends.contains(&cut) {
            result.assert_clean(&what);
            assert_eq!(
                (result.code, result.frames()),
                (Some(0), complete),
                "{what}"
            );
        } else {
            // Cut inside the record that starts where the last complete one ends.
            let record_start = ends
                .iter()
                .rev()
                .find(|&&end| end <= cut)
                .copied()
                .unwrap_or(24);
            result.assert_error_at(&what, record_start as u64);
            assert_eq!(
                result.frames(),
                complete,
                "{what}: every frame before the cut is shown"
            );
            assert!(
                result.stderr.contains("ends in the middle of a record"),
                "{what}"
            );
        }
    }
}

#[test]
fn a_pcapng_cut_at_every_byte_offset() {
    let socklab = Socklab::new();
    let (bytes, blocks) = small_pcapng();
    let packets = blocks.iter().filter(|(_, packet)| *packet).count();
    let whole = replay(&socklab, &write(&socklab, "whole.pcapng", &bytes));
    whole.assert_clean("the whole file");
    assert_eq!(
        (whole.code, whole.frames(), whole.undecodable()),
        (Some(0), packets, 0)
    );
    for cut in 0..bytes.len() {
        let what = format!("pcapng cut at byte {cut} of {}", bytes.len());
        let result = replay(&socklab, &write(&socklab, "cut.pcapng", &bytes[..cut]));
        // The block the cut falls in (or right after), and the packets wholly before the cut.
        let (block_start, _) = blocks
            .iter()
            .rev()
            .find(|(start, _)| *start <= cut)
            .copied()
            .unwrap_or((0, false));
        let complete = blocks
            .iter()
            .zip(
                blocks
                    .iter()
                    .skip(1)
                    .map(|(start, _)| *start)
                    .chain([bytes.len()]),
            )
            .filter(|((_, packet), end)| *packet && *end <= cut)
            .count();
        if cut == 0 {
            assert_eq!(result.code, Some(1), "{what}");
            assert!(
                result.stderr.contains("is empty (0 bytes)"),
                "{what}: {}",
                result.stderr
            );
        } else if block_start == cut && cut >= blocks[1].0 {
            // Cut exactly between blocks, after the section header: a complete, shorter capture.
            result.assert_clean(&what);
            assert_eq!(
                (result.code, result.frames()),
                (Some(0), complete),
                "{what}"
            );
        } else {
            result.assert_error_at(&what, block_start as u64);
            assert_eq!(
                result.frames(),
                complete,
                "{what}: every frame before the cut is shown"
            );
        }
    }
}

/// A pcap file header with this snap length.
fn pcap_header(snaplen: u32) -> Vec<u8> {
    container::pcap(1, false, false, snaplen, &[])
}

fn pcap_record(caplen: u32, original_len: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for word in [1_700_000_000u32, 0, caplen, original_len] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[test]
fn enormous_declared_lengths_give_an_error_at_their_offset_with_memory_bounded() {
    let socklab = Socklab::new();
    let frame = &generated_captures::small_exchange_frames()[0];
    let frame_len = frame.len() as u32;

    // A 4 GiB snap length in the file header is only a limit: the small records after it read fine.
    let mut bytes = pcap_header(u32::MAX);
    bytes.extend(pcap_record(frame_len, frame_len, frame));
    bytes.extend(pcap_record(frame_len, frame_len, frame));
    let result = replay(&socklab, &write(&socklab, "snaplen.pcap", &bytes));
    result.assert_clean("4 GiB snap length");
    assert_eq!((result.code, result.frames()), (Some(0), 2));

    // Records declaring 4 GiB, 1 GiB and 2 MiB of captured data: refused before any is read.
    for caplen in [u32::MAX, 1 << 30, 2 << 20] {
        let mut bytes = pcap_header(u32::MAX);
        bytes.extend(pcap_record(frame_len, frame_len, frame));
        bytes.extend(pcap_record(caplen, caplen, frame));
        let result = replay(&socklab, &write(&socklab, "huge-record.pcap", &bytes));
        let what = format!("a record declaring {caplen} bytes");
        result.assert_error_at(&what, 24 + 16 + u64::from(frame_len));
        assert_eq!(result.frames(), 1, "{what}: the frame before it is shown");
        eprintln!("{what}: peak memory {} KiB", result.max_rss_kib);
    }

    // A record just under the limit whose data never comes: truncated, not a 1 MiB allocation spree.
    let mut bytes = pcap_header(u32::MAX);
    bytes.extend(pcap_record(1_000_000, 1_000_000, frame));
    let result = replay(&socklab, &write(&socklab, "big-truncated.pcap", &bytes));
    result.assert_error_at("a 1 MB record cut short", 24);

    // A frame claiming 4 GiB on the wire but carrying 74 bytes: explained like any cut frame.
    let mut bytes = pcap_header(262_144);
    bytes.extend(pcap_record(frame_len, u32::MAX, frame));
    let result = replay(&socklab, &write(&socklab, "huge-original.pcap", &bytes));
    result.assert_clean("a 4 GiB original length");
    assert_eq!((result.code, result.frames()), (Some(0), 1));
    assert_eq!(result.records()[1]["original_len"], u64::from(u32::MAX));

    // pcapng: a packet block declaring (almost) 4 GiB, and one whose data overruns the block.
    let (valid, blocks) = small_pcapng();
    let first_packet = blocks
        .iter()
        .find(|(_, packet)| *packet)
        .map(|(start, _)| *start)
        .unwrap();
    let mut huge = valid.clone();
    huge[first_packet + 4..first_packet + 8].copy_from_slice(&0xffff_fffcu32.to_le_bytes());
    let result = replay(&socklab, &write(&socklab, "huge-block.pcapng", &huge));
    result.assert_error_at("a 4 GiB pcapng block", first_packet as u64 + 4);
    let mut overrun = valid.clone();
    overrun[first_packet + 20..first_packet + 24].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let result = replay(&socklab, &write(&socklab, "overrun.pcapng", &overrun));
    result.assert_error_at("a caplen beyond its block", first_packet as u64 + 20);
    // An interface declaring a 4 GiB snap length is fine.
    let mut big_snap = valid;
    let idb = blocks[1].0;
    big_snap[idb + 12..idb + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    let result = replay(&socklab, &write(&socklab, "idb-snaplen.pcapng", &big_snap));
    result.assert_clean("a 4 GiB interface snap length");
    assert_eq!(result.code, Some(0));
}

#[test]
fn a_zero_length_packet_is_explained_not_fatal() {
    let socklab = Socklab::new();
    let frame = &generated_captures::small_exchange_frames()[0];
    let frame_len = frame.len() as u32;
    for original_len in [0, 60] {
        let mut bytes = pcap_header(262_144);
        bytes.extend(pcap_record(0, original_len, &[]));
        bytes.extend(pcap_record(frame_len, frame_len, frame));
        let result = replay(&socklab, &write(&socklab, "zero.pcap", &bytes));
        let what = format!("an empty record claiming {original_len} bytes on the wire");
        result.assert_clean(&what);
        assert_eq!(
            (result.code, result.frames(), result.undecodable()),
            (Some(0), 2, 1),
            "{what}"
        );
        let records = result.records();
        assert_eq!(records[1]["layer"], "link", "{what}");
        assert_eq!(records[1]["offset"], 0, "{what}");
    }
    let records = vec![
        Record::new(0, 0, Vec::new()),
        Record::new(0, 1, frame.clone()),
    ];
    let interfaces = [Interface {
        linktype: 1,
        tsresol: 6,
    }];
    let bytes = container::pcapng(false, &interfaces, &records, &[]);
    let result = replay(&socklab, &write(&socklab, "zero.pcapng", &bytes));
    result.assert_clean("an empty pcapng packet");
    assert_eq!(
        (result.code, result.frames(), result.undecodable()),
        (Some(0), 2, 1)
    );
}

#[test]
fn unknown_pcapng_blocks_are_skipped() {
    let socklab = Socklab::new();
    let frames = generated_captures::small_exchange_frames();
    let interfaces = [Interface {
        linktype: 1,
        tsresol: 6,
    }];
    let unknown = [
        (0x0000_4242, vec![0xde, 0xad, 0xbe, 0xef]),
        (0x0000_0BAD, vec![0, 0, 0x7e, 0x7e, 1]),
        (0x4000_0BAD, vec![0, 0, 0x7e, 0x7e]),
        (0x8000_0001, vec![]),
        (0x0000_0004, vec![0, 0, 0, 0]), // a name resolution block with only its end marker
    ];
    let bytes = container::pcapng(false, &interfaces, &records(&frames), &unknown);
    let result = replay(&socklab, &write(&socklab, "unknown-blocks.pcapng", &bytes));
    result.assert_clean("unknown block types");
    assert_eq!(
        (result.code, result.frames(), result.undecodable()),
        (Some(0), frames.len(), 0)
    );
}

#[test]
fn files_that_are_not_captures() {
    let socklab = Socklab::new();
    let mut random = 0x9e37_79b9_7f4a_7c15u64;
    let mut noise = |len: usize| -> Vec<u8> {
        (0..len)
            .map(|_| {
                random ^= random << 13;
                random ^= random >> 7;
                random ^= random << 17;
                random as u8
            })
            .collect()
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "is empty (0 bytes)"),
        (
            "text",
            b"hello, this is a text file\n".to_vec(),
            "is not a pcap or pcapng capture",
        ),
        (
            "json",
            br#"{"type":"run"}"#.to_vec(),
            "is not a pcap or pcapng capture",
        ),
        (
            "png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "is not a pcap or pcapng capture",
        ),
        (
            "gzip",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3],
            "is not a pcap or pcapng capture",
        ),
        (
            "elf",
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec(),
            "is not a pcap or pcapng capture",
        ),
        ("one-byte", b"x".to_vec(), "is not a pcap or pcapng capture"),
        ("one-magic-byte", vec![0xd4], "byte offset 0"),
        ("noise-100", noise(100), "is not a pcap or pcapng capture"),
        (
            "noise-100k",
            noise(100_000),
            "is not a pcap or pcapng capture",
        ),
        ("magic-only", vec![0xd4, 0xc3, 0xb2, 0xa1], "byte offset 0"),
        (
            "pcap-v3",
            {
                let mut header = pcap_header(65535);
                header[4] = 3;
                header
            },
            "byte offset 4",
        ),
        (
            "pcapng-bad-byte-order",
            {
                let (mut bytes, _) = small_pcapng();
                bytes[8..12].copy_from_slice(&[1, 2, 3, 4]);
                bytes
            },
            "byte offset 8",
        ),
        (
            "pcapng-magic-then-noise",
            {
                let mut bytes = vec![0x0a, 0x0d, 0x0d, 0x0a];
                bytes.extend(noise(200));
                bytes
            },
            "byte offset",
        ),
    ];
    for (name, bytes, expected) in cases {
        let result = replay(&socklab, &write(&socklab, name, &bytes));
        result.assert_clean(name);
        assert_eq!(
            result.code,
            Some(1),
            "{name}: not a capture is an error\n{}",
            result.context()
        );
        assert!(
            result.stderr.contains(expected),
            "{name}: expected {expected:?} in\n{}",
            result.stderr
        );
        assert!(
            result.stderr.contains(name),
            "{name}: the error names the file"
        );
    }
    // Noise after a valid header is caught record by record, never a crash.
    for seed_len in [16usize, 64, 1000, 70_000] {
        let mut bytes = pcap_header(262_144);
        bytes.extend(noise(seed_len));
        let result = replay(&socklab, &write(&socklab, "header-then-noise.pcap", &bytes));
        result.assert_clean(&format!("a pcap header and {seed_len} random bytes"));
        assert_eq!(result.code, Some(1), "{}", result.context());
        assert!(result.stderr.contains("byte offset"), "{}", result.stderr);
    }
}

#[test]
fn a_file_still_being_written_reads_what_is_complete() {
    let socklab = Socklab::new();
    let (bytes, ends) = small_pcap();
    let path = socklab.temp().join("growing.pcap");

    // The writer has flushed three records and half of the fourth: socklab shows three, then says
    // where the unfinished record starts.
    let half = ends[2] + (ends[3] - ends[2]) / 2;
    std::fs::write(&path, &bytes[..half]).expect("write");
    let result = replay(&socklab, &path);
    result.assert_error_at("a file mid-write", ends[2] as u64);
    assert_eq!(result.frames(), 3);

    // Now a writer appends record by record (each in two writes) while socklab reads: socklab ends
    // cleanly at whatever it saw, complete records only, and never hangs or crashes.
    for round in 0..20 {
        let mut file = std::fs::File::create(&path).expect("create");
        file.write_all(&bytes[..24]).expect("write the header");
        let chunks: Vec<Vec<u8>> = std::iter::once(24)
            .chain(ends.iter().copied())
            .collect::<Vec<_>>()
            .windows(2)
            .flat_map(|pair| {
                let middle = pair[0] + (pair[1] - pair[0]) / 2;
                [
                    bytes[pair[0]..middle].to_vec(),
                    bytes[middle..pair[1]].to_vec(),
                ]
            })
            .collect();
        let writer = std::thread::spawn(move || {
            for chunk in chunks {
                file.write_all(&chunk).expect("append");
                file.flush().expect("flush");
                std::thread::yield_now();
            }
        });
        let result = replay(&socklab, &path);
        writer.join().expect("the writer thread");
        let what = format!("round {round}: replay while the file grows");
        result.assert_clean(&what);
        assert!(result.frames() <= ends.len(), "{what}");
        if result.code == Some(1) {
            assert!(
                result
                    .stderr
                    .contains("ends in the middle of a record at byte offset"),
                "{what}: {}",
                result.stderr
            );
        }
    }

    // Through a pipe (`tcpdump -w - | socklab replay -`) socklab waits for the writer and reads all.
    let mut child = socklab
        .command()
        .args(["replay", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start socklab");
    let mut stdin = child.stdin.take().expect("a pipe");
    let writer = std::thread::spawn(move || {
        for byte_chunk in bytes.chunks(7) {
            stdin.write_all(byte_chunk).expect("write to the pipe");
            stdin.flush().expect("flush");
        }
    });
    let output = child
        .wait_with_output()
        .expect("socklab ends once the pipe closes");
    writer.join().expect("the writer thread");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let frames = stdout
        .lines()
        .filter(|line| line.contains("\"type\":\"packet\""))
        .count();
    assert_eq!(frames, ends.len());
}

/// The LINKTYPE numbers of `fuzz/src/lib.rs`'s `LINK_TYPES`, in its order.
const FUZZ_LINKTYPES: [u32; 10] = [1, 113, 276, 101, 228, 229, 0, 108, 9, 1];

#[test]
fn frames_the_fuzzer_found_are_explained_by_the_binary() {
    let socklab = Socklab::new();
    let dir = common::repo_path("fuzz/regressions/decode_frame");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .collect()
        })
        .unwrap_or_default();
    inputs.sort();
    assert!(
        !inputs.is_empty(),
        "{} holds the decoder's crash inputs",
        dir.display()
    );
    for input in inputs {
        let bytes = std::fs::read(&input).expect("read a crash input");
        let [link, low, high, frame @ ..] = &bytes[..] else {
            continue;
        };
        let linktype = FUZZ_LINKTYPES[usize::from(*link) % FUZZ_LINKTYPES.len()];
        let original_len = frame.len() as u32 + u32::from(u16::from_le_bytes([*low, *high]));
        let record = Record {
            original_len,
            ..Record::new(0, 1_700_000_000_000_000_000, frame.to_vec())
        };
        let capture = container::pcap(linktype, false, true, 262_144, &[record]);
        let result = replay(&socklab, &write(&socklab, "fuzz-finding.pcap", &capture));
        let what = format!("{}", input.display());
        result.assert_clean(&what);
        assert_eq!((result.code, result.frames()), (Some(0), 1), "{what}");
    }
}
