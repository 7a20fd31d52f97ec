//! Synthetic traffic for the benchmarks (shared by `examples/gen_capture.rs` and `benches/pipeline.rs`):
//! many interleaved TCP connections (handshake, request/response data, some retransmissions, FIN or RST
//! teardown; one in eight over IPv6) plus UDP request/response traffic between a fixed set of client ports
//! and a server, as Ethernet frames. Seeded, so the same count always gives the same bytes; time comes
//! from a counter (about 200,000 packets per second).

use etherparse::{PacketBuilder, TcpOptionElement};
use std::net::Ipv6Addr;

/// Connections (and UDP exchanges) in progress at once, interleaved packet by packet.
const CONCURRENT: usize = 256;
/// Distinct UDP client ports: UDP flows have no end on the wire, so they are reused, as a stub resolver does.
const UDP_CLIENTS: u32 = 1000;
const SERVER_V4: [u8; 4] = [10, 1, 0, 1];
const CLIENT_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const SERVER_MAC: [u8; 6] = [2, 0, 0, 0, 0, 2];
/// 2023-11-14 22:13:20 UTC, in nanoseconds.
const START_NS: i64 = 1_700_000_000 * 1_000_000_000;

/// An endless stream of frames.
pub struct Traffic {
    rng: Rng,
    active: Vec<Conversation>,
    started: u64,
    time_ns: i64,
}

impl Default for Traffic {
    fn default() -> Self {
        Self::new()
    }
}

impl Traffic {
    pub fn new() -> Self {
        Traffic {
            rng: Rng(0x5eed_cafe_f00d_d00d),
            active: Vec::with_capacity(CONCURRENT),
            started: 0,
            time_ns: START_NS,
        }
    }

    /// Replaces `out` with the next Ethernet frame and returns its timestamp in nanoseconds since 1970.
    pub fn next_frame(&mut self, out: &mut Vec<u8>) -> i64 {
        loop {
            while self.active.len() < CONCURRENT {
                self.active
                    .push(Conversation::start(&mut self.rng, self.started));
                self.started += 1;
            }
            let slot = self.rng.below(self.active.len() as u64) as usize;
            let conversation = &mut self.active[slot];
            let Some(segment) = conversation.segments.get(conversation.next).copied() else {
                self.active.swap_remove(slot);
                continue;
            };
            conversation.next += 1;
            out.clear();
            conversation.build(&segment, out);
            if conversation.next == conversation.segments.len() {
                self.active.swap_remove(slot);
            }
            self.time_ns += 4_000 + self.rng.below(2_000) as i64;
            return self.time_ns;
        }
    }

    /// Conversations (TCP connections and UDP exchanges) begun so far.
    pub fn conversations_started(&self) -> u64 {
        self.started
    }
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

#[derive(Clone, Copy)]
struct Segment {
    from_client: bool,
    syn: bool,
    ack: bool,
    fin: bool,
    rst: bool,
    psh: bool,
    seq: u32,
    ack_number: u32,
    len: u16,
}

impl Segment {
    fn new(from_client: bool, seq: u32, ack_number: u32) -> Self {
        Segment {
            from_client,
            syn: false,
            ack: true,
            fin: false,
            rst: false,
            psh: false,
            seq,
            ack_number,
            len: 0,
        }
    }
}

enum Kind {
    Tcp { v6: bool },
    Udp,
}

struct Conversation {
    kind: Kind,
    client_v4: [u8; 4],
    client_port: u16,
    server_port: u16,
    segments: Vec<Segment>,
    next: usize,
}

impl Conversation {
    fn start(rng: &mut Rng, serial: u64) -> Self {
        if rng.one_in(10) {
            let client = rng.below(u64::from(UDP_CLIENTS)) as u32;
            let mut segments = Vec::new();
            for _ in 0..1 + rng.below(2) {
                let mut query = Segment::new(true, 0, 0);
                query.len = 30 + rng.below(40) as u16;
                let mut answer = Segment::new(false, 0, 0);
                answer.len = 60 + rng.below(400) as u16;
                segments.extend([query, answer]);
            }
            return Conversation {
                kind: Kind::Udp,
                client_v4: [10, 2, (client >> 8) as u8, client as u8],
                client_port: 30_000 + client as u16,
                server_port: 53,
                segments,
                next: 0,
            };
        }
        // Distinct 4-tuples for 2^16 × 40,000 connections: never reused within any capture made here.
        let host = (serial % 65_536) as u32;
        Conversation {
            kind: Kind::Tcp { v6: rng.one_in(8) },
            client_v4: [10, 0, (host >> 8) as u8, host as u8],
            client_port: 20_000 + ((serial / 65_536) % 40_000) as u16,
            server_port: if rng.one_in(4) { 443 } else { 80 },
            segments: tcp_script(rng),
            next: 0,
        }
    }

