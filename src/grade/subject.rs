//! The capture seen from the grader's chair: which connections and datagrams are the submission's, and
//! which side of each is the submission and which is socklab.

use super::criterion::Side;
use super::stream::{reassemble, Stream};
use super::wire::{Wire, WireKind, WirePacket};
use crate::analysis::{FlowProtocol, FlowSummary, Role, TcpState};
use std::net::SocketAddr;

/// A capture ready to be graded.
pub struct Subject<'w> {
    pub wire: &'w Wire,
    /// The exercise's port.
    pub port: u16,
    /// The submission's role on the wire.
    pub role: Role,
    /// The graded TCP connections (socklab's own preparation left out), numbered from 1.
    pub connections: Vec<Connection<'w>>,
    /// TCP connections socklab made for itself before the submission started (a TIME-WAIT to inherit).
    pub prepared: Vec<&'w FlowSummary>,
    /// UDP ports that are socklab's, to tell who sent a datagram.
    pub socklab_udp_ports: Vec<u16>,
}

pub struct Connection<'w> {
    /// 1-based, in the order connections were opened.
    pub number: usize,
    pub flow: &'w FlowSummary,
    pub packets: Vec<&'w WirePacket>,
    /// The submission's role in this connection.
    pub submission: Role,
}

/// A UDP datagram with its sender resolved.
pub struct Datagram<'w> {
    pub packet: &'w WirePacket,
    pub from: Side,
    pub dst_port: u16,
}

impl<'w> Subject<'w> {
    /// `prepared_clients`: client addresses of connections socklab opened before the submission ran.
    /// `socklab_udp_ports`: socklab's UDP ports when known (live runs); otherwise they are inferred.
    pub fn new(
        wire: &'w Wire,
        port: u16,
        role: Role,
        prepared_clients: &[SocketAddr],
        socklab_udp_ports: Option<Vec<u16>>,
    ) -> Self {
        let mut connections = Vec::new();
        let mut prepared = Vec::new();
        for flow in wire.flows(FlowProtocol::Tcp) {
            if prepared_clients.contains(&flow.info.client) {
                prepared.push(flow);
                continue;
            }
            connections.push(Connection {
                number: connections.len() + 1,
                flow,
                packets: wire.packets_of(flow.info.id).collect(),
                submission: role,
            });
        }
        let socklab_udp_ports =
            socklab_udp_ports.unwrap_or_else(|| infer_socklab_udp_ports(wire, port, role));
        Subject {
            wire,
            port,
            role,
            connections,
            prepared,
            socklab_udp_ports,
        }
    }

    /// Connections whose handshake completed.
    pub fn established(&self) -> impl Iterator<Item = &Connection<'w>> {
        self.connections
            .iter()
            .filter(|connection| connection.flow.handshake_complete)
    }

    pub fn datagrams(&self) -> Vec<Datagram<'w>> {
        self.wire
            .packets
            .iter()
            .filter_map(|packet| match packet.kind {
                WireKind::Udp { src_port, dst_port } => Some(Datagram {
                    packet,
                    from: if self.socklab_udp_ports.contains(&src_port) {
                        Side::Socklab
                    } else {
                        Side::Submission
                    },
                    dst_port,
                }),
                _ => None,
            })
            .collect()
    }

    /// ICMP port unreachable messages, with the datagram each quotes (when captured).
    pub fn unreachables(&self) -> Vec<(&'w WirePacket, Option<&'w WirePacket>)> {
        let wire = self.wire;
        wire.packets
            .iter()
            .filter(|packet| matches!(packet.kind, WireKind::Unreachable { port_unreachable: true, .. }))
            .map(|icmp| {
                let quoted = match icmp.kind {
                    WireKind::Unreachable { quoted_src_port, quoted_dst_port, .. } => wire
                        .packets
                        .iter()
                        .take_while(|packet| packet.number < icmp.number)
                        .filter(|packet| {
                            matches!(packet.kind, WireKind::Udp { src_port, dst_port }
                                if Some(src_port) == quoted_src_port && Some(dst_port) == quoted_dst_port)
                        })
                        .last(),
                    _ => None,
                };
                (icmp, quoted)
            })
            .collect()
    }
}

fn infer_socklab_udp_ports(wire: &Wire, port: u16, role: Role) -> Vec<u16> {
    match role {
        // socklab received on the exercise's port.
        Role::Client => vec![port],
        // socklab sent the first datagram to the exercise's port.
        Role::Server => wire
            .packets
            .iter()
            .find_map(|packet| match packet.kind {
                WireKind::Udp { src_port, dst_port } if dst_port == port => Some(src_port),
                _ => None,
            })
            .into_iter()
            .collect(),
    }
}

impl<'w> Connection<'w> {
    pub fn socklab(&self) -> Role {
        self.submission.peer()
    }

    pub fn role_of(&self, side: Side) -> Role {
        match side {
            Side::Submission => self.submission,
            Side::Socklab => self.socklab(),
        }
    }

    pub fn from(&self, role: Role) -> impl Iterator<Item = &&'w WirePacket> {
        self.packets
            .iter()
            .filter(move |packet| packet.from == Some(role))
    }

    pub fn stream(&self, wire: &Wire, role: Role) -> Stream {
        reassemble(wire, self.from(role).copied())
    }

    pub fn first_fin(&self, role: Role) -> Option<&'w WirePacket> {
        self.from(role).find(|packet| packet.is_fin()).copied()
    }

    pub fn first_rst(&self, role: Role) -> Option<&'w WirePacket> {
        self.from(role).find(|packet| packet.is_rst()).copied()
    }

    pub fn data(&self, role: Role) -> Vec<&'w WirePacket> {
        self.from(role)
            .filter(|packet| packet.payload_len() > 0)
            .copied()
            .collect()
    }

    pub fn syn(&self) -> Option<&'w WirePacket> {
        self.packets.iter().find(|packet| packet.is_syn()).copied()
    }

    pub fn server_port(&self) -> u16 {
        self.flow.info.server.port()
    }

    /// "#4–#12": the connection's first and last frame.
    pub fn frame_range(&self) -> String {
        match (self.packets.first(), self.packets.last()) {
            (Some(first), Some(last)) if first.number != last.number => {
                format!("#{}–#{}", first.number, last.number)
            }
            (Some(first), _) => format!("#{}", first.number),
            _ => String::new(),
        }
    }

    /// Final states as (submission, socklab).
    pub fn final_states(&self) -> Option<(TcpState, TcpState)> {
        self.flow.final_states.map(|states| match self.submission {
            Role::Client => (states.client, states.server),
            Role::Server => (states.server, states.client),
        })
    }

    pub fn was_refused(&self) -> Option<(&'w WirePacket, &'w WirePacket)> {
        let syn = self.syn()?;
        let rst = self.packets.iter().find(|packet| {
            packet
                .notes
                .iter()
                .any(|note| matches!(note, crate::analysis::Annotation::RstRefused { .. }))
        })?;
        Some((syn, rst))
    }
}

/// "#3, #5, #7" (at most eight, then "…").
pub fn frame_list(numbers: &[u64]) -> String {
    let mut shown: Vec<String> = numbers
        .iter()
        .take(8)
        .map(|number| format!("#{number}"))
        .collect();
    if numbers.len() > 8 {
        shown.push("…".to_string());
    }
    shown.join(", ")
}
