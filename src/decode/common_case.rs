//! The frames nearly every capture is made of, decoded in one pass: Ethernet II without VLAN tags,
//! then IPv4 (no options, not a fragment, a total length set) or IPv6 without extension headers (a
//! payload length set), then TCP or UDP, every length field consistent with the frame.
//!
//! The general decoder (`decode_any` in this module's parent) reads these too, layer by layer; but
//! each layer's result, returned in a `Result` and merged with the rarer paths, was copied through
//! the stack on its way into the `Packet`, which cost more than reading the headers. This path uses
//! the same etherparse slices and the same builders (`ip::ipv4_layer`, `tcp::segment`, ...), so the
//! compiler can keep the intermediate values in registers. Whatever it does not accept (other link
//! types, VLAN tags, IP options, fragments, extension headers, ICMP, and every frame with something
//! wrong) returns `None` and goes the general way, which also words the errors. Tests check that
//! both ways give the same packet on every frame this path accepts: tcpdump's capture corpus, and
//! thousands of damaged frames.

use super::ip::{self, IpLayer, IPV4_MIN_HEADER_LEN, IPV6_HEADER_LEN};
use super::link::ETHERNET_HEADER_LEN;
use super::packet::{LinkInfo, Packet, Transport};
use super::{tcp, udp, PROTOCOL_TCP, PROTOCOL_UDP};
use crate::capture::{Frame, LinkType};
use etherparse::{EtherType, Ethernet2Slice, IpNumber, Ipv4HeaderSlice, Ipv6HeaderSlice, TcpSlice};

/// Decodes `frame` if it has the common shape; `None` sends it to the general decoder.
#[inline(always)]
pub(super) fn decode<'a>(frame: &Frame<'a>) -> Option<Packet<'a>> {
    if frame.link_type != LinkType::Ethernet {
        return None;
    }
    let data = frame.data;
    let ethernet = Ethernet2Slice::from_slice_without_fcs(data).ok()?;
    let ether_type = ethernet.ether_type();
    // As the general decoder counts it: what the frame had on the wire, never below what was
    // captured.
    let wire_len = usize::try_from(frame.original_len)
        .unwrap_or(usize::MAX)
        .max(data.len());
    let ip_bytes = ethernet.payload_slice();
    let ip_wire_len = wire_len.saturating_sub(ETHERNET_HEADER_LEN);
    let ip = match ether_type {
        EtherType::IPV4 => ipv4(ip_bytes, ip_wire_len)?,
        EtherType::IPV6 => ipv6(ip_bytes, ip_wire_len)?,
        _ => return None,
    };
    let (bytes, offset, declared) = (ip.payload, ip.payload_offset, ip.payload_len);
    let transport = match ip.info.protocol {
        PROTOCOL_TCP => {
            // `tcp::decode_tcp`'s checks, all passed: the slice holds the header the data offset
            // announces (at least 20 bytes), and IP leaves room for it.
            let tcp = TcpSlice::from_slice(bytes).ok()?;
            if tcp.header_len() > declared {
                return None;
            }
            Transport::Tcp(tcp::segment(&tcp, declared))
        }
        PROTOCOL_UDP => {
            Transport::Udp(udp::decode_udp(bytes, offset, declared, ip.info.version).ok()?)
        }
        _ => return None,
    };
    Some(Packet {
        number: frame.number,
        timestamp: frame.timestamp,
        captured_len: u32::try_from(data.len()).unwrap_or(u32::MAX),
        original_len: frame.original_len,
        link: LinkInfo {
            link_type: LinkType::Ethernet,
            header_len: ETHERNET_HEADER_LEN as u16,
            vlan: None,
            ether_type: Some(ether_type.0),
        },
        ip: Some(ip.info),
        transport,
    })
}

