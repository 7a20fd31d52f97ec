//! `socklab watch`: explain, as it happens, whatever runs on the host's loopback, until Ctrl-C.
//!
//! For a learner who starts the tutorials' server and client in two other terminals. Each packet is
//! rendered and flushed at once; the summary per connection comes when the user stops watching.

use super::output::{OutputTarget, Style};
use super::shared_writer::SharedWriter;
use crate::app_error::AppError;
use crate::capture::{CaptureError, CaptureStats, Frame, FrameSource, LiveSource, Next};
use crate::cli::WatchArgs;
use crate::decode::{self, Packet, Transport};
use crate::pipeline::Pipeline;
use crate::render::RunInfo;
use crate::supervise::{StopSignals, SuperviseError};
use std::io::{BufWriter, Write};

/// Added to the capture-permission message: why watch needs it, and the way that needs nothing.
const WITHOUT_PRIVILEGES: &str = "  socklab watch captures the host's own lo, which is why it needs CAP_NET_RAW.\n  Without privileges: socklab trace -- CMD runs CMD (a script that starts your server, then your\n  client) in a private network of its own and explains its packets the same way.";

pub fn watch(args: &WatchArgs, style: Style) -> Result<(), AppError> {
    let mut source = LiveSource::open(&args.iface).map_err(|error| match error {
        CaptureError::PermissionDenied { .. } => AppError::Advised {
            source: Box::new(error.into()),
            advice: WITHOUT_PRIVILEGES,
        },
        other => other.into(),
    })?;
    let stop =
        StopSignals::install().map_err(SuperviseError::system("installing the Ctrl-C handler"))?;
    let filter = PortFilter::new(&args.ports);

    let stdout = SharedWriter::new(BufWriter::with_capacity(
        64 * 1024,
        std::io::stdout().lock(),
    ));
    let mut target = OutputTarget::open_to(
        &args.output,
        style,
        &format!("socklab watch on {}", args.iface),
        stdout.clone(),
    )?;
    target.sink.begin(&RunInfo {
        title: match args.ports.is_empty() {
            true => format!("watching {}", args.iface),
            false => format!("watching {}: packets{}", args.iface, filter.describe()),
        },
        description: Some(format!(
            "Start your server and your client now, in other terminals: each packet{} is explained as it happens. Press Ctrl-C to stop and see a summary of each connection.",
            filter.describe()
        )),
        lang: style.lang,
        source: format!("live capture on the host's {}", args.iface),
    })?;
    // The first line tells the user (and tests) that the capture is open: nothing after it is missed.
    stdout.with(|out| out.flush())?;

    let capture_writer = target.capture.as_mut().map(|(_, writer)| writer);
    let mut pipeline = Pipeline::new(target.sink.as_mut(), capture_writer, style.lang);
    let mut shown: u64 = 0;
    // The handler only sets a flag; without SA_RESTART the capture's wait returns at once (Idle).
    while stop.received().is_none() {
        match source.next_frame()? {
            Next::Frame(frame) => {
                if !filter.admits(&frame) {
                    continue;
                }
                shown = shown.wrapping_add(1);
                // Numbered among the frames shown, so #1 is the first packet the learner sees.
                let frame = Frame {
                    number: shown,
                    ..frame
                };
                pipeline.frame(&frame)?;
                stdout.with(|out| out.flush())?;
            }
            Next::Idle => {}
            Next::End => break,
        }
    }
    let stats = CaptureStats {
        frames: shown,
        kernel_drops: source.stats().kernel_drops,
    };
    pipeline.finish(&stats)?;
    if let Some((path, writer)) = target.capture.take() {
        writer
            .finish()
            .map_err(|source| AppError::WriteFile { path, source })?;
    }
    stdout.with(|out| out.flush())?;
    Ok(())
}

/// Keeps the packets whose either end uses one of the ports; every packet if no port was given.
#[derive(Debug)]
struct PortFilter<'a> {
    ports: &'a [u16],
}

impl<'a> PortFilter<'a> {
    fn new(ports: &'a [u16]) -> Self {
        PortFilter { ports }
    }

    /// " to or from port 5000", " to or from ports 5000, 5001", or "" without a filter.
    fn describe(&self) -> String {
        match self.ports {
            [] => String::new(),
            [port] => format!(" to or from port {port}"),
            ports => {
                let list: Vec<String> = ports.iter().map(u16::to_string).collect();
                format!(" to or from ports {}", list.join(", "))
            }
        }
    }

    fn admits(&self, frame: &Frame<'_>) -> bool {
        if self.ports.is_empty() {
            return true;
        }
        // A frame that does not decode has no ports we could trust.
        decode::decode(frame).is_ok_and(|packet| self.admits_packet(&packet))
    }

    fn admits_packet(&self, packet: &Packet<'_>) -> bool {
        let (src, dst) = match &packet.transport {
            Transport::Tcp(segment) => (Some(segment.src_port), Some(segment.dst_port)),
            Transport::Udp(datagram) => (Some(datagram.src_port), Some(datagram.dst_port)),
            // An ICMP error belongs to the datagram it quotes ("port unreachable" for a UDP send).
            Transport::Icmp(message) => message
                .quoted
                .as_ref()
                .map_or((None, None), |quoted| (quoted.src_port, quoted.dst_port)),
            Transport::OtherIp { .. } | Transport::NotIp => (None, None),
        };
        [src, dst]
            .into_iter()
            .flatten()
            .any(|port| self.ports.contains(&port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{LinkType, Timestamp};

    /// Ethernet + IPv4 + UDP from `src` to `dst` with 3 payload bytes, built by hand.
    fn udp_frame(src: u16, dst: u16) -> Vec<u8> {
        let mut bytes = vec![0u8; 12];
        bytes.extend_from_slice(&[0x08, 0x00]);
        let total: u16 = 20 + 8 + 3;
        bytes.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            1,
            0x40,
            0,
            64,
            17,
        ]);
        bytes.extend_from_slice(&[0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        bytes.extend_from_slice(&src.to_be_bytes());
        bytes.extend_from_slice(&dst.to_be_bytes());
        bytes.extend_from_slice(&[0, 11, 0, 0]);
        bytes.extend_from_slice(b"abc");
        bytes
    }

    fn frame(data: &[u8]) -> Frame<'_> {
        Frame {
            number: 1,
            timestamp: Timestamp(0),
            link_type: LinkType::Ethernet,
            data,
            original_len: data.len() as u32,
        }
    }

    #[test]
    fn either_end_matches_and_no_port_means_everything() {
        let data = udp_frame(40000, 5000);
        assert!(PortFilter::new(&[5000]).admits(&frame(&data)));
        assert!(PortFilter::new(&[40000]).admits(&frame(&data)));
        assert!(PortFilter::new(&[7, 5000]).admits(&frame(&data)));
        assert!(!PortFilter::new(&[5001]).admits(&frame(&data)));
        assert!(PortFilter::new(&[]).admits(&frame(&data)));
    }

    #[test]
    fn undecodable_frames_pass_only_without_a_filter() {
        let data = [0u8; 5];
        assert!(!PortFilter::new(&[5000]).admits(&frame(&data)));
        assert!(PortFilter::new(&[]).admits(&frame(&data)));
    }

    #[test]
    fn the_title_says_what_is_shown() {
        assert_eq!(PortFilter::new(&[]).describe(), "");
        assert_eq!(PortFilter::new(&[5000]).describe(), " to or from port 5000");
        assert_eq!(
            PortFilter::new(&[5000, 5001]).describe(),
            " to or from ports 5000, 5001"
        );
    }
}
