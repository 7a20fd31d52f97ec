//! One live run: capture `lo`, prepare socklab's side, start the submission in its sandbox, play the
//! script, stop the capture, then end every process of the submission and collect what it printed.

use super::exercise::{Exercise, PortPassing};
use super::exit_watch::ExitWatch;
use super::limits::{processes_of, Limits};
use super::live_capture::CaptureThread;
use super::output_cap::CappedOutput;
use super::peer::{Peer, StepRecord, TimedCall};
use super::reaper;
use super::submission::{self, Sandbox};
use super::workdir::WorkDir;
use crate::capture::{CaptureStats, OwnedFrame};
use crate::supervise;
use serde::Serialize;
use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Instant;

/// uid and gid of `nobody`, which a submission runs as when socklab is root.
pub const NOBODY: (u32, u32) = (65534, 65534);

/// What goes into the submission's working folder.
#[derive(Clone, Debug)]
pub enum Files {
    /// A whole folder (one student's submission).
    Folder(PathBuf),
    /// Single files: (where it is, its name inside the working folder).
    Named(Vec<(PathBuf, PathBuf)>),
}

pub struct LiveInput<'a> {
    pub exercise: &'a Exercise,
    /// The command with `{port}` already replaced.
    pub command: Vec<String>,
    pub files: Files,
    /// Set when socklab is root: the submission runs as this uid and gid.
    pub drop_to: Option<(u32, u32)>,
    /// Words for the report: "private network namespace", ...
    pub isolation: String,
}

/// How the submission's run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ending {
    /// It exited by itself.
    Exited { code: i32 },
    /// A signal ended it (SIGXCPU at the CPU limit, SIGXFSZ at the file-size limit, a crash, ...).
    Signalled { signal: i32, name: String },
    /// socklab's script was over and the submission still ran (normal for a server): socklab ended it.
    StoppedAfterExercise,
    /// The time limit passed: socklab ended it.
    StoppedAtTimeLimit,
}

/// Facts about the run, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct RunFacts {
    pub command: Vec<String>,
    pub isolation: String,
    pub user: String,
    pub ending: Ending,
    pub elapsed_ms: u64,
    pub time_limit_ms: u64,
    pub stdout: String,
    pub stdout_bytes: u64,
    pub stderr: String,
    pub stderr_bytes: u64,
    /// socklab's script, step by step.
    pub script: Vec<StepRecord>,
    pub script_stopped: Option<String>,
    /// Processes of the submission still present after the cleanup (0 unless the kernel refused to kill).
    pub processes_left: usize,
    pub limits: Limits,
    pub capture: CaptureStats,
    /// Frames beyond the capture's cap, counted and not kept.
    pub frames_not_kept: u64,
}

pub struct LiveRun {
    pub frames: Vec<OwnedFrame>,
    pub calls: Vec<TimedCall>,
    pub facts: RunFacts,
    pub prepared_clients: Vec<SocketAddr>,
    pub udp_ports: Vec<u16>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RunError(pub String);

fn setup<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> RunError + '_ {
    move |error| RunError(format!("{what}: {error}"))
}

/// The signal's name, with the limit it means when socklab's rlimits sent it.
pub fn signal_name(signal: i32) -> String {
    let name = supervise::signal_name(signal);
    match signal {
        libc::SIGXCPU => format!("{name} (CPU time limit)"),
        libc::SIGXFSZ => format!("{name} (file size limit)"),
        _ => name,
    }
}

fn ending_of(status: ExitStatus) -> Ending {
    match (status.code(), status.signal()) {
        (Some(code), _) => Ending::Exited { code },
        (None, Some(signal)) => Ending::Signalled {
            signal,
            name: signal_name(signal),
        },
        (None, None) => Ending::Exited { code: -1 },
    }
}

