//! Builds decoded `Packet` values for the analysis tests, without a decoder or real bytes.
//!
//! Every packet claims an Ethernet header (14 B), an IP header (20 B IPv4, 40 B IPv6) and a
//! 20-byte TCP header or 8-byte UDP header; payload is declared by length only.

use crate::capture::{LinkType, Timestamp};
use crate::decode::{
    IcmpKind, IcmpMessage, IpInfo, IpVersion, LinkInfo, Packet, QuotedDatagram, TcpFlags,
    TcpOptions, TcpSegment, Transport, UdpDatagram,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const FIN: u16 = TcpFlags::FIN;
pub const SYN: u16 = TcpFlags::SYN;
pub const RST: u16 = TcpFlags::RST;
pub const PSH: u16 = TcpFlags::PSH;
pub const ACK: u16 = TcpFlags::ACK;

pub const ETHERNET_HEADER: u16 = 14;
pub const TCP_HEADER: u8 = 20;

/// A conversation between a client and a server, numbering frames from 1 as they are built.
pub struct Wire {
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    next_number: u64,
    now: Timestamp,
}

impl Wire {
    /// 127.0.0.1:40000 → 127.0.0.1:8080.
    pub fn v4() -> Wire {
        Wire::between(
            (IpAddr::V4(Ipv4Addr::LOCALHOST), 40000),
            (IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
        )
    }

    /// [::1]:40000 → [::1]:8080.
    pub fn v6() -> Wire {
        Wire::between(
            (IpAddr::V6(Ipv6Addr::LOCALHOST), 40000),
            (IpAddr::V6(Ipv6Addr::LOCALHOST), 8080),
        )
    }

    pub fn between(client: (IpAddr, u16), server: (IpAddr, u16)) -> Wire {
        Wire {
            client,
            server,
            next_number: 1,
            now: Timestamp(0),
        }
    }

    /// Another conversation on the same frame counter and clock (for interleaving).
    pub fn another(&self, client: (IpAddr, u16), server: (IpAddr, u16)) -> Wire {
        Wire {
            client,
            server,
            next_number: self.next_number,
            now: self.now,
        }
    }

    /// Continues numbering after `other` (when two wires interleave).
    pub fn follow(&mut self, other: &Wire) {
        self.next_number = other.next_number;
        self.now = other.now;
    }

    /// Packets built from now on carry this capture time.
    pub fn at_secs(&mut self, secs: i64) {
        self.now = Timestamp::from_parts(secs, 0);
    }

    pub fn client(&mut self, flags: u16, seq: u32, ack: u32, payload: u32) -> Packet<'static> {
        self.tcp(self.client, self.server, flags, seq, ack, payload)
    }

    pub fn server(&mut self, flags: u16, seq: u32, ack: u32, payload: u32) -> Packet<'static> {
        self.tcp(self.server, self.client, flags, seq, ack, payload)
    }

    pub fn tcp(
        &mut self,
        src: (IpAddr, u16),
        dst: (IpAddr, u16),
        flags: u16,
        seq: u32,
        ack: u32,
        payload: u32,
    ) -> Packet<'static> {
        let segment = TcpSegment {
            src_port: src.1,
            dst_port: dst.1,
            seq,
            ack,
            flags: TcpFlags(flags),
            window: 65483,
            header_len: TCP_HEADER,
            urgent_ptr: 0,
            checksum: 0,
            options: TcpOptions::default(),
            payload_len: payload,
            payload: &[],
        };
        self.packet(
            src.0,
            dst.0,
            6,
            u32::from(TCP_HEADER) + payload,
            Transport::Tcp(segment),
        )
    }

    pub fn udp_from_client(&mut self, payload: u32) -> Packet<'static> {
        self.udp(self.client, self.server, payload)
    }

    pub fn udp_from_server(&mut self, payload: u32) -> Packet<'static> {
        self.udp(self.server, self.client, payload)
    }

    pub fn udp(&mut self, src: (IpAddr, u16), dst: (IpAddr, u16), payload: u32) -> Packet<'static> {
        let datagram = UdpDatagram {
            src_port: src.1,
            dst_port: dst.1,
            length: (8 + payload).min(u32::from(u16::MAX)) as u16,
            checksum: 0,
            payload_len: payload,
            payload: &[],
        };
        self.packet(src.0, dst.0, 17, 8 + payload, Transport::Udp(datagram))
    }

    /// The server host's answer to a datagram the client sent to a closed port.
    pub fn port_unreachable(&mut self, quoted_protocol: u8) -> Packet<'static> {
        let v6 = self.client.0.is_ipv6();
        let (icmp_type, code) = if v6 { (1, 4) } else { (3, 3) };
        let quoted = QuotedDatagram {
            src: self.client.0,
            dst: self.server.0,
            protocol: quoted_protocol,
            src_port: Some(self.client.1),
            dst_port: Some(self.server.1),
        };
        let kind = IcmpKind::DestinationUnreachable {
            port_unreachable: true,
        };
        self.icmp(
            self.server.0,
            self.client.0,
            icmp_type,
            code,
            kind,
            Some(quoted),
        )
    }

    pub fn icmp(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        icmp_type: u8,
        code: u8,
        kind: IcmpKind,
        quoted: Option<QuotedDatagram>,
    ) -> Packet<'static> {
        let version = if src.is_ipv6() {
            IpVersion::V6
        } else {
            IpVersion::V4
        };
        let message = IcmpMessage {
            version,
            icmp_type,
            code,
            kind,
            quoted,
        };
        let quoted_len = if quoted.is_some() {
            u32::from(ip_header_len(src)) + 8
        } else {
            0
        };
        let protocol = if src.is_ipv6() { 58 } else { 1 };
        self.packet(src, dst, protocol, 8 + quoted_len, Transport::Icmp(message))
    }

    fn packet(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        protocol: u8,
        ip_payload: u32,
        transport: Transport<'static>,
    ) -> Packet<'static> {
        let number = self.next_number;
        self.next_number += 1;
        let ip_header = ip_header_len(src);
        let total_len = u32::from(ip_header) + ip_payload;
        let frame_len = u32::from(ETHERNET_HEADER) + total_len;
        Packet {
            number,
            timestamp: self.now,
            captured_len: frame_len,
            original_len: frame_len,
            link: LinkInfo {
                link_type: LinkType::Ethernet,
                header_len: ETHERNET_HEADER,
                vlan: None,
                ether_type: Some(if src.is_ipv6() { 0x86dd } else { 0x0800 }),
            },
            ip: Some(IpInfo {
                version: if src.is_ipv6() {
                    IpVersion::V6
                } else {
                    IpVersion::V4
                },
                src,
                dst,
                header_len: ip_header,
                total_len,
                ttl: 64,
                protocol,
                identification: 0,
                dont_fragment: true,
                is_fragment: false,
            }),
            transport,
        }
    }
}

