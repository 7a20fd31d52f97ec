//! What the sandbox, trace and watch tests share: running the binary as an unprivileged user, and
//! reading a live process's output line by line with a deadline (never a sleep).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The unprivileged user the tests become when they run as root.
pub const NOBODY: u32 = 65534;

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// socklab run by an unprivileged user: as root, a copy of the binary in a folder everyone can read,
/// run as uid/gid 65534 through setpriv; otherwise the binary itself, as the user running the tests.
pub struct Unprivileged {
    dir: tempfile::TempDir,
    exe: PathBuf,
    via_setpriv: bool,
}

impl Unprivileged {
    /// None (after a loud SKIPPED line) only when running as root without setpriv(1).
    pub fn new(test: &str) -> Option<Unprivileged> {
        let dir = tempfile::Builder::new()
            .prefix("socklab-unprivileged-")
            .tempdir()
            .expect("create a temp folder");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("make the temp folder readable by all");
        if !is_root() {
            return Some(Unprivileged {
                dir,
                exe: PathBuf::from(env!("CARGO_BIN_EXE_socklab")),
                via_setpriv: false,
            });
        }
        let have_setpriv = Command::new("setpriv")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if !have_setpriv {
            {
                // Straight to stderr, past the test harness's capture: a skip must be seen.
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: running as root and setpriv(1) is missing, so the unprivileged path could not be tested");
            }
            return None;
        }
        let exe = dir.path().join("socklab");
        place_binary(Path::new(env!("CARGO_BIN_EXE_socklab")), &exe);
        Some(Unprivileged {
            dir,
            exe,
            via_setpriv: true,
        })
    }

    /// A folder everyone can read, which is also the command's working folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file everyone can read into [`Unprivileged::dir`].
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write a test file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .expect("make the test file readable by all");
        path
    }

    /// `socklab ARGS...` as the unprivileged user, with the fixture's clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = if self.via_setpriv {
            let mut command = Command::new("setpriv");
            command
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(&self.exe);
            command
        } else {
            Command::new(&self.exe)
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100");
        command
    }

    /// Who the command runs as, for messages.
    pub fn who(&self) -> String {
        if self.via_setpriv {
            format!("uid {NOBODY} (nobody, via setpriv)")
        } else {
            // SAFETY: geteuid has no preconditions.
            format!("uid {} (the user running the tests)", unsafe {
                libc::geteuid()
            })
        }
    }
}

/// Puts the binary at `to` without this process ever holding it open for writing: a write
/// descriptor, inherited by a child that another test thread forks at that moment, makes exec fail
/// with ETXTBSY ("Text file busy"). A hard link writes nothing; across file systems, cp(1) does the
/// writing in its own process.
fn place_binary(from: &Path, to: &Path) {
    if std::fs::hard_link(from, to).is_err() {
        let status = Command::new("cp")
            .arg(from)
            .arg(to)
            .status()
            .expect("run cp");
        assert!(
            status.success(),
            "cp {} {} failed",
            from.display(),
            to.display()
        );
    }
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755))
        .expect("make the binary executable by all");
}

/// True (after a loud SKIPPED line with socklab's own diagnosis) when socklab said that this system
/// refuses unprivileged user namespaces: that is an environment fact, not a socklab bug.
pub fn userns_blocked(code: Option<i32>, stderr: &str, test: &str) -> bool {
    if code == Some(3) && stderr.contains("cannot create a private network") {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: this system blocks unprivileged user namespaces. socklab's diagnosis:\n{stderr}");
        }
        return true;
    }
    false
}

/// A child's output, line by line, read by a thread so the test can wait with a deadline.
pub struct Lines {
    receiver: Receiver<String>,
    /// Every line received so far, for failure messages.
    pub seen: Vec<String>,
}

impl Lines {
    pub fn new(stream: impl Read + Send + 'static) -> Lines {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            receiver,
            seen: Vec::new(),
        }
    }

    /// Waits for the first line (from now on) that satisfies `wanted`; None at the deadline or at EOF.
    pub fn wait_for(&mut self, timeout: Duration, wanted: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return Some(line);
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    /// Every remaining line until EOF (or the deadline).
    pub fn rest(&mut self, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut rest = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    rest.push(line);
                }
                Err(_) => return rest,
            }
        }
    }
}

/// A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), which tells a
/// process apart from a later one that reuses its pid. None if it does not exist (or is a zombie).
pub fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the comm: state is field 3, so field N is fields[N - 3].
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(22 - 3)?.parse().ok()
}

/// Live (not zombie) processes whose process group is `group`.
pub fn group_members(group: i32) -> Vec<i32> {
    let mut members = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return members;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // fields[0] state, [1] ppid, [2] pgrp.
        if fields.first() != Some(&"Z") && fields.get(2).and_then(|g| g.parse().ok()) == Some(group)
        {
            members.push(pid);
        }
    }
    members
}
