//! A memory-mapped receive ring (`PACKET_RX_RING`, TPACKET_V3) on an AF_PACKET socket.
//!
//! Why a ring: the kernel writes each frame straight into memory this process has mapped, so reading a
//! frame takes no system call and no copy, and the ring's size is not bounded by `net.core.rmem_max`
//! (which caps `SO_RCVBUF` for anyone without CAP_NET_ADMIN in the initial namespace, such as socklab
//! in its own unprivileged user namespace). TPACKET_V3 packs frames of any length one after the other
//! into fixed-size blocks, so a 60-byte ACK takes about 150 bytes of ring rather than a 64 KiB slot.
//!
//! Ownership goes by whole blocks: the kernel fills a block and hands it over (status `TP_STATUS_USER`)
//! when the next frame does not fit or when the block's retire timeout passes; we read its frames in
//! order and hand it back (`TP_STATUS_KERNEL`). A block is handed back only on the call after the one
//! that returned its last frame: the frame borrows the ring (`&mut self` through
//! [`FrameSource::next_frame`](super::FrameSource::next_frame)), so by then nobody can still read it.

use super::{Frame, LinkType, Timestamp};
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

/// How the ring is cut up. Sizes are fixed when the ring is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RingLayout {
    /// Bytes per block: a multiple of the page size and a power of two (the kernel allocates blocks as
    /// 2^n pages). A frame longer than a block is cut to fit, so a block must hold the largest frame.
    pub block_size: u32,
    pub block_count: u32,
    /// How long the kernel lets a block that is not full wait before handing it over anyway, in
    /// milliseconds: the longest a lone frame waits before the reader can see it.
    pub retire_timeout_ms: u32,
}

impl RingLayout {
    pub fn bytes(&self) -> usize {
        self.block_size as usize * self.block_count as usize
    }
}

/// Why the ring could not be used.
#[derive(Debug)]
pub(super) enum RingError {
    /// Setting the ring up failed (an old kernel without TPACKET_V3, or no memory for it).
    Setup {
        step: &'static str,
        error: io::Error,
    },
    /// The kernel handed over a block whose frame headers point outside it. Never seen; checked so that
    /// a broken block is an error message, not a read out of bounds.
    Malformed {
        block: usize,
        offset: usize,
        what: &'static str,
    },
}

impl std::fmt::Display for RingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RingError::Setup { step, error } => write!(f, "{step}: {error}"),
            RingError::Malformed {
                block,
                offset,
                what,
            } => write!(
                f,
                "the kernel's receive ring block {block} is malformed at byte {offset}: {what}"
            ),
        }
    }
}

/// One frame's place in the held block, checked to lie inside it.
#[derive(Clone, Copy, Debug)]
struct FramePlace {
    /// Offset of its `tpacket3_hdr` in the block.
    header: usize,
    /// Offset of its first link-layer byte in the block, and how many bytes were captured.
    data: usize,
    captured: usize,
    wire_len: u32,
    timestamp: Timestamp,
    /// `tp_next_offset`: 0 for the block's last frame.
    next: usize,
}

/// A TPACKET_V3 ring mapped into this process. Dropping it unmaps the ring; the socket frees it on close.
pub(super) struct RxRing {
    base: NonNull<u8>,
    layout: RingLayout,
    /// The block we read, or wait for next.
    block: usize,
    /// True while `block` is ours (the kernel set `TP_STATUS_USER` and we have not handed it back).
    held: bool,
    /// Frames of the held block not yet handed out, including `place`.
    frames_left: u32,
    /// The held block's next frame, once checked; None before the first one is checked.
    place: Option<FramePlace>,
    /// True when `place` was handed out: the next call steps past it.
    handed_out: bool,
}

// SAFETY: the mapping belongs to this value alone; nothing in it is tied to the creating thread.
unsafe impl Send for RxRing {}

impl std::fmt::Debug for RxRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RxRing")
            .field("layout", &self.layout)
            .field("block", &self.block)
            .field("held", &self.held)
            .field("frames_left", &self.frames_left)
            .finish()
    }
}

/// `tpacket_block_desc` as the kernel lays it out: version, offset_to_priv, then `tpacket_hdr_v1`.
const BLOCK_STATUS_OFFSET: usize = 8;
const BLOCK_NUM_PACKETS_OFFSET: usize = 12;
const BLOCK_FIRST_PACKET_OFFSET: usize = 16;
#[cfg(test)]
const BLOCK_SEQUENCE_OFFSET: usize = 24;

