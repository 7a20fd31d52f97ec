//! What each packet of a lesson's run was, kept after decoding and analysis so quiz answers can be
//! computed from the capture and `?` can explain a packet later.

use crate::analysis::{FlowId, Role, Verdict};
use crate::decode::{IcmpMessage, IpInfo, Packet, TcpFlags, TcpOptions, Transport};

/// One captured packet, owned (no borrowed payload).
#[derive(Clone, Debug)]
pub struct PacketFacts {
    /// The frame number (1-based).
    pub number: u64,
    /// The index of the lesson step that caused it (0-based).
    pub step: usize,
    pub link_header_len: u16,
    pub ip: Option<IpInfo>,
    pub transport: TransportFacts,
    pub from: Option<Role>,
    pub flow: Option<FlowId>,
    pub rel_seq: Option<u32>,
    pub rel_ack: Option<u32>,
    pub related_packet: Option<u64>,
}

#[derive(Clone, Copy, Debug)]
pub enum TransportFacts {
    Tcp {
        src_port: u16,
        dst_port: u16,
        flags: TcpFlags,
        window: u16,
        header_len: u8,
        options: TcpOptions,
        payload_len: u32,
    },
    Udp {
        src_port: u16,
        dst_port: u16,
        length: u16,
        payload_len: u32,
    },
    Icmp(IcmpMessage),
    Other,
}

impl PacketFacts {
    pub fn new(packet: &Packet<'_>, verdict: &Verdict, step: usize) -> PacketFacts {
        let transport = match &packet.transport {
            Transport::Tcp(segment) => TransportFacts::Tcp {
                src_port: segment.src_port,
                dst_port: segment.dst_port,
                flags: segment.flags,
                window: segment.window,
                header_len: segment.header_len,
                options: segment.options,
                payload_len: segment.payload_len,
            },
            Transport::Udp(datagram) => TransportFacts::Udp {
                src_port: datagram.src_port,
                dst_port: datagram.dst_port,
                length: datagram.length,
                payload_len: datagram.payload_len,
            },
            Transport::Icmp(message) => TransportFacts::Icmp(*message),
            Transport::OtherIp { .. } | Transport::NotIp => TransportFacts::Other,
        };
        PacketFacts {
            number: packet.number,
            step,
            link_header_len: packet.link.header_len,
            ip: packet.ip,
            transport,
            from: verdict.from,
            flow: verdict.flow,
            rel_seq: verdict.rel_seq,
            rel_ack: verdict.rel_ack,
            related_packet: verdict.related_packet,
        }
    }

    pub fn tcp_flags(&self) -> Option<TcpFlags> {
        match self.transport {
            TransportFacts::Tcp { flags, .. } => Some(flags),
            _ => None,
        }
    }

    pub fn is_tcp(&self) -> bool {
        matches!(self.transport, TransportFacts::Tcp { .. })
    }

    pub fn is_udp(&self) -> bool {
        matches!(self.transport, TransportFacts::Udp { .. })
    }

    /// Application bytes carried (0 for ICMP).
    pub fn payload_len(&self) -> u32 {
        match self.transport {
            TransportFacts::Tcp { payload_len, .. } | TransportFacts::Udp { payload_len, .. } => {
                payload_len
            }
            _ => 0,
        }
    }

    /// Transport header bytes: TCP 20 + options, UDP 8, ICMP 8.
    pub fn transport_header_len(&self) -> u32 {
        match self.transport {
            TransportFacts::Tcp { header_len, .. } => u32::from(header_len),
            TransportFacts::Udp { .. } | TransportFacts::Icmp(_) => 8,
            TransportFacts::Other => 0,
        }
    }

    /// (source port, destination port) of TCP and UDP.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match self.transport {
            TransportFacts::Tcp {
                src_port, dst_port, ..
            }
            | TransportFacts::Udp {
                src_port, dst_port, ..
            } => Some((src_port, dst_port)),
            _ => None,
        }
    }
}
