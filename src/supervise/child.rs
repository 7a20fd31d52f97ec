//! The supervised command: started as the leader of its own process group, watched without being
//! reaped (so its process group id stays reserved), then stopped with everything it started.

use super::error::SuperviseError;
use super::terminal::{take_foreground_in_child, Terminal};
use std::ffi::OsString;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a command ended, as wait(2) reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It called exit() with this status.
    Exited(i32),
    /// A signal killed it (its own crash, Ctrl-C, or socklab's SIGKILL).
    Signaled(i32),
}

impl Ending {
    /// What a shell puts in `$?` for it: the exit status, or 128 + the signal number.
    pub fn shell_status(self) -> u8 {
        match self {
            Ending::Exited(status) => (status & 0xff) as u8,
            Ending::Signaled(signal) => 128u8.wrapping_add((signal & 0x7f) as u8),
        }
    }
}

/// What stopping the command found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reaped {
    pub ending: Ending,
    /// Descendants that had left the command's process group (setsid, daemons) and were killed one by one.
    pub escaped: usize,
    /// False if some descendant could not be reaped in time (it should not happen: all got SIGKILL).
    pub all_reaped: bool,
}

/// Where the command's standard output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandOutput {
    /// socklab's own stdout, as if socklab were not there.
    Inherit,
    /// socklab's stderr, so that socklab's stdout carries only its own (machine-readable) output.
    ToStderr,
}

/// How long stopping may take to collect every descendant; SIGKILLed processes die in microseconds.
const REAP_DEADLINE: Duration = Duration::from_secs(5);

/// A running command that socklab started and must stop.
#[derive(Debug)]
pub struct Supervised {
    child: Child,
    /// The leader's pid, which is also the process group id.
    pid: libc::pid_t,
    /// Set when the command was given the terminal; it is taken back when the command ends.
    terminal: Option<Terminal>,
    /// Set by `finish`; until then, dropping a `Supervised` (an error on the way) still kills the group.
    finished: bool,
}

impl Supervised {
    /// Starts `command` (program and arguments) with inherited stdin and stderr (stdout as `output`
    /// says), as the leader of a new process group, with the terminal handed to it if socklab had it.
    pub fn spawn(
        command: &[OsString],
        output: CommandOutput,
    ) -> Result<Supervised, SuperviseError> {
        let Some((program, args)) = command.split_first() else {
            return Err(SuperviseError::Spawn {
                command: String::new(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "no command given"),
            });
        };
        // Whatever the command leaves behind (a server its script started in the background) is
        // re-parented to socklab instead of init, so socklab can kill and reap it.
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
            return Err(SuperviseError::System {
                what: "prctl(PR_SET_CHILD_SUBREAPER)",
                source: io::Error::last_os_error(),
            });
        }
        let terminal = Terminal::of_stdin();
        let mut builder = Command::new(program);
        builder.args(args).process_group(0);
        if output == CommandOutput::ToStderr {
            let stderr = std::io::stderr()
                .as_fd()
                .try_clone_to_owned()
                .map_err(SuperviseError::system("duplicating stderr"))?;
            builder.stdout(Stdio::from(stderr));
        }
        if terminal.is_some() {
            // SAFETY: the hook makes only async-signal-safe calls (getpgrp, sigmask, tcsetpgrp).
            unsafe { builder.pre_exec(take_foreground_in_child) };
        }
        let child = builder.spawn().map_err(|source| {
            if let Some(terminal) = terminal {
                let _ = terminal.take_back();
            }
            SuperviseError::Spawn {
                command: display_command(command),
                source,
            }
        })?;
        let pid = child.id() as libc::pid_t;
        if let Some(terminal) = terminal {
            // The child did this too; doing it here as well means neither side races the other.
            let _ = terminal.give_to(pid);
        }
        Ok(Supervised {
            child,
            pid,
            terminal,
            finished: false,
        })
    }

    /// The leader's pid, which is also its process group id.
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// Whether the command (the group leader) has ended. It is not reaped yet, so its pid cannot be
    /// reused and killing its process group stays safe. If the user suspended it with Ctrl-Z,
    /// socklab suspends itself too and resumes the command when the shell resumes socklab.
    pub fn has_exited(&mut self) -> Result<bool, SuperviseError> {
        if self.wait_id(libc::WEXITED | libc::WNOHANG | libc::WNOWAIT)? {
            return Ok(true);
        }
        if let Some(terminal) = self.terminal {
            // Without WNOWAIT this consumes the stop report; without WEXITED it never reaps.
            if self.wait_id(libc::WSTOPPED | libc::WNOHANG)? {
                self.suspend_along(terminal);
            }
        }
        Ok(false)
    }

    /// Ctrl-Z stopped the command: give the shell its job back (stop socklab), and resume both later.
    fn suspend_along(&self, terminal: Terminal) {
        let _ = terminal.take_back();
        // What the terminal would have done to socklab's own job (socklab and, say, `| less`): stop
        // it, so the shell sees the job stopped. socklab resumes here on the shell's `fg`.
        // SAFETY: kill takes plain integers; 0 names socklab's own process group.
        unsafe { libc::kill(0, libc::SIGTSTP) };
        let _ = terminal.give_to(self.pid);
        // SAFETY: as above; a negative pid names the process group.
        unsafe { libc::kill(-self.pid, libc::SIGCONT) };
    }

    /// Kills the whole process group (SIGKILL), takes the terminal back, and reaps the command and
    /// every descendant, including those that left the group.
    pub fn finish(mut self) -> Result<Reaped, SuperviseError> {
        self.finished = true;
        let status = self.kill_group_and_wait()?;
        let ending = match (status.code(), status.signal()) {
            (Some(code), _) => Ending::Exited(code),
            (None, Some(signal)) => Ending::Signaled(signal),
            (None, None) => Ending::Signaled(libc::SIGKILL),
        };
        let (escaped, all_reaped) = reap_descendants(self.pid);
        Ok(Reaped {
            ending,
            escaped,
            all_reaped,
        })
    }

    /// SIGKILL to the whole group, then reap the leader and take the terminal back.
    fn kill_group_and_wait(&mut self) -> Result<std::process::ExitStatus, SuperviseError> {
        // The leader is not reaped yet, so this process group id still names the command's group.
        // SAFETY: kill takes plain integers; ESRCH (nobody left) is fine.
        unsafe { libc::kill(-self.pid, libc::SIGKILL) };
        let status = self.child.wait();
        if let Some(terminal) = self.terminal.take() {
            let _ = terminal.take_back();
        }
        status.map_err(SuperviseError::system("waiting for the command"))
    }

    fn wait_id(&self, options: libc::c_int) -> Result<bool, SuperviseError> {
        // SAFETY: siginfo_t is plain data; waitid fills it (si_pid stays 0 if nothing changed).
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid id type, pid and siginfo pointer.
        let result =
            unsafe { libc::waitid(libc::P_PID, self.pid as libc::id_t, &mut info, options) };
        if result != 0 {
            return Err(SuperviseError::System {
                what: "waitid",
                source: io::Error::last_os_error(),
            });
        }
        // SAFETY: waitid filled `info` as a SIGCHLD siginfo, whose si_pid is valid to read.
        Ok(unsafe { info.si_pid() } != 0)
    }
}

