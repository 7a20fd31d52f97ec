//! What each fuzz target does with its input. The cargo-fuzz targets (`fuzz_targets/*.rs`) call these,
//! and so does the ordinary test `tests/fuzz_regressions.rs`, which includes this file, so that CI
//! replays the saved corpus and every past crash without fuzzing. None of these may panic on any input.
//!
//! Every target drives the whole pipeline behind the part it fuzzes (analysis, the JSON and ladder
//! renderers in both languages, the pcapng comment), so a decoded value no renderer expected is found too.

use socklab::analysis::Analyzer;
use socklab::capture::{CaptureWriter, FileSource, Frame, FrameSource, LinkType, Next, Timestamp};
use socklab::decode::{
    IcmpKind, IcmpMessage, IpInfo, IpVersion, LinkInfo, Packet, QuotedDatagram, TcpFlags,
    TcpOptions, TcpSegment, Transport, UdpDatagram,
};
use socklab::lang::Lang;
use socklab::pipeline::Pipeline;
use socklab::render::{JsonRenderer, LadderOptions, LadderRenderer, RunInfo, Sink};
use std::io::{self, Cursor};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The link types a frame may claim; byte 0 of a `decode_frame` input picks one.
pub const LINK_TYPES: [LinkType; 10] = [
    LinkType::Ethernet,
    LinkType::LinuxSll,
    LinkType::LinuxSll2,
    LinkType::RawIp,
    LinkType::Ipv4,
    LinkType::Ipv6,
    LinkType::Null,
    LinkType::Loop,
    LinkType::Other(9),
    LinkType::Ethernet,
];

/// The most frames one input may drive, so a target run stays short.
const MAX_FRAMES: usize = 4096;

/// The frame decoder. Input: byte 0 picks the link type ([`LINK_TYPES`]), bytes 1-2 (little-endian)
/// how many more bytes the frame had on the wire than were captured, the rest is the frame.
pub fn decode_frame(data: &[u8]) {
    let Some((&link, rest)) = data.split_first() else {
        return;
    };
    let (extra, bytes) = match rest {
        [low, high, frame @ ..] => (u16::from_le_bytes([*low, *high]), frame),
        _ => (0, rest),
    };
    let frame = Frame {
        number: 1,
        timestamp: Timestamp(1_700_000_000_000_000_000),
        link_type: LINK_TYPES[usize::from(link) % LINK_TYPES.len()],
        data: bytes,
        original_len: u32::try_from(bytes.len())
            .unwrap_or(u32::MAX)
            .saturating_add(u32::from(extra)),
    };
    let _ = socklab::decode::decode(&frame);
    let mut explain = Explain::new(usize::from(link));
    explain.frames(|pipeline| {
        let _ = pipeline.frame(&frame);
    });
}

/// The pcap/pcapng reader: the input is a whole capture file; every frame it yields is explained.
pub fn read_capture(data: &[u8]) {
    let Ok(mut source) = FileSource::from_reader("fuzz input", Cursor::new(data.to_vec())) else {
        return;
    };
    let mut explain = Explain::new(data.len());
    let stats = explain.frames(|pipeline| {
        for _ in 0..MAX_FRAMES {
            match source.next_frame() {
                Ok(Next::Frame(frame)) => {
                    let _ = pipeline.frame(&frame);
                }
                Ok(Next::Idle) => continue,
                Ok(Next::End) | Err(_) => break,
            }
        }
        source.stats()
    });
    let _ = stats;
}

