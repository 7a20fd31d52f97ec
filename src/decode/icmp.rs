//! ICMPv4 and ICMPv6: type, code, and for error messages the quoted start of the datagram that caused them.
//!
//! Type and code are the first two bytes and read directly: etherparse's `Icmpv4Slice` refuses timestamp
//! messages that are not exactly 20 bytes, which a snap length can cause. The quoted datagram is sliced with
//! etherparse's lax IP slicer, since a quote is by design shorter than its IP header says.

use super::error::{Bytes, DecodeError, FrameEndsInto, Layer};
use super::ip::has_later_fragment_header;
use super::packet::{IcmpKind, IcmpMessage, IpVersion, QuotedDatagram};
use etherparse::{IpNumber, LaxIpSlice};

/// Type, code, checksum, and 4 bytes whose meaning depends on the type.
pub const ICMP_HEADER_LEN: usize = 8;

mod v4 {
    pub const ECHO_REPLY: u8 = 0;
    pub const DESTINATION_UNREACHABLE: u8 = 3;
    pub const SOURCE_QUENCH: u8 = 4;
    pub const REDIRECT: u8 = 5;
    pub const ECHO_REQUEST: u8 = 8;
    pub const TIME_EXCEEDED: u8 = 11;
    pub const PARAMETER_PROBLEM: u8 = 12;
    pub const PORT_UNREACHABLE: u8 = 3;
}

mod v6 {
    pub const DESTINATION_UNREACHABLE: u8 = 1;
    pub const PACKET_TOO_BIG: u8 = 2;
    pub const TIME_EXCEEDED: u8 = 3;
    pub const PARAMETER_PROBLEM: u8 = 4;
    pub const ECHO_REQUEST: u8 = 128;
    pub const ECHO_REPLY: u8 = 129;
    pub const PORT_UNREACHABLE: u8 = 4;
}

/// Decodes the ICMP message starting at frame offset `offset`.
///
/// `version` is the ICMP version (ICMPv4 is IP protocol 1, ICMPv6 protocol 58); `bytes` are the captured
/// message bytes (never beyond what IP declares); `declared_len` is the length IP declares.
pub fn decode_icmp(
    version: IpVersion,
    bytes: &[u8],
    offset: usize,
    declared_len: usize,
) -> Result<IcmpMessage, DecodeError> {
    let name = match version {
        IpVersion::V4 => "ICMP",
        IpVersion::V6 => "ICMPv6",
    };
    if declared_len < ICMP_HEADER_LEN {
        return Err(DecodeError::new(
            Layer::Icmp,
            offset,
            format!(
                "the IP header leaves only {} for the {name} message, but an {name} header is \
                 {ICMP_HEADER_LEN} bytes long",
                Bytes(declared_len)
            ),
        ));
    }
    let (Some(&icmp_type), Some(&code), Some(quote)) =
        (bytes.first(), bytes.get(1), bytes.get(ICMP_HEADER_LEN..))
    else {
        return Err(DecodeError::new(
            Layer::Icmp,
            offset,
            format!(
                "an {name} header is {ICMP_HEADER_LEN} bytes long (type, code, checksum and 4 more bytes), \
                 but {}",
                FrameEndsInto(bytes.len())
            ),
        ));
    };
    let (kind, is_error) = classify(version, icmp_type, code);
    Ok(IcmpMessage {
        version,
        icmp_type,
        code,
        kind,
        quoted: if is_error { quoted(quote) } else { None },
    })
}

/// The kind socklab names, and whether the message is an error that quotes the datagram behind it.
fn classify(version: IpVersion, icmp_type: u8, code: u8) -> (IcmpKind, bool) {
    match version {
        IpVersion::V4 => match icmp_type {
            v4::ECHO_REPLY => (IcmpKind::EchoReply, false),
            v4::ECHO_REQUEST => (IcmpKind::EchoRequest, false),
            v4::DESTINATION_UNREACHABLE => (
                IcmpKind::DestinationUnreachable {
                    port_unreachable: code == v4::PORT_UNREACHABLE,
                },
                true,
            ),
            v4::TIME_EXCEEDED => (IcmpKind::TimeExceeded, true),
            v4::SOURCE_QUENCH | v4::REDIRECT | v4::PARAMETER_PROBLEM => (IcmpKind::Other, true),
            _ => (IcmpKind::Other, false),
        },
        IpVersion::V6 => match icmp_type {
            v6::ECHO_REQUEST => (IcmpKind::EchoRequest, false),
            v6::ECHO_REPLY => (IcmpKind::EchoReply, false),
            v6::DESTINATION_UNREACHABLE => (
                IcmpKind::DestinationUnreachable {
                    port_unreachable: code == v6::PORT_UNREACHABLE,
                },
                true,
            ),
            v6::TIME_EXCEEDED => (IcmpKind::TimeExceeded, true),
            v6::PACKET_TOO_BIG | v6::PARAMETER_PROBLEM => (IcmpKind::Other, true),
            _ => (IcmpKind::Other, false),
        },
    }
}

