//! Frames held in memory: a source for tests, and for replaying the frames a live scenario recorded.

use super::{CaptureError, CaptureStats, Frame, FrameSource, LinkType, Next, Timestamp};

/// A frame that owns its bytes, so it can outlive the source that produced it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OwnedFrame {
    /// 1-based position in the capture.
    pub number: u64,
    pub timestamp: Timestamp,
    pub link_type: LinkType,
    pub data: Vec<u8>,
    /// The frame's length on the wire, which may exceed `data.len()`.
    pub original_len: u32,
}

impl OwnedFrame {
    /// Borrows this frame in the form every pipeline stage takes.
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

impl From<Frame<'_>> for OwnedFrame {
    fn from(frame: Frame<'_>) -> Self {
        OwnedFrame {
            number: frame.number,
            timestamp: frame.timestamp,
            link_type: frame.link_type,
            data: frame.data.to_vec(),
            original_len: frame.original_len,
        }
    }
}

/// A [`FrameSource`] over frames kept in a `Vec`, yielded in order, then `Next::End`.
#[derive(Clone, Debug, Default)]
pub struct MemorySource {
    frames: Vec<OwnedFrame>,
    /// Index of the next frame to hand out.
    cursor: usize,
    stats: CaptureStats,
}

impl MemorySource {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replays frames exactly as given, keeping their numbers (a recorded scenario is already numbered).
    pub fn from_frames(frames: Vec<OwnedFrame>) -> Self {
        MemorySource {
            frames,
            cursor: 0,
            stats: CaptureStats::default(),
        }
    }

    /// Appends a complete frame (nothing cut by a snap length); it is numbered after the frames before it.
    pub fn push(
        &mut self,
        timestamp: Timestamp,
        link_type: LinkType,
        bytes: impl Into<Vec<u8>>,
    ) -> &mut Self {
        let data = bytes.into();
        let original_len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        self.push_truncated(timestamp, link_type, data, original_len)
    }

    /// Appends a frame whose wire length `original_len` may exceed the bytes kept (a snap-length cut).
    pub fn push_truncated(
        &mut self,
        timestamp: Timestamp,
        link_type: LinkType,
        bytes: impl Into<Vec<u8>>,
        original_len: u32,
    ) -> &mut Self {
        let number = self.frames.len() as u64 + 1;
        self.frames.push(OwnedFrame {
            number,
            timestamp,
            link_type,
            data: bytes.into(),
            original_len,
        });
        self
    }

    pub fn frames(&self) -> &[OwnedFrame] {
        &self.frames
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Starts over from the first frame, so the same frames can be replayed again.
    pub fn rewind(&mut self) {
        self.cursor = 0;
        self.stats = CaptureStats::default();
    }

    pub fn into_frames(self) -> Vec<OwnedFrame> {
        self.frames
    }
}

impl FrameSource for MemorySource {
    fn next_frame(&mut self) -> Result<Next<'_>, CaptureError> {
        match self.frames.get(self.cursor) {
            Some(frame) => {
                self.cursor += 1;
                self.stats.frames += 1;
                Ok(Next::Frame(frame.as_frame()))
            }
            None => Ok(Next::End),
        }
    }

    fn stats(&self) -> CaptureStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(source: &mut impl FrameSource) -> Vec<OwnedFrame> {
        let mut out = Vec::new();
        loop {
            match source.next_frame().expect("memory sources never fail") {
                Next::Frame(frame) => out.push(OwnedFrame::from(frame)),
                Next::Idle => panic!("a memory source is never idle"),
                Next::End => return out,
            }
        }
    }

    #[test]
    fn push_numbers_frames_from_one_and_yields_them_in_order() {
        let mut source = MemorySource::new();
        source
            .push(Timestamp(10), LinkType::Ethernet, vec![1, 2, 3])
            .push(Timestamp(20), LinkType::RawIp, &[4u8][..]);
        let frames = collect(&mut source);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].number, 1);
        assert_eq!(frames[0].timestamp, Timestamp(10));
        assert_eq!(frames[0].link_type, LinkType::Ethernet);
        assert_eq!(frames[0].data, vec![1, 2, 3]);
        assert_eq!(frames[0].original_len, 3);
        assert_eq!(frames[1].number, 2);
        assert_eq!(frames[1].link_type, LinkType::RawIp);
        assert_eq!(frames[1].data, vec![4]);
        assert_eq!(source.stats().frames, 2);
        assert!(source.stats().is_complete());
    }

    #[test]
    fn end_repeats_after_the_last_frame() {
        let mut source = MemorySource::new();
        source.push(Timestamp(1), LinkType::Null, vec![0; 4]);
        assert!(matches!(source.next_frame(), Ok(Next::Frame(_))));
        assert!(matches!(source.next_frame(), Ok(Next::End)));
        assert!(matches!(source.next_frame(), Ok(Next::End)));
        assert_eq!(source.stats().frames, 1);
    }

    #[test]
    fn empty_source_ends_at_once() {
        let mut source = MemorySource::new();
        assert!(source.is_empty());
        assert!(matches!(source.next_frame(), Ok(Next::End)));
    }

    #[test]
    fn truncated_frames_keep_their_wire_length() {
        let mut source = MemorySource::new();
        source.push_truncated(Timestamp(5), LinkType::Ethernet, vec![0xaa; 10], 1514);
        let frames = collect(&mut source);
        assert_eq!(frames[0].data.len(), 10);
        assert_eq!(frames[0].original_len, 1514);
    }

    #[test]
    fn from_frames_keeps_numbers_and_rewind_replays() {
        let recorded = vec![
            OwnedFrame {
                number: 7,
                timestamp: Timestamp(1),
                link_type: LinkType::Ethernet,
                data: vec![1],
                original_len: 1,
            },
            OwnedFrame {
                number: 8,
                timestamp: Timestamp(2),
                link_type: LinkType::Ethernet,
                data: vec![2],
                original_len: 1,
            },
        ];
        let mut source = MemorySource::from_frames(recorded.clone());
        assert_eq!(collect(&mut source), recorded);
        source.rewind();
        assert_eq!(source.stats().frames, 0);
        assert_eq!(collect(&mut source), recorded);
    }

    #[test]
    fn as_frame_and_from_frame_round_trip() {
        let owned = OwnedFrame {
            number: 3,
            timestamp: Timestamp(-5),
            link_type: LinkType::Other(147),
            data: vec![9, 8, 7],
            original_len: 100,
        };
        let frame = owned.as_frame();
        assert_eq!(frame.data, &[9, 8, 7]);
        assert_eq!(OwnedFrame::from(frame), owned);
    }
}
