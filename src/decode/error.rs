//! Decode errors as data: which layer, at which byte offset, and what was wrong.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Link,
    Ip,
    Tcp,
    Udp,
    Icmp,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Link => "link layer",
            Layer::Ip => "IP header",
            Layer::Tcp => "TCP header",
            Layer::Udp => "UDP header",
            Layer::Icmp => "ICMP message",
        })
    }
}

/// Why a frame could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecodeError {
    pub layer: Layer,
    /// Byte offset within the frame where the problem starts.
    pub offset: usize,
    /// A full sentence for a learner, such as "the TCP header says it is 60 bytes long, but only 32 bytes were captured".
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}: {}",
            self.layer, self.offset, self.message
        )
    }
}

impl std::error::Error for DecodeError {}
