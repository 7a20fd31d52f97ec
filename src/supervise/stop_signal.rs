//! Ctrl-C (SIGINT) and SIGTERM as requests to stop: the handler only records the signal, and the
//! main loop sees it between reads.
//!
//! No SA_RESTART, so a capture that is blocked waiting for packets returns at once (EINTR) and the
//! loop notices the request without waiting for traffic. SA_RESETHAND restores the default action
//! after the first signal: if stopping ever hangs, a second Ctrl-C ends socklab the ordinary way.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};

/// The last stop signal received, or 0. A process has one set of signal handlers, so one flag.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn record(signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    RECEIVED.store(signal, Ordering::SeqCst);
}

/// Proof that the handlers are installed; ask it whether a stop was requested.
#[derive(Debug)]
pub struct StopSignals(());

impl StopSignals {
    /// Installs the recording handler for SIGINT and SIGTERM.
    pub fn install() -> io::Result<StopSignals> {
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: sigaction is plain data; zeroed means an empty mask and no flags.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = record as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESETHAND;
            // SAFETY: the mask pointer is valid; the handler only touches an atomic.
            unsafe { libc::sigemptyset(&mut action.sa_mask) };
            // SAFETY: a valid, fully initialised sigaction; we do not need the old one.
            if unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(StopSignals(()))
    }

    /// The signal that asked socklab to stop, if one came.
    pub fn received(&self) -> Option<libc::c_int> {
        match RECEIVED.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }
}

/// "SIGINT", "SIGKILL", ...: the name a learner can look up (signal(7)).
pub fn signal_name(signal: libc::c_int) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGSYS => "SIGSYS",
        other => return format!("signal {other}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_signal_is_recorded_instead_of_killing_the_process() {
        let stop = StopSignals::install().unwrap();
        assert_eq!(stop.received(), None);
        // SAFETY: the handler installed above only stores into an atomic.
        assert_eq!(unsafe { libc::raise(libc::SIGTERM) }, 0);
        assert_eq!(stop.received(), Some(libc::SIGTERM));
        // SA_RESETHAND: the default action is back, so a second signal would end the process.
        // SAFETY: reading the current action into a zeroed struct we own.
        let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
        assert_eq!(
            unsafe { libc::sigaction(libc::SIGTERM, std::ptr::null(), &mut current) },
            0
        );
        assert_eq!(current.sa_sigaction, libc::SIG_DFL);
    }

    #[test]
    fn signals_have_their_c_names() {
        assert_eq!(signal_name(libc::SIGINT), "SIGINT");
        assert_eq!(signal_name(libc::SIGKILL), "SIGKILL");
        assert_eq!(signal_name(64), "signal 64");
    }
}
