//! Handing the terminal to the command, as a shell hands it to a job.
//!
//! The command runs in its own process group (so socklab can kill everything it started with one
//! signal). A process group that is not the terminal's foreground group is stopped (SIGTTIN) when it
//! reads the terminal, so a command that asks for input would hang. Making its group the foreground
//! group fixes that, and sends Ctrl-C and Ctrl-Z to the command, exactly as without socklab.

use std::io;
use std::os::fd::RawFd;

/// The terminal on standard input, while socklab's process group is its foreground group.
#[derive(Clone, Copy, Debug)]
pub struct Terminal {
    fd: RawFd,
    /// socklab's own process group, which gets the terminal back at the end.
    own_group: libc::pid_t,
}

impl Terminal {
    /// The terminal on stdin, if there is one and socklab is in the foreground (not `socklab ... &`).
    pub fn of_stdin() -> Option<Terminal> {
        let fd = libc::STDIN_FILENO;
        // SAFETY: isatty/tcgetpgrp/getpgrp only read process and descriptor state.
        let (is_tty, foreground, own_group) =
            unsafe { (libc::isatty(fd) == 1, libc::tcgetpgrp(fd), libc::getpgrp()) };
        (is_tty && foreground == own_group).then_some(Terminal { fd, own_group })
    }

    /// Makes `group` the terminal's foreground group.
    pub fn give_to(&self, group: libc::pid_t) -> io::Result<()> {
        set_foreground(self.fd, group)
    }

    /// Makes socklab's group the foreground group again.
    pub fn take_back(&self) -> io::Result<()> {
        set_foreground(self.fd, self.own_group)
    }
}

/// For the child between fork and exec: make its own group (already set up) the foreground group.
/// Only async-signal-safe calls. Doing it in the child too closes the race with its first read.
pub fn take_foreground_in_child() -> io::Result<()> {
    // SAFETY: getpgrp has no preconditions.
    let group = unsafe { libc::getpgrp() };
    set_foreground(libc::STDIN_FILENO, group)
}

/// tcsetpgrp with SIGTTOU blocked: a background group calling it would otherwise be stopped.
fn set_foreground(fd: RawFd, group: libc::pid_t) -> io::Result<()> {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use; the masks are ours.
    unsafe {
        let mut block: libc::sigset_t = std::mem::zeroed();
        let mut previous: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut block);
        libc::sigaddset(&mut block, libc::SIGTTOU);
        libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut previous);
        let result = libc::tcsetpgrp(fd, group);
        let error = io::Error::last_os_error();
        libc::pthread_sigmask(libc::SIG_SETMASK, &previous, std::ptr::null_mut());
        if result == 0 {
            Ok(())
        } else {
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_terminal_means_no_handover() {
        // Under `cargo test` stdin is not socklab's foreground terminal unless run by hand in one;
        // either way the answer must agree with isatty.
        // SAFETY: isatty only reads descriptor state.
        let is_tty = unsafe { libc::isatty(libc::STDIN_FILENO) } == 1;
        if !is_tty {
            assert!(Terminal::of_stdin().is_none());
        }
    }

    #[test]
    fn setting_the_foreground_of_a_non_terminal_fails_cleanly() {
        let mut fds = [0; 2];
        // SAFETY: pipe writes two descriptors into the array we own.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: getpgrp has no preconditions.
        let error = set_foreground(fds[0], unsafe { libc::getpgrp() }).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
        // SAFETY: both descriptors are ours.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
}
