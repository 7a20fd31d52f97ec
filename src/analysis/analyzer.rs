//! The tracker: feeds on packets in capture order, keeps per-flow state, returns a verdict per packet.
//!
//! Flows are keyed by the canonical 5-tuple. `FlowId.index` counts per protocol from 0 in the
//! order flows are first seen (tshark's `tcp.stream` / `udp.stream`); a SYN that reuses the
//! 4-tuple of a finished connection starts a new flow. Two tables:
//! - `live`: per-flow tracking state, looked up per packet; forgotten when finished and idle
//!   (see `eviction`), so it holds only recent conversations.
//! - `listing`: one compact record for each of the first `LISTED_FLOWS` flows, for `flow()` and
//!   `summary()`; later flows' records live in `live` and are totalled when forgotten (see
//!   `flow_listing`), so memory stays flat however long the capture.
//!
//! Once a flow exists, processing a packet allocates nothing: one hash lookup, fixed-size state.

use super::annotation::{Annotation, Role};
use super::eviction::{self, Eviction, Liveness};
use super::flow_hash::FlowHashState;
use super::flow_key::{End, FlowKey};
use super::flow_listing::{FlowListing, Record};
use super::flow_record::FlowRecord;
use super::summary::{FlowInfo, FlowSummary, ProtocolSummary, Summary};
use super::tcp_connection::{Opening, TcpConnection};
use super::udp_flow::UdpFlow;
use super::verdict::{FlowId, FlowProtocol, Verdict};
use crate::capture::Timestamp;
use crate::decode::{
    IcmpKind, IcmpMessage, IpInfo, IpVersion, Packet, QuotedDatagram, TcpSegment, Transport,
    UdpDatagram,
};
use std::collections::HashMap;
use std::net::SocketAddr;

/// IP protocol numbers of the transports that form flows.
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;

#[derive(Default)]
pub struct Analyzer {
    live: HashMap<FlowKey, LiveFlow, FlowHashState>,
    listing: FlowListing,
    /// The endpoints of the latest unlisted flow a verdict named, so that `flow()` can answer for it.
    latest_unlisted: Option<FlowInfo>,
    protocols: ProtocolSummary,
    eviction: Eviction,
}

/// A flow's tracking state while it may still see packets.
struct LiveFlow {
    /// Its record: in the listing, or here for a flow beyond it.
    record: Record,
    /// Which end of the key is the client.
    client_end: End,
    last_seen: Timestamp,
    tracker: Tracker,
}

/// TCP state is boxed: it is ten times a UDP flow's, and boxing costs one allocation per
/// connection, never per packet.
enum Tracker {
    Tcp(Box<TcpConnection>),
    Udp(UdpFlow),
}

impl LiveFlow {
    fn role_of(&self, end: End) -> Role {
        if end == self.client_end {
            Role::Client
        } else {
            Role::Server
        }
    }

    fn liveness(&self) -> Liveness {
        match &self.tracker {
            Tracker::Tcp(connection) => Liveness::Tcp(connection.progress()),
            Tracker::Udp(_) => Liveness::Udp,
        }
    }

    /// The part of `Analyzer::tcp` after the lookup: the connection analyses `segment`, sent by
    /// `sender`, into `verdict` (whose `new_flow` the caller set). Returns the flow's endpoints
    /// when it is beyond the listing, for `Analyzer::flow`.
    fn track_tcp(
        &mut self,
        listing: &mut FlowListing,
        sender: End,
        segment: &TcpSegment<'_>,
        packet: &Packet<'_>,
        verdict: &mut Verdict,
    ) -> Option<FlowInfo> {
        self.last_seen = packet.timestamp;
        let from = self.role_of(sender);
        let (Tracker::Tcp(connection), Some(record)) = (
            &mut self.tracker,
            listing.get_mut(FlowProtocol::Tcp, &mut self.record),
        ) else {
            // Not reached: a TCP key always holds a TCP tracker and a record. Say nothing then.
            *verdict = Verdict::default();
            return None;
        };
        connection.process(segment, from, packet.number, record, verdict);
        verdict.flow = Some(record.info.id);
        match &self.record {
            Record::Unlisted(record) => Some(record.info),
            Record::Listed(_) => None,
        }
    }