/// Runs the submission against socklab's script. Call inside the private network, as a subreaper.
pub fn run_live(input: &LiveInput<'_>) -> Result<LiveRun, RunError> {
    let exercise = input.exercise;
    let port = exercise.submission.port;
    let mut workdir =
        WorkDir::create(input.drop_to).map_err(setup("cannot create the working folder"))?;
    match &input.files {
        Files::Folder(folder) => workdir
            .copy_folder(folder)
            .map_err(setup(&format!("cannot copy {}", folder.display())))?,
        Files::Named(files) => {
            for (from, name) in files {
                workdir
                    .copy_file(from, name)
                    .map_err(setup(&format!("cannot copy {}", from.display())))?;
            }
        }
    }
    let limits = Limits::for_time_limit(exercise.time_limit);
    // SAFETY: getuid has no preconditions.
    let uid = input
        .drop_to
        .map_or_else(|| unsafe { libc::getuid() }, |(uid, _)| uid);
    let sandbox = Sandbox {
        drop_to: input.drop_to,
        workdir: workdir.path().to_path_buf(),
        limits,
        max_processes: processes_of(uid) + limits.extra_processes,
    };
    let mut env = vec![
        (
            "PATH".to_string(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
        ),
        ("HOME".to_string(), submission::INSIDE_WORKDIR.to_string()),
        ("TMPDIR".to_string(), submission::INSIDE_WORKDIR.to_string()),
        ("LANG".to_string(), "C.UTF-8".to_string()),
        ("PYTHONUNBUFFERED".to_string(), "1".to_string()),
        ("PYTHONDONTWRITEBYTECODE".to_string(), "1".to_string()),
        ("SOCKLAB_HOST".to_string(), "127.0.0.1".to_string()),
    ];
    if let PortPassing::Env(name) = &exercise.submission.port_passing {
        env.push((name.clone(), port.to_string()));
    }
    let stdin = exercise
        .submission
        .stdin
        .as_ref()
        .map(|text| text.replace("{port}", &port.to_string()).into_bytes());

    let capture = CaptureThread::start().map_err(setup("cannot capture on lo"))?;
    let mut peer = Peer::new(
        &exercise.peer,
        exercise.submission.role,
        port,
        exercise.step_timeout,
    );
    if let Err(error) = peer.prepare() {
        let _ = capture.finish();
        return Err(RunError(format!(
            "socklab could not prepare its side on port {port}: {error}"
        )));
    }

    let started = Instant::now();
    let deadline = started + exercise.time_limit;
    let mut running = match submission::spawn(&input.command, &env, stdin, &sandbox) {
        Ok(running) => running,
        Err(error) => {
            let _ = capture.finish();
            return Err(RunError(format!(
                "cannot start `{}`: {error}",
                input.command.join(" ")
            )));
        }
    };
    peer.watch(running.child.id());
    peer.run(deadline);
    // socklab's sockets stay open until the submission is gone: closing them now would put socklab's
    // own FIN on the wire and could unblock a submission that deadlocked.
    let log = std::mem::take(&mut peer.log);
    let mut exited: Option<ExitStatus> = running.child.try_wait().ok().flatten();

    // The exercise is done: give a client the chance to finish on its own.
    if exited.is_none() && exercise.submission.wait_exit {
        let grace_end = (Instant::now() + exercise.submission.exit_grace).min(deadline);
        ExitWatch::new(running.child.id())
            .wait(grace_end.saturating_duration_since(Instant::now()));
        exited = running.child.try_wait().ok().flatten();
    }
    let ending = match exited {
        Some(status) => ending_of(status),
        None if Instant::now() >= deadline => Ending::StoppedAtTimeLimit,
        None => Ending::StoppedAfterExercise,
    };
    let elapsed = started.elapsed();
    // Stop the capture first: the packets the kill itself causes are not the submission's doing.
    let captured = capture
        .finish()
        .map_err(setup("the capture on lo failed"))?;
    // SAFETY: signalling our own child's process group.
    unsafe { libc::kill(-running.pgid, libc::SIGKILL) };
    let _ = running.child.wait();
    let (_escaped, _all_reaped) = supervise::reap_descendants(running.pgid);
    let left = reaper::remaining(running.pgid, true);
    drop(peer);
    let stdout = running.stdout.join().unwrap_or_default();
    let stderr = running.stderr.join().unwrap_or_default();
    drop(workdir);

    let user = match input.drop_to {
        Some((uid, _)) => format!("uid {uid} (nobody), no capabilities"),
        None => format!("uid {uid} (yours), without capabilities, inside a user namespace"),
    };
    let text = |output: &CappedOutput| output.text();
    Ok(LiveRun {
        frames: captured.frames,
        calls: log.calls,
        facts: RunFacts {
            command: input.command.clone(),
            isolation: input.isolation.clone(),
            user,
            ending,
            elapsed_ms: elapsed.as_millis() as u64,
            time_limit_ms: exercise.time_limit.as_millis() as u64,
            stdout: text(&stdout),
            stdout_bytes: stdout.total,
            stderr: text(&stderr),
            stderr_bytes: stderr.total,
            script: log.steps,
            script_stopped: log.stopped,
            processes_left: left.len(),
            limits,
            capture: captured.stats,
            frames_not_kept: captured.not_kept,
        },
        prepared_clients: log.prepared_clients,
        udp_ports: log.udp_ports,
    })
}
