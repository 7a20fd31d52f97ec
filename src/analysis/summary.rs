//! Totals for a whole capture: per protocol, and per conversation.

use super::annotation::Role;
use super::state::TcpState;
use super::verdict::{EndpointStates, FlowId};
use serde::Serialize;
use std::net::SocketAddr;

/// The endpoints of one conversation, fixed when it is first seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FlowInfo {
    pub id: FlowId,
    /// The endpoint that opened the conversation (sent the SYN, or the first datagram).
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// Frame number of the first packet seen.
    pub first_packet: u64,
}

impl FlowInfo {
    pub fn endpoint(&self, role: Role) -> SocketAddr {
        match role {
            Role::Client => self.client,
            Role::Server => self.server,
        }
    }
}

/// Packets and bytes of one protocol, split into headers and payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProtocolTotals {
    pub packets: u64,
    /// Link-layer header bytes (Ethernet 14 on `lo`).
    pub link_header_bytes: u64,
    /// IP header bytes (IPv4 20+, IPv6 40+).
    pub ip_header_bytes: u64,
    /// Transport header bytes (TCP 20+ with options, UDP 8, ICMP 8).
    pub transport_header_bytes: u64,
    /// Application bytes.
    pub payload_bytes: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProtocolSummary {
    pub tcp: ProtocolTotals,
    pub udp: ProtocolTotals,
    pub icmp: ProtocolTotals,
    pub other: ProtocolTotals,
    /// Frames that could not be decoded (each was explained where it appeared).
    pub undecodable: u64,
}

/// One conversation at the end of the capture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowSummary {
    pub info: FlowInfo,
    pub packets: u64,
    pub client_payload_bytes: u64,
    pub server_payload_bytes: u64,
    /// Zeek-style history: upper case from the client, lower case from the server
    /// (S SYN, h SYN-ACK, A ACK, D data, F FIN, R RST, ...).
    pub history: String,
    /// TCP: the states each side reached, in order, without repeats.
    pub client_states: Vec<TcpState>,
    pub server_states: Vec<TcpState>,
    /// TCP: the final states.
    pub final_states: Option<EndpointStates>,
    /// TCP: all three handshake segments were seen.
    pub handshake_complete: bool,
    /// TCP: both FINs were sent and acknowledged, with no RST.
    pub closed_cleanly: bool,
    /// TCP: the side whose FIN came first, if any.
    pub active_closer: Option<Role>,
}

/// The conversations beyond the first `LISTED_FLOWS` (10,000), counted together rather than listed,
/// so that a summary's size (and the memory behind it) does not grow with the length of a capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UnlistedFlows {
    pub tcp: u64,
    pub udp: u64,
    pub packets: u64,
    pub client_payload_bytes: u64,
    pub server_payload_bytes: u64,
    /// TCP: flows whose three handshake segments were all seen.
    pub handshakes_complete: u64,
    /// TCP: flows closed with both FINs acknowledged and no RST.
    pub closed_cleanly: u64,
}

impl UnlistedFlows {
    pub fn flows(&self) -> u64 {
        self.tcp.saturating_add(self.udp)
    }

    pub fn is_empty(&self) -> bool {
        self.flows() == 0
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub protocols: ProtocolSummary,
    /// The first `LISTED_FLOWS` conversations, in the order they were first seen.
    pub flows: Vec<FlowSummary>,
    /// Every later conversation, counted together.
    pub unlisted: UnlistedFlows,
}