impl RxRing {
    /// Switches `socket` to TPACKET_V3, creates the ring and maps it. Call before `bind`, so that no
    /// frame is queued the old way (to the socket's receive queue, which a ring reader never looks at).
    pub fn attach(socket: &OwnedFd, layout: RingLayout) -> Result<RxRing, RingError> {
        if layout.block_count == 0 || layout.block_size == 0 {
            // The kernel reads a zero block count as "remove the ring" and says yes.
            return Err(RingError::Setup {
                step: "PACKET_RX_RING",
                error: io::Error::new(io::ErrorKind::InvalidInput, "a ring needs blocks"),
            });
        }
        let fd = socket.as_raw_fd();
        let version = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
        super::packet_socket::set_option(fd, libc::SOL_PACKET, libc::PACKET_VERSION, &version)
            .map_err(|error| RingError::Setup {
                step: "PACKET_VERSION TPACKET_V3",
                error,
            })?;
        // The kernel still checks the frame fields for V3, though frames then have any length: frame
        // size times frames per block must fill the blocks exactly.
        let frame_size = libc::TPACKET_ALIGNMENT as u32 * 128;
        // SAFETY: tpacket_req3 is plain old data; all-zero is a valid value.
        let mut request: libc::tpacket_req3 = unsafe { mem::zeroed() };
        request.tp_block_size = layout.block_size;
        request.tp_block_nr = layout.block_count;
        request.tp_frame_size = frame_size;
        request.tp_frame_nr = (layout.block_size / frame_size).saturating_mul(layout.block_count);
        request.tp_retire_blk_tov = layout.retire_timeout_ms;
        super::packet_socket::set_option(fd, libc::SOL_PACKET, libc::PACKET_RX_RING, &request)
            .map_err(|error| RingError::Setup {
                step: "PACKET_RX_RING",
                error,
            })?;
        // SAFETY: a fresh shared mapping of the ring the socket now has, of exactly its size.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                layout.bytes(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(RingError::Setup {
                step: "mmap of the ring",
                error: io::Error::last_os_error(),
            });
        }
        let base = NonNull::new(address.cast::<u8>()).ok_or(RingError::Setup {
            step: "mmap of the ring",
            error: io::Error::other("the kernel mapped the ring at address 0"),
        })?;
        Ok(RxRing {
            base,
            layout,
            block: 0,
            held: false,
            frames_left: 0,
            place: None,
            handed_out: false,
        })
    }

    pub fn layout(&self) -> RingLayout {
        self.layout
    }

    /// Moves to the next frame, handing finished blocks back to the kernel on the way. Ok(true): a frame
    /// is ready for [`RxRing::take`]. Ok(false): the kernel has not handed over the next block yet.
    pub fn ready(&mut self) -> Result<bool, RingError> {
        let stepped = self.step_past_handed_out();
        if stepped.is_err() {
            // Give the broken block back on the next call rather than read it again.
            self.frames_left = 0;
        }
        stepped?;
        loop {
            if self.held && self.frames_left > 0 {
                return Ok(true);
            }
            if self.held {
                self.release();
            }
            if !self.acquire()? {
                return Ok(false);
            }
        }
    }

    /// After a frame was handed out: the next frame of the block, if it has more.
    fn step_past_handed_out(&mut self) -> Result<(), RingError> {
        if !self.handed_out {
            return Ok(());
        }
        self.handed_out = false;
        self.frames_left = self.frames_left.saturating_sub(1);
        let Some(done) = self.place.take() else {
            return Ok(());
        };
        if self.frames_left > 0 {
            if done.next == 0 {
                return Err(
                    self.malformed(done.header, "a frame before the last has no next offset")
                );
            }
            self.place = Some(self.check_frame(done.header.saturating_add(done.next))?);
        }
        Ok(())
    }

    /// The frame [`RxRing::ready`] found; None if it found none. The frame borrows the ring, so its bytes
    /// stay ours until the caller lets go of it and asks for the next one.
    pub fn take(&mut self, number: u64, link_type: LinkType) -> Option<Frame<'_>> {
        if !self.held || self.frames_left == 0 || self.handed_out {
            return None;
        }
        let place = self.place?;
        self.handed_out = true;
        // SAFETY: `check_frame` proved data..data+captured lies inside the held block, which the kernel
        // does not write until `release`; `release` runs in a later `ready`, which needs `&mut self`
        // and so waits until this borrow has ended.
        let data = unsafe {
            std::slice::from_raw_parts(
                self.block_start().add(place.data).cast_const(),
                place.captured,
            )
        };
        Some(Frame {
            number,
            timestamp: place.timestamp,
            link_type,
            data,
            original_len: place.wire_len,
        })
    }

    /// The kernel's sequence number of the held block (1 for the first block it filled).
    #[cfg(test)]
    fn held_sequence(&self) -> Option<u64> {
        // SAFETY: the field lies inside the held block, which the kernel does not write while we hold it.
        self.held.then(|| unsafe {
            self.block_start()
                .add(BLOCK_SEQUENCE_OFFSET)
                .cast::<u64>()
                .read()
        })
    }

    fn block_start(&self) -> *mut u8 {
        // SAFETY: block < block_count, so the offset stays inside the mapping.
        unsafe {
            self.base
                .as_ptr()
                .add(self.block * self.layout.block_size as usize)
        }
    }

    fn status(&self) -> &AtomicU32 {
        // SAFETY: the status word is 4-byte aligned inside the mapping (blocks start on page boundaries),
        // lives as long as `self`, and is only ever accessed atomically by us; the kernel writes it
        // after a write barrier (smp_wmb) and reads it after ours.
        unsafe { AtomicU32::from_ptr(self.block_start().add(BLOCK_STATUS_OFFSET).cast::<u32>()) }
    }

    /// Takes the current block if the kernel has handed it over; checks where its first frame is.
    fn acquire(&mut self) -> Result<bool, RingError> {
        // Acquire pairs with the kernel's barrier before it sets TP_STATUS_USER: the frames are written.
        if self.status().load(Ordering::Acquire) & libc::TP_STATUS_USER == 0 {
            return Ok(false);
        }
        self.held = true;
        // SAFETY: both fields lie inside the held block; u32 reads at 4-byte aligned offsets.
        let (count, first) = unsafe {
            let start = self.block_start();
            (
                start.add(BLOCK_NUM_PACKETS_OFFSET).cast::<u32>().read(),
                start.add(BLOCK_FIRST_PACKET_OFFSET).cast::<u32>().read() as usize,
            )
        };
        // Counted only once the first frame checks out, so that a broken block is handed back next time.
        self.frames_left = 0;
        self.place = None;
        if count > 0 {
            self.place = Some(self.check_frame(first)?);
            self.frames_left = count;
        }
        Ok(true)
    }

    /// Hands the held block back to the kernel and moves to the next one.
    fn release(&mut self) {
        // Release: our reads of the block happen before the kernel may write it again.
        self.status()
            .store(libc::TP_STATUS_KERNEL, Ordering::Release);
        self.held = false;
        self.frames_left = 0;
        self.place = None;
        self.block = (self.block + 1) % self.layout.block_count as usize;
    }

    /// Reads and checks the `tpacket3_hdr` at `offset` of the held block.
    fn check_frame(&self, offset: usize) -> Result<FramePlace, RingError> {
        let block_size = self.layout.block_size as usize;
        let header_size = mem::size_of::<libc::tpacket3_hdr>();
        if offset % 4 != 0 || offset.saturating_add(header_size) > block_size {
            return Err(self.malformed(offset, "a frame header outside the block"));
        }
        // SAFETY: the header lies inside the held block (checked above) and is 4-byte aligned; the
        // kernel does not write the block while we hold it.
        let header = unsafe {
            self.block_start()
                .add(offset)
                .cast::<libc::tpacket3_hdr>()
                .read_unaligned()
        };
        let data = offset.saturating_add(usize::from(header.tp_mac));
        let captured = header.tp_snaplen as usize;
        if data.saturating_add(captured) > block_size {
            return Err(self.malformed(offset, "frame bytes past the end of the block"));
        }
        Ok(FramePlace {
            header: offset,
            data,
            captured,
            wire_len: header.tp_len.max(header.tp_snaplen),
            timestamp: Timestamp::from_parts(
                i64::from(header.tp_sec),
                header.tp_nsec.min(999_999_999),
            ),
            next: header.tp_next_offset as usize,
        })
    }

    fn malformed(&self, offset: usize, what: &'static str) -> RingError {
        RingError::Malformed {
            block: self.block,
            offset,
            what,
        }
    }
}

