//! Per-packet cost of each stage, on the benchmark's synthetic traffic held in memory (so no file I/O):
//! decode alone, decode + analysis (the issue's < 200 ns/packet target), and the whole pipeline into
//! each renderer, writing through a 64 KiB `BufWriter` to `io::sink()` (as a replay writes to
//! `/dev/null`: the bytes are copied, the final write costs nothing). Every iteration processes the same `PACKETS` frames with a
//! fresh analyzer, so flow set-up is counted as it is in a replay. Run with `cargo bench --bench pipeline`;
//! `bench/run.sh` divides criterion's time per iteration by `PACKETS`.
//!
//! Time is the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall-clock time: on a shared
//! machine, wall time also counts the moments other processes held the CPU. On an idle machine the two
//! agree.
//!
//! `PIPELINE_PROFILE=ROUNDS cargo bench --bench pipeline` skips criterion and runs decode + analysis
//! `ROUNDS` times over the frames, then decode alone as often: a fixed amount of work for
//! `valgrind --tool=callgrind` (the inclusive costs of `decode::decode` and `Analyzer::process`, divided
//! by `ROUNDS × PACKETS`, are the instructions per packet of each stage).

#[path = "support/traffic.rs"]
#[allow(dead_code)] // `conversations_started` is for the generator
mod traffic;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use socklab::analysis::Analyzer;
use socklab::capture::{CaptureStats, CaptureWriter, Frame, LinkType, Timestamp};
use socklab::decode;
use socklab::lang::Lang;
use socklab::pipeline::Pipeline;
use socklab::render::{JsonRenderer, LadderOptions, LadderRenderer, Sink, DEFAULT_WIDTH};
use std::hint::black_box;
use std::io;
use std::time::Duration;

/// Frames per iteration.
const PACKETS: usize = 100_000;

/// The frames, back to back in one buffer.
struct Frames {
    bytes: Vec<u8>,
    /// (start, end, timestamp) of each frame in `bytes`.
    spans: Vec<(usize, usize, i64)>,
}

impl Frames {
    fn generate(count: usize) -> Self {
        let mut traffic = traffic::Traffic::new();
        let mut frame = Vec::new();
        let mut frames = Frames {
            bytes: Vec::new(),
            spans: Vec::with_capacity(count),
        };
        for _ in 0..count {
            let time = traffic.next_frame(&mut frame);
            let start = frames.bytes.len();
            frames.bytes.extend_from_slice(&frame);
            frames.spans.push((start, frames.bytes.len(), time));
        }
        frames
    }

    fn each(&self, mut visit: impl FnMut(&Frame<'_>)) {
        for (index, &(start, end, time)) in self.spans.iter().enumerate() {
            let data = &self.bytes[start..end];
            visit(&Frame {
                number: index as u64 + 1,
                timestamp: Timestamp(time),
                link_type: LinkType::Ethernet,
                data,
                original_len: data.len() as u32,
            });
        }
    }
}

fn null_output() -> io::BufWriter<io::Sink> {
    io::BufWriter::with_capacity(64 * 1024, io::sink())
}

fn run_pipeline(frames: &Frames, sink: &mut dyn Sink) {
    let mut pipeline =
        Pipeline::<io::Sink>::new(sink, None::<&mut CaptureWriter<io::Sink>>, Lang::En);
    frames.each(|frame| {
        let _ = pipeline.frame(frame);
    });
    let _ = pipeline.finish(&CaptureStats::default());
}

/// CPU time of the calling thread, as criterion's measurement.
struct ThreadCpuTime;

fn thread_cpu_now() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_now()
    }
    fn end(&self, started: Duration) -> Duration {
        thread_cpu_now().saturating_sub(started)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WallTime.formatter()
    }
}

/// Decode + analysis of every frame with a fresh analyzer, as the `decode_analysis` stage.
#[inline(never)]
fn decode_and_analyse(frames: &Frames) -> usize {
    let mut analyzer = Analyzer::new();
    frames.each(|frame| match decode::decode(frame) {
        Ok(packet) => {
            black_box(analyzer.process(&packet));
        }
        Err(_) => analyzer.note_undecodable(),
    });
    black_box(analyzer.tracked_flows())
}

/// The fixed-work run for callgrind (see the top of this file).
fn profile(rounds: usize) {
    let frames = Frames::generate(PACKETS);
    for _ in 0..rounds {
        decode_and_analyse(&frames);
    }
    for _ in 0..rounds {
        decode_only(&frames);
    }
}

/// Decode alone, as the `decode` stage.
#[inline(never)]
fn decode_only(frames: &Frames) {
    frames.each(|frame| {
        let _ = black_box(decode::decode(frame));
    })
}

fn stages(c: &mut Criterion<ThreadCpuTime>) {
    let frames = Frames::generate(PACKETS);
    let mut group = c.benchmark_group("per_packet");
    group
        .throughput(Throughput::Elements(PACKETS as u64))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    group.bench_function(BenchmarkId::from_parameter("decode"), |b| {
        b.iter(|| decode_only(&frames))
    });
    group.bench_function(BenchmarkId::from_parameter("decode_analysis"), |b| {
        b.iter(|| decode_and_analyse(&frames))
    });
    group.bench_function(BenchmarkId::from_parameter("pipeline_json"), |b| {
        b.iter(|| run_pipeline(&frames, &mut JsonRenderer::new(null_output())))
    });
    group.bench_function(BenchmarkId::from_parameter("pipeline_text"), |b| {
        let options = LadderOptions {
            color: false,
            lang: Lang::En,
            width: DEFAULT_WIDTH,
        };
        b.iter(|| run_pipeline(&frames, &mut LadderRenderer::new(null_output(), options)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = stages
}
fn main() {
    if let Some(rounds) = std::env::var("PIPELINE_PROFILE")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
    {
        profile(rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
