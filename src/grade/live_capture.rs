//! Capturing `lo` on a thread for the whole run, so socklab's script and the submission never wait for it.

use crate::capture::{CaptureError, CaptureStats, FrameSource, LiveSource, Next, OwnedFrame};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A flood beyond this many frames is counted, not kept: grading needs the beginning of a conversation.
pub const MAX_FRAMES: usize = 100_000;
/// How long the capture must stay quiet, once stopped, before it is considered complete.
const QUIET: Duration = Duration::from_millis(20);

pub struct Captured {
    pub frames: Vec<OwnedFrame>,
    pub stats: CaptureStats,
    /// Frames seen after `MAX_FRAMES`, not kept.
    pub not_kept: u64,
}

pub struct CaptureThread {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Result<Captured, CaptureError>>,
}

impl CaptureThread {
    /// Opens the capture on `lo` and returns once it is running, so no packet of the run can be missed.
    pub fn start() -> Result<CaptureThread, CaptureError> {
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = mpsc::channel();
        let stop_flag = Arc::clone(&stop);
        let handle = thread::spawn(move || {
            let mut source = match LiveSource::open("lo") {
                Ok(source) => {
                    let _ = ready_tx.send(None);
                    source
                }
                Err(error) => {
                    let message = error.to_string();
                    let _ = ready_tx.send(Some(message));
                    return Err(error);
                }
            };
            let mut captured = Captured {
                frames: Vec::new(),
                stats: CaptureStats::default(),
                not_kept: 0,
            };
            let keep = |captured: &mut Captured, frame: crate::capture::Frame<'_>| {
                if captured.frames.len() < MAX_FRAMES {
                    captured.frames.push(OwnedFrame::from(frame));
                } else {
                    captured.not_kept += 1;
                }
            };
            while !stop_flag.load(Ordering::Acquire) {
                if let Next::Frame(frame) = source.next_frame_within(Duration::from_millis(20))? {
                    keep(&mut captured, frame);
                }
            }
            // Stopped: take what is queued, until the wire has been quiet for a moment.
            while let Next::Frame(frame) = source.next_frame_within(QUIET)? {
                keep(&mut captured, frame);
            }
            captured.stats = source.stats();
            Ok(captured)
        });
        match ready_rx.recv() {
            Ok(None) => Ok(CaptureThread { stop, handle }),
            _ => match handle.join() {
                Ok(Err(error)) => Err(error),
                _ => Err(CaptureError::Live {
                    interface: "lo".into(),
                    detail: "the capture thread stopped".into(),
                }),
            },
        }
    }

    /// Stops the capture and hands over its frames.
    pub fn finish(self) -> Result<Captured, CaptureError> {
        self.stop.store(true, Ordering::Release);
        self.handle.join().unwrap_or_else(|_| {
            Err(CaptureError::Live {
                interface: "lo".into(),
                detail: "the capture thread panicked".into(),
            })
        })
    }
}
