//! Replays every saved fuzz input as an ordinary test, so CI checks them without fuzzing: the
//! minimized corpus in `fuzz/corpus/<target>/` and every crash found so far in
//! `fuzz/regressions/<target>/`. The targets' code is `fuzz/src/lib.rs`, included here as is, so the
//! replay does exactly what the fuzzer did. The decoder is also fed, frame by frame, the project's
//! fixtures and the tcpdump corpus (when `../shared/pcaps` is present), its seeds.

#[path = "../fuzz/src/lib.rs"]
mod harness;

mod common;

use common::{repo_path, shared_pcaps};
use socklab::capture::{FileSource, FrameSource, Next};
use std::path::{Path, PathBuf};

/// What a fuzz target does with one input.
type Target = fn(&[u8]);

/// The fuzz targets and the function each runs.
const TARGETS: [(&str, Target); 4] = [
    ("decode_frame", harness::decode_frame),
    ("read_capture", harness::read_capture),
    ("analyze_segments", harness::analyze_segments),
    ("parse_lesson", harness::parse_lesson),
];

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs `target` on `input`, naming the input if it panics.
fn replay(target: &str, run: Target, name: &str, input: &[u8]) {
    let outcome = std::panic::catch_unwind(|| run(input));
    assert!(
        outcome.is_ok(),
        "fuzz target {target} panics on {name} (reproduce: cd fuzz && cargo fuzz run {target} {name})"
    );
}

#[test]
fn every_saved_crash_input_runs_clean() {
    let mut total = 0;
    for (target, run) in TARGETS {
        for file in files_in(&repo_path(&format!("fuzz/regressions/{target}"))) {
            let input = std::fs::read(&file).expect("read a crash input");
            replay(target, run, &file.display().to_string(), &input);
            total += 1;
        }
    }
    eprintln!("replayed {total} saved crash inputs");
}

#[test]
fn the_committed_corpus_runs_clean() {
    for (target, run) in TARGETS {
        let files = files_in(&repo_path(&format!("fuzz/corpus/{target}")));
        assert!(
            !files.is_empty(),
            "fuzz/corpus/{target} holds no inputs: the corpus must be committed for CI to replay"
        );
        for file in &files {
            let input = std::fs::read(file).expect("read a corpus input");
            replay(target, run, &file.display().to_string(), &input);
        }
        eprintln!("{target}: replayed {} corpus inputs", files.len());
    }
}

/// Feeds `decode_frame` every frame of `file`, as the seed corpus does; returns how many.
fn decode_every_frame(file: &Path) -> usize {
    let bytes = std::fs::read(file).expect("read a capture");
    harness::read_capture(&bytes);
    let Ok(mut source) = FileSource::from_reader("seed", std::io::Cursor::new(bytes)) else {
        return 0;
    };
    let mut frames = 0;
    while let Ok(Next::Frame(frame)) = source.next_frame() {
        let link = harness::LINK_TYPES
            .iter()
            .position(|link| *link == frame.link_type)
            .unwrap_or(8);
        let mut input = vec![link as u8, 0, 0];
        input.extend_from_slice(frame.data);
        replay(
            "decode_frame",
            harness::decode_frame,
            &file.display().to_string(),
            &input,
        );
        frames += 1;
    }
    frames
}

#[test]
fn the_decoder_seeds_run_clean() {
    let mut frames = 0;
    for file in files_in(&repo_path("fixtures")) {
        frames += decode_every_frame(&file);
    }
    if let Some(dir) = shared_pcaps() {
        for file in files_in(&dir) {
            if file
                .extension()
                .is_some_and(|ext| ext == "pcap" || ext == "pcapng")
            {
                frames += decode_every_frame(&file);
            }
        }
    }
    eprintln!("decode_frame: {frames} seed frames replayed");
}
