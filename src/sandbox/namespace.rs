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

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("socklab must create its private network before starting any thread, but this process already runs {threads} threads (this is a bug in socklab)")]
    Multithreaded { threads: usize },
    #[error("{}", blocked_message(.blocker, .source))]
    UsernsBlocked {
        blocker: UsernsBlocker,
        #[source]
        source: io::Error,
    },
    #[error("cannot create a private network namespace: {0}.\n  Use --host-net to capture on the host's lo instead (needs CAP_NET_RAW).")]
    NetnsFailed(#[source] io::Error),
    #[error("cannot set up the user namespace ({what}): {source}")]
    IdMap {
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("cannot bring up the loopback interface in the private network: {0}")]
    Loopback(#[source] io::Error),
}

fn blocked_message(blocker: &UsernsBlocker, source: &io::Error) -> String {
    format!(
        "cannot create a private network without privileges: {source}.\n{}\n  Or capture on the host's lo instead: add --host-net (needs CAP_NET_RAW: sudo, or setcap cap_net_raw+ep on the binary).",
        blocker.explanation()
    )
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

/// Moves this process into a fresh network namespace with `lo` up. Call it before any thread exists:
/// the kernel refuses CLONE_NEWUSER to a multi-threaded process.
pub fn enter_private_network() -> Result<Isolation, SandboxError> {
    enter_private_network_as(IdMapping::Root)
}

/// [`enter_private_network`], choosing who we are inside the user namespace (when one is needed).
pub fn enter_private_network_as(mapping: IdMapping) -> Result<Isolation, SandboxError> {
    let threads = thread_count();
    if threads > 1 {
        return Err(SandboxError::Multithreaded { threads });
    }
    // SAFETY: geteuid/getegid have no preconditions.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let isolation = if uid == 0 {
        unshare(libc::CLONE_NEWNET).map_err(SandboxError::NetnsFailed)?;
        Isolation::NetworkNamespace
    } else {
        unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET).map_err(|source| {
            SandboxError::UsernsBlocked {
                blocker: diagnose_userns(),
                source,
            }
        })?;
        // As `unshare -Urn` does: deny setgroups (required before an unprivileged gid_map), then map
        // our own uid and gid to root inside, which holds CAP_NET_RAW over the new namespace only.
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
