//! Live capture from a network interface: an AF_PACKET socket we open and tune ourselves, then hand to pnet.
//!
//! Why not let pnet open the socket: on `lo` the kernel shows every packet twice (once leaving, once
//! arriving), and removing the duplicate in userspace fails under load. A classic BPF filter that keeps only
//! `PACKET_OUTGOING` copies removes it in the kernel and also yields the true send order. We also need a
//! large receive buffer, kernel drop counters and kernel timestamps, all of which need the raw fd.

use super::{CaptureError, CaptureStats, Frame, FrameSource, LinkType, Next, Timestamp};
use pnet::datalink::{self, Channel, DataLinkReceiver, DataLinkSender};
use std::cell::Cell;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// `SIOCGSTAMPNS` (linux/sockios.h): the kernel timestamp of the last packet read, as a `timespec`.
/// On 64-bit targets this is the same number as `SIOCGSTAMPNS_OLD`; libc does not export it.
const SIOCGSTAMPNS: libc::c_ulong = 0x8907;

/// Room for the largest loopback frame: MTU 65536 plus the 14-byte Ethernet header, with slack.
pub const READ_BUFFER_SIZE: usize = 65536 + 256;

/// Receive buffer we ask the kernel for, so bursts are not dropped while the caller is busy.
const RECEIVE_BUFFER_BYTES: libc::c_int = 32 * 1024 * 1024;

/// How long [`FrameSource::next_frame`] waits before answering [`Next::Idle`], unless changed.
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_millis(100);

/// A live capture on one interface.
pub struct LiveSource {
    interface: String,
    /// Owned by pnet's receiver and sender (they close it on drop); valid as long as `rx` lives.
    fd: RawFd,
    rx: Box<dyn DataLinkReceiver>,
    /// Unused, but it shares the fd with `rx`, so it lives exactly as long.
    _tx: Box<dyn DataLinkSender>,
    link_type: LinkType,
    /// True when the kernel filter keeps only outgoing copies (loopback).
    outgoing_only: bool,
    idle_timeout: Duration,
    frames: u64,
    /// Accumulated `tp_drops`: reading `PACKET_STATISTICS` resets the kernel's counter.
    kernel_drops: Cell<u64>,
}

impl std::fmt::Debug for LiveSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSource")
            .field("interface", &self.interface)
            .field("fd", &self.fd)
            .field("link_type", &self.link_type)
            .field("outgoing_only", &self.outgoing_only)
            .field("frames", &self.frames)
            .field("kernel_drops", &self.kernel_drops.get())
            .finish()
    }
}

