//! Ending a submission completely: its process group, and every process that left the group (setsid,
//! double fork) but was reparented to socklab (a child subreaper), killed and reaped, checked in /proc.

use std::fs;
use std::time::{Duration, Instant};

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
/// subreaper with no other children) reparented to us.
pub fn remaining(pgid: i32, orphans: bool) -> Vec<i32> {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    processes()
        .into_iter()
        .filter(|(pid, ppid, pgrp)| *pid != me && (*pgrp == pgid || (orphans && *ppid == me)))
        .map(|(pid, _, _)| pid)
        .collect()
}

/// Kills the group and every straggler until none is left (or `patience` runs out); returns the pids still
/// present at the end (empty when the cleanup is complete). Call after the main child was waited for.
pub fn kill_everything(pgid: i32, orphans: bool, patience: Duration) -> Vec<i32> {
    let deadline = Instant::now() + patience;
    loop {
        // SAFETY: kill with a negative pid signals a process group; a missing group is ESRCH, harmless.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let left = remaining(pgid, orphans);
        for pid in &left {
            // SAFETY: signalling a pid; a vanished one is ESRCH, harmless.
            unsafe { libc::kill(*pid, libc::SIGKILL) };
        }
        reap(pgid, &left);
        let left = remaining(pgid, orphans);
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Reaps our exited children among the group and `pids` (never other children of this process).
fn reap(pgid: i32, pids: &[i32]) {
    let mut status = 0;
    // SAFETY: WNOHANG never blocks; a pid that is not our child answers ECHILD.
    unsafe {
        while libc::waitpid(-pgid, &mut status, libc::WNOHANG) > 0 {}
        for pid in pids {
            libc::waitpid(*pid, &mut status, libc::WNOHANG);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    #[test]
    fn a_group_with_grandchildren_is_emptied() {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30 & sleep 30"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = child.id() as i32;
        let deadline = Instant::now() + Duration::from_secs(5);
        while remaining(pgid, false).len() < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = child.wait();
        let left = kill_everything(pgid, false, Duration::from_secs(3));
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}
