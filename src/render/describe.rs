//! What the ladder says about one packet, as `Display` adapters that write without allocating: the arrow's
//! label, the header-size breakdown, the relative time, flow names, and the colour a packet deserves.

use super::color::Tone;
use super::labels::Labels;
use crate::analysis::{Annotation, FlowId, FlowInfo, FlowProtocol, ProtocolTotals, Verdict};
use crate::capture::LinkType;
use crate::decode::{IcmpKind, IcmpMessage, IpVersion, Packet, Transport};
use std::fmt;

/// The colour of a packet's arrow, by what the packet does.
pub(crate) fn packet_tone(packet: &Packet<'_>, verdict: &Verdict) -> Tone {
    match &packet.transport {
        Transport::Tcp(segment) => {
            let flags = segment.flags;
            let handshake_ack = verdict
                .notes
                .iter()
                .any(|note| matches!(note, Annotation::HandshakeAck));
            let teardown = verdict.notes.iter().any(|note| {
                matches!(
                    note,
                    Annotation::TeardownAck { .. }
                        | Annotation::TeardownFin { .. }
                        | Annotation::TeardownFinAckPiggybacked { .. }
                        | Annotation::SimultaneousFin { .. }
                )
            });
            if flags.rst() {
                Tone::Reset
            } else if flags.syn() || handshake_ack {
                Tone::Handshake
            } else if flags.fin() || teardown {
                Tone::Teardown
            } else {
                Tone::Data
            }
        }
        Transport::Udp(_) => Tone::Udp,
        Transport::Icmp(_) => Tone::Icmp,
        Transport::OtherIp { .. } | Transport::NotIp => Tone::Plain,
    }
}

/// Time since the first frame, in nanoseconds, shown as "+0.000041s" (microseconds, truncated).
pub(crate) struct RelativeTime(pub i64);

impl fmt::Display for RelativeTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let nanos = self.0.unsigned_abs();
        let secs = nanos / 1_000_000_000;
        let micros = (nanos % 1_000_000_000) / 1_000;
        write!(f, "{sign}{secs}.{micros:06}s")
    }
}

/// "TCP stream 0" / "TCP 流 0".
pub(crate) struct FlowName<'a> {
    pub id: FlowId,
    pub labels: &'a Labels,
}

impl fmt::Display for FlowName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            protocol_name(self.id.protocol),
            self.labels.stream,
            self.id.index
        )
    }
}

/// The line that introduces a conversation, the one place its ports appear:
/// "TCP stream 0: client 127.0.0.1:43210 ⇄ server 127.0.0.1:5000".
pub(crate) struct FlowIntro<'a> {
    pub id: FlowId,
    pub info: Option<&'a FlowInfo>,
    pub labels: &'a Labels,
}

impl fmt::Display for FlowIntro<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels = self.labels;
        write!(
            f,
            "{}",
            FlowName {
                id: self.id,
                labels
            }
        )?;
        if let Some(info) = self.info {
            write!(
                f,
                "{}{} {} ⇄ {} {}",
                labels.colon, labels.client, info.client, labels.server, info.server
            )?;
        }
        Ok(())
    }
}

pub(crate) fn protocol_name(protocol: FlowProtocol) -> &'static str {
    match protocol {
        FlowProtocol::Tcp => "TCP",
        FlowProtocol::Udp => "UDP",
    }
}

/// The words on a packet's arrow: "SYN,ACK seq=0 ack=1", "UDP datagram 5 B",
/// "ICMP port unreachable (quotes packet #3)". `tag` prefixes the flow ("[TCP 1] ") when several interleave.
pub(crate) struct ArrowLabel<'a, 'p> {
    pub packet: &'a Packet<'p>,
    pub verdict: &'a Verdict,
    pub labels: &'a Labels,
    pub tag: Option<FlowId>,
}

impl fmt::Display for ArrowLabel<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels = self.labels;
        if let Some(id) = self.tag {
            write!(f, "[{} {}] ", protocol_name(id.protocol), id.index)?;
        }
        match &self.packet.transport {
            Transport::Tcp(segment) => {
                let seq = self.verdict.rel_seq.unwrap_or(segment.seq);
                write!(f, "{} seq={seq}", segment.flags.names())?;
                if segment.flags.ack() {
                    let ack = self.verdict.rel_ack.unwrap_or(segment.ack);
                    write!(f, " ack={ack}")?;
                }
                if segment.payload_len > 0 {
                    write!(f, " len={}", segment.payload_len)?;
                }
                Ok(())
            }
            Transport::Udp(datagram) => {
                write!(f, "UDP {} {} B", labels.datagram, datagram.payload_len)
            }
            Transport::Icmp(message) => {
                write!(f, "{}", IcmpName { message, labels })?;
                let quoted = self.verdict.related_packet.or_else(|| {
                    self.verdict.notes.iter().find_map(|note| match note {
                        Annotation::IcmpPortUnreachable { datagram, .. } => *datagram,
                        _ => None,
                    })
                });
                match quoted {
                    Some(number) => write!(
                        f,
                        "{}{} #{number}{}",
                        labels.paren_open, labels.quotes_packet, labels.paren_close
                    ),
                    None => Ok(()),
                }
            }
            Transport::OtherIp {
                protocol,
                payload_len,
            } => write!(f, "{} {protocol}, {payload_len} B", labels.ip_protocol),
            Transport::NotIp => {
                write!(f, "{}", labels.not_ip)?;
                if let Some(ether_type) = self.packet.link.ether_type {
                    write!(f, " (EtherType 0x{ether_type:04x})")?;
                }
                Ok(())
            }
        }
    }
}

