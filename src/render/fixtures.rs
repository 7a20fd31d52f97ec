//! Hand-built packets, verdicts and summaries for the renderers' tests: a loopback TCP echo (handshake, one
//! exchange of 5 bytes, teardown) and a UDP datagram answered by ICMP port unreachable.

use crate::analysis::{
    Annotation, EndpointStates, FlowId, FlowInfo, FlowProtocol, FlowSummary, ProtocolSummary,
    ProtocolTotals, Role, Summary, TcpState, Verdict,
};
use crate::capture::{LinkType, Timestamp};
use crate::decode::{
    IcmpKind, IcmpMessage, IpInfo, IpVersion, LinkInfo, Packet, QuotedDatagram, TcpFlags,
    TcpOptions, TcpSegment, Transport, UdpDatagram,
};
use crate::lang::Lang;
use crate::timeline::{CallOutcome, SocketCall};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::RunInfo;

pub const CLIENT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 43210);
pub const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5000);
const BASE: i64 = 1_700_000_000_000_000_000;
const CLIENT_ISN: u32 = 0xfffffff0; // wraps during the exchange, as real ISNs can
const SERVER_ISN: u32 = 0x2000_0000;

pub const TCP_STREAM_0: FlowId = FlowId {
    protocol: FlowProtocol::Tcp,
    index: 0,
};
pub const UDP_STREAM_0: FlowId = FlowId {
    protocol: FlowProtocol::Udp,
    index: 0,
};

fn ends(from: Role) -> (SocketAddr, SocketAddr) {
    match from {
        Role::Client => (CLIENT, SERVER),
        Role::Server => (SERVER, CLIENT),
    }
}

fn ip(from: Role, protocol: u8, payload: u32) -> IpInfo {
    let (src, dst) = ends(from);
    IpInfo {
        version: IpVersion::V4,
        src: src.ip(),
        dst: dst.ip(),
        header_len: 20,
        total_len: 20 + payload,
        ttl: 64,
        protocol,
        identification: 0,
        dont_fragment: true,
        is_fragment: false,
    }
}

fn ethernet() -> LinkInfo {
    LinkInfo {
        link_type: LinkType::Ethernet,
        header_len: 14,
        vlan: None,
        ether_type: Some(0x0800),
    }
}

/// A TCP segment `from` one side, `nanos` after the base time. SYNs carry the options Linux sends.
pub fn tcp(
    number: u64,
    nanos: i64,
    from: Role,
    flags: u16,
    payload: &'static [u8],
) -> Packet<'static> {
    let (src, dst) = ends(from);
    let syn = flags & TcpFlags::SYN != 0;
    let options = TcpOptions {
        mss: syn.then_some(65495),
        window_scale: syn.then_some(7),
        sack_permitted: syn,
        timestamps: Some((1000, if syn && from == Role::Client { 0 } else { 999 })),
        nop_count: if syn { 1 } else { 2 },
        ..TcpOptions::default()
    };
    let header_len: u8 = if syn { 40 } else { 32 };
    let (seq, ack) = match from {
        Role::Client => (CLIENT_ISN, SERVER_ISN),
        Role::Server => (SERVER_ISN, CLIENT_ISN),
    };
    let payload_len = payload.len() as u32;
    Packet {
        number,
        timestamp: Timestamp(BASE + nanos),
        captured_len: 14 + 20 + u32::from(header_len) + payload_len,
        original_len: 14 + 20 + u32::from(header_len) + payload_len,
        link: ethernet(),
        ip: Some(ip(from, 6, u32::from(header_len) + payload_len)),
        transport: Transport::Tcp(TcpSegment {
            src_port: src.port(),
            dst_port: dst.port(),
            seq,
            ack,
            flags: TcpFlags(flags),
            window: 512,
            header_len,
            urgent_ptr: 0,
            checksum: 0xfe30,
            options,
            payload_len,
            payload,
        }),
    }
}