impl LiveSource {
    /// Opens a capture on `interface` ("lo", "eth0", ...). Needs CAP_NET_RAW.
    ///
    /// On a loopback interface only outgoing copies are kept, so each packet is seen once.
    pub fn open(interface: &str) -> Result<Self, CaptureError> {
        let all = datalink::interfaces();
        let Some(device) = all.iter().find(|candidate| candidate.name == interface) else {
            let mut names: Vec<&str> = all
                .iter()
                .map(|candidate| candidate.name.as_str())
                .collect();
            names.sort_unstable();
            return Err(CaptureError::NoSuchInterface {
                name: interface.to_string(),
                available: if names.is_empty() {
                    "(none found)".to_string()
                } else {
                    names.join(", ")
                },
            });
        };
        let live_error = |what: &str, error: io::Error| CaptureError::Live {
            interface: interface.to_string(),
            detail: format!("{what}: {error}"),
        };

        let socket = open_packet_socket().map_err(|error| {
            if is_permission_error(&error) {
                permission_denied(format!("socket(AF_PACKET, SOCK_RAW) failed: {error}"))
            } else {
                live_error("socket(AF_PACKET, SOCK_RAW) failed", error)
            }
        })?;
        let outgoing_only = device.is_loopback();
        if outgoing_only {
            attach_filter(&socket, &OUTGOING_ONLY)
                .map_err(|error| live_error("attaching the outgoing-only BPF filter", error))?;
        }
        raise_receive_buffer(&socket)
            .map_err(|error| live_error("raising the receive buffer", error))?;
        bind_to_interface(&socket, device.index)
            .map_err(|error| live_error("binding to the interface", error))?;
        let hardware_type =
            hardware_type(&socket).map_err(|error| live_error("getsockname", error))?;
        let link_type = link_type_for(hardware_type).ok_or_else(|| CaptureError::Live {
            interface: interface.to_string(),
            detail: format!(
                "its hardware type {hardware_type} (ARPHRD_*) is not one socklab can decode"
            ),
        })?;
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
        // From here pnet owns the fd: it closes it itself when `channel` fails.
        let (tx, rx) = match datalink::channel(device, config) {
            Ok(Channel::Ethernet(tx, rx)) => (tx, rx),
            Ok(_) => {
                return Err(CaptureError::Live {
                    interface: interface.to_string(),
                    detail: "pnet returned a channel type other than Ethernet".to_string(),
                })
            }
            Err(error) if is_permission_error(&error) => {
                return Err(permission_denied(format!("pnet datalink channel: {error}")))
            }
            Err(error) => return Err(live_error("pnet datalink channel", error)),
        };

        Ok(LiveSource {
            interface: interface.to_string(),
            fd,
            rx,
            _tx: tx,
            link_type,
            outgoing_only,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            frames: 0,
            kernel_drops: Cell::new(0),
        })
    }

    pub fn interface(&self) -> &str {
        &self.interface
    }

    pub fn link_type(&self) -> LinkType {
        self.link_type
    }

    /// True when the kernel keeps only outgoing copies (loopback), so every packet is seen exactly once.
    pub fn is_outgoing_only(&self) -> bool {
        self.outgoing_only
    }

    /// How long [`FrameSource::next_frame`] waits for a frame before answering [`Next::Idle`].
    pub fn set_idle_timeout(&mut self, timeout: Duration) {
        self.idle_timeout = timeout;
    }

    /// Waits at most `timeout` for the next frame (`Duration::ZERO` only checks what is already queued).
    pub fn next_frame_within(&mut self, timeout: Duration) -> Result<Next<'_>, CaptureError> {
        let mut wire_len = self.peek_len()?;
        if wire_len.is_none() && !timeout.is_zero() && self.wait_readable(timeout)? {
            wire_len = self.peek_len()?;
        }
        let Some(wire_len) = wire_len else {
            self.refresh_drops();
            return Ok(Next::Idle);
        };
        let data = match self.rx.next() {
            Ok(data) => data,
            Err(error) if is_transient(&error) => return Ok(Next::Idle),
            Err(error) => {
                return Err(CaptureError::Live {
                    interface: self.interface.clone(),
                    detail: format!("reading a frame: {error}"),
                })
            }
        };
        let timestamp = read_timestamp(self.fd).unwrap_or_default();
        self.frames = self.frames.wrapping_add(1);
        Ok(Next::Frame(Frame {
            number: self.frames,
            timestamp,
            link_type: self.link_type,
            // pnet's read cannot say whether its buffer cut the frame short; the peek can.
            original_len: u32::try_from(wire_len.max(data.len())).unwrap_or(u32::MAX),
            data,
        }))
    }

    /// The full length of the next queued frame, without removing it; None when the queue is empty.
    fn peek_len(&self) -> Result<Option<usize>, CaptureError> {
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
        Err(CaptureError::Live {
            interface: self.interface.clone(),
            detail: format!("peeking at the next frame: {error}"),
        })
    }

    /// Reads `PACKET_STATISTICS` and adds its drops to our total (the kernel resets its counter on read).
    fn refresh_drops(&self) {
        if let Ok(stats) = read_packet_statistics(self.fd) {
            self.kernel_drops.set(
                self.kernel_drops
                    .get()
                    .saturating_add(u64::from(stats.tp_drops)),
            );
        }
    }

    /// Polls the fd with sub-millisecond precision. Ok(false): nothing arrived in time (or a signal came).
    fn wait_readable(&self, timeout: Duration) -> Result<bool, CaptureError> {
        let mut pollfd = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let timeout = libc::timespec {
            tv_sec: timeout.as_secs().min(i64::MAX as u64) as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: one valid pollfd, a valid timespec, no signal mask.
        let ready = unsafe { libc::ppoll(&mut pollfd, 1, &timeout, std::ptr::null()) };
        if ready < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                return Ok(false);
            }
            return Err(CaptureError::Live {
                interface: self.interface.clone(),
                detail: format!("poll: {error}"),
            });
        }
        if pollfd.revents & (libc::POLLERR | libc::POLLNVAL) != 0
            && pollfd.revents & libc::POLLIN == 0
        {
            return Err(CaptureError::Live {
                interface: self.interface.clone(),
                detail: format!("poll reported an error on the capture socket (revents {:#x}); was the interface removed?", pollfd.revents),
            });
        }
        Ok(ready > 0 && pollfd.revents & libc::POLLIN != 0)
    }
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Result<Next<'_>, CaptureError> {
        self.next_frame_within(self.idle_timeout)
    }

    fn stats(&self) -> CaptureStats {
        self.refresh_drops();
        CaptureStats {
            frames: self.frames,
            kernel_drops: self.kernel_drops.get(),
        }
    }
}