/// "ICMP port unreachable", "ICMPv6 echo request", "ICMP type 13 code 0".
pub(crate) struct IcmpName<'a> {
    pub message: &'a IcmpMessage,
    pub labels: &'a Labels,
}

impl fmt::Display for IcmpName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels = self.labels;
        let message = self.message;
        let protocol = match message.version {
            IpVersion::V4 => "ICMP",
            IpVersion::V6 => "ICMPv6",
        };
        match message.kind {
            IcmpKind::DestinationUnreachable {
                port_unreachable: true,
            } => write!(f, "{protocol} {}", labels.port_unreachable),
            IcmpKind::DestinationUnreachable {
                port_unreachable: false,
            } => write!(
                f,
                "{protocol} {}{}code {}{}",
                labels.destination_unreachable, labels.paren_open, message.code, labels.paren_close
            ),
            IcmpKind::EchoRequest => write!(f, "{protocol} {}", labels.echo_request),
            IcmpKind::EchoReply => write!(f, "{protocol} {}", labels.echo_reply),
            IcmpKind::TimeExceeded => write!(f, "{protocol} {}", labels.time_exceeded),
            IcmpKind::Other => write!(
                f,
                "{protocol} type {} code {}",
                message.icmp_type, message.code
            ),
        }
    }
}

/// Where each byte went: "Ethernet 14 + IPv4 20 + TCP 32 + 5 B".
pub(crate) struct HeaderSizes<'a, 'p> {
    pub packet: &'a Packet<'p>,
}

impl fmt::Display for HeaderSizes<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let packet = self.packet;
        let link_len = packet.link.header_len;
        if link_len > 0 {
            write!(f, "{} {link_len} + ", link_name(packet.link.link_type))?;
        }
        let Some(ip) = packet.ip else {
            let rest = packet.original_len.saturating_sub(u32::from(link_len));
            return write!(f, "{rest} B");
        };
        let ip_name = match ip.version {
            IpVersion::V4 => "IPv4",
            IpVersion::V6 => "IPv6",
        };
        write!(f, "{ip_name} {} + ", ip.header_len)?;
        match &packet.transport {
            Transport::Tcp(segment) => {
                write!(f, "TCP {} + {} B", segment.header_len, segment.payload_len)
            }
            Transport::Udp(datagram) => write!(f, "UDP 8 + {} B", datagram.payload_len),
            Transport::Icmp(message) => {
                let name = match message.version {
                    IpVersion::V4 => "ICMP",
                    IpVersion::V6 => "ICMPv6",
                };
                let body = ip
                    .total_len
                    .saturating_sub(u32::from(ip.header_len))
                    .saturating_sub(8);
                write!(f, "{name} 8 + {body} B")
            }
            Transport::OtherIp { payload_len, .. } => write!(f, "{payload_len} B"),
            Transport::NotIp => write!(f, "0 B"),
        }
    }
}

/// Short link-layer names for the size breakdown.
pub(crate) fn link_name(link_type: LinkType) -> &'static str {
    match link_type {
        LinkType::Null => "NULL",
        LinkType::Ethernet => "Ethernet",
        LinkType::RawIp | LinkType::Ipv4 | LinkType::Ipv6 => "raw",
        LinkType::Loop => "LOOP",
        LinkType::LinuxSll => "SLL",
        LinkType::LinuxSll2 => "SLL2",
        LinkType::Other(_) => "link",
    }
}

/// Link + IP + transport header bytes of a protocol's packets.
pub(crate) fn header_bytes(totals: &ProtocolTotals) -> u64 {
    totals
        .link_header_bytes
        .saturating_add(totals.ip_header_bytes)
        .saturating_add(totals.transport_header_bytes)
}

/// Headers as a share of all bytes, in tenths of a percent, rounded; `None` when nothing was counted.
pub(crate) fn overhead_tenths(totals: &ProtocolTotals) -> Option<u64> {
    let headers = u128::from(header_bytes(totals));
    let all = headers + u128::from(totals.payload_bytes);
    // At most 1000, so the conversion cannot fail.
    (all > 0).then(|| ((headers * 1000 + all / 2) / all) as u64)
}

/// Addresses of a packet that belongs to no known conversation: "10.0.0.1:80 → 10.0.0.2:5000".
pub(crate) struct Addresses<'a, 'p> {
    pub packet: &'a Packet<'p>,
}

