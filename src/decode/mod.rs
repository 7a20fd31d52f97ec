//! From raw frame bytes to our own typed [`Packet`], through etherparse. Never panics on any input.

mod error;
mod packet;

pub use error::{DecodeError, Layer};
pub use packet::*;

use crate::capture::Frame;

/// Decodes one frame. (Placeholder until the decode layer is written.)
pub fn decode<'a>(frame: &Frame<'a>) -> Result<Packet<'a>, DecodeError> {
    Err(DecodeError {
        layer: Layer::Link,
        offset: 0,
        message: format!("decoding {} frames is not written yet", frame.link_type),
    })
}