/// Builds the `PermissionDenied` error, naming the binary to run with sudo or to give the capability to.
fn permission_denied(detail: String) -> CaptureError {
    let exe = std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_else(|_| "socklab".to_string());
    CaptureError::PermissionDenied { detail, exe }
}

fn is_permission_error(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES))
}

fn is_transient(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// An AF_PACKET socket with protocol 0, so nothing is queued on it until `bind` names a protocol:
/// by then the filter and buffer size are in place and no frame from another interface slipped in.
fn open_packet_socket() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the result is checked before use.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Classic BPF: `ld pkttype; jeq #PACKET_OUTGOING, keep, drop; keep: ret #0xffffffff; drop: ret #0`.
const OUTGOING_ONLY: [libc::sock_filter; 4] = [
    libc::sock_filter {
        code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16,
        jt: 0,
        jf: 0,
        k: (libc::SKF_AD_OFF + libc::SKF_AD_PKTTYPE) as u32,
    },
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt: 0,
        jf: 1,
        k: libc::PACKET_OUTGOING as u32,
    },
    libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: u32::MAX,
    },
    libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: 0,
    },
];

fn attach_filter(socket: &OwnedFd, program: &[libc::sock_filter]) -> io::Result<()> {
    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr() as *mut libc::sock_filter,
    };
    // The kernel copies the program during the call; it never writes through `filter`.
    set_option(
        socket.as_raw_fd(),
        libc::SOL_SOCKET,
        libc::SO_ATTACH_FILTER,
        &fprog,
    )
}

/// SO_RCVBUFFORCE ignores `rmem_max` (needs CAP_NET_ADMIN); without it, SO_RCVBUF gets what the limit allows.
fn raise_receive_buffer(socket: &OwnedFd) -> io::Result<()> {
    let fd = socket.as_raw_fd();
    set_option(
        fd,
        libc::SOL_SOCKET,
        libc::SO_RCVBUFFORCE,
        &RECEIVE_BUFFER_BYTES,
    )
    .or_else(|_| set_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &RECEIVE_BUFFER_BYTES))
}

