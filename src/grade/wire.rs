//! A capture, analysed once, kept as facts the criteria look up: every packet with its flow, sender,
//! flags, payload and the analyser's notes, plus the analyser's summary of every flow.

use crate::analysis::{
    Analyzer, EndpointStates, FlowId, FlowProtocol, FlowSummary, Notes, Role, Summary,
};
use crate::capture::{Frame, Timestamp};
use crate::decode::{self, IcmpKind, TcpFlags, Transport};
use std::ops::Range;

/// One analysed packet. Payload bytes live in [`Wire::bytes`], so a packet owns no allocation.
#[derive(Clone, Debug)]
pub struct WirePacket {
    /// Frame number in the capture (as Wireshark numbers it).
    pub number: u64,
    pub timestamp: Timestamp,
    pub flow: Option<FlowId>,
    pub from: Option<Role>,
    pub kind: WireKind,
    /// The captured payload, as a range of `Wire::bytes`.
    pub payload: Range<usize>,
    pub notes: Notes,
    pub states: Option<EndpointStates>,
    pub rel_seq: Option<u32>,
    pub rel_ack: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireKind {
    Tcp {
        flags: TcpFlags,
        src_port: u16,
        dst_port: u16,
    },
    Udp {
        src_port: u16,
        dst_port: u16,
    },
    /// ICMP or ICMPv6 destination unreachable, with the ports of the datagram it quotes.
    Unreachable {
        port_unreachable: bool,
        quoted_src_port: Option<u16>,
        quoted_dst_port: Option<u16>,
    },
    Other,
}

impl WirePacket {
    pub fn tcp_flags(&self) -> Option<TcpFlags> {
        match self.kind {
            WireKind::Tcp { flags, .. } => Some(flags),
            _ => None,
        }
    }

    pub fn is_syn(&self) -> bool {
        self.tcp_flags()
            .is_some_and(|flags| flags.syn() && !flags.ack())
    }

    pub fn is_fin(&self) -> bool {
        self.tcp_flags().is_some_and(TcpFlags::fin)
    }

    pub fn is_rst(&self) -> bool {
        self.tcp_flags().is_some_and(TcpFlags::rst)
    }

    pub fn payload_len(&self) -> usize {
        self.payload.len()
    }

    pub fn dst_port(&self) -> Option<u16> {
        match self.kind {
            WireKind::Tcp { dst_port, .. } | WireKind::Udp { dst_port, .. } => Some(dst_port),
            _ => None,
        }
    }
}

/// An analysed capture.
#[derive(Clone, Debug, Default)]
pub struct Wire {
    pub packets: Vec<WirePacket>,
    /// Every captured payload, back to back.
    pub bytes: Vec<u8>,
    pub summary: Summary,
    /// Frames that could not be decoded: (frame number, reason).
    pub undecodable: Vec<(u64, String)>,
}

impl Wire {
    /// Decodes and analyses frames in capture order.
    pub fn analyse<'a>(frames: impl IntoIterator<Item = Frame<'a>>) -> Wire {
        let mut analyzer = Analyzer::new();
        let mut wire = Wire::default();
        for frame in frames {
            let packet = match decode::decode(&frame) {
                Ok(packet) => packet,
                Err(error) => {
                    analyzer.note_undecodable();
                    wire.undecodable.push((frame.number, error.to_string()));
                    continue;
                }
            };
            let verdict = analyzer.process(&packet);
            let start = wire.bytes.len();
            let kind = match &packet.transport {
                Transport::Tcp(segment) => {
                    wire.bytes.extend_from_slice(segment.payload);
                    WireKind::Tcp {
                        flags: segment.flags,
                        src_port: segment.src_port,
                        dst_port: segment.dst_port,
                    }
                }
                Transport::Udp(datagram) => {
                    wire.bytes.extend_from_slice(datagram.payload);
                    WireKind::Udp {
                        src_port: datagram.src_port,
                        dst_port: datagram.dst_port,
                    }
                }
                Transport::Icmp(message) => match message.kind {
                    IcmpKind::DestinationUnreachable { port_unreachable } => {
                        WireKind::Unreachable {
                            port_unreachable,
                            quoted_src_port: message.quoted.and_then(|quoted| quoted.src_port),
                            quoted_dst_port: message.quoted.and_then(|quoted| quoted.dst_port),
                        }
                    }
                    _ => WireKind::Other,
                },
                _ => WireKind::Other,
            };
            wire.packets.push(WirePacket {
                number: packet.number,
                timestamp: packet.timestamp,
                flow: verdict.flow,
                from: verdict.from,
                kind,
                payload: start..wire.bytes.len(),
                notes: verdict.notes,
                states: verdict.states,
                rel_seq: verdict.rel_seq,
                rel_ack: verdict.rel_ack,
            });
        }
        wire.summary = analyzer.summary();
        wire
    }

    pub fn payload(&self, packet: &WirePacket) -> &[u8] {
        self.bytes.get(packet.payload.clone()).unwrap_or(&[])
    }

    /// The flows of one protocol, in the order they were first seen.
    pub fn flows(&self, protocol: FlowProtocol) -> impl Iterator<Item = &FlowSummary> {
        self.summary
            .flows
            .iter()
            .filter(move |flow| flow.info.id.protocol == protocol)
    }

    /// The packets of one flow, in capture order (ICMP errors about a UDP flow included).
    pub fn packets_of(&self, id: FlowId) -> impl Iterator<Item = &WirePacket> {
        self.packets
            .iter()
            .filter(move |packet| packet.flow == Some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::test_frames::Conversation;

    #[test]
    fn packets_keep_flow_sender_flags_and_payload() {
        let mut talk = Conversation::new(40000, 5000);
        talk.handshake();
        talk.data(Role::Client, b"hello\n");
        talk.fin(Role::Client);
        let wire = talk.analyse();
        assert_eq!(wire.packets.len(), 5);
        let data = &wire.packets[3];
        assert_eq!(data.number, 4);
        assert_eq!(data.from, Some(Role::Client));
        assert_eq!(wire.payload(data), b"hello\n");
        assert_eq!(data.rel_seq, Some(1));
        assert!(wire.packets[0].is_syn());
        assert!(wire.packets[4].is_fin());
        assert_eq!(wire.flows(FlowProtocol::Tcp).count(), 1);
        assert!(wire.summary.flows[0].handshake_complete);
    }
}
