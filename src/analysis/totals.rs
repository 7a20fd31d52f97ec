//! Per-protocol packet and byte totals: how much of what crossed the wire was headers.

use super::summary::{ProtocolSummary, ProtocolTotals};
use crate::decode::{Packet, Transport};

/// ICMP's fixed header: type, code, checksum and 4 bytes that depend on the type.
const ICMP_HEADER_LEN: u32 = 8;

impl ProtocolTotals {
    /// Adds one packet, split into link, IP and transport headers and payload.
    #[inline]
    pub(super) fn add(&mut self, packet: &Packet<'_>) {
        let link = u32::from(packet.link.header_len);
        let ip = packet.ip.as_ref().map_or(0, |ip| u32::from(ip.header_len));
        let transport = packet.transport_header_len();
        let payload = match (&packet.transport, &packet.ip) {
            // The decoder reports no ICMP payload; what follows the 8-byte header (the quoted
            // datagram, an echo's data) is the IP payload minus that header.
            (Transport::Icmp(_), Some(ip)) => ip
                .total_len
                .saturating_sub(u32::from(ip.header_len))
                .saturating_sub(ICMP_HEADER_LEN),
            (Transport::NotIp, _) => packet.original_len.saturating_sub(link),
            _ => packet.payload_len(),
        };
        self.packets = self.packets.saturating_add(1);
        self.link_header_bytes = self.link_header_bytes.saturating_add(u64::from(link));
        self.ip_header_bytes = self.ip_header_bytes.saturating_add(u64::from(ip));
        self.transport_header_bytes = self
            .transport_header_bytes
            .saturating_add(u64::from(transport));
        self.payload_bytes = self.payload_bytes.saturating_add(u64::from(payload));
    }
}

impl ProtocolSummary {
    /// Counts a decoded packet under its protocol (ICMPv6 counts as ICMP; anything else as other).
    #[inline]
    pub(super) fn count(&mut self, packet: &Packet<'_>) {
        let totals = match (&packet.transport, &packet.ip) {
            (Transport::Tcp(_), Some(_)) => &mut self.tcp,
            (Transport::Udp(_), Some(_)) => &mut self.udp,
            (Transport::Icmp(_), Some(_)) => &mut self.icmp,
            _ => &mut self.other,
        };
        totals.add(packet);
    }

    pub(super) fn count_undecodable(&mut self) {
        self.undecodable = self.undecodable.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_packets::{Wire, ACK, PSH, SYN};

    #[test]
    fn splits_headers_from_payload_per_protocol() {
        let mut wire = Wire::v4();
        let mut summary = ProtocolSummary::default();
        summary.count(&wire.client(SYN, 1, 0, 0));
        summary.count(&wire.client(PSH | ACK, 2, 1, 5));
        summary.count(&wire.udp_from_client(5));
        summary.count(&wire.port_unreachable(17));
        summary.count_undecodable();
        assert_eq!(
            summary.tcp,
            ProtocolTotals {
                packets: 2,
                link_header_bytes: 28,
                ip_header_bytes: 40,
                transport_header_bytes: 40,
                payload_bytes: 5,
            }
        );
        assert_eq!(
            summary.udp,
            ProtocolTotals {
                packets: 1,
                link_header_bytes: 14,
                ip_header_bytes: 20,
                transport_header_bytes: 8,
                payload_bytes: 5,
            }
        );
        // Port unreachable quotes the 20-byte IP header and 8 bytes of the datagram.
        assert_eq!(
            (
                summary.icmp.transport_header_bytes,
                summary.icmp.payload_bytes
            ),
            (8, 28)
        );
        assert_eq!(summary.other, ProtocolTotals::default());
        assert_eq!(summary.undecodable, 1);
    }

    #[test]
    fn frames_without_ip_count_as_other() {
        let mut wire = Wire::v4();
        let mut arp = wire.udp_from_client(0);
        arp.ip = None;
        arp.transport = Transport::NotIp;
        arp.original_len = 42;
        let mut summary = ProtocolSummary::default();
        summary.count(&arp);
        assert_eq!(summary.other.packets, 1);
        assert_eq!(summary.other.payload_bytes, 28);
        assert_eq!(summary.other.ip_header_bytes, 0);
    }
}