/// Reads the quoted IP header and, when the quote reaches that far, the quoted TCP/UDP ports.
/// A quote too short or too damaged to read leaves the message decodable, just without it.
fn quoted(quote: &[u8]) -> Option<QuotedDatagram> {
    let (ip, extension_error) = LaxIpSlice::from_slice(quote).ok()?;
    let payload = ip.payload();
    let continues_elsewhere = match &ip {
        LaxIpSlice::Ipv4(ipv4) => ipv4.header().fragments_offset().value() != 0,
        LaxIpSlice::Ipv6(ipv6) => has_later_fragment_header(ipv6.extensions()),
    };
    let has_ports = matches!(payload.ip_number, IpNumber::TCP | IpNumber::UDP)
        && extension_error.is_none()
        && !continues_elsewhere;
    let ports = payload.payload.get(..4).filter(|_| has_ports).map(|bytes| {
        (
            u16::from_be_bytes([bytes[0], bytes[1]]),
            u16::from_be_bytes([bytes[2], bytes[3]]),
        )
    });
    Some(QuotedDatagram {
        src: ip.source_addr(),
        dst: ip.destination_addr(),
        protocol: payload.ip_number.0,
        src_port: ports.map(|(src, _)| src),
        dst_port: ports.map(|(_, dst)| dst),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;
    use std::net::IpAddr;

    /// Serialises a `PacketBuilder` chain with its payload.
    macro_rules! build {
        ($step:expr, $payload:expr) => {{
            let mut bytes = Vec::new();
            $step.write(&mut bytes, $payload).unwrap();
            bytes
        }};
    }

    fn udp_v4_datagram() -> Vec<u8> {
        build!(
            PacketBuilder::ipv4([192, 168, 1, 10], [192, 168, 1, 20], 64).udp(40000, 9),
            b"probe"
        )
    }

    fn icmp(icmp_type: u8, code: u8, quote: &[u8]) -> Vec<u8> {
        let mut bytes = vec![icmp_type, code, 0xab, 0xcd, 0, 0, 0, 0];
        bytes.extend_from_slice(quote);
        bytes
    }

    #[test]
    fn v4_port_unreachable_quoting_udp() {
        let quote = udp_v4_datagram();
        let bytes = icmp(3, 3, &quote);
        let message = decode_icmp(IpVersion::V4, &bytes, 34, bytes.len()).unwrap();
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
                    src: IpAddr::from([192, 168, 1, 10]),
                    dst: IpAddr::from([192, 168, 1, 20]),
                    protocol: 17,
                    src_port: Some(40000),
                    dst_port: Some(9),
                }),
            }
        );
    }

    #[test]
    fn v4_quote_of_ip_header_plus_8_bytes_of_tcp() {
        // Routers quote only the IP header and 8 bytes; the IP total length then exceeds the quote.
        let datagram = build!(
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 1)
                .tcp(51000, 443, 1, 1000)
                .syn(),
            &[]
        );
        let bytes = icmp(11, 0, &datagram[..28]);
        let message = decode_icmp(IpVersion::V4, &bytes, 0, bytes.len()).unwrap();
        assert_eq!(message.kind, IcmpKind::TimeExceeded);
        let quoted = message.quoted.unwrap();
        assert_eq!(quoted.protocol, 6);
        assert_eq!(quoted.src, IpAddr::from([10, 0, 0, 1]));
        assert_eq!((quoted.src_port, quoted.dst_port), (Some(51000), Some(443)));
    }

    #[test]
    fn v4_host_unreachable_is_not_port_unreachable() {
        let bytes = icmp(3, 1, &udp_v4_datagram());
        let message = decode_icmp(IpVersion::V4, &bytes, 0, bytes.len()).unwrap();
        assert_eq!(
            message.kind,
            IcmpKind::DestinationUnreachable {
                port_unreachable: false
            }
        );
    }

    #[test]
    fn quote_without_ports_keeps_the_addresses() {
        let quote = udp_v4_datagram();
        let bytes = icmp(3, 3, &quote[..22]);
        let quoted = decode_icmp(IpVersion::V4, &bytes, 0, bytes.len())
            .unwrap()
            .quoted
            .unwrap();
        assert_eq!(quoted.protocol, 17);
        assert_eq!((quoted.src_port, quoted.dst_port), (None, None));
    }

    #[test]
    fn quote_of_a_later_fragment_has_no_ports() {
        let mut quote = udp_v4_datagram();
        quote[7] = 185; // fragment offset 1480: these bytes are not a UDP header
        let bytes = icmp(11, 1, &quote);
        let quoted = decode_icmp(IpVersion::V4, &bytes, 0, bytes.len())
            .unwrap()
            .quoted
            .unwrap();
        assert_eq!(quoted.protocol, 17);
        assert_eq!((quoted.src_port, quoted.dst_port), (None, None));
    }

    #[test]
    fn unreadable_quote_is_none_not_an_error() {
        let bytes = icmp(3, 3, &[0x45, 0, 0]);
        let message = decode_icmp(IpVersion::V4, &bytes, 0, bytes.len()).unwrap();
        assert_eq!(message.quoted, None);
        assert!(matches!(
            message.kind,
            IcmpKind::DestinationUnreachable { .. }
        ));
    }

    #[test]
    fn v6_port_unreachable_quoting_udp_and_tcp() {
        let src = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let dst = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        let udp = build!(PacketBuilder::ipv6(src, dst, 64).udp(5353, 9), b"x");
        let tcp = build!(
            PacketBuilder::ipv6(src, dst, 64)
                .tcp(40001, 8080, 5, 100)
                .syn(),
            &[]
        );
        for (quote, protocol, ports) in [(udp, 17, (5353, 9)), (tcp, 6, (40001, 8080))] {
            let bytes = icmp(1, 4, &quote);
            let message = decode_icmp(IpVersion::V6, &bytes, 54, bytes.len()).unwrap();
            assert_eq!(message.version, IpVersion::V6);
            assert_eq!((message.icmp_type, message.code), (1, 4));
            assert_eq!(
                message.kind,
                IcmpKind::DestinationUnreachable {
                    port_unreachable: true
                }
            );
            let quoted = message.quoted.unwrap();
            assert_eq!(quoted.src, IpAddr::from(src));
            assert_eq!(quoted.dst, IpAddr::from(dst));
            assert_eq!(quoted.protocol, protocol);
            assert_eq!(
                (quoted.src_port, quoted.dst_port),
                (Some(ports.0), Some(ports.1))
            );
        }
    }

    #[test]
    fn echo_messages_quote_nothing() {
        for (version, icmp_type, kind) in [
            (IpVersion::V4, 8, IcmpKind::EchoRequest),
            (IpVersion::V4, 0, IcmpKind::EchoReply),
            (IpVersion::V6, 128, IcmpKind::EchoRequest),
            (IpVersion::V6, 129, IcmpKind::EchoReply),
            (IpVersion::V6, 135, IcmpKind::Other),
        ] {
            let bytes = icmp(icmp_type, 0, &udp_v4_datagram());
            let message = decode_icmp(version, &bytes, 0, bytes.len()).unwrap();
            assert_eq!(message.kind, kind);
            assert_eq!(message.quoted, None);
        }
    }

    #[test]
    fn short_messages_are_icmp_errors() {
        let error = decode_icmp(IpVersion::V4, &[8, 0, 0, 0], 34, 64).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Icmp, 34));
        assert_eq!(
            error.message,
            "an ICMP header is 8 bytes long (type, code, checksum and 4 more bytes), but the frame ends 4 \
             bytes into it"
        );
        let error = decode_icmp(IpVersion::V6, &[128, 0, 0, 0], 54, 4).unwrap_err();
        assert_eq!(
            error.message,
            "the IP header leaves only 4 bytes for the ICMPv6 message, but an ICMPv6 header is 8 bytes long"
        );
    }
}