impl Drop for Supervised {
    /// socklab failed while the command ran: it must not outlive socklab.
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.kill_group_and_wait();
            reap_descendants(self.pid);
        }
    }
}

/// Kills and reaps every remaining child of socklab (orphaned descendants are re-parented to it as
/// the subreaper). Returns how many had left the command's process group, and whether all were reaped.
pub fn reap_descendants(group: libc::pid_t) -> (usize, bool) {
    let deadline = Instant::now() + REAP_DEADLINE;
    let mut escaped = std::collections::BTreeSet::new();
    loop {
        // Collect whatever has already died.
        loop {
            // SAFETY: waitpid with a null status pointer is allowed.
            let reaped = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
            if reaped < 0 {
                // ECHILD: no children left at all.
                return (escaped.len(), true);
            }
            if reaped == 0 {
                break;
            }
        }
        if Instant::now() >= deadline {
            return (escaped.len(), false);
        }
        let children = own_children();
        for &pid in &children {
            // SAFETY: getpgid/kill take plain integers; the child is ours and not yet reaped.
            unsafe {
                if libc::getpgid(pid) != group {
                    escaped.insert(pid);
                }
                libc::kill(pid, libc::SIGKILL);
            }
        }
        if children.is_empty() {
            // A child is between states (being re-parented); look again very soon.
            std::thread::yield_now();
            continue;
        }
        // Block until one of the killed children dies; they all have SIGKILL pending.
        // SAFETY: as above.
        let reaped = unsafe { libc::waitpid(-1, std::ptr::null_mut(), 0) };
        if reaped < 0 {
            return (escaped.len(), true);
        }
    }
}

/// socklab's direct children, from /proc/self/task/*/children (any thread may be a parent).
fn own_children() -> Vec<libc::pid_t> {
    let mut children = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return children;
    };
    for task in tasks.flatten() {
        if let Ok(list) = std::fs::read_to_string(task.path().join("children")) {
            children.extend(
                list.split_whitespace()
                    .filter_map(|pid| pid.parse::<libc::pid_t>().ok()),
            );
        }
    }
    children
}

/// The command as a learner would type it, quoting words a shell would split or expand.
pub fn display_command(command: &[OsString]) -> String {
    let words: Vec<String> = command
        .iter()
        .map(|word| {
            let word = word.to_string_lossy();
            let plain = !word.is_empty()
                && word.chars().all(|c| {
                    c.is_alphanumeric()
                        || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | '+' | ',' | '@' | '%')
                });
            if plain {
                word.into_owned()
            } else {
                format!("'{}'", word.replace('\'', "'\\''"))
            }
        })
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    // Spawning and reaping are tested through the binary (tests/trace.rs): `finish` kills and reaps
    // every child of its process, which in a test harness would include other tests' children.
    use super::*;

    fn words(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn commands_are_shown_as_typed_with_quotes_where_needed() {
        assert_eq!(
            display_command(&words(&["python3", "echo.py", "--port=5000"])),
            "python3 echo.py --port=5000"
        );
        assert_eq!(
            display_command(&words(&["sh", "-c", "echo 'hi' && true", ""])),
            "sh -c 'echo '\\''hi'\\'' && true' ''"
        );
    }

    #[test]
    fn shell_statuses_follow_the_shell() {
        assert_eq!(Ending::Exited(3).shell_status(), 3);
        assert_eq!(Ending::Exited(256 + 7).shell_status(), 7);
        assert_eq!(Ending::Signaled(libc::SIGKILL).shell_status(), 137);
        assert_eq!(Ending::Signaled(libc::SIGINT).shell_status(), 130);
    }

    #[test]
    fn an_empty_command_is_refused_before_anything_starts() {
        let error = Supervised::spawn(&[], CommandOutput::Inherit).unwrap_err();
        assert!(error.to_string().contains("no command given"), "{error}");
    }
}
