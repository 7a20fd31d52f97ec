//! Our own typed view of a decoded frame: only what socklab explains, converted once from etherparse.
//!
//! Everything here is `Copy` or borrows the frame, so decoding allocates nothing.

use crate::capture::{LinkType, Timestamp};
use serde::Serialize;
use std::net::IpAddr;

/// A decoded frame.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// 1-based frame number in the capture.
    pub number: u64,
    pub timestamp: Timestamp,
    /// Bytes captured / bytes on the wire.
    pub captured_len: u32,
    pub original_len: u32,
    pub link: LinkInfo,
    /// `None` when the frame carries no IP packet (ARP, for example).
    pub ip: Option<IpInfo>,
    pub transport: Transport<'a>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LinkInfo {
    pub link_type: LinkType,
    /// Bytes of link-layer header (Ethernet 14, plus 4 per VLAN tag; SLL 16; SLL2 20; NULL 4; raw 0).
    pub header_len: u16,
    /// The outermost 802.1Q VLAN id, if the frame was tagged.
    pub vlan: Option<u16>,
    /// The EtherType (or equivalent protocol field) that named the network layer.
    pub ether_type: Option<u16>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum IpVersion {
    V4,
    V6,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct IpInfo {
    pub version: IpVersion,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4: IHL × 4 (20 without options). IPv6: 40 plus any extension headers.
    pub header_len: u16,
    /// Length of header plus payload as the header declares it (IPv4 total length, IPv6 40 + payload length).
    pub total_len: u32,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// The transport protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).
    pub protocol: u8,
    /// IPv4 identification field; 0 for IPv6.
    pub identification: u16,
    pub dont_fragment: bool,
    /// True for a fragment other than a complete datagram (its transport header may be absent).
    pub is_fragment: bool,
}

/// What the IP packet carried.
#[derive(Clone, Copy, Debug)]
pub enum Transport<'a> {
    Tcp(TcpSegment<'a>),
    Udp(UdpDatagram<'a>),
    Icmp(IcmpMessage),
    /// An IP protocol socklab does not explain, or a non-first fragment.
    OtherIp {
        protocol: u8,
        payload_len: u32,
    },
    /// The frame carries no IP at all (ARP, LLDP, ...).
    NotIp,
}

#[derive(Clone, Copy, Debug)]
pub struct TcpSegment<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    /// Raw sequence and acknowledgement numbers, as on the wire.
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// The window field as sent, before any window-scale shift.
    pub window: u16,
    /// Data offset × 4: 20 bytes plus options.
    pub header_len: u8,
    pub urgent_ptr: u16,
    pub checksum: u16,
    pub options: TcpOptions,
    /// Payload length the IP header declares (may exceed `payload.len()` when the capture was cut short).
    pub payload_len: u32,
    /// The payload bytes that were captured.
    pub payload: &'a [u8],
}

/// TCP flag bits in header order (FIN is bit 0 ... CWR bit 7, NS bit 8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const NS: u16 = 0x100;

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
    pub fn fin(self) -> bool {
        self.has(Self::FIN)
    }
    pub fn syn(self) -> bool {
        self.has(Self::SYN)
    }
    pub fn rst(self) -> bool {
        self.has(Self::RST)
    }
    pub fn psh(self) -> bool {
        self.has(Self::PSH)
    }
    pub fn ack(self) -> bool {
        self.has(Self::ACK)
    }
    pub fn urg(self) -> bool {
        self.has(Self::URG)
    }

    /// Names of the set flags in the order learners read them: "SYN,ACK", "FIN,ACK", "PSH,ACK".
    pub fn names(self) -> FlagNames {
        FlagNames(self)
    }
}

/// Flag bits and names in the order learners read them: SYN first, ACK after the flags it accompanies.
const FLAG_NAMES: [(u16, &str); 9] = [
    (TcpFlags::SYN, "SYN"),
    (TcpFlags::FIN, "FIN"),
    (TcpFlags::RST, "RST"),
    (TcpFlags::PSH, "PSH"),
    (TcpFlags::ACK, "ACK"),
    (TcpFlags::URG, "URG"),
    (TcpFlags::ECE, "ECE"),
    (TcpFlags::CWR, "CWR"),
    (TcpFlags::NS, "NS"),
];

