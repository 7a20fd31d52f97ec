//! Link-layer framing: how many bytes precede the network layer, and which network layer it is.
//!
//! Ethernet and its 802.1Q/802.1ad VLAN tags are sliced with etherparse. Linux cooked captures (SLL, SLL2)
//! and BSD/OpenBSD loopback headers are read here by hand: etherparse 0.21 refuses SLL headers whose
//! hardware type is ARPHRD_LOOPBACK (772), which is exactly what `tcpdump -i any` writes for `lo`,
//! and it has no SLL2 or loopback support at all.

use super::error::{cold_error, Bytes, DecodeError, FrameEndsInto, Layer};
use super::packet::LinkInfo;
use crate::capture::LinkType;
use etherparse::{EtherType, Ethernet2Slice, SingleVlanSlice};

/// Ethernet II header: destination MAC, source MAC, EtherType.
pub const ETHERNET_HEADER_LEN: usize = 14;
/// One 802.1Q (or 802.1ad) tag: TPID already counted as the EtherType before it, plus TCI and the next EtherType.
pub const VLAN_TAG_LEN: usize = 4;
pub const SLL_HEADER_LEN: usize = 16;
pub const SLL2_HEADER_LEN: usize = 20;
pub const LOOPBACK_HEADER_LEN: usize = 4;

/// Address-family values BSD loopback headers use for IPv4 and IPv6 (IPv6 differs between the BSDs).
const AF_INET: u32 = 2;
const AF_INET6_VALUES: [u32; 3] = [24, 28, 30];

/// EtherType values below this are 802.3 length fields, not EtherTypes.
const MIN_ETHER_TYPE: u16 = 0x0600;

/// Which network layer the link layer announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkKind {
    Ipv4,
    Ipv6,
    /// Raw IP: the version in the first 4 bits decides.
    AnyIp,
    /// ARP, LLDP, an unknown address family: nothing socklab explains.
    NotIp,
}

/// The link layer, decoded, and the bytes that follow it.
#[derive(Clone, Copy, Debug)]
pub struct LinkLayer<'a> {
    pub info: LinkInfo,
    pub network: NetworkKind,
    /// Frame offset of the first network-layer byte.
    pub payload_offset: usize,
    /// The captured bytes after the link-layer header.
    pub payload: &'a [u8],
}

/// Splits a frame into its link-layer header and the network-layer bytes after it.
#[inline]
pub fn split_link(link_type: LinkType, data: &[u8]) -> Result<LinkLayer<'_>, DecodeError> {
    match link_type {
        LinkType::Ethernet => ethernet(data),
        LinkType::LinuxSll => {
            let protocol = cooked_protocol(data, SLL_HEADER_LEN, 14, "Linux cooked (SLL)")?;
            after_ether_type(link_type, SLL_HEADER_LEN, protocol, data)
        }
        LinkType::LinuxSll2 => {
            let protocol = cooked_protocol(data, SLL2_HEADER_LEN, 0, "Linux cooked v2 (SLL2)")?;
            after_ether_type(link_type, SLL2_HEADER_LEN, protocol, data)
        }
        LinkType::Null => loopback(link_type, data, address_family_either_order),
        LinkType::Loop => loopback(link_type, data, address_family_network_order),
        LinkType::RawIp => Ok(bare_ip(link_type, NetworkKind::AnyIp, data)),
        LinkType::Ipv4 => Ok(bare_ip(link_type, NetworkKind::Ipv4, data)),
        LinkType::Ipv6 => Ok(bare_ip(link_type, NetworkKind::Ipv6, data)),
        LinkType::Other(value) => Err(cold_error(|| {
            DecodeError::new(
                Layer::Link,
                0,
                format!(
                    "the capture uses link type {value}, which socklab cannot decode; it reads Ethernet, \
                     Linux cooked (SLL and SLL2), raw IP and BSD/OpenBSD loopback captures"
                ),
            )
        })),
    }
}

#[inline]
fn ethernet(data: &[u8]) -> Result<LinkLayer<'_>, DecodeError> {
    let ethernet = Ethernet2Slice::from_slice_without_fcs(data).map_err(|_| {
        DecodeError::new(
            Layer::Link,
            0,
            format!(
                "an Ethernet header is {ETHERNET_HEADER_LEN} bytes long (destination MAC, source MAC, \
                 EtherType), but the frame is only {} long",
                Bytes(data.len())
            ),
        )
    })?;
    after_ether_type(
        LinkType::Ethernet,
        ETHERNET_HEADER_LEN,
        ethernet.ether_type().0,
        data,
    )
}

