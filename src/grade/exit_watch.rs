//! Waiting for a child process to exit, with a timeout, without polling in slices: a pidfd (Linux 5.3)
//! becomes readable the moment the process exits, so it can be polled alone or beside a socket. Where the
//! kernel has no pidfd, the wait falls back to checking every few milliseconds.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// How often the fallback (no pidfd) checks whether the process has exited.
const FALLBACK_SLICE: Duration = Duration::from_millis(5);

pub struct ExitWatch {
    pid: libc::pid_t,
    pidfd: Option<OwnedFd>,
}

impl ExitWatch {
    /// Watches `pid`, which must be a child of this process not yet reaped.
    pub fn new(pid: u32) -> ExitWatch {
        let pid = libc::pid_t::try_from(pid).unwrap_or(-1);
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        let pidfd = (fd >= 0).then(|| {
            // SAFETY: the descriptor is new and ours alone.
            unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
        });
        ExitWatch { pid, pidfd }
    }

    /// The descriptor that becomes readable when the process exits, to poll beside others.
    pub fn fd(&self) -> Option<RawFd> {
        self.pidfd.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// Whether the process has exited; it is not reaped, so its owner can still wait for it.
    pub fn exited(&self) -> bool {
        if self.pid <= 0 {
            return true;
        }
        // SAFETY: siginfo_t is plain data; WNOWAIT leaves the child waitable.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let result = unsafe {
            libc::waitid(
                libc::P_PID,
                self.pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: si_pid is valid to read after waitid; 0 means the child is still running.
        result != 0 || unsafe { info.si_pid() } != 0
    }

    /// Waits until the process exits or `timeout` passes; true if it has exited.
    pub fn wait(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.exited() {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match self.fd() {
                Some(fd) => {
                    poll_any(&[fd], left);
                }
                None => std::thread::sleep(left.min(FALLBACK_SLICE)),
            }
        }
    }
}

/// Polls `fds` for readability for at most `timeout`; returns which ones are ready (POLLIN, POLLHUP or
/// POLLERR), in the order given. An interrupted poll returns none ready.
pub fn poll_any(fds: &[RawFd], timeout: Duration) -> Vec<bool> {
    let mut pollfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // Round up, so a wait of 0.3 ms is not a busy loop of zero-length polls.
    let millis = timeout
        .as_micros()
        .div_ceil(1000)
        .min(libc::c_int::MAX as u128) as libc::c_int;
    // SAFETY: a valid array of pollfds for the duration of the call.
    let ready = unsafe { libc::poll(pollfds.as_mut_ptr(), pollfds.len() as libc::nfds_t, millis) };
    pollfds
        .iter()
        .map(|p| ready > 0 && p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn the_wait_ends_when_the_child_exits_not_at_the_timeout() {
        let mut child = Command::new("sh")
            .args(["-c", "read line; exit 3"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let watch = ExitWatch::new(child.id());
        assert!(!watch.exited());
        assert!(!watch.wait(Duration::from_millis(30)));
        drop(child.stdin.take());
        let started = Instant::now();
        assert!(watch.wait(Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(5));
        // Not reaped by the watch: the owner still gets the status.
        assert_eq!(child.wait().unwrap().code(), Some(3));
    }
}