/// The analysis, fed decoded packets built straight from the input (no decoder in the way), 16 bytes
/// per packet:
///
/// | byte | meaning |
/// |---|---|
/// | 0 | bits 0-1 conversation (two IPv4, two IPv6), bit 2 sent by the server, bits 3-4 TCP/TCP/UDP/ICMP error, bit 5 sequence numbers relative to the sender's last, bits 6-7 time step (0, 1 ms, 70 s, 3 h) |
/// | 1-2 | TCP flags (9 bits) |
/// | 3-6 | sequence number (or its step) |
/// | 7-10 | acknowledgement number (or its step from the peer's last sequence number) |
/// | 11-12 | window |
/// | 13-14 | payload length |
/// | 15 | options: bits 0-3 window scale shift (used if bit 4), bit 5 MSS, bit 6 SACK permitted, bit 7 timestamps |
pub fn analyze_segments(data: &[u8]) {
    let mut analyzer = Analyzer::new();
    let mut sinks = Renderers::new(data.len());
    let _ = sinks.begin(&run_info());
    let mut now: i64 = 1_700_000_000_000_000_000;
    // The last sequence number each side of each conversation sent, for relative steps.
    let mut last_seq = [[0u32; 2]; 4];
    for (index, record) in data.chunks_exact(16).take(MAX_FRAMES).enumerate() {
        let control = record[0];
        let conversation = usize::from(control & 0b11);
        let from_server = control & 0b100 != 0;
        let kind = (control >> 3) & 0b11;
        let relative = control & 0b10_0000 != 0;
        now = now.saturating_add(match control >> 6 {
            0 => 0,
            1 => 1_000_000,
            2 => 70_000_000_000,
            _ => 3 * 3_600_000_000_000,
        });
        let word = |at: usize| {
            u32::from_be_bytes([record[at], record[at + 1], record[at + 2], record[at + 3]])
        };
        let half = |at: usize| u16::from_be_bytes([record[at], record[at + 1]]);
        let side = usize::from(from_server);
        let seq = if relative {
            last_seq[conversation][side].wrapping_add(word(3))
        } else {
            word(3)
        };
        let ack = if relative {
            last_seq[conversation][1 - side].wrapping_add(word(7))
        } else {
            word(7)
        };
        last_seq[conversation][side] = seq;
        let (client, server) = endpoints(conversation);
        let (src, dst) = if from_server {
            (server, client)
        } else {
            (client, server)
        };
        let payload_len = u32::from(half(13));
        let options_byte = record[15];
        let transport = match kind {
            0 | 1 => Transport::Tcp(TcpSegment {
                src_port: src.1,
                dst_port: dst.1,
                seq,
                ack,
                flags: TcpFlags(half(1) & 0x1ff),
                window: half(11),
                header_len: 20,
                urgent_ptr: 0,
                checksum: 0,
                options: TcpOptions {
                    mss: (options_byte & 0x20 != 0).then_some(1460),
                    window_scale: (options_byte & 0x10 != 0).then_some(options_byte & 0x0f),
                    sack_permitted: options_byte & 0x40 != 0,
                    timestamps: (options_byte & 0x80 != 0).then_some((seq, ack)),
                    ..TcpOptions::default()
                },
                payload_len,
                payload: &[],
            }),
            2 => Transport::Udp(UdpDatagram {
                src_port: src.1,
                dst_port: dst.1,
                length: half(13).wrapping_add(8),
                checksum: 0,
                payload_len,
                payload: &[],
            }),
            _ => {
                // An error about a datagram of this conversation, travelling the other way.
                let version = if src.0.is_ipv4() {
                    IpVersion::V4
                } else {
                    IpVersion::V6
                };
                Transport::Icmp(IcmpMessage {
                    version,
                    icmp_type: record[1],
                    code: record[2],
                    kind: match record[1] % 4 {
                        0 => IcmpKind::DestinationUnreachable {
                            port_unreachable: record[2] % 2 == 0,
                        },
                        1 => IcmpKind::TimeExceeded,
                        2 => IcmpKind::EchoRequest,
                        _ => IcmpKind::Other,
                    },
                    quoted: Some(QuotedDatagram {
                        src: dst.0,
                        dst: src.0,
                        protocol: if record[3] % 2 == 0 { 17 } else { 6 },
                        src_port: (record[4] % 4 != 0).then_some(dst.1),
                        dst_port: (record[4] % 4 != 0).then_some(src.1),
                    }),
                })
            }
        };
        let v6 = src.0.is_ipv6();
        let packet = Packet {
            number: index as u64 + 1,
            timestamp: Timestamp(now),
            captured_len: 54,
            original_len: 54u32.saturating_add(payload_len),
            link: LinkInfo {
                link_type: LinkType::Ethernet,
                header_len: 14,
                vlan: None,
                ether_type: Some(if v6 { 0x86dd } else { 0x0800 }),
            },
            ip: Some(IpInfo {
                version: if v6 { IpVersion::V6 } else { IpVersion::V4 },
                src: src.0,
                dst: dst.0,
                header_len: if v6 { 40 } else { 20 },
                total_len: payload_len.saturating_add(40),
                ttl: 64,
                protocol: match kind {
                    0 | 1 => 6,
                    2 => 17,
                    _ if v6 => 58,
                    _ => 1,
                },
                identification: 0,
                dont_fragment: true,
                is_fragment: false,
            }),
            transport,
        };
        let verdict = analyzer.process(&packet);
        let flow = verdict.flow.and_then(|id| analyzer.flow(id));
        let _ = sinks.packet(&packet, &verdict, flow);
    }
    let summary = analyzer.summary();
    let stats = socklab::capture::CaptureStats {
        frames: (data.len() / 16) as u64,
        kernel_drops: (data.len() % 16) as u64,
    };
    let _ = sinks.finish(&summary, &stats);
}

