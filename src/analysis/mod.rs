//! Per-connection tracking: relative sequence numbers, both endpoints' RFC 793 states, and what each packet means.
//!
//! Analysis never reads a clock: all time comes from the packets.

mod analyzer;
mod annotation;
mod state;
mod summary;
mod text;
mod verdict;

pub use analyzer::Analyzer;
pub use annotation::{Annotation, Role, Unexpected};
pub use state::TcpState;
pub use summary::{FlowInfo, FlowSummary, ProtocolSummary, ProtocolTotals, Summary};
pub use text::AnnotationText;
pub use verdict::{EndpointStates, FlowId, FlowProtocol, Notes, Verdict, MAX_NOTES};
