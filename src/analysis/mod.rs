//! Per-connection tracking: relative sequence numbers, both endpoints' RFC 793 states, and what each packet means.
//!
//! Analysis never reads a clock: all time comes from the packets.

mod annotation;
mod state;
mod verdict;

pub use annotation::{Annotation, Role, Unexpected};
pub use state::TcpState;
pub use verdict::{EndpointStates, FlowId, FlowProtocol, Notes, Verdict, MAX_NOTES};
