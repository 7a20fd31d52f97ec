//! Writes a synthetic capture for the benchmarks in `bench/`; the traffic is described in
//! `benches/support/traffic.rs`.
//!
//! Usage: `cargo run --release --example gen_capture -- PACKETS OUT.pcap`
//! (`.pcap` gives legacy nanosecond pcap, anything else pcapng). The same count always gives the same bytes.

#[path = "../benches/support/traffic.rs"]
mod traffic;

use socklab::capture::{CaptureWriter, Frame, LinkType, Timestamp};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(count), Some(path)) = (
        args.first()
            .and_then(|n| n.replace('_', "").parse::<u64>().ok()),
        args.get(1).map(PathBuf::from),
    ) else {
        eprintln!("usage: gen_capture PACKETS OUT.pcap|OUT.pcapng");
        return ExitCode::from(2);
    };
    match generate(count, &path) {
        Ok(conversations) => {
            eprintln!(
                "wrote {count} packets ({conversations} TCP connections and UDP exchanges) to {}",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("gen_capture: {}: {error}", path.display());
            ExitCode::FAILURE
        }
    }
}

fn generate(count: u64, path: &Path) -> std::io::Result<u64> {
    let mut writer = CaptureWriter::create(path)?;
    let mut traffic = traffic::Traffic::new();
    let mut bytes = Vec::with_capacity(2048);
    for number in 1..=count {
        let time = traffic.next_frame(&mut bytes);
        writer.write_frame(
            &Frame {
                number,
                timestamp: Timestamp(time),
                link_type: LinkType::Ethernet,
                data: &bytes,
                original_len: bytes.len() as u32,
            },
            None,
        )?;
    }
    writer.finish()?;
    Ok(traffic.conversations_started())
}