fn bind_to_interface(socket: &OwnedFd, index: u32) -> io::Result<()> {
    // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
    let mut address: libc::sockaddr_ll = unsafe { mem::zeroed() };
    address.sll_family = libc::AF_PACKET as libc::sa_family_t;
    address.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    address.sll_ifindex = index as libc::c_int;
    // SAFETY: the pointer and length describe `address`, which outlives the call.
    let result = unsafe {
        libc::bind(
            socket.as_raw_fd(),
            (&address as *const libc::sockaddr_ll).cast(),
            mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The interface's ARPHRD_* hardware type, as the bound packet socket reports it.
fn hardware_type(socket: &OwnedFd) -> io::Result<u16> {
    // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
    let mut address: libc::sockaddr_ll = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: the pointer and length describe `address`, which outlives the call.
    let result = unsafe {
        libc::getsockname(
            socket.as_raw_fd(),
            (&mut address as *mut libc::sockaddr_ll).cast(),
            &mut len,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(address.sll_hatype)
}

/// What a SOCK_RAW packet socket delivers for each hardware type: loopback gets a zeroed Ethernet header.
fn link_type_for(hardware_type: u16) -> Option<LinkType> {
    match hardware_type {
        libc::ARPHRD_ETHER | libc::ARPHRD_LOOPBACK => Some(LinkType::Ethernet),
        libc::ARPHRD_NONE => Some(LinkType::RawIp),
        _ => None,
    }
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

/// Reads and resets the kernel's counters for this socket.
fn read_packet_statistics(fd: RawFd) -> io::Result<libc::tpacket_stats> {
    let mut stats = libc::tpacket_stats {
        tp_packets: 0,
        tp_drops: 0,
    };
    let mut len = mem::size_of::<libc::tpacket_stats>() as libc::socklen_t;
    // SAFETY: the pointer and length describe `stats`, which outlives the call.
    let result = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            (&mut stats as *mut libc::tpacket_stats).cast(),
            &mut len,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(stats)
}

fn set_option<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: the pointer and length describe `value`, which outlives the call.
    let result = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

    /// Opens `lo`, or says loudly why the test cannot run here.
    fn open_lo(test: &str) -> Option<LiveSource> {
        match LiveSource::open("lo") {
            Ok(source) => Some(source),
            Err(CaptureError::PermissionDenied { .. }) => {
                {
                    // Straight to stderr, past the test harness's capture: a skip must be seen.
                    use std::io::Write as _;
                    let _ = writeln!(std::io::stderr(), "SKIPPED (needs CAP_NET_RAW): {test}");
                }
                None
            }
            Err(error) => panic!("opening lo failed: {error}"),
        }
    }

    /// TCP frames on `lo` that involve `port`, as (src port, dst port, flags byte, timestamp).
    fn frames_for_port(
        source: &mut LiveSource,
        port: u16,
        want: usize,
    ) -> Vec<(u16, u16, u8, Timestamp, u32)> {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut seen = Vec::new();
        while seen.len() < want && Instant::now() < deadline {
            let Next::Frame(frame) = source.next_frame_within(Duration::from_millis(20)).unwrap()
            else {
                continue;
            };
            let data = frame.data;
            // Ethernet (14) + IPv4 without options (20) + TCP.
            if data.len() < 14 + 20 + 20 || data[12..14] != [0x08, 0x00] || data[14 + 9] != 6 {
                continue;
            }
            let tcp = &data[34..];
            let src = u16::from_be_bytes([tcp[0], tcp[1]]);
            let dst = u16::from_be_bytes([tcp[2], tcp[3]]);
            if src == port || dst == port {
                seen.push((src, dst, tcp[13], frame.timestamp, frame.original_len));
            }
        }
        seen
    }

    #[test]
    fn unknown_interface_lists_the_real_ones() {
        let error = LiveSource::open("no-such-if0").unwrap_err();
        let CaptureError::NoSuchInterface { name, available } = &error else {
            panic!("expected NoSuchInterface, got {error:?}");
        };
        assert_eq!(name, "no-such-if0");
        assert!(
            available.split(", ").any(|candidate| candidate == "lo"),
            "{available}"
        );
    }

    #[test]
    fn permission_message_names_sudo_and_setcap() {
        let message = permission_denied("Operation not permitted (os error 1)".into()).to_string();
        let exe = std::env::current_exe().unwrap().display().to_string();
        assert!(message.contains(&format!("sudo {exe}")), "{message}");
        assert!(
            message.contains(&format!("setcap cap_net_raw+ep {exe}")),
            "{message}"
        );
        assert!(
            message.contains("Operation not permitted (os error 1)"),
            "{message}"
        );
    }

    #[test]
    fn loopback_handshake_is_seen_once_per_packet_in_send_order() {
        let Some(mut source) = open_lo("loopback_handshake_is_seen_once_per_packet_in_send_order")
        else {
            return;
        };
        assert!(source.is_outgoing_only());
        assert_eq!(source.link_type(), LinkType::Ethernet);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        client.write_all(b"hello").unwrap();
        let mut buffer = [0u8; 5];
        server.read_exact(&mut buffer).unwrap();

        // SYN, SYN-ACK, ACK, data (+ maybe the server's ACK of it).
        let frames = frames_for_port(&mut source, port, 4);
        let flags: Vec<u8> = frames.iter().map(|frame| frame.2 & 0x3f).collect();
        assert_eq!(&flags[..4], &[0x02, 0x12, 0x10, 0x18], "{frames:?}");
        assert_eq!(frames[0].1, port, "the SYN goes to the server");
        assert_eq!(frames[1].0, port, "the SYN-ACK comes from the server");
        assert_eq!(
            frames[3].4,
            14 + 20 + 32 + 5,
            "Ethernet + IPv4 + TCP with timestamps + 5 B"
        );

        // Kernel timestamps: recent, in order, not all identical.
        let now = Timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as i64,
        );
        for pair in frames.windows(2) {
            assert!(pair[0].3 <= pair[1].3, "{frames:?}");
        }
        assert!(now.since(frames[0].3) < 10_000_000_000, "{frames:?}");
        assert!(frames[0].3 .0 > 0);

        let stats = source.stats();
        assert!(stats.frames >= 4);
        assert_eq!(
            stats.kernel_drops, 0,
            "a handshake must not overflow a 32 MiB buffer"
        );
        assert!(stats.is_complete());
    }

    #[test]
    fn idle_comes_back_within_the_timeout() {
        let Some(mut source) = open_lo("idle_comes_back_within_the_timeout") else {
            return;
        };
        // Other tests may be sending on lo; drain, then an empty check must answer quickly.
        let started = Instant::now();
        loop {
            match source.next_frame_within(Duration::ZERO).unwrap() {
                Next::Idle => break,
                Next::Frame(_) => assert!(started.elapsed() < Duration::from_secs(5)),
                Next::End => panic!("a live source never ends"),
            }
        }
        let started = Instant::now();
        source.set_idle_timeout(Duration::from_millis(2));
        let _ = source.next_frame().unwrap();
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn drops_accumulate_across_reads_of_the_reset_on_read_counter() {
        let Some(mut source) = open_lo("drops_accumulate_across_reads") else {
            return;
        };
        // Shrink the buffer to the minimum and flood it without reading, so the kernel must drop.
        let tiny: libc::c_int = 1;
        // SO_RCVBUFFORCE needs CAP_NET_ADMIN; SO_RCVBUF's minimum (about 2 KiB) is small enough too.
        set_option(source.fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &tiny)
            .or_else(|_| set_option(source.fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &tiny))
            .unwrap();
        let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let payload = [0u8; 1400];
        for _ in 0..200 {
            sender
                .send_to(&payload, receiver.local_addr().unwrap())
                .unwrap();
        }
        let first = source.stats().kernel_drops;
        assert!(
            first > 0,
            "a 1-byte buffer flooded with 200 datagrams must drop"
        );
        // The kernel counter was reset by that read; our total must not go back down.
        let second = source.stats().kernel_drops;
        assert!(second >= first);
        assert!(!source.stats().is_complete());
        let _ = source.next_frame_within(Duration::ZERO);
    }
}