/// Reads the protocol field of a Linux cooked header (an EtherType when it names IP or a VLAN tag).
fn cooked_protocol(
    data: &[u8],
    header_len: usize,
    protocol_at: usize,
    name: &str,
) -> Result<u16, DecodeError> {
    if data.len() < header_len {
        return Err(cold_error(|| {
            DecodeError::new(
                Layer::Link,
                0,
                format!(
                    "a {name} header is {header_len} bytes long, but the frame is only {} long",
                    Bytes(data.len())
                ),
            )
        }));
    }
    Ok(read_u16_be(data, protocol_at).unwrap_or(0))
}

/// Walks any VLAN tags after an EtherType (counting 4 bytes per tag), then names the network layer.
#[inline]
fn after_ether_type(
    link_type: LinkType,
    header_len: usize,
    first_ether_type: u16,
    data: &[u8],
) -> Result<LinkLayer<'_>, DecodeError> {
    let mut offset = header_len;
    let mut ether_type = first_ether_type;
    let mut vlan = None;
    while is_vlan_tag(ether_type) {
        let rest = data.get(offset..).unwrap_or_default();
        let tag = SingleVlanSlice::from_slice(rest).map_err(|_| {
            DecodeError::new(
                Layer::Link,
                offset,
                format!(
                    "the EtherType 0x{ether_type:04x} announces a {VLAN_TAG_LEN}-byte VLAN tag, but {}",
                    FrameEndsInto(rest.len())
                ),
            )
        })?;
        vlan.get_or_insert(tag.vlan_identifier().value());
        ether_type = tag.ether_type().0;
        offset += VLAN_TAG_LEN;
    }
    let network = match EtherType(ether_type) {
        EtherType::IPV4 => NetworkKind::Ipv4,
        EtherType::IPV6 => NetworkKind::Ipv6,
        _ => NetworkKind::NotIp,
    };
    Ok(LinkLayer {
        info: LinkInfo {
            link_type,
            header_len: saturating_u16(offset),
            vlan,
            // Below 0x0600 the field is an 802.3 length, which names no protocol.
            ether_type: (ether_type >= MIN_ETHER_TYPE).then_some(ether_type),
        },
        network,
        payload_offset: offset,
        payload: data.get(offset..).unwrap_or_default(),
    })
}

fn is_vlan_tag(ether_type: u16) -> bool {
    matches!(
        EtherType(ether_type),
        EtherType::VLAN_TAGGED_FRAME
            | EtherType::PROVIDER_BRIDGING
            | EtherType::VLAN_DOUBLE_TAGGED_FRAME
    )
}

/// BSD loopback: a 4-byte address family, then the packet. `ether_type` records the EtherType it stands for.
fn loopback(
    link_type: LinkType,
    data: &[u8],
    family_of: fn([u8; 4]) -> Option<u32>,
) -> Result<LinkLayer<'_>, DecodeError> {
    let Some(header) = data
        .get(..LOOPBACK_HEADER_LEN)
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
    else {
        return Err(cold_error(|| {
            DecodeError::new(
                Layer::Link,
                0,
                format!(
                    "a loopback header is a {LOOPBACK_HEADER_LEN}-byte address family, but the frame is only {} long",
                    Bytes(data.len())
                ),
            )
        }));
    };
    let network = match family_of(header) {
        Some(AF_INET) => NetworkKind::Ipv4,
        Some(family) if AF_INET6_VALUES.contains(&family) => NetworkKind::Ipv6,
        _ => NetworkKind::NotIp,
    };
    let ether_type = match network {
        NetworkKind::Ipv4 => Some(EtherType::IPV4.0),
        NetworkKind::Ipv6 => Some(EtherType::IPV6.0),
        _ => None,
    };
    Ok(LinkLayer {
        info: LinkInfo {
            link_type,
            header_len: LOOPBACK_HEADER_LEN as u16,
            vlan: None,
            ether_type,
        },
        network,
        payload_offset: LOOPBACK_HEADER_LEN,
        payload: data.get(LOOPBACK_HEADER_LEN..).unwrap_or_default(),
    })
}