impl Drop for RxRing {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `attach` made; no frame can borrow it any more.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.layout.bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::packet_socket::{
        attach_filter, bind_to_interface, open_packet_socket, read_packet_statistics,
        wait_readable, OUTGOING_ONLY,
    };
    use std::net::UdpSocket;
    use std::time::{Duration, Instant};

    const PAGE: u32 = 4096;

    /// A ring over anonymous memory that no kernel fills: the test writes the blocks itself.
    fn hand_made(block_count: u32) -> RxRing {
        let layout = RingLayout {
            block_size: PAGE,
            block_count,
            retire_timeout_ms: 1,
        };
        // SAFETY: a fresh private anonymous mapping of the ring's size; `Drop` unmaps the same size.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                layout.bytes(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(address, libc::MAP_FAILED);
        RxRing {
            base: NonNull::new(address.cast()).unwrap(),
            layout,
            block: 0,
            held: false,
            frames_left: 0,
            place: None,
            handed_out: false,
        }
    }

    /// What a test block holds: frames as (payload, seconds, nanoseconds).
    struct FakeFrame<'a> {
        bytes: &'a [u8],
        secs: u32,
        nanos: u32,
    }

    /// Writes a block as the kernel would: descriptor, then each frame's header and bytes, 16-aligned.
    fn fill(ring: &RxRing, block: usize, sequence: u64, frames: &[FakeFrame<'_>]) {
        let start = unsafe { ring.base.as_ptr().add(block * PAGE as usize) };
        let first = 48usize;
        let mut offset = first;
        for (index, frame) in frames.iter().enumerate() {
            let mac = 82u16;
            let length = (usize::from(mac) + frame.bytes.len()).next_multiple_of(16);
            let mut header: libc::tpacket3_hdr = unsafe { mem::zeroed() };
            header.tp_next_offset = if index + 1 == frames.len() {
                0
            } else {
                length as u32
            };
            header.tp_sec = frame.secs;
            header.tp_nsec = frame.nanos;
            header.tp_snaplen = frame.bytes.len() as u32;
            header.tp_len = frame.bytes.len() as u32 + 1000;
            header.tp_mac = mac;
            assert!(
                offset + length <= PAGE as usize,
                "the test block is too small"
            );
            unsafe {
                start.add(offset).cast::<libc::tpacket3_hdr>().write(header);
                std::ptr::copy_nonoverlapping(
                    frame.bytes.as_ptr(),
                    start.add(offset + usize::from(mac)),
                    frame.bytes.len(),
                );
            }
            offset += length;
        }
        unsafe {
            start.cast::<u32>().write(2); // TPACKET_V3
            start
                .add(BLOCK_NUM_PACKETS_OFFSET)
                .cast::<u32>()
                .write(frames.len() as u32);
            start
                .add(BLOCK_FIRST_PACKET_OFFSET)
                .cast::<u32>()
                .write(first as u32);
            start
                .add(BLOCK_SEQUENCE_OFFSET)
                .cast::<u64>()
                .write(sequence);
        }
        set_status(ring, block, libc::TP_STATUS_USER);
    }

    fn set_status(ring: &RxRing, block: usize, status: u32) {
        unsafe {
            ring.base
                .as_ptr()
                .add(block * PAGE as usize + BLOCK_STATUS_OFFSET)
                .cast::<u32>()
                .write(status)
        }
    }

    fn status(ring: &RxRing, block: usize) -> u32 {
        unsafe {
            ring.base
                .as_ptr()
                .add(block * PAGE as usize + BLOCK_STATUS_OFFSET)
                .cast::<u32>()
                .read()
        }
    }

    /// Every frame ready now, as (bytes, timestamp, wire length).
    fn drain(ring: &mut RxRing) -> Vec<(Vec<u8>, Timestamp, u32)> {
        let mut frames = Vec::new();
        while ring.ready().unwrap() {
            let frame = ring.take(0, LinkType::Ethernet).unwrap();
            frames.push((frame.data.to_vec(), frame.timestamp, frame.original_len));
        }
        frames
    }

    fn frame(bytes: &[u8]) -> FakeFrame<'_> {
        FakeFrame {
            bytes,
            secs: 1_700_000_000,
            nanos: 123_456_789,
        }
    }

    #[test]
    fn frames_come_in_order_and_each_block_goes_back_only_after_its_last_frame() {
        let mut ring = hand_made(3);
        fill(&ring, 0, 1, &[frame(b"first"), frame(b"second!")]);
        fill(&ring, 1, 2, &[frame(b"third")]);

        assert!(ring.ready().unwrap());
        let first = ring.take(7, LinkType::Ethernet).unwrap();
        assert_eq!(first.data, b"first");
        assert_eq!(first.number, 7);
        assert_eq!(first.original_len, 1005, "tp_len, not the captured length");
        assert_eq!(first.timestamp, Timestamp(1_700_000_000_123_456_789));
        assert!(ring.ready().unwrap());
        assert_eq!(
            status(&ring, 0),
            libc::TP_STATUS_USER,
            "still ours: its second frame is next"
        );
        assert_eq!(ring.take(8, LinkType::Ethernet).unwrap().data, b"second!");
        assert_eq!(
            status(&ring, 0),
            libc::TP_STATUS_USER,
            "the frame just taken may still be in use"
        );
        assert!(ring.ready().unwrap(), "block 1 is ready");
        assert_eq!(status(&ring, 0), libc::TP_STATUS_KERNEL, "handed back");
        assert_eq!(ring.held_sequence(), Some(2));
        assert_eq!(ring.take(9, LinkType::Ethernet).unwrap().data, b"third");
        assert!(
            !ring.ready().unwrap(),
            "block 2 still belongs to the kernel"
        );
        assert_eq!(status(&ring, 1), libc::TP_STATUS_KERNEL);
        assert!(
            ring.take(10, LinkType::Ethernet).is_none(),
            "nothing to take when not ready"
        );
        assert!(!ring.ready().unwrap(), "asking again changes nothing");
    }

    #[test]
    fn reading_wraps_around_the_ring_many_times() {
        let mut ring = hand_made(4);
        let mut expected = Vec::new();
        let mut seen = Vec::new();
        for round in 0u32..50 {
            let block = (round % 4) as usize;
            assert_eq!(
                status(&ring, block),
                libc::TP_STATUS_KERNEL,
                "round {round}"
            );
            let payloads: Vec<Vec<u8>> = (0..=(round % 3))
                .map(|i| format!("r{round}f{i}").into_bytes())
                .collect();
            let frames: Vec<FakeFrame<'_>> = payloads.iter().map(|p| frame(p)).collect();
            fill(&ring, block, u64::from(round) + 1, &frames);
            expected.extend(payloads.iter().cloned());
            assert!(ring.ready().unwrap());
            assert_eq!(ring.held_sequence(), Some(u64::from(round) + 1));
            seen.extend(drain(&mut ring).into_iter().map(|(bytes, _, _)| bytes));
            assert_eq!(ring.held_sequence(), None, "handed back once read");
        }
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_block_with_no_frames_is_handed_straight_back() {
        let mut ring = hand_made(2);
        fill(&ring, 0, 1, &[]);
        fill(&ring, 1, 2, &[frame(b"after the empty one")]);
        assert_eq!(drain(&mut ring).len(), 1);
        assert_eq!(status(&ring, 0), libc::TP_STATUS_KERNEL);
    }

    #[test]
    fn a_frame_reaching_past_its_block_is_an_error_not_a_read() {
        let mut ring = hand_made(2);
        fill(&ring, 0, 1, &[frame(b"bad")]);
        fill(&ring, 1, 2, &[frame(b"good")]);
        // Claim far more captured bytes than the block has.
        unsafe {
            ring.base
                .as_ptr()
                .add(48 + 12)
                .cast::<u32>()
                .write(PAGE * 2);
        }
        let error = ring.ready().unwrap_err();
        assert!(
            matches!(
                error,
                RingError::Malformed {
                    block: 0,
                    offset: 48,
                    ..
                }
            ),
            "{error}"
        );
        assert!(
            error.to_string().contains("past the end of the block"),
            "{error}"
        );
        // The broken block goes back to the kernel; reading goes on with the next one.
        assert_eq!(drain(&mut ring)[0].0, b"good");
        assert_eq!(status(&ring, 0), libc::TP_STATUS_KERNEL);
    }

    #[test]
    fn a_frame_before_the_last_without_a_next_offset_is_an_error() {
        let mut ring = hand_made(2);
        fill(&ring, 0, 1, &[frame(b"one"), frame(b"two")]);
        unsafe { ring.base.as_ptr().add(48).cast::<u32>().write(0) };
        assert!(ring.ready().unwrap());
        assert_eq!(ring.take(1, LinkType::Ethernet).unwrap().data, b"one");
        let error = ring.ready().unwrap_err();
        assert!(error.to_string().contains("no next offset"), "{error}");
        assert!(!ring.ready().unwrap());
        assert_eq!(status(&ring, 0), libc::TP_STATUS_KERNEL);
    }

    // With the kernel: these need CAP_NET_RAW, and run in a network namespace of their own when they
    // may (CAP_SYS_ADMIN), so that other programs' traffic on `lo` cannot fill their small rings.

    /// A ring on `lo`, bound and filtered like a live capture; None (after a loud line) without CAP_NET_RAW.
    fn ring_on_lo(test: &str, layout: RingLayout) -> Option<(RxRing, OwnedFd)> {
        let socket = match open_packet_socket() {
            Ok(socket) => socket,
            Err(error) if error.raw_os_error() == Some(libc::EPERM) => {
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "SKIPPED (needs CAP_NET_RAW): {test}");
                return None;
            }
            Err(error) => panic!("socket: {error}"),
        };
        attach_filter(&socket, &OUTGOING_ONLY).unwrap();
        let ring = RxRing::attach(&socket, layout).unwrap();
        bind_to_interface(&socket, lo_index()).unwrap();
        Some((ring, socket))
    }

    fn lo_index() -> u32 {
        // SAFETY: a NUL-terminated name.
        unsafe { libc::if_nametoindex(c"lo".as_ptr()) }
    }

    /// Runs `body` on a thread of its own in a fresh network namespace (with `lo` up) when this process
    /// may create one (then it is given true); otherwise on the host's `lo`.
    fn isolated(body: impl FnOnce(bool) + Send + 'static) {
        std::thread::spawn(move || {
            // SAFETY: unshare changes this thread's network namespace only; it takes no pointers.
            let private = unsafe { libc::unshare(libc::CLONE_NEWNET) } == 0;
            if private {
                bring_lo_up();
            }
            body(private);
        })
        .join()
        .unwrap();
    }

    fn bring_lo_up() {
        // SAFETY: a datagram socket used as an ioctl handle, and a zeroed ifreq naming "lo".
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0);
            let mut request: libc::ifreq = mem::zeroed();
            for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
                *slot = *byte as libc::c_char;
            }
            assert_eq!(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut request), 0);
            request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            assert_eq!(libc::ioctl(fd, libc::SIOCSIFFLAGS, &request), 0);
            libc::close(fd);
        }
    }

    /// The UDP payloads of frames from port `from`, among those ready within `timeout`, up to `want`.
    fn udp_payloads_from(
        ring: &mut RxRing,
        socket: &OwnedFd,
        from: u16,
        want: usize,
        timeout: Duration,
    ) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        let mut payloads = Vec::new();
        while payloads.len() < want {
            if !ring.ready().unwrap() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                wait_readable(socket.as_raw_fd(), left).unwrap();
                continue;
            }
            let frame = ring.take(0, LinkType::Ethernet).unwrap();
            let data = frame.data;
            // Ethernet (14) + IPv4 without options (20) + UDP (8).
            if data.len() >= 42
                && data[12..14] == [0x08, 0x00]
                && data[23] == 17
                && u16::from_be_bytes([data[34], data[35]]) == from
            {
                assert_eq!(frame.original_len as usize, data.len(), "whole frames");
                payloads.push(data[42..].to_vec());
            }
        }
        payloads
    }

    fn udp_pair() -> (UdpSocket, UdpSocket) {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.connect(receiver.local_addr().unwrap()).unwrap();
        (sender, receiver)
    }

    #[test]
    fn the_kernel_fills_blocks_and_takes_them_back_around_the_ring_many_times() {
        isolated(|_| {
            let test = "the_kernel_fills_blocks_and_takes_them_back_around_the_ring_many_times";
            // 4 blocks of one page: about 17 of these frames fit in one.
            let layout = RingLayout {
                block_size: PAGE,
                block_count: 4,
                retire_timeout_ms: 1,
            };
            let Some((mut ring, socket)) = ring_on_lo(test, layout) else {
                return;
            };
            let (sender, _receiver) = udp_pair();
            let port = sender.local_addr().unwrap().port();
            let mut sequences = Vec::new();
            for batch in 0u32..60 {
                // Fewer than two blocks' worth at a time, so the ring never fills up.
                let sent: Vec<Vec<u8>> = (0..20)
                    .map(|i| format!("batch {batch:03} datagram {i:02}").into_bytes())
                    .collect();
                for payload in &sent {
                    sender.send(payload).unwrap();
                }
                let got = udp_payloads_from(&mut ring, &socket, port, 20, Duration::from_secs(5));
                assert_eq!(got, sent, "batch {batch}");
                sequences.extend(ring.held_sequence());
            }
            assert!(
                sequences.windows(2).all(|pair| pair[0] < pair[1]),
                "blocks in the kernel's order: {sequences:?}"
            );
            let last = *sequences.last().unwrap();
            assert!(
                last > 3 * u64::from(layout.block_count),
                "went around the 4-block ring only {last} blocks' worth"
            );
            let counts = read_packet_statistics(socket.as_raw_fd()).unwrap();
            assert_eq!(counts.drops, 0);
            assert_eq!(counts.freezes, 0);
        });
    }

    #[test]
    fn an_empty_ring_is_not_ready_and_a_lone_frame_comes_within_the_retire_timeout() {
        isolated(|private| {
            let test =
                "an_empty_ring_is_not_ready_and_a_lone_frame_comes_within_the_retire_timeout";
            let layout = RingLayout {
                block_size: 1 << 17,
                block_count: 4,
                retire_timeout_ms: 1,
            };
            let Some((mut ring, socket)) = ring_on_lo(test, layout) else {
                return;
            };
            // Drain whatever else was on lo (nothing, in a namespace of our own).
            while ring.ready().unwrap() {
                let _ = ring.take(0, LinkType::Ethernet);
            }
            if private {
                // Nobody else sends here: waiting must time out, and not much later than asked.
                let started = Instant::now();
                assert!(!wait_readable(socket.as_raw_fd(), Duration::from_millis(5)).unwrap());
                assert!(!ring.ready().unwrap());
                let waited = started.elapsed();
                assert!(
                    waited >= Duration::from_millis(5) && waited < Duration::from_secs(1),
                    "{waited:?}"
                );
            }

            let (sender, _receiver) = udp_pair();
            let port = sender.local_addr().unwrap().port();
            let sent_at = Instant::now();
            sender.send(b"alone").unwrap();
            // The block is far from full: only its retire timeout hands it over.
            let got = udp_payloads_from(&mut ring, &socket, port, 1, Duration::from_secs(2));
            let waited = sent_at.elapsed();
            assert_eq!(got, vec![b"alone".to_vec()]);
            assert!(
                waited < Duration::from_millis(200),
                "a lone frame took {waited:?}; the retire timeout is 1 ms"
            );
        });
    }

    #[test]
    fn a_full_ring_freezes_counts_its_drops_and_resumes_once_read() {
        isolated(|_| {
            let test = "a_full_ring_freezes_counts_its_drops_and_resumes_once_read";
            let layout = RingLayout {
                block_size: PAGE,
                block_count: 2,
                retire_timeout_ms: 1,
            };
            let Some((mut ring, socket)) = ring_on_lo(test, layout) else {
                return;
            };
            let (sender, _receiver) = udp_pair();
            let port = sender.local_addr().unwrap().port();
            // Two frames of these fit in a block, so 200 unread ones must overflow two blocks.
            let payload = [7u8; 1400];
            for _ in 0..200 {
                sender.send(&payload).unwrap();
            }
            let counts = read_packet_statistics(socket.as_raw_fd()).unwrap();
            assert!(counts.drops > 150, "{counts:?}");
            assert!(counts.freezes > 0, "{counts:?}");
            let kept = udp_payloads_from(&mut ring, &socket, port, 200, Duration::from_millis(300));
            assert!(
                (2..=6).contains(&kept.len()),
                "two blocks of two frames, about: {}",
                kept.len()
            );
            // Read and handed back: the kernel fills the ring again.
            sender.send(b"after").unwrap();
            let after = udp_payloads_from(&mut ring, &socket, port, 1, Duration::from_secs(2));
            assert_eq!(after, vec![b"after".to_vec()]);
            assert_eq!(read_packet_statistics(socket.as_raw_fd()).unwrap().drops, 0);
        });
    }
}
