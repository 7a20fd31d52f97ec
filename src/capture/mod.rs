//! Where frames come from: a live interface, a pcap/pcapng file, or memory (for tests).
//!
//! Every source implements [`FrameSource`], so the rest of the pipeline does not care which it reads.

mod file;
mod frame;
mod live;
mod memory;
mod packet_socket;
mod pnet_reader;
mod rx_ring;
mod writer;

pub use file::{CaptureFormat, FileSource, MAX_RECORD_LEN};
pub use frame::{Frame, LinkType, Timestamp};
pub use live::LiveSource;
pub use memory::{MemorySource, OwnedFrame};
pub use writer::CaptureWriter;

use serde::Serialize;

/// What a source has to say when asked for the next frame.
#[derive(Debug)]
pub enum Next<'a> {
    Frame(Frame<'a>),
    /// A live source waited its read timeout and saw nothing; the caller may check deadlines and ask again.
    Idle,
    /// No more frames will come.
    End,
}

/// Counters a source keeps, so that nobody claims a complete capture that lost packets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CaptureStats {
    /// Frames handed to the caller.
    pub frames: u64,
    /// Frames the kernel dropped before we could read them (PACKET_STATISTICS); always 0 for files.
    pub kernel_drops: u64,
}

impl CaptureStats {
    pub fn is_complete(&self) -> bool {
        self.kernel_drops == 0
    }
}

/// A stream of frames. Frames borrow from the source, so at most one is alive at a time (a lending iterator).
pub trait FrameSource {
    fn next_frame(&mut self) -> Result<Next<'_>, CaptureError>;
    fn stats(&self) -> CaptureStats;
}

/// Why a capture could not be read or opened. Each variant says where, in a sentence a learner can act on.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is empty (0 bytes): there is no capture in it to read")]
    Empty { path: String },
    #[error("{path} is not a pcap or pcapng capture: it starts with bytes {magic}, and neither format starts that way")]
    NotACapture { path: String, magic: String },
    #[error("{path}: malformed capture at byte offset {offset}: {reason}")]
    Malformed {
        path: String,
        offset: u64,
        reason: String,
    },
    #[error("{path}: the file ends in the middle of a record at byte offset {offset} ({reason}); the frames before it were read")]
    Truncated {
        path: String,
        offset: u64,
        reason: String,
    },
    #[error("live capture needs the CAP_NET_RAW capability, and this process does not have it ({detail}).\n  Run it as root:                 sudo {exe} ...\n  or give the binary the capability: sudo setcap cap_net_raw+ep {exe}")]
    PermissionDenied { detail: String, exe: String },
    #[error("no network interface named {name:?}; interfaces here: {available}")]
    NoSuchInterface { name: String, available: String },
    #[error("live capture on {interface} failed: {detail}")]
    Live { interface: String, detail: String },
}
