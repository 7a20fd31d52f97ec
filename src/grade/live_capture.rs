//! Capturing `lo` on a thread for the whole run, so socklab's script and the submission never wait for it.
//!
//! Stopping uses a barrier rather than a quiet period: socklab sends one marker datagram on `lo` from a
//! socket of its own. The capture keeps only outgoing copies, which the kernel queues as each packet is
//! sent, in sending order, so once the thread reads the marker it has read every frame sent before the
//! stop, and it stops at once (the marker wakes it). The marker itself is neither kept nor counted.

use crate::capture::{
    CaptureError, CaptureStats, Frame, FrameSource, LiveSource, Next, OwnedFrame,
};
use crate::decode::{self, Transport};
use std::net::{Ipv4Addr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// A flood beyond this many frames is counted, not kept: grading needs the beginning of a conversation.
pub const MAX_FRAMES: usize = 100_000;
/// How long the thread blocks on the capture before checking whether it was asked to stop (the marker
/// wakes it sooner; this matters only if the marker could not be sent or was dropped).
const SLICE: Duration = Duration::from_millis(20);
/// How long the thread waits for the marker once asked to stop, before taking only what is queued.
const MARKER_WAIT: Duration = Duration::from_secs(1);

pub struct Captured {
    pub frames: Vec<OwnedFrame>,
    pub stats: CaptureStats,
    /// Frames seen after `MAX_FRAMES`, not kept.
    pub not_kept: u64,
}

/// The stop marker: a datagram from socklab's own socket to itself, carrying a random token.
#[derive(Clone, Copy)]
struct Marker {
    port: u16,
    token: [u8; 16],
}

impl Marker {
    fn matches(&self, frame: &Frame<'_>) -> bool {
        match decode::decode(frame) {
            Ok(packet) => matches!(packet.transport, Transport::Udp(udp)
                if udp.src_port == self.port && udp.dst_port == self.port && udp.payload == self.token),
            Err(_) => false,
        }
    }
}

pub struct CaptureThread {
    stop: Arc<AtomicBool>,
    /// The thread's result, sent before it closes the capture socket: closing an AF_PACKET socket waits
    /// for an RCU grace period (10-20 ms), which need not delay the grading.
    done: mpsc::Receiver<Result<Captured, CaptureError>>,
    /// Bound to 127.0.0.1 on a port of its own, which no submission can send from.
    marker_socket: Option<UdpSocket>,
    marker: Marker,
}

impl CaptureThread {
    /// Opens the capture on `lo` and returns once it is running, so no packet of the run can be missed.
    pub fn start() -> Result<CaptureThread, CaptureError> {
        let marker_socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).ok();
        let marker = Marker {
            port: marker_socket
                .as_ref()
                .and_then(|socket| socket.local_addr().ok())
                .map_or(0, |address| address.port()),
            token: random_token(),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let stop_flag = Arc::clone(&stop);
        thread::spawn(move || {
            let mut source = match LiveSource::open_for_short_exchanges("lo") {
                Ok(source) => {
                    let _ = ready_tx.send(Ok(()));
                    source
                }
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                    return;
                }
            };
            let _ = done_tx.send(capture_until_marker(&mut source, &stop_flag, marker));
            drop(source);
        });
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(CaptureThread {
                stop,
                done,
                marker_socket,
                marker,
            }),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(CaptureError::Live {
                interface: "lo".into(),
                detail: "the capture thread stopped".into(),
            }),
        }
    }

    /// Stops the capture and hands over its frames: every frame sent before this call.
    pub fn finish(self) -> Result<Captured, CaptureError> {
        self.stop.store(true, Ordering::Release);
        if let Some(socket) = &self.marker_socket {
            // If this fails, the thread takes what is queued once MARKER_WAIT has passed.
            let _ = socket.send_to(&self.marker.token, (Ipv4Addr::LOCALHOST, self.marker.port));
        }
        self.done.recv().unwrap_or_else(|_| {
            Err(CaptureError::Live {
                interface: "lo".into(),
                detail: "the capture thread panicked".into(),
            })
        })
    }
}

fn capture_until_marker(
    source: &mut LiveSource,
    stop: &AtomicBool,
    marker: Marker,
) -> Result<Captured, CaptureError> {
    let mut captured = Captured {
        frames: Vec::new(),
        stats: CaptureStats::default(),
        not_kept: 0,
    };
    // Frames read, the marker not included: what the report counts.
    let mut read: u64 = 0;
    let mut marker_deadline: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if marker_deadline.is_none() && stop.load(Ordering::Acquire) {
            marker_deadline = Some(now + MARKER_WAIT);
        }
        let wait = match marker_deadline {
            Some(deadline) if now >= deadline => {
                // The marker was lost: take what is queued now (at most MAX_FRAMES more), then stop.
                for _ in 0..MAX_FRAMES {
                    match source.next_frame_within(Duration::ZERO)? {
                        Next::Frame(frame) if !marker.matches(&frame) => {
                            read += 1;
                            keep(&mut captured, frame);
                        }
                        _ => break,
                    }
                }
                break;
            }
            Some(deadline) => deadline - now,
            None => SLICE,
        };
        if let Next::Frame(frame) = source.next_frame_within(wait)? {
            if marker.matches(&frame) {
                break;
            }
            read += 1;
            keep(&mut captured, frame);
        }
    }
    captured.stats = source.stats();
    captured.stats.frames = read;
    Ok(captured)
}

fn keep(captured: &mut Captured, frame: Frame<'_>) {
    if captured.frames.len() < MAX_FRAMES {
        captured.frames.push(OwnedFrame::from(frame));
    } else {
        captured.not_kept += 1;
    }
}

/// 16 bytes no submission can guess (getrandom; the clock and pid if it is unavailable).
fn random_token() -> [u8; 16] {
    let mut token = [0u8; 16];
    // SAFETY: getrandom writes at most `len` bytes into the buffer we own.
    let filled = unsafe { libc::getrandom(token.as_mut_ptr().cast(), token.len(), 0) };
    if filled != token.len() as isize {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        token[..12].copy_from_slice(&nanos.to_le_bytes()[..12]);
        token[12..].copy_from_slice(&std::process::id().to_le_bytes());
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::test_frames::Capture;

    #[test]
    fn only_the_marker_datagram_with_its_token_and_port_is_the_marker() {
        let marker = Marker {
            port: 40001,
            token: *b"0123456789abcdef",
        };
        let mut capture = Capture::default();
        capture.udp(40001, 40001, b"0123456789abcdef");
        capture.udp(40001, 40001, b"0123456789abcdeX");
        capture.udp(40002, 40001, b"0123456789abcdef");
        capture.udp(40001, 40002, b"0123456789abcdef");
        let matched: Vec<bool> = capture
            .frames()
            .iter()
            .map(|frame| marker.matches(&frame.as_frame()))
            .collect();
        assert_eq!(matched, [true, false, false, false]);
        assert_ne!(random_token(), random_token());
    }
}