    fn last_frame_from(&self, role: Role) -> Option<u64> {
        match &self.tracker {
            Tracker::Tcp(connection) => connection.last_frame(role),
            Tracker::Udp(flow) => flow.last_from(role),
        }
    }
}

impl Analyzer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Analyses the next packet, in capture order.
    ///
    /// Inlined: the verdict (168 bytes) is then built in the caller's frame, not copied out of
    /// this one.
    #[inline]
    pub fn process(&mut self, packet: &Packet<'_>) -> Verdict {
        let mut verdict = Verdict::default();
        self.process_into(packet, &mut verdict);
        verdict
    }

    /// [`Analyzer::process`], writing into `verdict`, which starts empty.
    fn process_into(&mut self, packet: &Packet<'_>, verdict: &mut Verdict) {
        self.protocols.count(packet);
        match (&packet.ip, &packet.transport) {
            (Some(ip), Transport::Tcp(segment)) => self.tcp(packet, ip, segment, verdict),
            (Some(ip), Transport::Udp(datagram)) => *verdict = self.udp(packet, ip, datagram),
            (Some(ip), Transport::Icmp(message)) => *verdict = self.icmp(ip, message),
            _ => {}
        }
        self.sweep_if_due(packet.timestamp);
    }

    /// Counts a frame that could not be decoded, so the summary can say so.
    pub fn note_undecodable(&mut self) {
        self.protocols.count_undecodable();
    }

    /// The endpoints of a listed flow, or of the flow the latest verdict named (what renderers ask for).
    pub fn flow(&self, id: FlowId) -> Option<&FlowInfo> {
        self.listing
            .listed(id)
            .map(|record| &record.info)
            .or_else(|| self.latest_unlisted.as_ref().filter(|info| info.id == id))
    }

    /// Totals per protocol, the first `LISTED_FLOWS` flows in the order they were first seen, and the
    /// totals of the later ones.
    pub fn summary(&self) -> Summary {
        let mut flows: Vec<FlowSummary> = self
            .listing
            .all_listed()
            .map(FlowRecord::to_summary)
            .collect();
        // Keys are unique, so an unstable sort gives the same order, without a stable sort's buffer.
        flows.sort_unstable_by_key(|flow| (flow.info.first_packet, flow.info.id));
        let mut unlisted = self.listing.forgotten();
        for live in self.live.values() {
            if let Record::Unlisted(record) = &live.record {
                unlisted.add(record);
            }
        }
        Summary {
            protocols: self.protocols.clone(),
            flows,
            unlisted,
        }
    }

    /// How many flows currently have live tracking state (finished, idle ones are forgotten).
    pub fn tracked_flows(&self) -> usize {
        self.live.len()
    }

    /// Analyses a TCP segment into `verdict`, which starts empty (and stays so if the flow
    /// cannot be tracked).
    fn tcp(
        &mut self,
        packet: &Packet<'_>,
        ip: &IpInfo,
        segment: &TcpSegment<'_>,
        verdict: &mut Verdict,
    ) {
        let (key, sender) = FlowKey::new(
            FlowProtocol::Tcp,
            (ip.src, segment.src_port),
            (ip.dst, segment.dst_port),
        );
        // Looked up without the entry API: the hit, nearly every packet, then costs one probe and
        // no copy of the key. The connection's own analysis is the same either way (`track_tcp`).
        let unlisted = if let Some(live) = self.live.get_mut(&key) {
            let starts_new = match &live.tracker {
                Tracker::Tcp(connection) => {
                    connection.starts_new_connection(segment, live.role_of(sender))
                }
                Tracker::Udp(_) => true,
            };
            if starts_new {
                self.listing.forget(&live.record);
                *live = open_tcp(&mut self.listing, &key, sender, segment, packet);
            }
            verdict.new_flow = starts_new;
            live.track_tcp(&mut self.listing, sender, segment, packet, verdict)
        } else {
            let opened = open_tcp(&mut self.listing, &key, sender, segment, packet);
            verdict.new_flow = true;
            let live = self.live.entry(key).or_insert(opened);
            live.track_tcp(&mut self.listing, sender, segment, packet, verdict)
        };
        if let Some(info) = unlisted {
            self.latest_unlisted = Some(info);
        }
    }

    fn udp(&mut self, packet: &Packet<'_>, ip: &IpInfo, datagram: &UdpDatagram<'_>) -> Verdict {
        let (key, sender) = FlowKey::new(
            FlowProtocol::Udp,
            (ip.src, datagram.src_port),
            (ip.dst, datagram.dst_port),
        );
        let mut new_flow = false;
        let live = self.live.entry(key).or_insert_with(|| {
            new_flow = true;
            open_flow(
                &mut self.listing,
                FlowProtocol::Udp,
                &key,
                sender,
                packet,
                Tracker::Udp(UdpFlow::default()),
            )
        });
        live.last_seen = packet.timestamp;
        let from = live.role_of(sender);
        let (Tracker::Udp(flow), Some(record)) = (
            &mut live.tracker,
            self.listing.get_mut(FlowProtocol::Udp, &mut live.record),
        ) else {
            return Verdict::default();
        };
        let mut verdict = flow.process(datagram, from, packet.number, record);
        verdict.flow = Some(record.info.id);
        verdict.new_flow = new_flow;
        if let Record::Unlisted(record) = &live.record {
            self.latest_unlisted = Some(record.info);
        }
        verdict
    }

    /// ICMP joins the flow of the datagram it quotes (an error message) and points at the latest
    /// packet of that flow in the quoted direction; it is not counted in that flow's packets.
    fn icmp(&mut self, ip: &IpInfo, message: &IcmpMessage) -> Verdict {
        let mut verdict = Verdict::default();
        let quoted = message.quoted;
        let link = quoted.and_then(|quoted| self.quoted_flow(&quoted));
        if let (Some(link), Some(quoted)) = (link, quoted) {
            if let Some(info) = link.unlisted {
                self.latest_unlisted = Some(info);
            }
            verdict.flow = Some(link.flow);
            verdict.related_packet = link.datagram;
            // On loopback the destination host itself answers; a router's error has no role.
            verdict.from = (ip.src == quoted.dst).then(|| link.sender.peer());
        }
        let note = match message.kind {
            IcmpKind::DestinationUnreachable {
                port_unreachable: true,
            } => Annotation::IcmpPortUnreachable {
                datagram: link.and_then(|link| link.datagram),
                port: quoted.and_then(|quoted| quoted.dst_port),
            },
            _ => match message.version {
                IpVersion::V4 => Annotation::Icmp {
                    icmp_type: message.icmp_type,
                    code: message.code,
                },
                IpVersion::V6 => Annotation::Icmpv6 {
                    icmp_type: message.icmp_type,
                    code: message.code,
                },
            },
        };
        verdict.notes.push(note);
        verdict
    }

    fn quoted_flow(&self, quoted: &QuotedDatagram) -> Option<QuotedLink> {
        let protocol = match quoted.protocol {
            IPPROTO_TCP => FlowProtocol::Tcp,
            IPPROTO_UDP => FlowProtocol::Udp,
            _ => return None,
        };
        let (key, sender_end) = FlowKey::new(
            protocol,
            (quoted.src, quoted.src_port?),
            (quoted.dst, quoted.dst_port?),
        );
        let live = self.live.get(&key)?;
        let sender = live.role_of(sender_end);
        let record = self.listing.get(protocol, &live.record)?;
        Some(QuotedLink {
            flow: record.info.id,
            unlisted: matches!(live.record, Record::Unlisted(_)).then_some(record.info),
            sender,
            datagram: live.last_frame_from(sender),
        })
    }

    fn sweep_if_due(&mut self, now: Timestamp) {
        let Some(sweep) = self.eviction.due(now, self.live.len()) else {
            return;
        };
        let listing = &mut self.listing;
        let mut lasting = 0;
        self.live.retain(|_, flow| {
            let liveness = flow.liveness();
            let forget = eviction::forget(liveness, flow.last_seen, now, sweep);
            if forget {
                listing.forget(&flow.record);
            } else if !eviction::finished(liveness) {
                lasting += 1;
            }
            !forget
        });
        self.eviction.swept(now, lasting);
    }
}