/// Client and server of each of the four conversations `analyze_segments` can use.
fn endpoints(conversation: usize) -> ((IpAddr, u16), (IpAddr, u16)) {
    let v4 = |last: u8| IpAddr::V4(Ipv4Addr::new(127, 0, 0, last));
    let v6 = |last: u16| IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, last));
    match conversation {
        0 => ((v4(1), 40000), (v4(1), 5000)),
        1 => ((v4(2), 40001), (v4(1), 5000)),
        2 => ((v6(1), 40000), (v6(2), 5000)),
        _ => ((v6(1), 40002), (v6(2), 5000)),
    }
}

fn run_info() -> RunInfo {
    RunInfo {
        title: "fuzz".into(),
        description: None,
        lang: Lang::En,
        source: "fuzz input".into(),
    }
}

/// Both renderers at once, discarding their output; `variant` picks colour, language and width.
struct Renderers {
    json: JsonRenderer<io::Sink>,
    ladder: LadderRenderer<io::Sink>,
}

impl Renderers {
    fn new(variant: usize) -> Self {
        Renderers {
            json: JsonRenderer::new(io::sink()),
            ladder: LadderRenderer::new(
                io::sink(),
                LadderOptions {
                    color: variant % 2 == 1,
                    lang: if variant % 4 >= 2 {
                        Lang::ZhCn
                    } else {
                        Lang::En
                    },
                    width: 40 + variant % 200,
                },
            ),
        }
    }
}

impl Sink for Renderers {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()> {
        self.json.begin(info)?;
        self.ladder.begin(info)
    }
    fn call(&mut self, call: &socklab::timeline::SocketCall) -> io::Result<()> {
        self.json.call(call)?;
        self.ladder.call(call)
    }
    fn packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &socklab::analysis::Verdict,
        flow: Option<&socklab::analysis::FlowInfo>,
    ) -> io::Result<()> {
        self.json.packet(packet, verdict, flow)?;
        self.ladder.packet(packet, verdict, flow)
    }
    fn undecodable(
        &mut self,
        frame: &Frame<'_>,
        error: &socklab::decode::DecodeError,
    ) -> io::Result<()> {
        self.json.undecodable(frame, error)?;
        self.ladder.undecodable(frame, error)
    }
    fn finish(
        &mut self,
        summary: &socklab::analysis::Summary,
        stats: &socklab::capture::CaptureStats,
    ) -> io::Result<()> {
        self.json.finish(summary, stats)?;
        self.ladder.finish(summary, stats)
    }
}

/// The pipeline as the commands build it: decode, analysis, both renderers, and a pcapng copy with
/// each packet's explanation as its comment.
struct Explain {
    renderers: Renderers,
    writer: Option<CaptureWriter<io::Sink>>,
    lang: Lang,
}

impl Explain {
    fn new(variant: usize) -> Self {
        let renderers = Renderers::new(variant);
        let lang = if variant % 4 >= 2 {
            Lang::ZhCn
        } else {
            Lang::En
        };
        Explain {
            renderers,
            writer: CaptureWriter::new_pcapng(io::sink(), Some("fuzz")).ok(),
            lang,
        }
    }

    /// Runs `feed` with a pipeline, then finishes the run (summary); returns what `feed` returned.
    fn frames<T: StatsLike>(&mut self, feed: impl FnOnce(&mut Pipeline<'_, io::Sink>) -> T) -> T {
        let _ = self.renderers.begin(&run_info());
        let mut pipeline = Pipeline::new(&mut self.renderers, self.writer.as_mut(), self.lang);
        let result = feed(&mut pipeline);
        let _ = pipeline.finish(&result.stats());
        result
    }
}

/// What a feed reports to finish the run with.
trait StatsLike {
    fn stats(&self) -> socklab::capture::CaptureStats;
}

impl StatsLike for () {
    fn stats(&self) -> socklab::capture::CaptureStats {
        socklab::capture::CaptureStats {
            frames: 1,
            kernel_drops: 0,
        }
    }
}

impl StatsLike for socklab::capture::CaptureStats {
    fn stats(&self) -> socklab::capture::CaptureStats {
        *self
    }
}

/// The lesson parser and validator on arbitrary text: any input gives a lesson or `file:line:col`
/// diagnostics, never a panic.
pub fn parse_lesson(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(error) = socklab::lesson::load("fuzz.toml", text) {
            // Rendering the diagnostics is part of the contract too (spans must fall inside the text).
            let _ = error.to_string();
        }
    }
}
