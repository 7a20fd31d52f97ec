//! Making sure a submission is gone for good. socklab is a child subreaper, so processes that left the
//! submission's group (setsid, double fork) are re-parented to it; `supervise::reap_descendants` (shared
//! with `trace`) kills and reaps them, and this file checks in /proc that nothing of the submission is left.

use std::fs;

/// Makes orphaned descendants of our children our children, so none can escape by daemonising.
pub fn become_subreaper() -> std::io::Result<()> {
    // SAFETY: a prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// (pid, parent pid, process group) of every process, from /proc/<pid>/stat.
fn processes() -> Vec<(i32, i32, i32)> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name is in parentheses and may contain spaces: fields start after the last ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let mut fields = rest.split_whitespace();
            let _state = fields.next()?;
            let ppid = fields.next()?.parse().ok()?;
            let pgrp = fields.next()?.parse().ok()?;
            Some((pid, ppid, pgrp))
        })
        .collect()
}

/// The processes that belong to the submission: in its group, or (when `orphans`, in a process that is a
/// subreaper with no other children) re-parented to us.
pub fn remaining(pgid: i32, orphans: bool) -> Vec<i32> {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    processes()
        .into_iter()
        .filter(|(pid, ppid, pgrp)| *pid != me && (*pgrp == pgid || (orphans && *ppid == me)))
        .map(|(pid, _, _)| pid)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Command;
    use std::time::{Duration, Instant};

    #[test]
    fn a_group_is_seen_until_it_is_killed() {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = child.id() as i32;
        let deadline = Instant::now() + Duration::from_secs(5);
        while remaining(pgid, false).len() < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(remaining(pgid, false).len(), 3);
        // SAFETY: signalling the group we created.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = child.wait();
        // The sleeps were re-parented to init (this test process is no subreaper), which reaps them.
        while !remaining(pgid, false).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(remaining(pgid, false).is_empty());
    }
}
