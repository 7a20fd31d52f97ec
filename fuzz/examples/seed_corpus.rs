//! Writes the starting corpus of every fuzz target into `fuzz/corpus/<target>/`:
//! - `decode_frame`: every frame of the project's fixtures, of the tcpdump corpus in `../shared/pcaps`
//!   (its deliberately malformed files included) when present, and a sample of the differential test's
//!   generated captures (IPv4 options, IPv6 extension headers, every TCP option, VLAN, SLL, SLL2...);
//! - `read_capture`: those capture files whole (the small ones);
//! - `analyze_segments`: a few hand-written segment sequences (handshake, data, teardown, reset).
//!
//! Run it from `fuzz/`: `cargo run --release --example seed_corpus [OUTPUT_DIR]` (default `fuzz/corpus`).

#[path = "../../tests/generated_captures/mod.rs"]
mod generated_captures;

use socklab::capture::{FileSource, FrameSource, Next};
use socklab_fuzz::LINK_TYPES;
use std::path::{Path, PathBuf};

/// Whole files larger than this are not read_capture seeds (they would slow every fuzz iteration).
const MAX_FILE_SEED: usize = 64 * 1024;
/// Frames taken from each generated capture (the tcpdump corpus and fixtures give all of theirs).
const FRAMES_PER_GENERATED_CAPTURE: usize = 40;

fn main() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::args_os()
        .nth(1)
        .map_or_else(|| fuzz.join("corpus"), PathBuf::from);
    let mut files: Vec<(String, Vec<u8>, usize)> = Vec::new();
    for (dir, label) in [
        (fuzz.join("../fixtures"), "fixture"),
        (fuzz.join("../../shared/pcaps"), "tcpdump"),
    ] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        paths.retain(|path| {
            path.extension()
                .is_some_and(|ext| ext == "pcap" || ext == "pcapng")
        });
        paths.sort();
        if paths.is_empty() {
            eprintln!("note: no captures in {} (skipped)", dir.display());
        }
        for path in paths {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let bytes = std::fs::read(&path).expect("read a capture");
            files.push((format!("{label}-{name}"), bytes, usize::MAX));
        }
    }
    for capture in generated_captures::all() {
        files.push((
            format!("generated-{}", capture.name),
            capture.bytes,
            FRAMES_PER_GENERATED_CAPTURE,
        ));
    }

    let mut written = [0usize; 3];
    for (name, bytes, frame_limit) in &files {
        if bytes.len() <= MAX_FILE_SEED {
            write(&corpus.join("read_capture").join(name), bytes);
            written[1] += 1;
        }
        let Ok(mut source) = FileSource::from_reader(name, std::io::Cursor::new(bytes.clone()))
        else {
            continue;
        };
        let mut taken = 0;
        while taken < *frame_limit {
            let Ok(Next::Frame(frame)) = source.next_frame() else {
                break;
            };
            let link = LINK_TYPES
                .iter()
                .position(|link| *link == frame.link_type)
                .unwrap_or(8);
            let extra =
                u16::try_from((frame.original_len as usize).saturating_sub(frame.data.len()))
                    .unwrap_or(u16::MAX);
            let mut seed = vec![link as u8];
            seed.extend_from_slice(&extra.to_le_bytes());
            seed.extend_from_slice(frame.data);
            let path = corpus
                .join("decode_frame")
                .join(format!("{name}-{:05}", frame.number));
            write(&path, &seed);
            written[0] += 1;
            taken += 1;
        }
    }
    for (name, sequence) in segment_sequences() {
        write(&corpus.join("analyze_segments").join(name), &sequence);
        written[2] += 1;
    }
    eprintln!(
        "seeds written: decode_frame {}, read_capture {}, analyze_segments {}",
        written[0], written[1], written[2]
    );
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create a corpus folder");
    }
    std::fs::write(path, bytes).expect("write a seed");
}

/// One `analyze_segments` record (see `socklab_fuzz::analyze_segments`).
fn segment(
    control: u8,
    flags: u16,
    seq: u32,
    ack: u32,
    window: u16,
    payload: u16,
    options: u8,
) -> Vec<u8> {
    let mut out = vec![control];
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&ack.to_be_bytes());
    out.extend_from_slice(&window.to_be_bytes());
    out.extend_from_slice(&payload.to_be_bytes());
    out.push(options);
    out
}

fn segment_sequences() -> Vec<(&'static str, Vec<u8>)> {
    const SERVER: u8 = 0b100;
    const RELATIVE: u8 = 0b10_0000;
    const MS: u8 = 0b0100_0000;
    const UDP: u8 = 0b1_0000;
    const ICMP: u8 = 0b1_1000;
    let (fin, syn, rst, psh, ack) = (0x01, 0x02, 0x04, 0x08, 0x10);
    let scale = 0x10 | 7 | 0x20 | 0x40 | 0x80;
    let handshake = [
        segment(MS, syn, 1000, 0, 65535, 0, scale),
        segment(SERVER | MS, syn | ack, 5000, 1001, 65535, 0, scale),
        segment(MS, ack, 1001, 5001, 512, 0, 0),
    ]
    .concat();
    let echo = [
        handshake.clone(),
        segment(RELATIVE | MS, psh | ack, 0, 1, 512, 5, 0x80),
        segment(SERVER | RELATIVE | MS, ack, 1, 5, 512, 0, 0x80),
        segment(SERVER | RELATIVE | MS, psh | ack, 0, 5, 512, 5, 0x80),
        segment(RELATIVE | MS, ack, 5, 5, 512, 0, 0x80),
        segment(RELATIVE | MS, fin | ack, 0, 5, 512, 0, 0),
        segment(SERVER | RELATIVE | MS, fin | ack, 0, 1, 512, 0, 0),
        segment(RELATIVE | MS, ack, 1, 1, 512, 0, 0),
    ]
    .concat();
    let reset = [
        handshake.clone(),
        segment(SERVER | RELATIVE | MS, rst | ack, 1, 1, 0, 0, 0),
        segment(RELATIVE | 0xc0, syn, 77, 0, 65535, 0, 0),
    ]
    .concat();
    let mixed = [
        segment(UDP | 1, 0, 0, 0, 0, 4, 0),
        segment(ICMP | 1 | SERVER, 0x0303, 0, 0, 0, 0, 0),
        segment(2, syn, u32::MAX - 2, 0, 0, 0, 0x1f),
        segment(2 | SERVER, syn | ack, 7, u32::MAX - 1, 0, 0, 0x1e),
        segment(2 | RELATIVE, ack, 1, 1, 0, 0, 0),
        segment(2 | RELATIVE, psh | ack, 0, 0, 0, 60000, 0),
        segment(2 | RELATIVE, psh | ack, 0, 0, 0, 60000, 0),
        segment(3 | 0x80, 0x1ff, 0, 0, 0, 0, 0),
    ]
    .concat();
    vec![
        ("handshake", handshake),
        ("echo", echo),
        ("reset", reset),
        ("mixed", mixed),
    ]
}