fn ip_header_len(address: IpAddr) -> u16 {
    if address.is_ipv6() {
        40
    } else {
        20
    }
}

/// Changes to a built TCP packet, chained after `Wire::client` / `Wire::server`.
pub trait TcpTweaks {
    fn window(self, window: u16) -> Self;
    fn wscale(self, shift: u8) -> Self;
}

impl TcpTweaks for Packet<'static> {
    fn window(mut self, window: u16) -> Self {
        if let Transport::Tcp(segment) = &mut self.transport {
            segment.window = window;
        }
        self
    }

    fn wscale(mut self, shift: u8) -> Self {
        if let Transport::Tcp(segment) = &mut self.transport {
            segment.options.window_scale = Some(shift);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_numbered_packets_with_consistent_lengths() {
        let mut wire = Wire::v6();
        let syn = wire.client(SYN, 7, 0, 0);
        let data = wire.server(PSH | ACK, 9, 8, 5).window(3);
        assert_eq!((syn.number, data.number), (1, 2));
        assert_eq!(data.original_len, 14 + 40 + 20 + 5);
        assert_eq!(data.tcp().map(|s| (s.src_port, s.window)), Some((8080, 3)));
        let icmp = wire.port_unreachable(17);
        assert_eq!(
            icmp.ip.map(|ip| (ip.total_len, ip.protocol)),
            Some((40 + 8 + 48, 58))
        );
        let mut other = wire.another(wire.server, wire.client);
        assert_eq!(other.udp_from_client(1).number, 4);
        wire.follow(&other);
        assert_eq!(wire.udp_from_server(1).number, 5);
    }
}
