//! From raw frame bytes to our own typed [`Packet`], through etherparse. Never panics on any input.
//!
//! One file per layer: [`link`] finds where the network layer starts, [`ip`] reads IPv4/IPv6 and their
//! lengths, then [`tcp`], [`udp`] or [`icmp`] read the transport. Each layer is told both how many bytes
//! were captured and how many its enclosing header declares, so a frame cut by the snap length inside a
//! payload decodes (with the declared lengths), while a frame cut inside a header, or a header whose
//! length fields contradict the frame, is a [`DecodeError`] naming the layer, byte offset and reason.
//!
//! The success path allocates nothing: every field is copied or borrowed from the frame.

mod common_case;
mod error;
mod icmp;
mod ip;
mod link;
mod packet;
mod tcp;
mod udp;

#[cfg(test)]
mod tcpdump_corpus;

pub use error::{DecodeError, Layer};
pub use packet::*;
pub use tcp::parse_options as parse_tcp_options;

use crate::capture::Frame;
use ip::IpLayer;
use link::NetworkKind;

/// IP protocol numbers socklab explains.
const PROTOCOL_ICMP: u8 = 1;
const PROTOCOL_TCP: u8 = 6;
const PROTOCOL_UDP: u8 = 17;
const PROTOCOL_ICMPV6: u8 = 58;

/// Decodes one frame.
pub fn decode<'a>(frame: &Frame<'a>) -> Result<Packet<'a>, DecodeError> {
    match common_case::decode(frame) {
        Some(packet) => Ok(packet),
        None => decode_any(frame),
    }
}

/// Decodes any frame, layer by layer (`decode` tries the common shape first, see `common_case`).
#[inline(never)]
fn decode_any<'a>(frame: &Frame<'a>) -> Result<Packet<'a>, DecodeError> {
    let data = frame.data;
    let link = link::split_link(frame.link_type, data)?;
    // What the frame had on the wire; a capture file may claim less than it stored, so never below that.
    let wire_len = usize::try_from(frame.original_len)
        .unwrap_or(usize::MAX)
        .max(data.len());
    let (ip, transport) = match link.network {
        NetworkKind::NotIp => (None, Transport::NotIp),
        announced => {
            let ip = ip::decode_ip(
                announced,
                link.payload,
                link.payload_offset,
                wire_len.saturating_sub(link.payload_offset),
            )?;
            (Some(ip.info), decode_transport(&ip)?)
        }
    };
    Ok(Packet {
        number: frame.number,
        timestamp: frame.timestamp,
        captured_len: u32::try_from(data.len()).unwrap_or(u32::MAX),
        original_len: frame.original_len,
        link: link.info,
        ip,
        transport,
    })
}

