//! What analysis says about one packet: `Copy`, fixed-size, so the hot path allocates nothing.

use super::annotation::{Annotation, Role};
use super::state::TcpState;
use serde::Serialize;

/// Index of a conversation in the order it was first seen, per protocol, from 0 (as tshark's `tcp.stream`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FlowId {
    pub protocol: FlowProtocol,
    pub index: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowProtocol {
    Tcp,
    Udp,
}

/// Both endpoints' states after a packet was sent and received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EndpointStates {
    pub client: TcpState,
    pub server: TcpState,
}

/// Up to four notes per packet, stored inline.
pub const MAX_NOTES: usize = 4;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    items: [Option<Annotation>; MAX_NOTES],
    len: u8,
}

impl Notes {
    /// Adds a note; a fifth note is dropped (no packet needs more than three).
    pub fn push(&mut self, note: Annotation) {
        if (self.len as usize) < MAX_NOTES {
            self.items[self.len as usize] = Some(note);
            self.len += 1;
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = &Annotation> {
        self.items[..self.len as usize].iter().flatten()
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn first(&self) -> Option<&Annotation> {
        self.iter().next()
    }
}

impl Serialize for Notes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Analysis of one packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The conversation this packet belongs to (ICMP errors join the flow of the datagram they quote).
    pub flow: Option<FlowId>,
    /// True for the first packet of a flow: renderers introduce the flow's endpoints here.
    pub new_flow: bool,
    /// Who sent this packet within its flow.
    pub from: Option<Role>,
    /// TCP only: sequence number relative to the sender's ISN (the SYN is 0, the first data byte 1).
    pub rel_seq: Option<u32>,
    /// TCP only, when the ACK flag is set: acknowledgement relative to the peer's ISN.
    pub rel_ack: Option<u32>,
    /// TCP only: the relative sequence number after this segment (seq + payload + SYN + FIN).
    pub rel_next_seq: Option<u32>,
    /// TCP only: window × 2^wscale once both SYNs carried window scale, otherwise the raw window.
    pub scaled_window: Option<u32>,
    /// TCP only: both endpoints' RFC 793 states after this packet.
    pub states: Option<EndpointStates>,
    pub notes: Notes,
    /// Another packet this one refers to (the datagram an ICMP error quotes, the segment retransmitted).
    pub related_packet: Option<u64>,
}
