//! Real frames for the grading tests, built with etherparse: TCP conversations whose sequence numbers
//! follow the flags sent, UDP datagrams, and ICMP port unreachable.

use super::wire::Wire;
use crate::analysis::Role;
use crate::capture::{LinkType, MemorySource, OwnedFrame, Timestamp};
use etherparse::PacketBuilder;

const CLIENT_ISN: u32 = 1000;
const SERVER_ISN: u32 = 5000;

/// A capture being written: several TCP connections and UDP datagrams on one frame counter.
#[derive(Default)]
pub struct Capture {
    source: MemorySource,
    nanos: i64,
}

impl Capture {
    fn push(&mut self, bytes: Vec<u8>) {
        self.nanos += 1000;
        self.source
            .push(Timestamp(self.nanos), LinkType::Ethernet, bytes);
    }

    pub fn frames(&self) -> Vec<OwnedFrame> {
        let mut source = self.source.clone();
        let mut frames = Vec::new();
        while let Ok(crate::capture::Next::Frame(frame)) =
            crate::capture::FrameSource::next_frame(&mut source)
        {
            frames.push(OwnedFrame::from(frame));
        }
        frames
    }

    pub fn analyse(&self) -> Wire {
        let frames = self.frames();
        Wire::analyse(frames.iter().map(OwnedFrame::as_frame))
    }

    pub fn udp(&mut self, src_port: u16, dst_port: u16, payload: &[u8]) {
        let builder = PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .udp(src_port, dst_port);
        let mut bytes = Vec::new();
        let _ = builder.write(&mut bytes, payload);
        self.push(bytes);
    }

    /// ICMP port unreachable quoting a UDP datagram src_port → dst_port.
    pub fn port_unreachable(&mut self, src_port: u16, dst_port: u16, payload: &[u8]) {
        let mut quoted = Vec::new();
        let _ = PacketBuilder::ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .udp(src_port, dst_port)
            .write(&mut quoted, payload);
        let builder = PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
                etherparse::icmpv4::DestUnreachableHeader::Port,
            ));
        let mut bytes = Vec::new();
        let _ = builder.write(&mut bytes, &quoted);
        self.push(bytes);
    }
}

/// One TCP connection on a [`Capture`].
pub struct Tcp {
    client_port: u16,
    server_port: u16,
    /// Next sequence number of each side.
    client_next: u32,
    server_next: u32,
}

impl Tcp {
    pub fn new(client_port: u16, server_port: u16) -> Tcp {
        Tcp {
            client_port,
            server_port,
            client_next: CLIENT_ISN,
            server_next: SERVER_ISN,
        }
    }

    fn segment(&mut self, capture: &mut Capture, from: Role, flags: &str, payload: &[u8]) {
        let (src, dst, seq, ack) = match from {
            Role::Client => (
                self.client_port,
                self.server_port,
                self.client_next,
                self.server_next,
            ),
            Role::Server => (
                self.server_port,
                self.client_port,
                self.server_next,
                self.client_next,
            ),
        };
        let mut builder = PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .tcp(src, dst, seq, 65535);
        let with_ack = !flags.contains('S') || flags.contains('A');
        if flags.contains('S') {
            builder = builder.syn();
        }
        if flags.contains('F') {
            builder = builder.fin();
        }
        if flags.contains('R') {
            builder = builder.rst();
        }
        if !payload.is_empty() {
            builder = builder.psh();
        }
        if with_ack && (flags.contains('A') || !flags.contains('R')) {
            builder = builder.ack(ack);
        }
        let mut bytes = Vec::new();
        let _ = builder.write(&mut bytes, payload);
        capture.push(bytes);
        let advance =
            payload.len() as u32 + u32::from(flags.contains('S')) + u32::from(flags.contains('F'));
        match from {
            Role::Client => self.client_next = self.client_next.wrapping_add(advance),
            Role::Server => self.server_next = self.server_next.wrapping_add(advance),
        }
    }

    pub fn handshake(&mut self, capture: &mut Capture) {
        self.segment(capture, Role::Client, "S", b"");
        self.segment(capture, Role::Server, "SA", b"");
        self.segment(capture, Role::Client, "A", b"");
    }

    /// A SYN answered by RST (nothing listens).
    pub fn refused(&mut self, capture: &mut Capture) {
        self.segment(capture, Role::Client, "S", b"");
        self.server_next = 0;
        self.segment(capture, Role::Server, "RA", b"");
    }

    pub fn data(&mut self, capture: &mut Capture, from: Role, payload: &[u8]) {
        self.segment(capture, from, "A", payload);
    }

    pub fn ack(&mut self, capture: &mut Capture, from: Role) {
        self.segment(capture, from, "A", b"");
    }

    pub fn fin(&mut self, capture: &mut Capture, from: Role) {
        self.segment(capture, from, "FA", b"");
    }

    pub fn rst(&mut self, capture: &mut Capture, from: Role) {
        self.segment(capture, from, "RA", b"");
    }

    /// Data, acknowledged by the other side.
    pub fn exchange(&mut self, capture: &mut Capture, from: Role, payload: &[u8]) {
        self.data(capture, from, payload);
        self.ack(capture, from.peer());
    }

    /// FIN from `first`, ACK, FIN from the other, ACK.
    pub fn close(&mut self, capture: &mut Capture, first: Role) {
        self.fin(capture, first);
        self.ack(capture, first.peer());
        self.fin(capture, first.peer());
        self.ack(capture, first);
    }
}

/// A capture holding a single TCP connection, for the shortest tests.
pub struct Conversation {
    pub capture: Capture,
    pub tcp: Tcp,
}

impl Conversation {
    pub fn new(client_port: u16, server_port: u16) -> Self {
        Conversation {
            capture: Capture::default(),
            tcp: Tcp::new(client_port, server_port),
        }
    }
    pub fn handshake(&mut self) {
        self.tcp.handshake(&mut self.capture);
    }
    pub fn data(&mut self, from: Role, payload: &[u8]) {
        self.tcp.data(&mut self.capture, from, payload);
    }
    pub fn fin(&mut self, from: Role) {
        self.tcp.fin(&mut self.capture, from);
    }
    pub fn analyse(&self) -> Wire {
        self.capture.analyse()
    }
}
