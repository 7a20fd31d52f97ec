//! The fallback way to read a live capture: pnet's receiver, one `recvfrom` per frame, on the socket we
//! prepared. Used when the kernel cannot give us a TPACKET_V3 ring (kernels before 3.2, or no memory
//! for one). The socket's receive queue is then bounded by `SO_RCVBUF`, which only CAP_NET_ADMIN may
//! raise past `net.core.rmem_max`, so at full loopback speed it may drop; the drops are still counted.

use super::packet_socket::{set_option, wait_readable};
use super::{Frame, LinkType, Timestamp};
use pnet::datalink::{self, Channel, DataLinkReceiver, DataLinkSender, NetworkInterface};
use std::io;
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// `SIOCGSTAMPNS` (linux/sockios.h): the kernel timestamp of the last packet read, as a `timespec`.
/// On 64-bit targets this is the same number as `SIOCGSTAMPNS_OLD`; libc does not export it.
const SIOCGSTAMPNS: libc::c_ulong = 0x8907;

/// Room for the largest loopback frame: MTU 65536 plus the 14-byte Ethernet header, with slack.
pub const READ_BUFFER_SIZE: usize = 65536 + 256;

/// Receive buffer we ask the kernel for, so bursts are not dropped while the caller is busy.
const RECEIVE_BUFFER_BYTES: libc::c_int = 32 * 1024 * 1024;

/// pnet's receiver on our socket.
pub(super) struct PnetReader {
    /// Owned by pnet's receiver and sender (they close it on drop); valid as long as `rx` lives.
    fd: RawFd,
    rx: Box<dyn DataLinkReceiver>,
    /// Unused, but it shares the fd with `rx`, so it lives exactly as long.
    _tx: Box<dyn DataLinkSender>,
}

/// SO_RCVBUFFORCE ignores `rmem_max` (needs CAP_NET_ADMIN); without it, SO_RCVBUF gets what the limit allows.
/// Call before `bind`, like the filter.
pub(super) fn raise_receive_buffer(socket: &OwnedFd) -> io::Result<()> {
    let fd = socket.as_raw_fd();
    set_option(
        fd,
        libc::SOL_SOCKET,
        libc::SO_RCVBUFFORCE,
        &RECEIVE_BUFFER_BYTES,
    )
    .or_else(|_| set_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &RECEIVE_BUFFER_BYTES))
}

impl PnetReader {
    /// Hands the bound socket to pnet. From here pnet owns the fd: it closes it itself when this fails.
    pub fn new(socket: OwnedFd, device: &NetworkInterface) -> io::Result<PnetReader> {
        // The first SIOCGSTAMPNS switches kernel timestamping on for this socket (it answers ENOENT now).
        let _ = read_timestamp(socket.as_raw_fd());
        let fd = socket.into_raw_fd();
        let config = datalink::Config {
            write_buffer_size: 256,
            read_buffer_size: READ_BUFFER_SIZE,
            // We poll ourselves before every read, so pnet's own poll never waits; ≥ 1 ms because pnet
            // rounds to whole milliseconds and 0 would busy-loop.
            read_timeout: Some(Duration::from_millis(1)),
            promiscuous: false,
            socket_fd: Some(fd),
            ..datalink::Config::default()
        };
        match datalink::channel(device, config)? {
            Channel::Ethernet(tx, rx) => Ok(PnetReader { fd, rx, _tx: tx }),
            _ => Err(io::Error::other(
                "pnet returned a channel type other than Ethernet",
            )),
        }
    }

    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// The next frame, waiting at most `timeout` for one; Ok(None) when none came (or a transient error).
    pub fn next_within(
        &mut self,
        timeout: Duration,
        number: u64,
        link_type: LinkType,
    ) -> Result<Option<Frame<'_>>, String> {
        let mut wire_len = self.peek_len()?;
        if wire_len.is_none() && !timeout.is_zero() && wait_readable(self.fd, timeout)? {
            wire_len = self.peek_len()?;
        }
        let Some(wire_len) = wire_len else {
            return Ok(None);
        };
        let data = match self.rx.next() {
            Ok(data) => data,
            Err(error) if is_transient(&error) => return Ok(None),
            Err(error) => return Err(format!("reading a frame: {error}")),
        };
        let timestamp = read_timestamp(self.fd).unwrap_or_default();
        Ok(Some(Frame {
            number,
            timestamp,
            link_type,
            // pnet's read cannot say whether its buffer cut the frame short; the peek can.
            original_len: u32::try_from(wire_len.max(data.len())).unwrap_or(u32::MAX),
            data,
        }))
    }

    /// The full length of the next queued frame, without removing it; None when the queue is empty.
    fn peek_len(&self) -> Result<Option<usize>, String> {
        // SAFETY: a zero-length peek; MSG_TRUNC makes the kernel return the real length anyway.
        let len = unsafe {
            libc::recv(
                self.fd,
                std::ptr::null_mut(),
                0,
                libc::MSG_PEEK | libc::MSG_TRUNC | libc::MSG_DONTWAIT,
            )
        };
        if len >= 0 {
            return Ok(Some(len as usize));
        }
        let error = io::Error::last_os_error();
        if is_transient(&error) {
            return Ok(None);
        }
        Err(format!("peeking at the next frame: {error}"))
    }
}

fn is_transient(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// The kernel's receive timestamp of the frame just read (SIOCGSTAMPNS), not a userspace clock.
fn read_timestamp(fd: RawFd) -> io::Result<Timestamp> {
    let mut stamp = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: SIOCGSTAMPNS writes one timespec into `stamp`.
    let result = unsafe { libc::ioctl(fd, SIOCGSTAMPNS as _, &mut stamp) };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Timestamp::from_parts(
        #[allow(clippy::useless_conversion)] // time_t is i32 on some 32-bit targets
        i64::from(stamp.tv_sec),
        stamp.tv_nsec.clamp(0, 999_999_999) as u32,
    ))
}
