//! Per-connection tracking: relative sequence numbers, both endpoints' RFC 793 states, and what each packet means.
//!
//! Analysis never reads a clock: all time comes from the packets.

mod analyzer;
mod annotation;
mod endpoint;
mod eviction;
mod flow_hash;
mod flow_key;
mod flow_listing;
mod flow_record;
mod history;
mod state;
mod state_path;
mod summary;
mod tcp_connection;
#[cfg(test)]
pub(crate) mod test_annotations;
#[cfg(test)]
mod test_packets;
mod text;
mod totals;
mod udp_flow;
mod verdict;

pub use analyzer::Analyzer;
pub use annotation::{Annotation, Role, Unexpected};
pub use flow_listing::LISTED_FLOWS;
pub use state::TcpState;
pub use summary::{FlowInfo, FlowSummary, ProtocolSummary, ProtocolTotals, Summary, UnlistedFlows};
pub use text::{AnnotationText, StepLabel};
pub use verdict::{EndpointStates, FlowId, FlowProtocol, Notes, Verdict, MAX_NOTES};
