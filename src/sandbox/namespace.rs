//! Entering a new network namespace, with a user namespace around it when we are not root.

use super::diagnosis::{diagnose_userns, UsernsBlocker};
use super::loopback::bring_loopback_up;
use std::fmt;
use std::io;

/// What kind of private network the process now lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// Root on the host: a plain new network namespace.
    NetworkNamespace,
    /// Not root: a new user namespace (we are root inside it) holding a new network namespace.
    UserAndNetworkNamespace,
}

impl fmt::Display for Isolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Isolation::NetworkNamespace => "private network namespace",
            Isolation::UserAndNetworkNamespace => {
                "private user + network namespace (no privileges needed)"
            }
        })
    }
}

/// What to offer the learner when the private network cannot be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// `run`: the same exchange on the host's lo (`--host-net`, needs CAP_NET_RAW).
    HostNet,
    /// `trace`: there is no host mode (its point is to show only the command's packets), so point to `watch`.
    Watch,
    /// `grade`: a live run needs the namespace; a capture the student recorded can be graded instead.
    GradePcap,
}

/// How the invoking user appears inside the user namespace created when socklab is not root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdMapping {
    /// Our uid and gid become 0 inside (as `unshare -Urn` does).
    Root,
    /// Our uid and gid stay themselves inside. socklab keeps the namespace's capabilities as long as it
    /// does not exec, while a program it starts loses them at execve because it is not uid 0 there
    /// (`grade` runs submissions this way).
    SameIds,
}

impl Fallback {
    fn advice(self) -> &'static str {
        match self {
            Fallback::HostNet => "  Or capture on the host's lo instead: add --host-net (needs CAP_NET_RAW: sudo, or setcap cap_net_raw+ep on the binary).",
            Fallback::Watch => "  Or run your program yourself, on the host's lo, and explain its packets from another terminal with
  `sudo socklab watch --port PORT` (needs CAP_NET_RAW).",
            Fallback::GradePcap => "  Or grade a capture the student recorded, which needs no privileges:
  `socklab grade EXERCISE --pcap capture.pcapng`.",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("socklab must create its private network before starting any thread, but this process already runs {threads} threads (this is a bug in socklab)")]
    Multithreaded { threads: usize },
    #[error("{}", blocked_message(.blocker, .source, *.fallback))]
    UsernsBlocked {
        blocker: UsernsBlocker,
        #[source]
        source: io::Error,
        fallback: Fallback,
    },
    #[error("cannot create a private network namespace: {source}.\n{}", .fallback.advice())]
    NetnsFailed {
        #[source]
        source: io::Error,
        fallback: Fallback,
    },
    #[error("cannot set up the user namespace ({what}): {source}")]
    IdMap {
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("cannot bring up the loopback interface in the private network: {0}")]
    Loopback(#[source] io::Error),
}

fn blocked_message(blocker: &UsernsBlocker, source: &io::Error, fallback: Fallback) -> String {
    format!(
        "cannot create a private network without privileges: {source}.\n{}\n{}",
        blocker.explanation(),
        fallback.advice()
    )
}

/// Moves this process into a fresh network namespace with `lo` up. Call it before any thread exists:
/// the kernel refuses CLONE_NEWUSER to a multi-threaded process. A failure suggests `--host-net`.
pub fn enter_private_network() -> Result<Isolation, SandboxError> {
    enter_private_network_or(Fallback::HostNet)
}

/// Like [`enter_private_network`], with the alternative a failure message should offer.
pub fn enter_private_network_or(fallback: Fallback) -> Result<Isolation, SandboxError> {
    enter_private_network_with(fallback, IdMapping::Root)
}

/// Like [`enter_private_network_or`], choosing who we are inside the user namespace (when one is needed).
pub fn enter_private_network_with(
    fallback: Fallback,
    mapping: IdMapping,
) -> Result<Isolation, SandboxError> {
    let threads = thread_count();
    if threads > 1 {
        return Err(SandboxError::Multithreaded { threads });
    }
    // SAFETY: geteuid/getegid have no preconditions.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let isolation = if uid == 0 {
        unshare(libc::CLONE_NEWNET)
            .map_err(|source| SandboxError::NetnsFailed { source, fallback })?;
        Isolation::NetworkNamespace
    } else {
        unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET).map_err(|source| {
            SandboxError::UsernsBlocked {
                blocker: diagnose_userns(),
                source,
                fallback,
            }
        })?;
        // As `unshare -Urn` does: deny setgroups (required before an unprivileged gid_map), then map
        // our own uid and gid (to root inside, unless asked otherwise); the process that created the
        // namespace holds CAP_NET_RAW over it either way.
        write_proc("/proc/self/setgroups", "deny", "setgroups")?;
        let (inside_uid, inside_gid) = match mapping {
            IdMapping::Root => (0, 0),
            IdMapping::SameIds => (uid, gid),
        };
        write_proc(
            "/proc/self/uid_map",
            &format!("{inside_uid} {uid} 1"),
            "uid_map",
        )?;
        write_proc(
            "/proc/self/gid_map",
            &format!("{inside_gid} {gid} 1"),
            "gid_map",
        )?;
        Isolation::UserAndNetworkNamespace
    };
    bring_loopback_up().map_err(SandboxError::Loopback)?;
    Ok(isolation)
}

fn unshare(flags: libc::c_int) -> io::Result<()> {
    // SAFETY: unshare only changes this process's namespaces; it takes no pointers.
    if unsafe { libc::unshare(flags) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn write_proc(path: &str, content: &str, what: &'static str) -> Result<(), SandboxError> {
    std::fs::write(path, content).map_err(|source| SandboxError::IdMap { what, source })
}

fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|dir| dir.count())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(fallback: Fallback) -> String {
        SandboxError::UsernsBlocked {
            blocker: UsernsBlocker::AppArmor,
            source: io::Error::from_raw_os_error(libc::EPERM),
            fallback,
        }
        .to_string()
    }

    #[test]
    fn a_blocked_namespace_names_cause_fix_and_the_commands_own_alternative() {
        let run = blocked(Fallback::HostNet);
        assert!(run.contains("AppArmor"), "{run}");
        assert!(run.contains("--host-net"), "{run}");
        let trace = blocked(Fallback::Watch);
        assert!(trace.contains("AppArmor"), "{trace}");
        assert!(
            !trace.contains("--host-net"),
            "trace has no --host-net: {trace}"
        );
        assert!(trace.contains("socklab watch --port"), "{trace}");
        let netns = SandboxError::NetnsFailed {
            source: io::Error::from_raw_os_error(libc::EPERM),
            fallback: Fallback::Watch,
        }
        .to_string();
        assert!(netns.contains("socklab watch"), "{netns}");
    }
}
