//! The resource limits a submission runs under, and how they are applied in the child before exec.

use serde::Serialize;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// RLIMIT_NPROC: processes of the submission's user (counted across the system, so it is set to what
    /// that user already runs plus this many).
    pub extra_processes: u64,
    /// RLIMIT_FSIZE: the largest file it may write.
    pub file_size_bytes: u64,
    /// RLIMIT_CPU: CPU seconds.
    pub cpu_seconds: u64,
    /// RLIMIT_NOFILE: open file descriptors.
    pub open_files: u64,
    /// RLIMIT_AS: address space.
    pub address_space_bytes: u64,
}

impl Limits {
    pub fn for_time_limit(time_limit: Duration) -> Limits {
        Limits {
            extra_processes: 32,
            file_size_bytes: 16 * 1024 * 1024,
            cpu_seconds: time_limit.as_secs() + 2,
            open_files: 256,
            address_space_bytes: 1024 * 1024 * 1024,
        }
    }

    /// (resource, soft, hard) for setrlimit; `processes` is the absolute RLIMIT_NPROC value.
    pub fn table(&self, processes: u64) -> [(libc::__rlimit_resource_t, u64, u64); 6] {
        [
            (libc::RLIMIT_NPROC, processes, processes),
            (
                libc::RLIMIT_FSIZE,
                self.file_size_bytes,
                self.file_size_bytes,
            ),
            // The soft limit sends SIGXCPU, the hard one SIGKILL a second later.
            (libc::RLIMIT_CPU, self.cpu_seconds, self.cpu_seconds + 1),
            (libc::RLIMIT_NOFILE, self.open_files, self.open_files),
            (
                libc::RLIMIT_AS,
                self.address_space_bytes,
                self.address_space_bytes,
            ),
            (libc::RLIMIT_CORE, 0, 0),
        ]
    }
}

/// How many processes `uid` runs right now, read from /proc.
pub fn processes_of(uid: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|entry| {
            std::fs::read_to_string(entry.path().join("status")).is_ok_and(|status| {
                status
                    .lines()
                    .find(|line| line.starts_with("Uid:"))
                    .and_then(|line| line.split_whitespace().nth(1))
                    .and_then(|real| real.parse::<u32>().ok())
                    == Some(uid)
            })
        })
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_follows_the_time_limit_and_we_are_counted() {
        let limits = Limits::for_time_limit(Duration::from_secs(5));
        assert_eq!(limits.cpu_seconds, 7);
        // SAFETY: getuid has no preconditions.
        let me = unsafe { libc::getuid() };
        assert!(processes_of(me) >= 1);
    }
}