pub fn udp(number: u64, nanos: i64, from: Role, payload: &'static [u8]) -> Packet<'static> {
    let (src, dst) = ends(from);
    let payload_len = payload.len() as u32;
    Packet {
        number,
        timestamp: Timestamp(BASE + nanos),
        captured_len: 14 + 20 + 8 + payload_len,
        original_len: 14 + 20 + 8 + payload_len,
        link: ethernet(),
        ip: Some(ip(from, 17, 8 + payload_len)),
        transport: Transport::Udp(UdpDatagram {
            src_port: src.port(),
            dst_port: dst.port(),
            length: 8 + payload_len as u16,
            checksum: 0xfe2b,
            payload_len,
            payload,
        }),
    }
}

/// The server host answers a datagram from the client: nothing listens on the port.
pub fn icmp_port_unreachable(number: u64, nanos: i64) -> Packet<'static> {
    Packet {
        number,
        timestamp: Timestamp(BASE + nanos),
        captured_len: 14 + 20 + 8 + 32,
        original_len: 14 + 20 + 8 + 32,
        link: ethernet(),
        ip: Some(ip(Role::Server, 1, 8 + 32)),
        transport: Transport::Icmp(IcmpMessage {
            version: IpVersion::V4,
            icmp_type: 3,
            code: 3,
            kind: IcmpKind::DestinationUnreachable {
                port_unreachable: true,
            },
            quoted: Some(QuotedDatagram {
                src: CLIENT.ip(),
                dst: SERVER.ip(),
                protocol: 17,
                src_port: Some(CLIENT.port()),
                dst_port: Some(SERVER.port()),
            }),
        }),
    }
}

/// A verdict for TCP stream 0.
pub fn verdict(from: Role, rel_seq: u32, rel_ack: Option<u32>, rel_next_seq: u32) -> Verdict {
    Verdict {
        flow: Some(TCP_STREAM_0),
        from: Some(from),
        rel_seq: Some(rel_seq),
        rel_ack,
        rel_next_seq: Some(rel_next_seq),
        scaled_window: Some(512 << 7),
        ..Verdict::default()
    }
}

pub fn tcp_flow() -> FlowInfo {
    FlowInfo {
        id: TCP_STREAM_0,
        client: CLIENT,
        server: SERVER,
        first_packet: 1,
    }
}

pub fn udp_flow() -> FlowInfo {
    FlowInfo {
        id: UDP_STREAM_0,
        ..tcp_flow()
    }
}

pub fn run_info(lang: Lang) -> RunInfo {
    RunInfo {
        title: "TCP echo".to_string(),
        description: Some(
            "A client connects to a server on loopback, sends 5 bytes, gets them back, and both sides close."
                .to_string(),
        ),
        lang,
        source: "live capture on lo".to_string(),
    }
}