/// LINKTYPE_NULL stores the family in the byte order of the machine that captured, which we cannot know:
/// take whichever reading is a family we recognise.
fn address_family_either_order(header: [u8; 4]) -> Option<u32> {
    let known = |family: u32| family == AF_INET || AF_INET6_VALUES.contains(&family);
    [u32::from_le_bytes(header), u32::from_be_bytes(header)]
        .into_iter()
        .find(|&family| known(family))
}

/// LINKTYPE_LOOP always stores the family in network byte order.
fn address_family_network_order(header: [u8; 4]) -> Option<u32> {
    Some(u32::from_be_bytes(header))
}

fn bare_ip(link_type: LinkType, network: NetworkKind, data: &[u8]) -> LinkLayer<'_> {
    LinkLayer {
        info: LinkInfo {
            link_type,
            header_len: 0,
            vlan: None,
            ether_type: None,
        },
        network,
        payload_offset: 0,
        payload: data,
    }
}

fn read_u16_be(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

fn saturating_u16(value: usize) -> u16 {
    u16::try_from(value).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACS: [u8; 12] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    fn ethernet_frame(ether_types_and_tags: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut frame = MACS.to_vec();
        frame.extend_from_slice(ether_types_and_tags);
        frame.extend_from_slice(payload);
        frame
    }

    #[test]
    fn plain_ethernet_ipv4() {
        let frame = ethernet_frame(&[0x08, 0x00], &[0x45, 0]);
        let link = split_link(LinkType::Ethernet, &frame).unwrap();
        assert_eq!(
            link.info,
            LinkInfo {
                link_type: LinkType::Ethernet,
                header_len: 14,
                vlan: None,
                ether_type: Some(0x0800)
            }
        );
        assert_eq!(link.network, NetworkKind::Ipv4);
        assert_eq!(link.payload_offset, 14);
        assert_eq!(link.payload, &[0x45, 0]);
    }

    #[test]
    fn single_vlan_tag_counts_four_bytes_and_records_the_id() {
        // TPID 0x8100, PCP 5 + VID 0x123, then IPv6.
        let frame = ethernet_frame(&[0x81, 0x00, 0xa1, 0x23, 0x86, 0xdd], &[0x60]);
        let link = split_link(LinkType::Ethernet, &frame).unwrap();
        assert_eq!(link.info.header_len, 18);
        assert_eq!(link.info.vlan, Some(0x123));
        assert_eq!(link.info.ether_type, Some(0x86dd));
        assert_eq!(link.network, NetworkKind::Ipv6);
        assert_eq!(link.payload, &[0x60]);
    }

    #[test]
    fn qinq_records_the_outer_vlan_and_counts_both_tags() {
        let tags = [0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00];
        let frame = ethernet_frame(&tags, &[0x45]);
        let link = split_link(LinkType::Ethernet, &frame).unwrap();
        assert_eq!(link.info.header_len, 22);
        assert_eq!(link.info.vlan, Some(100));
        assert_eq!(link.info.ether_type, Some(0x0800));
        assert_eq!(link.payload_offset, 22);
        assert_eq!(link.network, NetworkKind::Ipv4);
    }

    #[test]
    fn arp_is_not_ip_and_not_an_error() {
        let frame = ethernet_frame(&[0x08, 0x06], &[0; 28]);
        let link = split_link(LinkType::Ethernet, &frame).unwrap();
        assert_eq!(link.network, NetworkKind::NotIp);
        assert_eq!(link.info.ether_type, Some(0x0806));
    }

    #[test]
    fn ieee_802_3_length_field_is_not_an_ether_type() {
        let frame = ethernet_frame(&[0x00, 0x26], &[0xaa, 0xaa, 0x03]);
        let link = split_link(LinkType::Ethernet, &frame).unwrap();
        assert_eq!(link.network, NetworkKind::NotIp);
        assert_eq!(link.info.ether_type, None);
    }

    #[test]
    fn short_ethernet_is_a_link_error() {
        let error = split_link(LinkType::Ethernet, &MACS[..10]).unwrap_err();
        assert_eq!(error.layer, Layer::Link);
        assert_eq!(error.offset, 0);
        assert!(error.message.contains("only 10 bytes"), "{}", error.message);
    }

    #[test]
    fn cut_vlan_tag_is_a_link_error_at_the_tag() {
        let frame = ethernet_frame(&[0x81, 0x00, 0x00], &[]);
        let error = split_link(LinkType::Ethernet, &frame).unwrap_err();
        assert_eq!(error.layer, Layer::Link);
        assert_eq!(error.offset, 14);
        assert!(
            error.message.contains("ends 1 byte into it"),
            "{}",
            error.message
        );
    }

    #[test]
    fn linux_sll_reads_the_protocol_at_byte_14_for_any_hardware_type() {
        // Packet type 0 (to us), ARPHRD_LOOPBACK 772, address length 6, address, protocol IPv4.
        let mut frame = vec![0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
        frame.push(0x45);
        let link = split_link(LinkType::LinuxSll, &frame).unwrap();
        assert_eq!(link.info.header_len, 16);
        assert_eq!(link.info.ether_type, Some(0x0800));
        assert_eq!(link.network, NetworkKind::Ipv4);
        assert_eq!(link.payload, &[0x45]);
    }

    #[test]
    fn linux_sll2_reads_the_protocol_at_byte_0() {
        let mut frame = vec![0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6];
        frame.extend_from_slice(&[0; 8]);
        frame.push(0x60);
        let link = split_link(LinkType::LinuxSll2, &frame).unwrap();
        assert_eq!(link.info.header_len, 20);
        assert_eq!(link.info.ether_type, Some(0x86dd));
        assert_eq!(link.network, NetworkKind::Ipv6);
        assert_eq!(link.payload_offset, 20);
    }

    #[test]
    fn short_cooked_headers_are_link_errors() {
        let error = split_link(LinkType::LinuxSll, &[0; 15]).unwrap_err();
        assert_eq!(error.layer, Layer::Link);
        assert!(error.message.contains("16 bytes long"), "{}", error.message);
        let error = split_link(LinkType::LinuxSll2, &[0; 19]).unwrap_err();
        assert!(error.message.contains("20 bytes long"), "{}", error.message);
    }

    #[test]
    fn null_loopback_accepts_either_byte_order() {
        for header in [[2, 0, 0, 0], [0, 0, 0, 2]] {
            let link = split_link(LinkType::Null, &header).unwrap();
            assert_eq!(link.network, NetworkKind::Ipv4);
            assert_eq!(link.info.ether_type, Some(0x0800));
            assert_eq!(link.info.header_len, 4);
        }
        for family in [24u32, 28, 30] {
            for header in [family.to_le_bytes(), family.to_be_bytes()] {
                let link = split_link(LinkType::Null, &header).unwrap();
                assert_eq!(link.network, NetworkKind::Ipv6, "family {family}");
            }
        }
        let link = split_link(LinkType::Null, &[7, 0, 0, 0]).unwrap();
        assert_eq!(link.network, NetworkKind::NotIp);
        assert_eq!(link.info.ether_type, None);
    }

    #[test]
    fn loop_uses_network_order_only() {
        let link = split_link(LinkType::Loop, &[0, 0, 0, 24, 0x60]).unwrap();
        assert_eq!(link.network, NetworkKind::Ipv6);
        assert_eq!(link.payload, &[0x60]);
        let link = split_link(LinkType::Loop, &[24, 0, 0, 0]).unwrap();
        assert_eq!(link.network, NetworkKind::NotIp);
    }

    #[test]
    fn short_loopback_is_a_link_error() {
        let error = split_link(LinkType::Null, &[2, 0]).unwrap_err();
        assert_eq!(error.layer, Layer::Link);
        assert!(error.message.contains("only 2 bytes"), "{}", error.message);
    }

    #[test]
    fn raw_ip_link_types_have_no_header() {
        for (link_type, network) in [
            (LinkType::RawIp, NetworkKind::AnyIp),
            (LinkType::Ipv4, NetworkKind::Ipv4),
            (LinkType::Ipv6, NetworkKind::Ipv6),
        ] {
            let link = split_link(link_type, &[0x45, 0]).unwrap();
            assert_eq!(link.network, network);
            assert_eq!(link.info.header_len, 0);
            assert_eq!(link.payload_offset, 0);
            assert_eq!(link.payload, &[0x45, 0]);
        }
    }

    #[test]
    fn unknown_link_type_is_explained() {
        let error = split_link(LinkType::Other(9), &[0xff, 0x03]).unwrap_err();
        assert_eq!(error.layer, Layer::Link);
        assert_eq!(error.offset, 0);
        assert!(error.message.contains("link type 9"), "{}", error.message);
    }
}