/// An IPv4 packet without options (IHL 5), its header captured whole, a total length between the
/// header's length and what the frame carried, no fragmentation and no authentication header.
///
/// Options are left to the general way on purpose: with the header length a constant, the address
/// of the transport header does not depend on this header's first byte, so on a frame not yet in
/// the cache the processor can fetch both at once instead of one after the other.
#[inline(always)]
fn ipv4(bytes: &[u8], wire_len: usize) -> Option<IpLayer<'_>> {
    /// Version 4, header length 5 × 4 bytes.
    const VERSION_4_WITHOUT_OPTIONS: u8 = 0x45;
    let header_len = IPV4_MIN_HEADER_LEN;
    if bytes.first() != Some(&VERSION_4_WITHOUT_OPTIONS) || bytes.len() < header_len {
        return None;
    }
    let total_len = usize::from(u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]));
    if total_len < header_len || total_len > wire_len {
        return None;
    }
    let sliced = bytes.get(..total_len).unwrap_or(bytes);
    let header = Ipv4HeaderSlice::from_slice(sliced).ok()?;
    let protocol = header.protocol();
    let fragment = header.more_fragments() || header.fragments_offset().value() != 0;
    if fragment || protocol == IpNumber::AUTHENTICATION_HEADER {
        return None;
    }
    let payload = sliced.get(header_len..).unwrap_or_default();
    Some(ip::ipv4_layer(
        &header,
        0,
        protocol.0,
        payload,
        ETHERNET_HEADER_LEN,
        total_len,
    ))
}

/// An IPv6 packet whose fixed header names TCP or UDP directly, with a payload length that fits
/// what the frame carried.
#[inline(always)]
fn ipv6(bytes: &[u8], wire_len: usize) -> Option<IpLayer<'_>> {
    let header = Ipv6HeaderSlice::from_slice(bytes).ok()?;
    let protocol = header.next_header();
    let declared = IPV6_HEADER_LEN + usize::from(header.payload_length());
    let usual = matches!(protocol, IpNumber::TCP | IpNumber::UDP);
    if !usual || header.payload_length() == 0 || declared > wire_len {
        return None;
    }
    let sliced = bytes.get(..declared).unwrap_or(bytes);
    let payload = sliced.get(IPV6_HEADER_LEN..).unwrap_or_default();
    Some(ip::ipv6_without_extensions(
        &header,
        protocol.0,
        payload,
        ETHERNET_HEADER_LEN,
        declared,
    ))
}

