//! A frame copied out of the capture buffer, so a run can keep its frames after the capture moved on.

use crate::capture::{Frame, LinkType, Timestamp};

/// An owned copy of one captured frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedFrame {
    /// 1-based position in the run's own frame list (not in the interface's whole traffic).
    pub number: u64,
    pub timestamp: Timestamp,
    pub link_type: LinkType,
    pub data: Vec<u8>,
    pub original_len: u32,
}

impl CapturedFrame {
    /// Copies `frame`, renumbering it as the run's `number`-th frame.
    pub fn copy_of(frame: &Frame<'_>, number: u64) -> Self {
        CapturedFrame {
            number,
            timestamp: frame.timestamp,
            link_type: frame.link_type,
            data: frame.data.to_vec(),
            original_len: frame.original_len,
        }
    }

    /// A borrowed view, for the decoder and every other consumer of [`Frame`].
    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            number: self.number,
            timestamp: self.timestamp,
            link_type: self.link_type,
            data: &self.data,
            original_len: self.original_len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_then_view_round_trips_and_renumbers() {
        let bytes = [1u8, 2, 3];
        let frame = Frame {
            number: 917,
            timestamp: Timestamp(42),
            link_type: LinkType::Ethernet,
            data: &bytes,
            original_len: 60,
        };
        let owned = CapturedFrame::copy_of(&frame, 3);
        let view = owned.as_frame();
        assert_eq!(view.number, 3);
        assert_eq!(view.timestamp, Timestamp(42));
        assert_eq!(view.link_type, LinkType::Ethernet);
        assert_eq!(view.data, &bytes);
        assert_eq!(view.original_len, 60);
    }
}
