//! Replaying a million packets goes through the renderers, so they must not allocate per packet.
//! A counting allocator (per thread, so the test harness's own threads do not count) checks it.
//! This lives in its own test binary because a global allocator applies to the whole binary.

use socklab::analysis::{
    Annotation, EndpointStates, FlowId, FlowInfo, FlowProtocol, Role, TcpState, Verdict,
};
use socklab::capture::{Frame, LinkType, Timestamp};
use socklab::decode::{
    DecodeError, IcmpKind, IcmpMessage, IpInfo, IpVersion, Layer, LinkInfo, Packet, QuotedDatagram,
    TcpFlags, TcpOptions, TcpSegment, Transport, UdpDatagram,
};
use socklab::lang::Lang;
use socklab::render::{JsonRenderer, LadderOptions, LadderRenderer, RunInfo, Sink};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, BufWriter};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note_allocation() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made on this thread while `work` runs.
fn allocations_during(work: impl FnOnce()) -> u64 {
    ALLOCATIONS.with(|count| count.set(0));
    COUNTING.with(|on| on.set(true));
    work();
    COUNTING.with(|on| on.set(false));
    ALLOCATIONS.with(Cell::get)
}

const CLIENT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 43210);
const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5000);
const TCP_FLOW: FlowId = FlowId {
    protocol: FlowProtocol::Tcp,
    index: 0,
};
const UDP_FLOW: FlowId = FlowId {
    protocol: FlowProtocol::Udp,
    index: 0,
};

fn ip(protocol: u8) -> IpInfo {
    IpInfo {
        version: IpVersion::V4,
        src: CLIENT.ip(),
        dst: SERVER.ip(),
        header_len: 20,
        total_len: 57,
        ttl: 64,
        protocol,
        identification: 7,
        dont_fragment: true,
        is_fragment: false,
    }
}

fn packet(number: u64, transport: Transport<'static>, protocol: u8) -> Packet<'static> {
    Packet {
        number,
        timestamp: Timestamp(1_700_000_000_000_000_000 + number as i64 * 1_000),
        captured_len: 71,
        original_len: 71,
        link: LinkInfo {
            link_type: LinkType::Ethernet,
            header_len: 14,
            vlan: Some(5),
            ether_type: Some(0x0800),
        },
        ip: Some(ip(protocol)),
        transport,
    }
}

/// A mix of what a replay meets: TCP data with notes and states, UDP, ICMP, and a frame that fails to decode.
fn feed(
    sink: &mut dyn Sink,
    numbers: std::ops::Range<u64>,
    flows: (&FlowInfo, &FlowInfo),
    error: &DecodeError,
) {
    let mut options = TcpOptions {
        timestamps: Some((1, 2)),
        sack_block_count: 1,
        ..TcpOptions::default()
    };
    options.sack_blocks[0] = (10, 20);
    for number in numbers {
        let from = if number % 2 == 0 {
            Role::Client
        } else {
            Role::Server
        };
        let mut verdict = Verdict {
            flow: Some(TCP_FLOW),
            new_flow: number == 1,
            from: Some(from),
            rel_seq: Some(number as u32),
            rel_ack: Some(1),
            rel_next_seq: Some(number as u32 + 5),
            scaled_window: Some(65536),
            states: Some(EndpointStates {
                client: TcpState::Established,
                server: TcpState::CloseWait,
            }),
            ..Verdict::default()
        };
        verdict.notes.push(Annotation::Data { from, bytes: 5 });
        verdict
            .notes
            .push(Annotation::Retransmission { from, bytes: 5 });
        let tcp = Transport::Tcp(TcpSegment {
            src_port: CLIENT.port(),
            dst_port: SERVER.port(),
            seq: u32::MAX,
            ack: 1,
            flags: TcpFlags(TcpFlags::PSH | TcpFlags::ACK),
            window: 512,
            header_len: 32,
            urgent_ptr: 0,
            checksum: 1,
            options,
            payload_len: 5,
            payload: b"hello",
        });
        match number % 4 {
            0 | 1 => sink.packet(&packet(number, tcp, 6), &verdict, Some(flows.0)),
            2 => {
                let udp = Transport::Udp(UdpDatagram {
                    src_port: CLIENT.port(),
                    dst_port: SERVER.port(),
                    length: 13,
                    checksum: 2,
                    payload_len: 5,
                    payload: b"hello",
                });
                let verdict = Verdict {
                    flow: Some(UDP_FLOW),
                    new_flow: number == 2,
                    from: Some(Role::Client),
                    ..Verdict::default()
                };
                sink.packet(&packet(number, udp, 17), &verdict, Some(flows.1))
            }
            _ if number % 8 == 7 => {
                let frame = Frame {
                    number,
                    timestamp: Timestamp(1_700_000_000_000_000_000),
                    link_type: LinkType::Ethernet,
                    data: b"\0\0\0\0",
                    original_len: 60,
                };
                sink.undecodable(&frame, error)
            }
            _ => {
                let icmp = Transport::Icmp(IcmpMessage {
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
                });
                let mut verdict = Verdict {
                    flow: Some(UDP_FLOW),
                    from: Some(Role::Server),
                    related_packet: Some(number - 1),
                    ..Verdict::default()
                };
                verdict.notes.push(Annotation::IcmpPortUnreachable {
                    datagram: Some(number - 1),
                    port: Some(5000),
                });
                sink.packet(&packet(number, icmp, 1), &verdict, Some(flows.1))
            }
        }
        .unwrap();
    }
}

fn run_info(lang: Lang) -> RunInfo {
    RunInfo {
        title: "replay".to_string(),
        description: None,
        lang,
        source: "memory".to_string(),
    }
}

fn assert_no_allocations_per_packet(sink: &mut dyn Sink, lang: Lang) {
    let tcp = FlowInfo {
        id: TCP_FLOW,
        client: CLIENT,
        server: SERVER,
        first_packet: 1,
    };
    let udp = FlowInfo {
        id: UDP_FLOW,
        first_packet: 2,
        ..tcp
    };
    let error = DecodeError {
        layer: Layer::Ip,
        offset: 14,
        message: "the IP header says it is 60 bytes long, but only 20 bytes were captured"
            .to_string(),
    };
    sink.begin(&run_info(lang)).unwrap();
    // Warm up: scratch buffers grow to their working size once.
    feed(sink, 1..200, (&tcp, &udp), &error);
    let allocations = allocations_during(|| feed(sink, 200..20_200, (&tcp, &udp), &error));
    assert_eq!(allocations, 0, "allocations while rendering 20 000 frames");
}

#[test]
fn the_ladder_allocates_nothing_per_packet() {
    for (lang, color) in [(Lang::En, false), (Lang::ZhCn, true)] {
        let options = LadderOptions {
            color,
            lang,
            width: 100,
        };
        let mut ladder = LadderRenderer::new(BufWriter::new(io::sink()), options);
        assert_no_allocations_per_packet(&mut ladder, lang);
    }
}

#[test]
fn the_json_renderer_allocates_nothing_per_packet() {
    for lang in [Lang::En, Lang::ZhCn] {
        let mut json = JsonRenderer::new(BufWriter::new(io::sink()));
        assert_no_allocations_per_packet(&mut json, lang);
    }
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the guard: if counting were broken, the tests above would pass for nothing.
    let allocations = allocations_during(|| {
        std::hint::black_box(vec![1u8; 10]);
    });
    assert_eq!(allocations, 1);
}