#[cfg(test)]
/// Checks the two ways agree on `frame`; returns whether this path accepted it.
pub(super) fn agrees_with_the_general_decoder(frame: &Frame<'_>) -> bool {
    let Some(packet) = decode(frame) else {
        return false;
    };
    let general = super::decode_any(frame).unwrap_or_else(|error| {
        panic!("the common path decoded {frame:?} the general one refused: {error}")
    });
    assert_eq!(
        format!("{packet:?}"),
        format!("{general:?}"),
        "frame {frame:?}"
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
    use crate::decode::IpVersion;
    use etherparse::{PacketBuilder, TcpOptionElement};

    fn frame(data: &[u8], original_len: u32) -> Frame<'_> {
        Frame {
            number: 3,
            timestamp: Timestamp(1_700_000_000_000_000_001),
            link_type: LinkType::Ethernet,
            data,
            original_len,
        }
    }

    fn seeds() -> Vec<Vec<u8>> {
        let mac = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let v6 = (
            [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
        );
        let options = [
            TcpOptionElement::Noop,
            TcpOptionElement::Noop,
            TcpOptionElement::Timestamp(7, 9),
        ];
        let mut seeds = Vec::new();
        let mut add = |write: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = Vec::new();
            write(&mut bytes);
            seeds.push(bytes);
        };
        add(&|out| {
            PacketBuilder::ethernet2(mac.0, mac.1)
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .tcp(40000, 80, 1, 500)
                .ack(9)
                .psh()
                .options(&options)
                .unwrap()
                .write(out, b"GET / HTTP/1.1\r\n\r\n")
                .unwrap()
        });
        add(&|out| {
            PacketBuilder::ethernet2(mac.0, mac.1)
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .tcp(40000, 80, 1, 500)
                .syn()
                .options(&[
                    TcpOptionElement::MaximumSegmentSize(1460),
                    TcpOptionElement::SelectiveAcknowledgementPermitted,
                    TcpOptionElement::Timestamp(1, 0),
                    TcpOptionElement::Noop,
                    TcpOptionElement::WindowScale(7),
                ])
                .unwrap()
                .write(out, &[])
                .unwrap()
        });
        add(&|out| {
            PacketBuilder::ethernet2(mac.0, mac.1)
                .ipv6(v6.0, v6.1, 64)
                .tcp(40000, 443, 1, 500)
                .ack(1)
                .options(&options)
                .unwrap()
                .write(out, &[1; 40])
                .unwrap()
        });
        add(&|out| {
            PacketBuilder::ethernet2(mac.0, mac.1)
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .udp(5353, 53)
                .write(out, b"query")
                .unwrap()
        });
        add(&|out| {
            PacketBuilder::ethernet2(mac.0, mac.1)
                .ipv6(v6.0, v6.1, 64)
                .udp(5353, 53)
                .write(out, b"query")
                .unwrap()
        });
        seeds
    }

    /// The first seed with 8 bytes of IPv4 options (IHL 7), the lengths fixed by hand.
    fn with_ipv4_options() -> Vec<u8> {
        let mut bytes = seeds()[0].clone();
        bytes.splice(34..34, [1u8; 8]);
        bytes[14] = 0x47;
        let total = (bytes.len() - 14) as u16;
        bytes[16..18].copy_from_slice(&total.to_be_bytes());
        bytes
    }

    #[test]
    fn accepts_the_common_shapes_and_agrees() {
        for seed in seeds() {
            let accepted = agrees_with_the_general_decoder(&frame(&seed, seed.len() as u32));
            assert!(accepted, "{seed:?}");
            // Cut by the snap length inside the payload: still this path, declared lengths kept.
            let packet = decode(&frame(&seed, seed.len() as u32)).unwrap();
            if packet.payload_len() >= 3 {
                let cut = frame(&seed[..seed.len() - 3], seed.len() as u32);
                assert!(agrees_with_the_general_decoder(&cut));
            }
        }
        let ipv6_udp = &seeds()[4];
        let packet = decode(&frame(ipv6_udp, ipv6_udp.len() as u32)).unwrap();
        assert_eq!(packet.ip.unwrap().version, IpVersion::V6);
    }

    #[test]
    fn leaves_the_rest_to_the_general_decoder() {
        let seed = &seeds()[0];
        let not = |bytes: &[u8], original_len: usize| {
            assert!(
                decode(&frame(bytes, original_len as u32)).is_none(),
                "{bytes:?}"
            );
        };
        let changed = |at: usize, value: u8| {
            let mut bytes = seed.clone();
            assert_ne!(bytes[at], value, "the case would change nothing");
            bytes[at] = value;
            bytes
        };
        let options = with_ipv4_options();
        not(&options, options.len()); // IPv4 options
        assert!(crate::decode::decode(&frame(&options, options.len() as u32)).is_ok());
        not(&changed(12, 0x81), seed.len()); // a VLAN tag
        not(&changed(20, 0x20), seed.len()); // more fragments
        not(&changed(21, 1), seed.len()); // a later fragment
        not(&changed(23, 51), seed.len()); // an authentication header
        not(&changed(23, 1), seed.len()); // ICMP
        let mut tso = seed.clone();
        tso[16..18].copy_from_slice(&[0, 0]);
        not(&tso, seed.len()); // total length 0 (TSO)
        not(&changed(17, 19), seed.len()); // total length below the header
        not(&changed(46, 0xf0), seed.len()); // a TCP header longer than the segment
        not(&seed[..40], seed.len()); // cut inside the TCP header
        not(&seed[..40], 40); // really that short: the total length lies
        let mut raw_ip = frame(&seed[14..], seed.len() as u32 - 14);
        raw_ip.link_type = LinkType::RawIp;
        assert!(decode(&raw_ip).is_none());
    }

    /// A tiny deterministic generator (no extra crate; the same cases every run).
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
    fn agrees_with_the_general_decoder_on_damaged_frames() {
        let mut seeds = seeds();
        seeds.push(with_ipv4_options());
        let mut random = XorShift(0x0dd5_eed5_1234_5678);
        let mut accepted = 0;
        for round in 0..100_000 {
            let mut bytes = seeds[round % seeds.len()].clone();
            // Damage the headers (the first 80 bytes) more often than the payload.
            for _ in 0..(random.next() % 3 + 1) {
                let reach = if random.next() % 4 == 0 {
                    bytes.len()
                } else {
                    80.min(bytes.len())
                };
                let at = (random.next() as usize) % reach;
                bytes[at] = match random.next() % 3 {
                    0 => random.next() as u8,
                    1 => bytes[at] ^ (1 << (random.next() % 8)),
                    _ => bytes[at].wrapping_add(1),
                };
            }
            let len = if random.next() % 2 == 0 {
                bytes.len()
            } else {
                (random.next() as usize) % (bytes.len() + 1)
            };
            let original_len = match random.next() % 3 {
                0 => len as u32,
                1 => bytes.len() as u32,
                _ => random.next() as u32,
            };
            if agrees_with_the_general_decoder(&frame(&bytes[..len], original_len)) {
                accepted += 1;
            }
        }
        assert!(
            accepted > 10_000,
            "only {accepted} damaged frames took this path"
        );
    }
}
