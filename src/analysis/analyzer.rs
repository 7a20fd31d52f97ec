//! The tracker: feeds on packets in capture order, keeps per-flow state, returns a verdict per packet.
//! (Placeholder until the analysis layer is written.)

use super::summary::{FlowInfo, Summary};
use super::verdict::{FlowId, Verdict};
use crate::decode::Packet;

#[derive(Default)]
pub struct Analyzer {
    flows: Vec<FlowInfo>,
}

impl Analyzer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Analyses the next packet, in capture order.
    pub fn process(&mut self, _packet: &Packet<'_>) -> Verdict {
        Verdict::default()
    }

    /// Counts a frame that could not be decoded, so the summary can say so.
    pub fn note_undecodable(&mut self) {}

    pub fn flow(&self, id: FlowId) -> Option<&FlowInfo> {
        self.flows.iter().find(|flow| flow.id == id)
    }

    pub fn summary(&self) -> Summary {
        Summary::default()
    }
}