/// One entry of the echo timeline.
#[allow(clippy::large_enum_variant)] // a handful of test values; boxing would only add noise
pub enum Step {
    Call(SocketCall),
    Packet(Packet<'static>, Verdict),
}

fn call(actor: &str, call: &str, outcome: CallOutcome) -> Step {
    Step::Call(SocketCall {
        actor: actor.to_string(),
        call: call.to_string(),
        outcome,
    })
}

fn returned(value: &str) -> CallOutcome {
    CallOutcome::Returned {
        value: value.to_string(),
    }
}

fn segment(
    (number, micros): (u64, i64),
    from: Role,
    flags: u16,
    payload: &'static [u8],
    (seq, ack, next): (u32, Option<u32>, u32),
    (client, server): (TcpState, TcpState),
    notes: &[Annotation],
) -> Step {
    let mut verdict = verdict(from, seq, ack, next);
    verdict.new_flow = number == 1;
    verdict.states = Some(EndpointStates { client, server });
    for note in notes {
        verdict.notes.push(*note);
    }
    Step::Packet(tcp(number, micros * 1000, from, flags, payload), verdict)
}

/// A TCP echo as the scenario engine would report it: socket calls and analysed packets, in order.
pub fn echo_timeline() -> Vec<Step> {
    use Role::{Client, Server};
    use TcpState::*;
    const SYN: u16 = TcpFlags::SYN;
    const ACK: u16 = TcpFlags::ACK;
    const PSH: u16 = TcpFlags::PSH;
    const FIN: u16 = TcpFlags::FIN;
    vec![
        call("server", "listen(backlog=1)", returned("0")),
        call("client", "connect(127.0.0.1:5000)", CallOutcome::Called),
        segment(
            (1, 0),
            Client,
            SYN,
            b"",
            (0, None, 1),
            (SynSent, SynReceived),
            &[Annotation::HandshakeSyn],
        ),
        segment(
            (2, 21),
            Server,
            SYN | ACK,
            b"",
            (0, Some(1), 1),
            (Established, SynReceived),
            &[Annotation::HandshakeSynAck],
        ),
        segment(
            (3, 35),
            Client,
            ACK,
            b"",
            (1, Some(1), 1),
            (Established, Established),
            &[Annotation::HandshakeAck],
        ),
        call("client", "connect(127.0.0.1:5000)", returned("0")),
        call("server", "accept()", returned("fd 4 from 127.0.0.1:43210")),
        call("client", "send(\"hello\")", returned("5 B")),
        segment(
            (4, 102),
            Client,
            PSH | ACK,
            b"hello",
            (1, Some(1), 6),
            (Established, Established),
            &[Annotation::Data {
                from: Client,
                bytes: 5,
            }],
        ),
        segment(
            (5, 110),
            Server,
            ACK,
            b"",
            (1, Some(6), 1),
            (Established, Established),
            &[Annotation::PureAck {
                from: Server,
                acked: 6,
            }],
        ),
        segment(
            (6, 180),
            Server,
            PSH | ACK,
            b"hello",
            (1, Some(6), 6),
            (Established, Established),
            &[Annotation::Data {
                from: Server,
                bytes: 5,
            }],
        ),
        segment(
            (7, 190),
            Client,
            ACK,
            b"",
            (6, Some(6), 6),
            (Established, Established),
            &[Annotation::PureAck {
                from: Client,
                acked: 6,
            }],
        ),
        call("client", "close()", returned("0")),
        segment(
            (8, 250),
            Client,
            FIN | ACK,
            b"",
            (6, Some(6), 7),
            (FinWait1, CloseWait),
            &[Annotation::TeardownFin {
                from: Client,
                step: 1,
            }],
        ),
        call("server", "close()", returned("0")),
        segment(
            (9, 262),
            Server,
            FIN | ACK,
            b"",
            (6, Some(7), 7),
            (TimeWait, LastAck),
            &[Annotation::TeardownFinAckPiggybacked { from: Server }],
        ),
        segment(
            (10, 270),
            Client,
            ACK,
            b"",
            (7, Some(7), 7),
            (TimeWait, Closed),
            &[Annotation::TeardownAck {
                from: Client,
                step: 4,
            }],
        ),
    ]
}

pub fn echo_summary() -> Summary {
    use TcpState::*;
    let totals = ProtocolTotals {
        packets: 10,
        link_header_bytes: 140,
        ip_header_bytes: 200,
        transport_header_bytes: 2 * 40 + 8 * 32,
        payload_bytes: 10,
    };
    Summary {
        protocols: ProtocolSummary {
            tcp: totals,
            ..ProtocolSummary::default()
        },
        flows: vec![FlowSummary {
            info: tcp_flow(),
            packets: 10,
            client_payload_bytes: 5,
            server_payload_bytes: 5,
            history: "ShADadFf".to_string(),
            client_states: vec![Closed, SynSent, Established, FinWait1, TimeWait],
            server_states: vec![Listen, SynReceived, Established, CloseWait, LastAck, Closed],
            final_states: Some(EndpointStates {
                client: TimeWait,
                server: Closed,
            }),
            handshake_complete: true,
            closed_cleanly: true,
            active_closer: Some(Role::Client),
        }],
        unlisted: Default::default(),
    }
}

/// Runs `each` on every packet of every capture in `fixtures/` that decodes, with its verdict and the
/// analyzer that gave it; returns how many packets that was.
pub fn for_every_fixture_packet(
    mut each: impl FnMut(&Packet<'_>, &Verdict, &crate::analysis::Analyzer),
) -> usize {
    use crate::capture::{FileSource, FrameSource, Next};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "pcapng") {
            continue;
        }
        let mut source = FileSource::open(&path).unwrap();
        let mut analyzer = crate::analysis::Analyzer::new();
        while let Next::Frame(frame) = source.next_frame().unwrap() {
            let Ok(packet) = crate::decode::decode(&frame) else {
                continue;
            };
            let verdict = analyzer.process(&packet);
            each(&packet, &verdict, &analyzer);
            checked += 1;
        }
    }
    checked
}
