//! What is kept about a conversation for the summary: endpoints, counters, history, states
//! reached. Fixed-size and small.
//!
//! Memory trade-off: the live tracking state (sequence bookkeeping, recent segments) is dropped
//! once a connection is finished and idle (see `eviction`). The records of the first
//! `LISTED_FLOWS` flows stay for the whole capture, so that `Analyzer::summary` can list them;
//! a later flow's record is summed into the unlisted totals when the flow is forgotten (see
//! `flow_listing`). It holds no per-packet data; its size is pinned by a test (at most 168 bytes
//! on 64-bit targets), so the listed records take at most about 1.7 MB.

use super::annotation::Role;
use super::history::History;
use super::state_path::StatePath;
use super::summary::{FlowInfo, FlowSummary};
use super::verdict::EndpointStates;

#[derive(Clone, Debug)]
pub(super) struct FlowRecord {
    pub info: FlowInfo,
    pub packets: u64,
    pub client_payload_bytes: u64,
    pub server_payload_bytes: u64,
    pub history: History,
    pub client_states: StatePath,
    pub server_states: StatePath,
    /// TCP only.
    pub final_states: Option<EndpointStates>,
    pub handshake_complete: bool,
    pub closed_cleanly: bool,
    pub active_closer: Option<Role>,
}

impl FlowRecord {
    pub fn new(info: FlowInfo) -> Self {
        FlowRecord {
            info,
            packets: 0,
            client_payload_bytes: 0,
            server_payload_bytes: 0,
            history: History::default(),
            client_states: StatePath::default(),
            server_states: StatePath::default(),
            final_states: None,
            handshake_complete: false,
            closed_cleanly: false,
            active_closer: None,
        }
    }

    /// Counts one packet of this flow and its payload.
    pub fn count(&mut self, from: Role, payload: u32) {
        self.packets = self.packets.saturating_add(1);
        let bytes = match from {
            Role::Client => &mut self.client_payload_bytes,
            Role::Server => &mut self.server_payload_bytes,
        };
        *bytes = bytes.saturating_add(u64::from(payload));
    }

    pub fn states_mut(&mut self, side: Role) -> &mut StatePath {
        match side {
            Role::Client => &mut self.client_states,
            Role::Server => &mut self.server_states,
        }
    }

    pub fn to_summary(&self) -> FlowSummary {
        FlowSummary {
            info: self.info,
            packets: self.packets,
            client_payload_bytes: self.client_payload_bytes,
            server_payload_bytes: self.server_payload_bytes,
            history: self.history.as_str().to_owned(),
            client_states: self.client_states.to_vec(),
            server_states: self.server_states.to_vec(),
            final_states: self.final_states,
            handshake_complete: self.handshake_complete,
            closed_cleanly: self.closed_cleanly,
            active_closer: self.active_closer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::state::TcpState;
    use crate::analysis::verdict::{FlowId, FlowProtocol};

    fn info() -> FlowInfo {
        FlowInfo {
            id: FlowId {
                protocol: FlowProtocol::Tcp,
                index: 0,
            },
            client: "127.0.0.1:40000".parse().unwrap(),
            server: "127.0.0.1:8080".parse().unwrap(),
            first_packet: 1,
        }
    }

    #[test]
    fn a_record_stays_small() {
        let size = std::mem::size_of::<FlowRecord>();
        assert!(
            size <= 168,
            "FlowRecord grew to {size} bytes; see the module doc"
        );
    }

    #[test]
    fn counts_per_direction_and_summarises() {
        let mut record = FlowRecord::new(info());
        record.count(Role::Client, 5);
        record.count(Role::Server, 7);
        record.count(Role::Client, 0);
        record
            .states_mut(Role::Server)
            .record(TcpState::SynReceived);
        let summary = record.to_summary();
        assert_eq!(summary.packets, 3);
        assert_eq!(summary.client_payload_bytes, 5);
        assert_eq!(summary.server_payload_bytes, 7);
        assert_eq!(summary.server_states, [TcpState::SynReceived]);
        assert!(summary.client_states.is_empty());
        assert_eq!(summary.final_states, None);
    }
}
