//! Link-layer framing around an IP packet, one variant per LINKTYPE the test exercises.

/// How an IP packet is framed in the capture.
#[derive(Clone, Debug)]
pub enum Link {
    Ethernet,
    /// Ethernet with 802.1Q tags, outermost first (two tags: the outer is an 802.1ad S-tag).
    Vlan(Vec<u16>),
    /// Linux cooked capture v1 (LINKTYPE_LINUX_SLL), as `tcpdump -i any` wrote it for years.
    Sll,
    /// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2).
    Sll2,
    /// LINKTYPE_RAW: the IP packet alone.
    RawIp,
    /// LINKTYPE_IPV4 / LINKTYPE_IPV6: the IP packet alone, the version given by the link type.
    RawIpv4,
    RawIpv6,
    /// BSD loopback (LINKTYPE_NULL), address family in little-endian host order.
    Null,
    /// OpenBSD loopback (LINKTYPE_LOOP), address family in network order.
    Loop,
}

const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

impl Link {
    pub fn linktype(&self) -> u32 {
        match self {
            Link::Ethernet | Link::Vlan(_) => 1,
            Link::Sll => 113,
            Link::Sll2 => 276,
            Link::RawIp => 101,
            Link::RawIpv4 => 228,
            Link::RawIpv6 => 229,
            Link::Null => 0,
            Link::Loop => 108,
        }
    }

    /// Wraps `ip` (an IPv4 or IPv6 packet, told by its first nibble).
    pub fn frame(&self, ip: &[u8]) -> Vec<u8> {
        let v6 = ip.first().is_some_and(|byte| byte >> 4 == 6);
        let ether_type: u16 = if v6 { 0x86dd } else { 0x0800 };
        let mut out = Vec::with_capacity(ip.len() + 24);
        match self {
            Link::Ethernet => {
                out.extend_from_slice(&SERVER_MAC);
                out.extend_from_slice(&CLIENT_MAC);
                out.extend_from_slice(&ether_type.to_be_bytes());
            }
            Link::Vlan(tags) => {
                out.extend_from_slice(&SERVER_MAC);
                out.extend_from_slice(&CLIENT_MAC);
                for (index, tag) in tags.iter().enumerate() {
                    let tpid: u16 = if index == 0 && tags.len() > 1 {
                        0x88a8
                    } else {
                        0x8100
                    };
                    out.extend_from_slice(&tpid.to_be_bytes());
                    // Priority 3 in the upper bits, to show the id is only the low 12 bits.
                    out.extend_from_slice(&((3 << 13) | (tag & 0x0fff)).to_be_bytes());
                }
                out.extend_from_slice(&ether_type.to_be_bytes());
            }
            Link::Sll => {
                // Packet type "sent by us" (4), ARPHRD_LOOPBACK (772), address length 6.
                out.extend_from_slice(&4u16.to_be_bytes());
                out.extend_from_slice(&772u16.to_be_bytes());
                out.extend_from_slice(&6u16.to_be_bytes());
                out.extend_from_slice(&CLIENT_MAC);
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(&ether_type.to_be_bytes());
            }
            Link::Sll2 => {
                out.extend_from_slice(&ether_type.to_be_bytes());
                out.extend_from_slice(&[0, 0]); // reserved
                out.extend_from_slice(&1u32.to_be_bytes()); // interface index
                out.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
                out.push(0); // packet type: to us
                out.push(6); // address length
                out.extend_from_slice(&CLIENT_MAC);
                out.extend_from_slice(&[0, 0]);
            }
            Link::RawIp | Link::RawIpv4 | Link::RawIpv6 => {}
            Link::Null => {
                let family: u32 = if v6 { 24 } else { 2 };
                out.extend_from_slice(&family.to_le_bytes());
            }
            Link::Loop => {
                let family: u32 = if v6 { 24 } else { 2 };
                out.extend_from_slice(&family.to_be_bytes());
            }
        }
        out.extend_from_slice(ip);
        if matches!(self, Link::Ethernet | Link::Vlan(_)) {
            // Ethernet pads frames to its 60-byte minimum (64 with a tag): the IP length, not the
            // frame's, says where the packet ends.
            let minimum = if matches!(self, Link::Vlan(_)) {
                64
            } else {
                60
            };
            out.resize(out.len().max(minimum), 0);
        }
        out
    }

    /// An ARP request framed for this link, or `None` where the link can carry only IP.
    pub fn arp(&self) -> Option<Vec<u8>> {
        let mut arp = vec![0, 1, 0x08, 0x00, 6, 4, 0, 1];
        arp.extend_from_slice(&CLIENT_MAC);
        arp.extend_from_slice(&[192, 0, 2, 10]);
        arp.extend_from_slice(&[0; 6]);
        arp.extend_from_slice(&[192, 0, 2, 1]);
        let mut out = Vec::new();
        match self {
            Link::Ethernet => {
                out.extend_from_slice(&[0xff; 6]);
                out.extend_from_slice(&CLIENT_MAC);
                out.extend_from_slice(&[0x08, 0x06]);
            }
            Link::Sll => {
                out.extend_from_slice(&[0, 4, 0, 1, 0, 6]);
                out.extend_from_slice(&CLIENT_MAC);
                out.extend_from_slice(&[0, 0, 0x08, 0x06]);
            }
            _ => return None,
        }
        out.extend_from_slice(&arp);
        out.resize(out.len().max(60), 0);
        Some(out)
    }
}
