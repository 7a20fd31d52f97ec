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

impl DecodeError {
    /// An error in `layer`, starting at byte `offset` of the frame, explained by the sentence `message`.
    pub fn new(layer: Layer, offset: usize, message: impl Into<String>) -> Self {
        DecodeError {
            layer,
            offset,
            message: message.into(),
        }
    }
}

/// Builds an error out of line: the sentence's formatting stays off the success path, which then
/// fits in fewer registers and instructions. Wrap each `DecodeError::new` of a hot function in it.
#[cold]
#[inline(never)]
pub(crate) fn cold_error(build: impl FnOnce() -> DecodeError) -> DecodeError {
    build()
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

/// A byte count for sentences: "1 byte", "12 bytes".
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bytes(pub usize);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("1 byte"),
            n => write!(f, "{n} bytes"),
        }
    }
}

/// How far into a header the captured frame reaches: "the frame ends 12 bytes into it".
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameEndsInto(pub usize);

impl fmt::Display for FrameEndsInto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("the frame ends right where it should start"),
            n => write!(f, "the frame ends {} into it", Bytes(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_layer_offset_and_sentence() {
        let error = DecodeError::new(
            Layer::Tcp,
            34,
            "the frame ends 12 bytes into the TCP header",
        );
        assert_eq!(
            error.to_string(),
            "TCP header at byte 34: the frame ends 12 bytes into the TCP header"
        );
    }

    #[test]
    fn byte_counts_read_as_english() {
        assert_eq!(Bytes(1).to_string(), "1 byte");
        assert_eq!(Bytes(0).to_string(), "0 bytes");
        assert_eq!(Bytes(40).to_string(), "40 bytes");
        assert_eq!(
            FrameEndsInto(0).to_string(),
            "the frame ends right where it should start"
        );
        assert_eq!(
            FrameEndsInto(12).to_string(),
            "the frame ends 12 bytes into it"
        );
    }

    #[test]
    fn serializes_layer_in_snake_case() {
        let error = DecodeError::new(Layer::Icmp, 0, "x");
        let json = serde_json::to_string(&error).unwrap_or_default();
        assert_eq!(json, r#"{"layer":"icmp","offset":0,"message":"x"}"#);
    }
}