/// The flow an ICMP error's quoted datagram belongs to.
#[derive(Clone, Copy)]
struct QuotedLink {
    flow: FlowId,
    /// The flow's endpoints, when it is beyond the listing.
    unlisted: Option<FlowInfo>,
    /// Who sent the quoted datagram.
    sender: Role,
    /// The latest packet that sender sent in that flow.
    datagram: Option<u64>,
}

fn open_tcp(
    listing: &mut FlowListing,
    key: &FlowKey,
    sender: End,
    segment: &TcpSegment<'_>,
    packet: &Packet<'_>,
) -> LiveFlow {
    let opening = Opening::of(segment);
    let client_end = if opening.sender_is_client() {
        sender
    } else {
        sender.other()
    };
    let tracker = Tracker::Tcp(Box::new(TcpConnection::new(opening)));
    let mut live = open_flow(listing, FlowProtocol::Tcp, key, client_end, packet, tracker);
    if opening == Opening::SynAck {
        if let Some(record) = listing.get_mut(FlowProtocol::Tcp, &mut live.record) {
            record.history.record_flip();
        }
    }
    live
}

/// Adds the record of a new flow whose client is `client_end`, and returns its live state.
fn open_flow(
    listing: &mut FlowListing,
    protocol: FlowProtocol,
    key: &FlowKey,
    client_end: End,
    packet: &Packet<'_>,
    tracker: Tracker,
) -> LiveFlow {
    let socket = |end: End| {
        let (address, port) = key.endpoint(end);
        SocketAddr::new(address, port)
    };
    let record = listing.open(FlowInfo {
        // The listing numbers the flow.
        id: FlowId { protocol, index: 0 },
        client: socket(client_end),
        server: socket(client_end.other()),
        first_packet: packet.number,
    });
    LiveFlow {
        record,
        client_end,
        last_seen: packet.timestamp,
        tracker,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::state::TcpState;
    use crate::analysis::summary::ProtocolTotals;
    use crate::analysis::test_packets::{Wire, ACK, FIN, PSH, SYN};
    use crate::analysis::verdict::EndpointStates;
    use std::net::{IpAddr, Ipv4Addr};

    fn tcp_id(index: u32) -> FlowId {
        FlowId {
            protocol: FlowProtocol::Tcp,
            index,
        }
    }

    fn udp_id(index: u32) -> FlowId {
        FlowId {
            protocol: FlowProtocol::Udp,
            index,
        }
    }

    fn notes(verdict: &Verdict) -> Vec<Annotation> {
        verdict.notes.iter().copied().collect()
    }

    #[test]
    fn interleaved_connections_get_distinct_ids_and_their_own_relative_numbers() {
        let mut analyzer = Analyzer::new();
        let mut a = Wire::v4();
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let mut b = a.another((localhost, 40001), (localhost, 8080));
        let mut verdicts = Vec::new();
        let mut step = |analyzer: &mut Analyzer, packet: Packet<'static>| {
            verdicts.push(analyzer.process(&packet));
        };
        step(&mut analyzer, a.client(SYN, 100, 0, 0));
        b.follow(&a);
        step(&mut analyzer, b.client(SYN, 7_000_000, 0, 0));
        a.follow(&b);
        step(&mut analyzer, a.server(SYN | ACK, 300, 101, 0));
        b.follow(&a);
        step(&mut analyzer, b.server(SYN | ACK, 9_000_000, 7_000_001, 0));
        a.follow(&b);
        step(&mut analyzer, a.client(ACK, 101, 301, 0));
        b.follow(&a);
        step(&mut analyzer, b.client(ACK, 7_000_001, 9_000_001, 0));
        a.follow(&b);
        step(&mut analyzer, a.client(PSH | ACK, 101, 301, 4));
        b.follow(&a);
        step(&mut analyzer, b.client(PSH | ACK, 7_000_001, 9_000_001, 9));

        let ids: Vec<_> = verdicts.iter().map(|v| v.flow.map(|id| id.index)).collect();
        assert_eq!(ids, [0, 1, 0, 1, 0, 1, 0, 1].map(Some));
        let new: Vec<_> = verdicts.iter().map(|v| v.new_flow).collect();
        assert_eq!(new, [true, true, false, false, false, false, false, false]);
        for verdict in &verdicts[4..] {
            assert_eq!((verdict.rel_seq, verdict.rel_ack), (Some(1), Some(1)));
            assert_eq!(
                verdict.states,
                Some(EndpointStates {
                    client: TcpState::Established,
                    server: TcpState::Established
                })
            );
        }
        assert_eq!(verdicts[6].rel_next_seq, Some(5));
        assert_eq!(verdicts[7].rel_next_seq, Some(10));
        assert_eq!(
            analyzer.flow(tcp_id(1)).map(|info| info.client.port()),
            Some(40001)
        );
        assert_eq!(
            analyzer.flow(tcp_id(0)).map(|info| info.first_packet),
            Some(1)
        );
        assert_eq!(analyzer.flow(tcp_id(2)), None);
        let flows = analyzer.summary().flows;
        assert_eq!(flows.len(), 2);
        assert_eq!(
            (flows[0].client_payload_bytes, flows[1].client_payload_bytes),
            (4, 9)
        );
    }

    fn udp_then_port_unreachable(mut wire: Wire) {
        let mut analyzer = Analyzer::new();
        let first = analyzer.process(&wire.udp_from_client(5));
        assert_eq!(first.flow, Some(udp_id(0)));
        assert!(first.new_flow);
        assert_eq!(
            notes(&first),
            [Annotation::UdpDatagram {
                from: Role::Client,
                payload: 5
            }]
        );
        let second = analyzer.process(&wire.udp_from_client(3));
        assert!(!second.new_flow);
        let error = analyzer.process(&wire.port_unreachable(17));
        assert_eq!(error.flow, Some(udp_id(0)));
        assert_eq!(
            error.related_packet,
            Some(2),
            "the latest datagram client → server"
        );
        assert_eq!(error.from, Some(Role::Server));
        assert!(!error.new_flow);
        assert_eq!(
            notes(&error),
            [Annotation::IcmpPortUnreachable {
                datagram: Some(2),
                port: Some(8080)
            }]
        );
        let summary = analyzer.summary();
        assert_eq!(summary.flows.len(), 1);
        assert_eq!(
            summary.flows[0].packets, 2,
            "the ICMP error is not one of the flow's packets"
        );
        assert_eq!(summary.flows[0].history, "D");
        assert_eq!(summary.protocols.icmp.packets, 1);
    }

    #[test]
    fn icmp_port_unreachable_links_to_the_udp_datagram_v4() {
        udp_then_port_unreachable(Wire::v4());
    }

    #[test]
    fn icmp_port_unreachable_links_to_the_udp_datagram_v6() {
        udp_then_port_unreachable(Wire::v6());
    }

    #[test]
    fn icmp_errors_for_unknown_flows_and_other_icmp_are_still_explained() {
        let mut analyzer = Analyzer::new();
        let mut wire = Wire::v4();
        let stray = analyzer.process(&wire.port_unreachable(17));
        assert_eq!(stray.flow, None);
        assert_eq!(
            notes(&stray),
            [Annotation::IcmpPortUnreachable {
                datagram: None,
                port: Some(8080)
            }]
        );
        let (client, server) = (wire.client.0, wire.server.0);
        let echo = analyzer.process(&wire.icmp(client, server, 8, 0, IcmpKind::EchoRequest, None));
        assert_eq!(
            notes(&echo),
            [Annotation::Icmp {
                icmp_type: 8,
                code: 0
            }]
        );
        let mut wire6 = Wire::v6();
        let (client, server) = (wire6.client.0, wire6.server.0);
        let echo6 =
            analyzer.process(&wire6.icmp(client, server, 128, 0, IcmpKind::EchoRequest, None));
        assert_eq!(
            notes(&echo6),
            [Annotation::Icmpv6 {
                icmp_type: 128,
                code: 0
            }]
        );
        assert_eq!((echo6.flow, echo6.from), (None, None));
    }

    #[test]
    fn icmp_error_quoting_a_tcp_segment_joins_that_connection() {
        let mut analyzer = Analyzer::new();
        let mut wire = Wire::v4();
        let syn = analyzer.process(&wire.client(SYN, 1, 0, 0));
        let error = analyzer.process(&wire.port_unreachable(6));
        assert_eq!(error.flow, syn.flow);
        assert_eq!(error.related_packet, Some(1));
    }

    #[test]
    fn ipv6_connections_are_tracked_the_same_way() {
        let mut analyzer = Analyzer::new();
        let mut wire = Wire::v6();
        analyzer.process(&wire.client(SYN, 1000, 0, 0));
        analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0));
        let ack = analyzer.process(&wire.client(ACK, 1001, 5001, 0));
        assert_eq!(notes(&ack), [Annotation::HandshakeAck]);
        assert_eq!(
            analyzer.flow(tcp_id(0)).map(|info| info.server.to_string()),
            Some("[::1]:8080".to_owned())
        );
        assert_eq!(analyzer.summary().protocols.tcp.ip_header_bytes, 3 * 40);
    }

    #[test]
    fn summary_totals_and_flow_order() {
        let mut analyzer = Analyzer::new();
        let mut wire = Wire::v4();
        analyzer.process(&wire.udp_from_client(5));
        analyzer.process(&wire.client(SYN, 1000, 0, 0));
        analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0));
        analyzer.process(&wire.client(ACK, 1001, 5001, 0));
        analyzer.process(&wire.client(PSH | ACK, 1001, 5001, 5));
        analyzer.process(&wire.server(PSH | ACK, 5001, 1006, 5));
        analyzer.process(&wire.client(FIN | ACK, 1006, 5006, 0));
        analyzer.process(&wire.server(FIN | ACK, 5006, 1007, 0));
        analyzer.process(&wire.client(ACK, 1007, 5007, 0));
        analyzer.process(&wire.udp_from_server(7));
        analyzer.note_undecodable();

        let summary = analyzer.summary();
        assert_eq!(
            summary.protocols.tcp,
            ProtocolTotals {
                packets: 8,
                link_header_bytes: 8 * 14,
                ip_header_bytes: 8 * 20,
                transport_header_bytes: 8 * 20,
                payload_bytes: 10,
            }
        );
        assert_eq!(summary.protocols.udp.packets, 2);
        assert_eq!(summary.protocols.udp.transport_header_bytes, 16);
        assert_eq!(summary.protocols.udp.payload_bytes, 12);
        assert_eq!(summary.protocols.undecodable, 1);

        let ids: Vec<_> = summary.flows.iter().map(|flow| flow.info.id).collect();
        assert_eq!(
            ids,
            [udp_id(0), tcp_id(0)],
            "first-seen order across protocols"
        );
        let tcp = &summary.flows[1];
        // The server never sent a pure ACK here, so no 'a' (Zeek would print the same).
        assert_eq!(tcp.history, "ShADdFf");
        assert_eq!(tcp.packets, 8);
        assert!(tcp.handshake_complete && tcp.closed_cleanly);
        assert_eq!(tcp.active_closer, Some(Role::Client));
        assert_eq!(
            tcp.final_states,
            Some(EndpointStates {
                client: TcpState::TimeWait,
                server: TcpState::Closed
            })
        );
        let udp = &summary.flows[0];
        assert_eq!((udp.history.as_str(), udp.packets), ("Dd", 2));
        assert_eq!((udp.client_payload_bytes, udp.server_payload_bytes), (5, 7));
        assert!(udp.client_states.is_empty() && udp.final_states.is_none());
    }

    #[test]
    fn finished_connections_are_forgotten_but_still_summarised() {
        let mut analyzer = Analyzer::new();
        let mut wire = Wire::v4();
        wire.at_secs(1000);
        analyzer.process(&wire.client(SYN, 1000, 0, 0));
        analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0));
        analyzer.process(&wire.client(ACK, 1001, 5001, 0));
        analyzer.process(&wire.client(FIN | ACK, 1001, 5001, 0));
        analyzer.process(&wire.server(FIN | ACK, 5001, 1002, 0));
        analyzer.process(&wire.client(ACK, 1002, 5002, 0));
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let mut open = wire.another((localhost, 50000), (localhost, 9090));
        open.at_secs(1030);
        analyzer.process(&open.client(SYN, 1, 0, 0));
        analyzer.process(&open.server(SYN | ACK, 1, 2, 0));
        analyzer.process(&open.client(ACK, 2, 2, 0));
        assert_eq!(analyzer.tracked_flows(), 2);

        let mut later = open.another(open.client, open.server);
        later.at_secs(1075);
        analyzer.process(&later.client(PSH | ACK, 2, 2, 1));
        assert_eq!(
            analyzer.tracked_flows(),
            1,
            "the finished connection is forgotten after 60 s"
        );
        assert_eq!(
            analyzer.flow(tcp_id(0)).map(|info| info.client.port()),
            Some(40000)
        );
        assert_eq!(analyzer.summary().flows.len(), 2);
        assert!(analyzer.summary().flows[0].closed_cleanly);

        // A late packet of the forgotten connection starts a new, mid-stream flow.
        let mut late = later.another(wire.client, wire.server);
        let verdict = analyzer.process(&late.client(ACK, 1002, 5002, 0));
        assert_eq!(verdict.flow, Some(tcp_id(2)));
        assert_eq!(notes(&verdict)[0], Annotation::MidStream);
    }

    #[test]
    fn many_finished_connections_do_not_pile_up_even_without_time_passing() {
        let mut analyzer = Analyzer::new();
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let mut wire = Wire::v4();
        for port in 0..10_000u16 {
            let mut conn = wire.another((localhost, 10_000 + port), (localhost, 9));
            analyzer.process(&conn.client(SYN, 1, 0, 0));
            analyzer.process(&conn.server(crate::analysis::test_packets::RST | ACK, 0, 2, 0));
            wire.follow(&conn);
        }
        assert!(
            analyzer.tracked_flows() < 8192,
            "{} live flows",
            analyzer.tracked_flows()
        );
        assert_eq!(analyzer.summary().flows.len(), 10_000);
        assert_eq!(
            analyzer.flow(tcp_id(9_999)).map(|info| info.client.port()),
            Some(19_999)
        );
    }

    #[test]
    fn flows_beyond_the_listing_are_counted_together_and_still_named_while_current() {
        use crate::analysis::flow_listing::LISTED_FLOWS;
        use crate::analysis::test_packets::RST;
        let mut analyzer = Analyzer::new();
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let mut wire = Wire::v4();
        let extra = 2_000;
        for n in 0..(LISTED_FLOWS + extra) {
            let client = (IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n as u32)), 40_000);
            let mut conn = wire.another(client, (localhost, 9));
            let syn = analyzer.process(&conn.client(SYN, 1, 0, 0));
            let id = syn.flow.unwrap();
            assert_eq!(id, tcp_id(n as u32));
            assert_eq!(
                analyzer.flow(id).map(|info| info.client.ip()),
                Some(client.0),
                "flow {n} is named while it is the current one"
            );
            analyzer.process(&conn.server(RST | ACK, 0, 2, 0));
            wire.follow(&conn);
        }
        let summary = analyzer.summary();
        assert_eq!(summary.flows.len(), LISTED_FLOWS);
        assert_eq!(summary.flows[LISTED_FLOWS - 1].info.id, tcp_id(9_999));
        assert_eq!(
            (summary.unlisted.tcp, summary.unlisted.udp),
            (extra as u64, 0)
        );
        assert_eq!(summary.unlisted.packets, 2 * extra as u64);
        assert_eq!(summary.unlisted.closed_cleanly, 0);
        assert!(analyzer.tracked_flows() < 8192);
        assert_eq!(analyzer.flow(tcp_id(10_500)), None, "no longer current");
        // Listed flows stay nameable.
        assert!(analyzer.flow(tcp_id(5)).is_some());
    }

    #[test]
    fn non_ip_frames_get_an_empty_verdict() {
        let mut analyzer = Analyzer::new();
        let mut wire = Wire::v4();
        let mut arp = wire.udp_from_client(0);
        arp.ip = None;
        arp.transport = Transport::NotIp;
        assert_eq!(analyzer.process(&arp), Verdict::default());
        assert_eq!(analyzer.summary().protocols.other.packets, 1);
    }
}