impl fmt::Display for Addresses<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(ip) = self.packet.ip else {
            return Ok(());
        };
        let ports = match &self.packet.transport {
            Transport::Tcp(segment) => Some((segment.src_port, segment.dst_port)),
            Transport::Udp(datagram) => Some((datagram.src_port, datagram.dst_port)),
            _ => None,
        };
        match ports {
            Some((src_port, dst_port)) => write!(
                f,
                "{} → {}",
                std::net::SocketAddr::new(ip.src, src_port),
                std::net::SocketAddr::new(ip.dst, dst_port)
            ),
            None => write!(f, "{} → {}", ip.src, ip.dst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use crate::analysis::Role;
    use crate::decode::TcpFlags;
    use crate::lang::Lang;

    #[test]
    fn relative_time_has_microseconds_and_a_sign() {
        assert_eq!(RelativeTime(0).to_string(), "+0.000000s");
        assert_eq!(RelativeTime(41_000).to_string(), "+0.000041s");
        assert_eq!(RelativeTime(12_345_678_999).to_string(), "+12.345678s");
        assert_eq!(RelativeTime(-10_000).to_string(), "-0.000010s");
        assert_eq!(RelativeTime(i64::MIN).to_string(), "-9223372036.854775s");
    }

    #[test]
    fn tcp_label_uses_relative_numbers_and_shows_ack_only_when_set() {
        let labels = Labels::get(Lang::En);
        let syn = fixtures::tcp(1, 0, Role::Client, TcpFlags::SYN, b"");
        let verdict = fixtures::verdict(Role::Client, 0, None, 1);
        let label = ArrowLabel {
            packet: &syn,
            verdict: &verdict,
            labels,
            tag: None,
        };
        assert_eq!(label.to_string(), "SYN seq=0");

        let data = fixtures::tcp(4, 0, Role::Client, TcpFlags::PSH | TcpFlags::ACK, b"hello");
        let verdict = fixtures::verdict(Role::Client, 1, Some(1), 6);
        let tag = Some(FlowId {
            protocol: FlowProtocol::Tcp,
            index: 1,
        });
        let label = ArrowLabel {
            packet: &data,
            verdict: &verdict,
            labels,
            tag,
        };
        assert_eq!(label.to_string(), "[TCP 1] PSH,ACK seq=1 ack=1 len=5");
    }

    #[test]
    fn sizes_name_every_header() {
        let data = fixtures::tcp(4, 0, Role::Client, TcpFlags::PSH | TcpFlags::ACK, b"hello");
        assert_eq!(
            HeaderSizes { packet: &data }.to_string(),
            "Ethernet 14 + IPv4 20 + TCP 32 + 5 B"
        );
        let udp = fixtures::udp(1, 0, Role::Client, b"ping");
        assert_eq!(
            HeaderSizes { packet: &udp }.to_string(),
            "Ethernet 14 + IPv4 20 + UDP 8 + 4 B"
        );
    }

    #[test]
    fn icmp_label_names_the_quoted_packet_in_each_language() {
        let icmp = fixtures::icmp_port_unreachable(2, 0);
        let mut verdict = fixtures::verdict(Role::Server, 0, None, 0);
        verdict.rel_seq = None;
        verdict.rel_next_seq = None;
        verdict.related_packet = Some(1);
        let en = ArrowLabel {
            packet: &icmp,
            verdict: &verdict,
            labels: Labels::get(Lang::En),
            tag: None,
        };
        assert_eq!(en.to_string(), "ICMP port unreachable (quotes packet #1)");
        let zh = ArrowLabel {
            packet: &icmp,
            verdict: &verdict,
            labels: Labels::get(Lang::ZhCn),
            tag: None,
        };
        assert_eq!(zh.to_string(), "ICMP 端口不可达（引用包 #1）");
    }

    #[test]
    fn overhead_is_headers_over_all_bytes() {
        let totals = ProtocolTotals {
            packets: 1,
            link_header_bytes: 14,
            ip_header_bytes: 20,
            transport_header_bytes: 32,
            payload_bytes: 5,
        };
        assert_eq!(header_bytes(&totals), 66);
        assert_eq!(overhead_tenths(&totals), Some(930)); // 66 / 71 = 92.96%
        assert_eq!(overhead_tenths(&ProtocolTotals::default()), None);
        let huge = ProtocolTotals {
            payload_bytes: u64::MAX,
            link_header_bytes: u64::MAX,
            ..totals
        };
        assert_eq!(overhead_tenths(&huge), Some(500));
    }

    #[test]
    fn tones_follow_meaning() {
        let verdict = Verdict::default();
        let tone = |flags| packet_tone(&fixtures::tcp(1, 0, Role::Client, flags, b""), &verdict);
        assert_eq!(tone(TcpFlags::SYN), Tone::Handshake);
        assert_eq!(tone(TcpFlags::FIN | TcpFlags::ACK), Tone::Teardown);
        assert_eq!(tone(TcpFlags::RST | TcpFlags::ACK), Tone::Reset);
        assert_eq!(tone(TcpFlags::ACK), Tone::Data);
        let udp = fixtures::udp(1, 0, Role::Client, b"x");
        assert_eq!(packet_tone(&udp, &verdict), Tone::Udp);
    }
}