fn decode_transport<'a>(ip: &IpLayer<'a>) -> Result<Transport<'a>, DecodeError> {
    let protocol = ip.info.protocol;
    let other = Transport::OtherIp {
        protocol,
        payload_len: u32::try_from(ip.payload_len).unwrap_or(u32::MAX),
    };
    if ip.later_fragment {
        return Ok(other);
    }
    let min_header_len = match protocol {
        PROTOCOL_TCP => tcp::TCP_MIN_HEADER_LEN,
        PROTOCOL_UDP => usize::from(UDP_HEADER_LEN),
        PROTOCOL_ICMP | PROTOCOL_ICMPV6 => icmp::ICMP_HEADER_LEN,
        _ => return Ok(other),
    };
    // A first fragment may end before its transport header does; the rest arrives in the next fragment.
    if ip.info.is_fragment && ip.payload_len < min_header_len {
        return Ok(other);
    }
    let (bytes, offset, declared) = (ip.payload, ip.payload_offset, ip.payload_len);
    Ok(match protocol {
        PROTOCOL_TCP => Transport::Tcp(tcp::decode_tcp(bytes, offset, declared)?),
        PROTOCOL_UDP => Transport::Udp(udp::decode_udp(bytes, offset, declared, ip.info.version)?),
        PROTOCOL_ICMP => {
            Transport::Icmp(icmp::decode_icmp(IpVersion::V4, bytes, offset, declared)?)
        }
        _ => Transport::Icmp(icmp::decode_icmp(IpVersion::V6, bytes, offset, declared)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{LinkType, Timestamp};
    use etherparse::{
        ArpHardwareId, ArpOperation, ArpPacket, EtherType, Icmpv4Type, Icmpv6Type, IpNumber,
        PacketBuilder, TcpOptionElement,
    };
    use std::net::IpAddr;

    /// Serialises a `PacketBuilder` chain with its payload.
    macro_rules! build {
        ($step:expr, $payload:expr) => {{
            let mut bytes = Vec::new();
            $step.write(&mut bytes, $payload).unwrap();
            bytes
        }};
    }

    const CLIENT_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
    const SERVER_MAC: [u8; 6] = [2, 0, 0, 0, 0, 2];
    const V6_CLIENT: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const V6_SERVER: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    fn frame(link_type: LinkType, data: &[u8]) -> Frame<'_> {
        Frame {
            number: 7,
            timestamp: Timestamp(1_700_000_000_123_456_789),
            link_type,
            data,
            original_len: data.len() as u32,
        }
    }

    /// The Linux SYN of dns_tcp.pcap: mss 1460, sackOK, TS, nop, wscale 7.
    fn syn_options() -> [TcpOptionElement; 5] {
        [
            TcpOptionElement::MaximumSegmentSize(1460),
            TcpOptionElement::SelectiveAcknowledgementPermitted,
            TcpOptionElement::Timestamp(2044906138, 0),
            TcpOptionElement::Noop,
            TcpOptionElement::WindowScale(7),
        ]
    }

    fn ethernet_ipv4_syn() -> Vec<u8> {
        build!(
            PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
                .ipv4([192, 168, 1, 11], [209, 87, 249, 18], 64)
                .tcp(33779, 53, 603899916, 64240)
                .syn()
                .options(&syn_options())
                .unwrap(),
            &[]
        )
    }

    #[test]
    fn ethernet_ipv4_tcp_syn_every_field() {
        let bytes = ethernet_ipv4_syn();
        let packet = decode(&frame(LinkType::Ethernet, &bytes)).unwrap();
        assert_eq!(packet.number, 7);
        assert_eq!(packet.timestamp, Timestamp(1_700_000_000_123_456_789));
        assert_eq!(packet.captured_len, 74);
        assert_eq!(packet.original_len, 74);
        assert_eq!(
            packet.link,
            LinkInfo {
                link_type: LinkType::Ethernet,
                header_len: 14,
                vlan: None,
                ether_type: Some(0x0800),
            }
        );
        let ip = packet.ip.unwrap();
        assert_eq!(ip.version, IpVersion::V4);
        assert_eq!(ip.src, IpAddr::from([192, 168, 1, 11]));
        assert_eq!(ip.dst, IpAddr::from([209, 87, 249, 18]));
        assert_eq!(ip.header_len, 20);
        assert_eq!(ip.total_len, 60);
        assert_eq!(ip.ttl, 64);
        assert_eq!(ip.protocol, 6);
        assert!(ip.dont_fragment, "PacketBuilder sets DF");
        assert!(!ip.is_fragment);
        let tcp = packet.tcp().unwrap();
        assert_eq!((tcp.src_port, tcp.dst_port), (33779, 53));
        assert_eq!((tcp.seq, tcp.ack), (603899916, 0));
        assert_eq!(tcp.flags, TcpFlags(TcpFlags::SYN));
        assert_eq!(tcp.flags.names().to_string(), "SYN");
        assert_eq!(tcp.window, 64240);
        assert_eq!(tcp.header_len, 40);
        assert_eq!(tcp.urgent_ptr, 0);
        assert_ne!(tcp.checksum, 0, "PacketBuilder computes the checksum");
        assert_eq!(
            tcp.options,
            TcpOptions {
                mss: Some(1460),
                window_scale: Some(7),
                sack_permitted: true,
                timestamps: Some((2044906138, 0)),
                nop_count: 1,
                ..TcpOptions::default()
            }
        );
        assert_eq!(tcp.payload_len, 0);
        assert!(tcp.payload.is_empty());
        assert_eq!(packet.transport_header_len(), 40);
        assert_eq!(packet.payload_len(), 0);
    }

    #[test]
    fn sack_blocks_end_to_end() {
        let bytes = build!(
            PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .tcp(1000, 2000, 1, 500)
                .ack(77)
                .options(&[
                    TcpOptionElement::Noop,
                    TcpOptionElement::Noop,
                    TcpOptionElement::SelectiveAcknowledgement(
                        (100, 200),
                        [Some((300, 400)), None, None]
                    ),
                ])
                .unwrap(),
            b"data"
        );
        let packet = decode(&frame(LinkType::Ethernet, &bytes)).unwrap();
        let tcp = packet.tcp().unwrap();
        assert_eq!(tcp.ack, 77);
        assert!(tcp.flags.ack());
        assert_eq!(tcp.options.sack_blocks(), &[(100, 200), (300, 400)]);
        assert_eq!(tcp.options.nop_count, 2);
        assert_eq!(tcp.payload, b"data");
        assert_eq!(tcp.payload_len, 4);
    }

    #[test]
    fn vlan_tagged_ipv6_udp() {
        let bytes = build!(
            PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
                .single_vlan(42.try_into().unwrap())
                .ipv6(V6_CLIENT, V6_SERVER, 17)
                .udp(5000, 53),
            b"query"
        );
        let packet = decode(&frame(LinkType::Ethernet, &bytes)).unwrap();
        assert_eq!(packet.link.header_len, 18);
        assert_eq!(packet.link.vlan, Some(42));
        assert_eq!(packet.link.ether_type, Some(0x86dd));
        let ip = packet.ip.unwrap();
        assert_eq!(ip.version, IpVersion::V6);
        assert_eq!(ip.src, IpAddr::from(V6_CLIENT));
        assert_eq!(ip.header_len, 40);
        assert_eq!(ip.total_len, 53);
        assert_eq!(ip.ttl, 17);
        let udp = packet.udp().unwrap();
        assert_eq!((udp.src_port, udp.dst_port, udp.length), (5000, 53, 13));
        assert_eq!(udp.payload, b"query");
        assert_eq!(packet.transport_header_len(), 8);
        assert_eq!(packet.payload_len(), 5);
    }

    #[test]
    fn qinq_ipv4_udp() {
        let bytes = build!(
            PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
                .double_vlan(100.try_into().unwrap(), 200.try_into().unwrap())
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .udp(1, 2),
            b"x"
        );
        let packet = decode(&frame(LinkType::Ethernet, &bytes)).unwrap();
        assert_eq!(packet.link.header_len, 22);
        assert_eq!(packet.link.vlan, Some(100));
        assert_eq!(packet.udp().unwrap().payload, b"x");
    }

    /// A Linux cooked v1 header for `lo`: outgoing, ARPHRD_LOOPBACK, no address.
    fn sll_header(protocol: u16) -> Vec<u8> {
        let mut header = vec![0, 4, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
        header.extend_from_slice(&protocol.to_be_bytes());
        header
    }

    #[test]
    fn linux_sll_ipv6_udp_with_zero_checksum() {
        let mut bytes = sll_header(0x86dd);
        let mut ip = build!(
            PacketBuilder::ipv6(V6_CLIENT, V6_SERVER, 64).udp(40000, 514),
            b"<13>hello"
        );
        // Zero the checksum, as IPv4 senders may (and broken IPv6 ones do); it is still decoded.
        ip[46] = 0;
        ip[47] = 0;
        bytes.extend_from_slice(&ip);
        let packet = decode(&frame(LinkType::LinuxSll, &bytes)).unwrap();
        assert_eq!(packet.link.header_len, 16);
        assert_eq!(packet.link.ether_type, Some(0x86dd));
        let udp = packet.udp().unwrap();
        assert_eq!(udp.checksum, 0);
        assert_eq!(udp.payload, b"<13>hello");
        assert_eq!(udp.payload_len, 9);
    }

    #[test]
    fn linux_sll2_ipv4_tcp() {
        let mut bytes = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6];
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&build!(
            PacketBuilder::ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
                .tcp(40000, 8080, 9, 100)
                .fin()
                .ack(10),
            &[]
        ));
        let packet = decode(&frame(LinkType::LinuxSll2, &bytes)).unwrap();
        assert_eq!(packet.link.header_len, 20);
        let tcp = packet.tcp().unwrap();
        assert_eq!(tcp.flags.names().to_string(), "FIN,ACK");
    }

    #[test]
    fn bsd_null_loopback_in_both_byte_orders() {
        let ip = build!(
            PacketBuilder::ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64).udp(1, 2),
            &[]
        );
        for header in [[2, 0, 0, 0], [0, 0, 0, 2]] {
            let mut bytes = header.to_vec();
            bytes.extend_from_slice(&ip);
            let packet = decode(&frame(LinkType::Null, &bytes)).unwrap();
            assert_eq!(packet.link.header_len, 4);
            assert_eq!(packet.udp().unwrap().dst_port, 2);
        }
        let ip6 = build!(PacketBuilder::ipv6(V6_CLIENT, V6_SERVER, 64).udp(1, 2), &[]);
        let mut bytes = 30u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&ip6);
        let packet = decode(&frame(LinkType::Null, &bytes)).unwrap();
        assert_eq!(packet.ip.unwrap().version, IpVersion::V6);
        let mut bytes = 24u32.to_be_bytes().to_vec();
        bytes.extend_from_slice(&ip6);
        let packet = decode(&frame(LinkType::Loop, &bytes)).unwrap();
        assert_eq!(packet.ip.unwrap().version, IpVersion::V6);
    }

    #[test]
    fn raw_ip_link_types() {
        let v4 = build!(
            PacketBuilder::ipv4([1, 1, 1, 1], [2, 2, 2, 2], 64).udp(1, 2),
            &[]
        );
        let v6 = build!(PacketBuilder::ipv6(V6_CLIENT, V6_SERVER, 64).udp(1, 2), &[]);
        for (link_type, bytes, version) in [
            (LinkType::RawIp, &v4, IpVersion::V4),
            (LinkType::RawIp, &v6, IpVersion::V6),
            (LinkType::Ipv4, &v4, IpVersion::V4),
            (LinkType::Ipv6, &v6, IpVersion::V6),
        ] {
            let packet = decode(&frame(link_type, bytes)).unwrap();
            assert_eq!(packet.link.header_len, 0);
            assert_eq!(packet.ip.unwrap().version, version);
            assert!(packet.udp().is_some());
        }
        let error = decode(&frame(LinkType::Ipv4, &v6)).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Ip, 0));
    }

    #[test]
    fn arp_is_not_ip() {
        let mut bytes = Vec::new();
        PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
            .arp(
                ArpPacket::new(
                    ArpHardwareId::ETHERNET,
                    EtherType::IPV4,
                    ArpOperation::REQUEST,
                    &CLIENT_MAC,
                    &[10, 0, 0, 1],
                    &[0; 6],
                    &[10, 0, 0, 2],
                )
                .unwrap(),
            )
            .write(&mut bytes)
            .unwrap();
        let packet = decode(&frame(LinkType::Ethernet, &bytes)).unwrap();
        assert!(packet.ip.is_none());
        assert!(matches!(packet.transport, Transport::NotIp));
        assert_eq!(packet.link.ether_type, Some(0x0806));
        assert_eq!(packet.payload_len(), 0);
    }

    #[test]
    fn ipv6_extension_headers_then_tcp() {
        let tcp = build!(
            PacketBuilder::ipv6(V6_CLIENT, V6_SERVER, 64)
                .tcp(40000, 80, 1, 100)
                .syn(),
            &[]
        );
        let tcp_segment = &tcp[40..];
        // Hop-by-hop (8, PadN) → routing (8, type 0 with segments left 0) → TCP.
        let mut bytes = tcp[..40].to_vec();
        bytes[4..6].copy_from_slice(&((16 + tcp_segment.len()) as u16).to_be_bytes());
        bytes[6] = 0;
        bytes.extend_from_slice(&[43, 0, 1, 4, 0, 0, 0, 0]);
        bytes.extend_from_slice(&[6, 0, 0, 0, 0, 0, 0, 0]);
        bytes.extend_from_slice(tcp_segment);
        let packet = decode(&frame(LinkType::RawIp, &bytes)).unwrap();
        let ip = packet.ip.unwrap();
        assert_eq!(ip.header_len, 56);
        assert_eq!(ip.protocol, 6);
        assert_eq!(ip.total_len, 76);
        let tcp = packet.tcp().unwrap();
        assert!(tcp.flags.syn());
        assert_eq!(tcp.header_len, 20);
        assert_eq!(tcp.payload_len, 0);
    }

    #[test]
    fn later_fragments_are_other_ip() {
        let mut bytes = build!(
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(1, 2),
            &[0; 16]
        );
        // Fragment offset 185 (1480 bytes), no more fragments: the UDP header is in fragment one.
        bytes[6] = 0;
        bytes[7] = 185;
        let packet = decode(&frame(LinkType::RawIp, &bytes)).unwrap();
        assert!(packet.ip.unwrap().is_fragment);
        assert!(matches!(
            packet.transport,
            Transport::OtherIp {
                protocol: 17,
                payload_len: 24
            }
        ));
        assert_eq!(packet.payload_len(), 24);
    }

    #[test]
    fn first_fragment_decodes_its_transport_header() {
        let mut bytes = build!(
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(1, 2),
            &[0; 16]
        );
        bytes[6] = 0x20; // more fragments
        let packet = decode(&frame(LinkType::RawIp, &bytes)).unwrap();
        assert!(packet.ip.unwrap().is_fragment);
        assert_eq!(packet.udp().unwrap().dst_port, 2);
    }

    #[test]
    fn other_protocols_are_other_ip() {
        let mut bytes = build!(
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(1, 2),
            &[0; 4]
        );
        bytes[9] = 47; // GRE
        let packet = decode(&frame(LinkType::RawIp, &bytes)).unwrap();
        assert!(matches!(
            packet.transport,
            Transport::OtherIp {
                protocol: 47,
                payload_len: 12
            }
        ));
    }

    #[test]
    fn icmpv4_port_unreachable_quoting_udp_and_tcp() {
        let udp = build!(
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(45000, 9),
            b"hello"
        );
        let tcp = build!(
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .tcp(45001, 7, 1, 10)
                .syn(),
            &[]
        );
        for (quote, protocol, src_port, dst_port) in [(udp, 17, 45000, 9), (tcp, 6, 45001, 7)] {
            let bytes = build!(
                PacketBuilder::ethernet2(SERVER_MAC, CLIENT_MAC)
                    .ipv4([10, 0, 0, 2], [10, 0, 0, 1], 64)
                    .icmpv4(Icmpv4Type::DestinationUnreachable(
                        etherparse::icmpv4::DestUnreachableHeader::Port
                    )),
                &quote
            );
            let packet = decode(&frame(LinkType::Ethernet, &bytes)).unwrap();
            assert_eq!(packet.ip.unwrap().protocol, 1);
            let Transport::Icmp(message) = packet.transport else {
                panic!("expected ICMP, got {:?}", packet.transport)
            };
            assert_eq!(
                message,
                IcmpMessage {
                    version: IpVersion::V4,
                    icmp_type: 3,
                    code: 3,
                    kind: IcmpKind::DestinationUnreachable {
                        port_unreachable: true
                    },
                    quoted: Some(QuotedDatagram {
                        src: IpAddr::from([10, 0, 0, 1]),
                        dst: IpAddr::from([10, 0, 0, 2]),
                        protocol,
                        src_port: Some(src_port),
                        dst_port: Some(dst_port),
                    }),
                }
            );
            assert_eq!(packet.transport_header_len(), 8);
        }
    }

    #[test]
    fn icmpv6_port_unreachable_quoting_udp_and_tcp() {
        let udp = build!(
            PacketBuilder::ipv6(V6_CLIENT, V6_SERVER, 64).udp(45000, 9),
            b"hello"
        );
        let tcp = build!(
            PacketBuilder::ipv6(V6_CLIENT, V6_SERVER, 64)
                .tcp(45001, 7, 1, 10)
                .syn(),
            &[]
        );
        for (quote, protocol, src_port, dst_port) in [(udp, 17, 45000, 9), (tcp, 6, 45001, 7)] {
            let bytes = build!(
                PacketBuilder::ethernet2(SERVER_MAC, CLIENT_MAC)
                    .ipv6(V6_SERVER, V6_CLIENT, 64)
                    .icmpv6(Icmpv6Type::DestinationUnreachable(
                        etherparse::icmpv6::DestUnreachableCode::Port
                    )),
                &quote
            );
            let packet = decode(&frame(LinkType::Ethernet, &bytes)).unwrap();
            assert_eq!(packet.ip.unwrap().protocol, 58);
            let Transport::Icmp(message) = packet.transport else {
                panic!("expected ICMPv6, got {:?}", packet.transport)
            };
            assert_eq!(
                (message.version, message.icmp_type, message.code),
                (IpVersion::V6, 1, 4)
            );
            assert_eq!(
                message.kind,
                IcmpKind::DestinationUnreachable {
                    port_unreachable: true
                }
            );
            assert_eq!(
                message.quoted,
                Some(QuotedDatagram {
                    src: IpAddr::from(V6_CLIENT),
                    dst: IpAddr::from(V6_SERVER),
                    protocol,
                    src_port: Some(src_port),
                    dst_port: Some(dst_port),
                })
            );
        }
    }

    #[test]
    fn icmp_echo() {
        let bytes = build!(
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).icmpv4_echo_request(1, 2),
            b"ping"
        );
        let packet = decode(&frame(LinkType::RawIp, &bytes)).unwrap();
        let Transport::Icmp(message) = packet.transport else {
            panic!("expected ICMP")
        };
        assert_eq!(message.kind, IcmpKind::EchoRequest);
        assert_eq!(message.quoted, None);
    }

    #[test]
    fn unknown_link_type_is_a_link_error() {
        let error = decode(&frame(LinkType::Other(9), &[0xff, 0x03, 0xc0, 0x23])).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Link, 0));
        assert!(error.message.contains("link type 9"));
    }

    /// What a cut at `len` bytes must give, given where each header ends.
    fn expected_layer(
        len: usize,
        ip_start: usize,
        transport_start: usize,
        transport_end: usize,
        transport: Layer,
    ) -> Option<Layer> {
        if len < ip_start {
            Some(Layer::Link)
        } else if len < transport_start {
            Some(Layer::Ip)
        } else if len < transport_end {
            Some(transport)
        } else {
            None
        }
    }

    #[test]
    fn tcp_ipv4_cut_by_the_snap_length_at_every_length() {
        let full = build!(
            PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .tcp(40000, 80, 1, 100)
                .psh()
                .ack(5)
                .options(&syn_options())
                .unwrap(),
            b"GET / HTTP/1.0\r\n\r\n"
        );
        for len in 0..=full.len() {
            let cut = Frame {
                original_len: full.len() as u32,
                ..frame(LinkType::Ethernet, &full[..len])
            };
            let result = decode(&cut);
            match (expected_layer(len, 14, 34, 74, Layer::Tcp), result) {
                (Some(layer), Err(error)) => {
                    assert_eq!(error.layer, layer, "cut at {len}: {error}");
                    assert!(error.offset <= len.max(14), "cut at {len}: {error}");
                }
                (None, Ok(packet)) => {
                    let tcp = packet.tcp().unwrap();
                    assert_eq!(tcp.payload_len, 18, "cut at {len}");
                    assert_eq!(tcp.payload.len(), len - 74, "cut at {len}");
                    assert_eq!(packet.captured_len as usize, len);
                }
                (expected, result) => panic!("cut at {len}: expected {expected:?}, got {result:?}"),
            }
        }
    }

    #[test]
    fn tcp_ipv4_that_really_was_that_short_on_the_wire() {
        let full = build!(
            PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .tcp(40000, 80, 1, 100),
            b"payload"
        );
        for len in 0..full.len() {
            let error = decode(&frame(LinkType::Ethernet, &full[..len])).unwrap_err();
            let expected = if len < 14 { Layer::Link } else { Layer::Ip };
            assert_eq!(error.layer, expected, "cut at {len}: {error}");
            if len >= 34 {
                assert_eq!(error.offset, 16, "the total length field is wrong");
                assert!(error
                    .message
                    .contains("total length field says the packet is 47 bytes"));
            }
        }
    }

    #[test]
    fn udp_ipv6_cut_at_every_length() {
        let full = build!(
            PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
                .ipv6(V6_CLIENT, V6_SERVER, 64)
                .udp(5353, 53),
            b"abcdefghij"
        );
        for len in 0..=full.len() {
            let cut = Frame {
                original_len: full.len() as u32,
                ..frame(LinkType::Ethernet, &full[..len])
            };
            match (expected_layer(len, 14, 54, 62, Layer::Udp), decode(&cut)) {
                (Some(layer), Err(error)) => {
                    assert_eq!(error.layer, layer, "cut at {len}: {error}")
                }
                (None, Ok(packet)) => {
                    let udp = packet.udp().unwrap();
                    assert_eq!(udp.payload_len, 10);
                    assert_eq!(udp.payload.len(), len - 62);
                }
                (expected, result) => panic!("cut at {len}: expected {expected:?}, got {result:?}"),
            }
            // Claiming the frame was this short on the wire makes the IPv6 payload length wrong.
            if (54..full.len()).contains(&len) {
                let error = decode(&frame(LinkType::Ethernet, &full[..len])).unwrap_err();
                assert_eq!((error.layer, error.offset), (Layer::Ip, 18), "cut at {len}");
            }
        }
    }

    #[test]
    fn icmp_cut_inside_its_header_is_an_icmp_error() {
        let full = build!(
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).icmpv4_echo_request(1, 2),
            &[]
        );
        let cut = Frame {
            original_len: full.len() as u32,
            ..frame(LinkType::RawIp, &full[..24])
        };
        let error = decode(&cut).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Icmp, 20));
    }

    /// A tiny deterministic generator, so the fuzz test needs no extra crate and always runs the same cases.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn damaged_frames_never_panic() {
        let seeds = [
            ethernet_ipv4_syn(),
            build!(
                PacketBuilder::ethernet2(CLIENT_MAC, SERVER_MAC)
                    .ipv6(V6_CLIENT, V6_SERVER, 64)
                    .udp(1, 2),
                b"0123456789"
            ),
            build!(
                PacketBuilder::ethernet2(SERVER_MAC, CLIENT_MAC)
                    .ipv6(V6_SERVER, V6_CLIENT, 64)
                    .icmpv6(Icmpv6Type::DestinationUnreachable(
                        etherparse::icmpv6::DestUnreachableCode::Port
                    )),
                &ethernet_ipv4_syn()[14..]
            ),
        ];
        let link_types = [
            LinkType::Ethernet,
            LinkType::LinuxSll,
            LinkType::LinuxSll2,
            LinkType::Null,
            LinkType::Loop,
            LinkType::RawIp,
            LinkType::Ipv4,
            LinkType::Ipv6,
        ];
        let mut random = XorShift(0x5eed_1234_abcd_ef01);
        let mut decoded = 0;
        for round in 0..20_000 {
            let mut bytes = seeds[round % seeds.len()].clone();
            for _ in 0..(random.next() % 4 + 1) {
                let at = (random.next() as usize) % bytes.len();
                bytes[at] = random.next() as u8;
            }
            let len = (random.next() as usize) % (bytes.len() + 1);
            let link_type = link_types[(random.next() as usize) % link_types.len()];
            let original_len = if random.next() % 2 == 0 {
                len as u32
            } else {
                random.next() as u32
            };
            let frame = Frame {
                original_len,
                ..frame(link_type, &bytes[..len])
            };
            if decode(&frame).is_ok() {
                decoded += 1;
            }
        }
        assert!(
            decoded > 100,
            "the fuzz should also reach the success path, got {decoded}"
        );
    }

    #[test]
    fn ip_number_constants_agree_with_etherparse() {
        assert_eq!(PROTOCOL_ICMP, IpNumber::ICMP.0);
        assert_eq!(PROTOCOL_TCP, IpNumber::TCP.0);
        assert_eq!(PROTOCOL_UDP, IpNumber::UDP.0);
        assert_eq!(PROTOCOL_ICMPV6, IpNumber::IPV6_ICMP.0);
    }
}
