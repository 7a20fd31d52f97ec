//! Scenarios: real socket exchanges on loopback, captured live and recorded step by step.
//!
//! Each scenario is a short script of socket calls between a "client" and a "server" on 127.0.0.1 or ::1.
//! The engine opens a capture on `lo` before the first call and, after each call, waits for exactly the
//! packets that call must cause (step-locked), so calls and packets interleave in the timeline the same way
//! on every run.

mod catalog;
pub(crate) mod engine;
mod error;
pub(crate) mod expect;
mod retry;
mod sockets;
mod starting_line;
mod stream_vs_datagrams;
mod tcp_close;
mod tcp_errors;
mod tcp_exchange;
mod udp;

pub use catalog::{catalog, run, ScenarioInfo};
pub use error::ScenarioError;

use crate::capture::CaptureStats;
use crate::timeline::TimelineEntry;
use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Which IP version a scenario runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// 127.0.0.1 or ::1.
    pub fn loopback(self) -> IpAddr {
        match self {
            Family::V4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Family::V6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
        }
    }

    /// The address family as a C programmer writes it.
    pub fn af_name(self) -> &'static str {
        match self {
            Family::V4 => "AF_INET",
            Family::V6 => "AF_INET6",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// One of the run's sockets on the wire, so renderers can say "client" and "server" instead of ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// "client" or "server" (a second client socket is also a "client").
    pub role: &'static str,
    /// The IP protocol number: 6 for TCP, 17 for UDP.
    pub protocol: u8,
    pub address: SocketAddr,
}

/// Everything one scenario run produced.
#[derive(Clone, Debug)]
pub struct ScenarioRun {
    pub name: String,
    pub family: Family,
    /// The sockets whose ports the run's frames were selected by.
    pub endpoints: Vec<Endpoint>,
    /// The run's own frames (other traffic on `lo` is left out), numbered from 1.
    pub frames: Vec<crate::capture::OwnedFrame>,
    /// Calls and frames, in the order they happened.
    pub timeline: Vec<TimelineEntry>,
    /// The capture's counters: `kernel_drops > 0` means the capture is not complete.
    pub stats: CaptureStats,
    /// How many attempts the scenario needed (1 unless it depends on timing and had to retry).
    pub tries: u32,
    /// Remarks for the learner: retries, the engine's own synchronisation, anything unusual seen.
    pub notes: Vec<String>,
    /// Wall-clock time of the successful attempt, from the first socket call to its last expected packet.
    pub elapsed: Duration,
}
