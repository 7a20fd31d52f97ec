//! The AF_PACKET socket under a live capture: opening it, the outgoing-only filter, binding, the kernel's
//! drop counters and waiting for it to become readable. Both ways of reading it (the ring and pnet) share these.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// An AF_PACKET socket with protocol 0, so nothing is queued on it until `bind` names a protocol:
/// by then the filter, the ring or buffer size are in place and no frame from another interface slipped in.
pub(super) fn open_packet_socket() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the result is checked before use.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Classic BPF: `ld pkttype; jeq #PACKET_OUTGOING, keep, drop; keep: ret #0xffffffff; drop: ret #0`.
///
/// A filter's return value is how many bytes of the frame to keep: all of it here, because grading,
/// `--write` and lessons compare payload bytes.
pub(super) const OUTGOING_ONLY: [libc::sock_filter; 4] = [
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

pub(super) fn attach_filter(socket: &OwnedFd, program: &[libc::sock_filter]) -> io::Result<()> {
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

/// Binds to one interface and to every protocol (ETH_P_ALL): frames start arriving from here on.
pub(super) fn bind_to_interface(socket: &OwnedFd, index: u32) -> io::Result<()> {
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
pub(super) fn hardware_type(socket: &OwnedFd) -> io::Result<u16> {
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

/// What `PACKET_STATISTICS` said since it was last read (the kernel resets its counters on every read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct KernelCounts {
    /// Frames the kernel could not queue: the buffer or the ring was full.
    pub drops: u32,
    /// Ring only: how often every block was still held by us, so the kernel stopped filling (and dropped).
    pub freezes: u32,
}

/// Reads and resets the kernel's counters for this socket.
///
/// With a TPACKET_V3 ring the kernel answers with `tpacket_stats_v3`, otherwise with the shorter
/// `tpacket_stats`; it never writes more than it was given room for and says how much it wrote.
pub(super) fn read_packet_statistics(fd: RawFd) -> io::Result<KernelCounts> {
    // SAFETY: tpacket_stats_v3 is plain old data; all-zero is a valid value.
    let mut stats: libc::tpacket_stats_v3 = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::tpacket_stats_v3>() as libc::socklen_t;
    // SAFETY: the pointer and length describe `stats`, which outlives the call.
    let result = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            (&mut stats as *mut libc::tpacket_stats_v3).cast(),
            &mut len,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    let with_freezes = len as usize >= mem::size_of::<libc::tpacket_stats_v3>();
    Ok(KernelCounts {
        drops: stats.tp_drops,
        freezes: if with_freezes {
            stats.tp_freeze_q_cnt
        } else {
            0
        },
    })
}

/// Polls the fd with sub-millisecond precision. Ok(false): nothing arrived in time (or a signal came).
/// Err carries the poll error, or says that the kernel reported an error on the socket.
pub(super) fn wait_readable(fd: RawFd, timeout: Duration) -> Result<bool, String> {
    let mut pollfd = libc::pollfd {
        fd,
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
        return Err(format!("poll: {error}"));
    }
    if pollfd.revents & (libc::POLLERR | libc::POLLNVAL) != 0 && pollfd.revents & libc::POLLIN == 0
    {
        return Err(format!(
            "poll reported an error on the capture socket (revents {:#x}); was the interface removed?",
            pollfd.revents
        ));
    }
    Ok(ready > 0 && pollfd.revents & libc::POLLIN != 0)
}

pub(super) fn set_option<T>(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
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

    #[test]
    fn the_filter_keeps_whole_outgoing_frames_and_nothing_else() {
        // ld pkttype, then: equal to PACKET_OUTGOING -> next instruction, else skip one.
        assert_eq!(OUTGOING_ONLY[1].k, libc::PACKET_OUTGOING as u32);
        assert_eq!((OUTGOING_ONLY[1].jt, OUTGOING_ONLY[1].jf), (0, 1));
        assert_eq!(OUTGOING_ONLY[2].k, u32::MAX, "keep the whole frame");
        assert_eq!(OUTGOING_ONLY[3].k, 0, "drop");
    }

    #[test]
    fn a_closed_descriptor_is_an_error_not_a_hang() {
        // A descriptor number nothing uses: the kernel answers POLLNVAL at once.
        let error = wait_readable(1 << 20, Duration::from_secs(5)).unwrap_err();
        assert!(error.contains("revents"), "{error}");
    }
}