    fn build(&self, segment: &Segment, out: &mut Vec<u8>) {
        let (src_mac, dst_mac) = if segment.from_client {
            (CLIENT_MAC, SERVER_MAC)
        } else {
            (SERVER_MAC, CLIENT_MAC)
        };
        let link = PacketBuilder::ethernet2(src_mac, dst_mac);
        let (client_port, server_port) = (self.client_port, self.server_port);
        let (src_port, dst_port) = if segment.from_client {
            (client_port, server_port)
        } else {
            (server_port, client_port)
        };
        let payload = &PAYLOAD[..usize::from(segment.len)];
        let ip = match self.kind {
            Kind::Tcp { v6: true } => {
                let client = v6_of(self.client_v4);
                let server = v6_of(SERVER_V4);
                let (src, dst) = if segment.from_client {
                    (client, server)
                } else {
                    (server, client)
                };
                link.ipv6(src.octets(), dst.octets(), 64)
            }
            _ => {
                let (src, dst) = if segment.from_client {
                    (self.client_v4, SERVER_V4)
                } else {
                    (SERVER_V4, self.client_v4)
                };
                link.ipv4(src, dst, 64)
            }
        };
        if let Kind::Udp = self.kind {
            let _ = ip.udp(src_port, dst_port).write(out, payload);
            return;
        }
        let mut tcp = ip.tcp(src_port, dst_port, segment.seq, 64_240);
        if segment.syn {
            tcp = tcp.syn();
        }
        if segment.ack {
            tcp = tcp.ack(segment.ack_number);
        }
        if segment.fin {
            tcp = tcp.fin();
        }
        if segment.rst {
            tcp = tcp.rst();
        }
        if segment.psh {
            tcp = tcp.psh();
        }
        let timestamp = TcpOptionElement::Timestamp(segment.seq, segment.ack_number);
        let options: &[TcpOptionElement] = if segment.syn {
            &[
                TcpOptionElement::MaximumSegmentSize(1460),
                TcpOptionElement::SelectiveAcknowledgementPermitted,
                timestamp,
                TcpOptionElement::Noop,
                TcpOptionElement::WindowScale(7),
            ]
        } else {
            &[TcpOptionElement::Noop, TcpOptionElement::Noop, timestamp]
        };
        match tcp.options(options) {
            Ok(tcp) => {
                let _ = tcp.write(out, payload);
            }
            Err(_) => unreachable!("the option lists above fit in 40 bytes"),
        }
    }
}

fn v6_of(v4: [u8; 4]) -> Ipv6Addr {
    Ipv6Addr::new(
        0x2001,
        0xdb8,
        0,
        0,
        0,
        0,
        u16::from_be_bytes([v4[0], v4[1]]),
        u16::from_be_bytes([v4[2], v4[3]]),
    )
}

/// One connection: handshake, 1–3 request/response exchanges (responses up to three full segments, one
/// connection in six retransmits a response segment), then a four-step or three-step close, or a reset.
fn tcp_script(rng: &mut Rng) -> Vec<Segment> {
    let mut client = rng.next() as u32;
    let mut server = rng.next() as u32;
    let mut script = Vec::with_capacity(20);
    let mut syn = Segment::new(true, client, 0);
    syn.syn = true;
    syn.ack = false;
    client = client.wrapping_add(1);
    let mut syn_ack = Segment::new(false, server, client);
    syn_ack.syn = true;
    server = server.wrapping_add(1);
    script.extend([syn, syn_ack, Segment::new(true, client, server)]);
    let retransmit_in = if rng.one_in(6) { rng.below(3) } else { 99 };
    for exchange in 0..1 + rng.below(3) {
        let mut request = Segment::new(true, client, server);
        request.psh = true;
        request.len = 60 + rng.below(340) as u16;
        client = client.wrapping_add(u32::from(request.len));
        script.push(request);
        let mut response_left = 100 + rng.below(4_000) as u32;
        while response_left > 0 {
            let mut response = Segment::new(false, server, client);
            response.len = response_left.min(1448) as u16;
            response_left -= u32::from(response.len);
            response.psh = response_left == 0;
            server = server.wrapping_add(u32::from(response.len));
            script.push(response);
            if exchange == retransmit_in {
                script.push(response);
            }
        }
        script.push(Segment::new(true, client, server));
    }
    if rng.one_in(20) {
        let mut reset = Segment::new(true, client, server);
        reset.rst = true;
        script.push(reset);
        return script;
    }
    let mut client_fin = Segment::new(true, client, server);
    client_fin.fin = true;
    client = client.wrapping_add(1);
    script.push(client_fin);
    if rng.one_in(3) {
        let mut server_fin = Segment::new(false, server, client);
        server_fin.fin = true;
        server = server.wrapping_add(1);
        script.push(server_fin);
    } else {
        let mut server_fin = Segment::new(false, server, client);
        script.push(server_fin);
        server_fin.fin = true;
        server = server.wrapping_add(1);
        script.push(server_fin);
    }
    script.push(Segment::new(true, client, server));
    script
}

/// Printable request/response bytes, cut to each segment's length.
static PAYLOAD: [u8; 1448] = {
    let text = b"GET /lesson/sockets HTTP/1.1\r\nHost: socklab.example\r\nAccept: */*\r\n\r\n";
    let mut out = [b'.'; 1448];
    let mut i = 0;
    while i < out.len() {
        out[i] = text[i % text.len()];
        i += 1;
    }
    out
};