impl TcpFlags {
    /// The names of the set flags, in [`FLAG_NAMES`] order, without allocating.
    pub fn set_names(self) -> impl Iterator<Item = &'static str> {
        FLAG_NAMES
            .iter()
            .filter(move |(bit, _)| self.has(*bit))
            .map(|(_, name)| *name)
    }
}

/// Display helper for [`TcpFlags::names`]; writes without allocating.
pub struct FlagNames(TcpFlags);

impl std::fmt::Display for FlagNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for name in self.0.set_names() {
            if !first {
                f.write_str(",")?;
            }
            f.write_str(name)?;
            first = false;
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// At most four SACK blocks fit in 40 bytes of options.
pub const MAX_SACK_BLOCKS: usize = 4;

/// The TCP options socklab explains. Fixed-size, so decoding allocates nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TcpOptions {
    pub mss: Option<u16>,
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    /// Left/right edges (raw sequence numbers); only the first `sack_block_count` are meaningful.
    pub sack_blocks: [(u32, u32); MAX_SACK_BLOCKS],
    pub sack_block_count: u8,
    /// (TSval, TSecr).
    pub timestamps: Option<(u32, u32)>,
    pub nop_count: u8,
    /// Options of kinds socklab does not name (for example MPTCP, kind 30), counted.
    pub unknown_count: u8,
    /// The kind of the first unknown option, to name it in explanations.
    pub first_unknown_kind: Option<u8>,
    /// Offset within the options of the first option that could not be read (a wrong length, or one
    /// running past the header). Reading goes on after it while its length byte can be followed.
    pub malformed_at: Option<u8>,
}

impl TcpOptions {
    pub fn sack_blocks(&self) -> &[(u32, u32)] {
        &self.sack_blocks[..self.sack_block_count as usize]
    }
}

#[derive(Clone, Copy, Debug)]
pub struct UdpDatagram<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    /// The UDP length field: 8-byte header plus payload.
    pub length: u16,
    pub checksum: u16,
    /// Payload length (the length field minus 8, or what IP declares if that is shorter).
    pub payload_len: u32,
    pub payload: &'a [u8],
}

/// UDP's header is always 8 bytes.
pub const UDP_HEADER_LEN: u16 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct IcmpMessage {
    pub version: IpVersion,
    pub icmp_type: u8,
    pub code: u8,
    pub kind: IcmpKind,
    /// For error messages: the start of the datagram that caused it, as quoted back.
    pub quoted: Option<QuotedDatagram>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IcmpKind {
    /// Destination unreachable; `port_unreachable` is code 3 (ICMPv4) or code 4 (ICMPv6).
    DestinationUnreachable {
        port_unreachable: bool,
    },
    EchoRequest,
    EchoReply,
    TimeExceeded,
    Other,
}

/// The header of the datagram an ICMP error quotes, enough to tie the error to that datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct QuotedDatagram {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
}

impl<'a> Packet<'a> {
    pub fn tcp(&self) -> Option<&TcpSegment<'a>> {
        match &self.transport {
            Transport::Tcp(segment) => Some(segment),
            _ => None,
        }
    }
    pub fn udp(&self) -> Option<&UdpDatagram<'a>> {
        match &self.transport {
            Transport::Udp(datagram) => Some(datagram),
            _ => None,
        }
    }
    /// Transport header bytes: TCP data offset × 4, UDP 8, ICMP 8, otherwise 0.
    pub fn transport_header_len(&self) -> u32 {
        match &self.transport {
            Transport::Tcp(segment) => segment.header_len as u32,
            Transport::Udp(_) => UDP_HEADER_LEN as u32,
            Transport::Icmp(_) => 8,
            _ => 0,
        }
    }
    /// Application payload bytes (as declared, even if the capture cut them short).
    pub fn payload_len(&self) -> u32 {
        match &self.transport {
            Transport::Tcp(segment) => segment.payload_len,
            Transport::Udp(datagram) => datagram.payload_len,
            Transport::OtherIp { payload_len, .. } => *payload_len,
            _ => 0,
        }
    }
}
