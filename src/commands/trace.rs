//! `socklab trace -- CMD ARGS...`: run a learner's program in a private network, capture everything it
//! does on loopback, and explain it like `run`, once the program has ended.
//!
//! Order of events: enter the private network (while single-threaded), open the capture, start the
//! command in its own process group, read packets until it ends (or `--timeout`, or Ctrl-C), kill its
//! whole group, read the packets still queued, then print. The command's own output goes straight to
//! the terminal while it runs; socklab's explanation is rendered into memory and printed after it, so
//! the two never interleave. With a format for programs (JSON, SVG, ...), the command's stdout goes
//! to stderr instead, so that socklab's stdout stays one valid document.

use super::output::{OutputTarget, Style};
use super::shared_writer::SharedWriter;
use crate::app_error::AppError;
use crate::capture::{FrameSource, LiveSource, Next};
use crate::cli::{Format, TraceArgs};
use crate::pipeline::Pipeline;
use crate::render::RunInfo;
use crate::sandbox::{self, Fallback};
use crate::supervise::{
    display_command, signal_name, CommandOutput, Ending, Reaped, StopSignals, SuperviseError,
    Supervised,
};
use crate::timeline::{CallOutcome, SocketCall};
use std::io::Write;
use std::time::{Duration, Instant};

/// socklab's exit status when `--timeout` ran out, as timeout(1) uses it.
pub const EXIT_TIMED_OUT: u8 = 124;
/// socklab's exit status when socklab itself failed, as env(1) and timeout(1) use it.
pub const EXIT_TRACE_FAILED: u8 = 125;

/// How often the command is checked while packets keep coming (and how long a quiet read waits).
const CHECK_INTERVAL: Duration = Duration::from_millis(20);
/// After the command's group is dead, a quiet spell this long means every packet has been read.
/// Sockets of killed processes send their FIN or RST as the process dies, before it can be reaped,
/// so they are queued already; this is a margin for the kernel's replies to them.
const DRAIN_QUIET: Duration = Duration::from_millis(50);
/// An upper bound on draining, in case something still sends.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// The timeline's actor for the traced program.
const ACTOR: &str = "command";

/// Why socklab stopped waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// The command ended by itself.
    Ended,
    /// `--timeout` ran out.
    TimedOut(Duration),
    /// socklab received SIGINT or SIGTERM.
    Signal(libc::c_int),
}

pub fn trace(args: &TraceArgs, style: Style) -> Result<u8, AppError> {
    // First, while socklab is still single-threaded: CLONE_NEWUSER refuses a multi-threaded process.
    let isolation = sandbox::enter_private_network_or(Fallback::Watch)?;
    // Open before the command exists, so its very first packet is captured.
    let mut source = LiveSource::open("lo")?;
    source.set_idle_timeout(CHECK_INTERVAL);
    let stop =
        StopSignals::install().map_err(SuperviseError::system("installing the Ctrl-C handler"))?;

    let command_line = display_command(&args.command);
    let rendered = SharedWriter::new(Vec::new());
    let mut target = OutputTarget::open_to(
        &args.output,
        style,
        &format!("socklab trace -- {command_line}"),
        rendered.clone(),
    )?;
    target.sink.begin(&RunInfo {
        title: format!("trace: {command_line}"),
        description: Some(format!(
            "every packet `{command_line}` sent on loopback while it ran, in a private network of its own"
        )),
        lang: style.lang,
        source: format!("live capture on lo in a {isolation}"),
    })?;
    let capture_writer = target.capture.as_mut().map(|(_, writer)| writer);
    let mut pipeline = Pipeline::new(target.sink.as_mut(), capture_writer, style.lang);
    pipeline.call(&command_call(&command_line, CallOutcome::Called))?;

    eprintln!(
        "socklab trace: running `{command_line}` in a {isolation}; the explanation of its packets follows when it ends."
    );
    let command_output = match args.output.format {
        Format::Text => CommandOutput::Inherit,
        _ => CommandOutput::ToStderr,
    };
    let mut child = Supervised::spawn(&args.command, command_output)?;
    let started = Instant::now();
    let mut next_check = started;
    let reason = loop {
        if let Some(signal) = stop.received() {
            break Stop::Signal(signal);
        }
        let now = Instant::now();
        if let Some(limit) = args.timeout {
            if now.saturating_duration_since(started) >= limit {
                break Stop::TimedOut(limit);
            }
        }
        if now >= next_check {
            if child.has_exited()? {
                break Stop::Ended;
            }
            next_check = now + CHECK_INTERVAL;
        }
        match source.next_frame()? {
            Next::Frame(frame) => pipeline.frame(&frame)?,
            // A quiet spell (or a signal): look at the command again at once.
            Next::Idle => next_check = Instant::now(),
            Next::End => break Stop::Ended,
        }
    };
    let reaped = child.finish()?;

    let drain_until = Instant::now() + DRAIN_LIMIT;
    while Instant::now() < drain_until {
        match source.next_frame_within(DRAIN_QUIET)? {
            Next::Frame(frame) => pipeline.frame(&frame)?,
            Next::Idle | Next::End => break,
        }
    }
    let verdict = Verdict::new(reason, &reaped);
    pipeline.call(&command_call(&command_line, verdict.call_outcome()))?;
    pipeline.finish(&source.stats())?;
    if let Some((path, writer)) = target.capture.take() {
        writer
            .finish()
            .map_err(|source| AppError::WriteFile { path, source })?;
    }
    drop(target);

    let printed = print(&rendered.with(std::mem::take), args.output.format, |out| {
        verdict.explain(out, &command_line, &reaped)
    });
    match printed {
        // `socklab trace -- cmd | head`: the reader has seen enough; the command's status still counts.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(verdict.status),
        Err(error) => Err(error.into()),
        Ok(()) => Ok(verdict.status),
    }
}

/// The rendered timeline, then (for people) how the command ended.
fn print(
    rendered: &[u8],
    format: Format,
    explain: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(rendered)?;
    if format == Format::Text {
        writeln!(out)?;
        writeln!(out, "Command")?;
        explain(&mut out)?;
    }
    out.flush()
}

/// The exit status for a failure of socklab itself: the shell's 126/127 when the command could not
/// be started, 125 otherwise.
pub fn trace_failure_status(error: &AppError) -> u8 {
    match error {
        AppError::Supervise(supervise) => supervise.shell_status().unwrap_or(EXIT_TRACE_FAILED),
        _ => EXIT_TRACE_FAILED,
    }
}

fn command_call(command_line: &str, outcome: CallOutcome) -> SocketCall {
    SocketCall {
        actor: ACTOR.to_string(),
        call: command_line.to_string(),
        outcome,
    }
}

/// How the command ended, and what socklab reports and exits with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Verdict {
    ending: Ending,
    /// Set when socklab's SIGKILL is what ended it.
    stopped_by_socklab: Option<Stop>,
    status: u8,
}

impl Verdict {
    fn new(reason: Stop, reaped: &Reaped) -> Verdict {
        let ending = reaped.ending;
        let killed = ending == Ending::Signaled(libc::SIGKILL);
        // If the command exited by itself just before socklab's SIGKILL, its own status stands.
        let stopped_by_socklab = (killed && reason != Stop::Ended).then_some(reason);
        let status = match stopped_by_socklab {
            Some(Stop::TimedOut(_)) => EXIT_TIMED_OUT,
            Some(Stop::Signal(signal)) => 128u8.wrapping_add((signal & 0x7f) as u8),
            Some(Stop::Ended) | None => ending.shell_status(),
        };
        Verdict {
            ending,
            stopped_by_socklab,
            status,
        }
    }

    /// The last entry of the timeline, in the style of a socket call's outcome.
    fn call_outcome(&self) -> CallOutcome {
        match (self.stopped_by_socklab, self.ending) {
            (Some(Stop::TimedOut(limit)), _) => CallOutcome::Failed {
                errno: "SIGKILL".to_string(),
                message: format!(
                    "killed by socklab: the --timeout of {} ran out",
                    seconds(limit)
                ),
            },
            (Some(Stop::Signal(signal)), _) => CallOutcome::Failed {
                errno: "SIGKILL".to_string(),
                message: format!("killed by socklab, which received {}", signal_name(signal)),
            },
            (_, Ending::Exited(code)) => CallOutcome::Returned {
                value: format!("exit status {code}"),
            },
            (_, Ending::Signaled(signal)) => CallOutcome::Failed {
                errno: signal_name(signal),
                message: format!("killed by {}", signal_name(signal)),
            },
        }
    }

    /// The closing lines of the text output: how it ended, and socklab's own exit status.
    fn explain(&self, out: &mut dyn Write, command: &str, reaped: &Reaped) -> std::io::Result<()> {
        let status = self.status;
        match (self.stopped_by_socklab, self.ending) {
            (Some(Stop::TimedOut(limit)), _) => writeln!(
                out,
                "  `{command}` was still running when the --timeout of {} ran out: socklab killed it and everything it started (SIGKILL). Exit status {status}.",
                seconds(limit)
            )?,
            (Some(Stop::Signal(signal)), _) => writeln!(
                out,
                "  socklab received {} and killed `{command}` and everything it started (SIGKILL). Exit status {status}.",
                signal_name(signal)
            )?,
            (_, Ending::Exited(code)) => writeln!(
                out,
                "  `{command}` exited with status {code}; socklab exits with status {status} too."
            )?,
            (_, Ending::Signaled(signal)) => writeln!(
                out,
                "  `{command}` was killed by {}; socklab exits with status {status}, as a shell would report it.",
                signal_name(signal)
            )?,
        }
        if reaped.escaped > 0 {
            writeln!(
                out,
                "  {} process(es) it started had left its process group; socklab killed them too.",
                reaped.escaped
            )?;
        }
        if !reaped.all_reaped {
            writeln!(
                out,
                "  Warning: some processes it started had not ended 5 s after SIGKILL."
            )?;
        }
        Ok(())
    }
}

/// "2 s", "0.5 s".
fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reaped(ending: Ending) -> Reaped {
        Reaped {
            ending,
            escaped: 0,
            all_reaped: true,
        }
    }

    fn explained(verdict: &Verdict, reaped: &Reaped) -> String {
        let mut out = Vec::new();
        verdict
            .explain(&mut out, "python3 echo.py", reaped)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_command_that_ends_by_itself_gives_its_own_status() {
        let ended = reaped(Ending::Exited(3));
        let verdict = Verdict::new(Stop::Ended, &ended);
        assert_eq!(verdict.status, 3);
        assert_eq!(
            verdict.call_outcome(),
            CallOutcome::Returned {
                value: "exit status 3".into()
            }
        );
        assert!(explained(&verdict, &ended).contains("exited with status 3"));
    }

    #[test]
    fn a_timeout_gives_124_and_says_socklab_killed_it() {
        let killed = reaped(Ending::Signaled(libc::SIGKILL));
        let verdict = Verdict::new(Stop::TimedOut(Duration::from_millis(1500)), &killed);
        assert_eq!(verdict.status, EXIT_TIMED_OUT);
        let text = explained(&verdict, &killed);
        assert!(text.contains("--timeout of 1.5 s"), "{text}");
        assert!(text.contains("Exit status 124"), "{text}");
    }

    #[test]
    fn ctrl_c_gives_130_and_a_crash_gives_128_plus_its_signal() {
        let killed = reaped(Ending::Signaled(libc::SIGKILL));
        assert_eq!(
            Verdict::new(Stop::Signal(libc::SIGINT), &killed).status,
            130
        );
        let crashed = reaped(Ending::Signaled(libc::SIGSEGV));
        let verdict = Verdict::new(Stop::Ended, &crashed);
        assert_eq!(verdict.status, 139);
        assert!(explained(&verdict, &crashed).contains("killed by SIGSEGV"));
    }

    #[test]
    fn an_exit_just_before_the_timeout_keeps_the_commands_status() {
        let ended = reaped(Ending::Exited(0));
        let verdict = Verdict::new(Stop::TimedOut(Duration::from_secs(1)), &ended);
        assert_eq!(verdict.status, 0);
        assert_eq!(verdict.stopped_by_socklab, None);
    }

    #[test]
    fn escaped_processes_are_mentioned() {
        let mut killed = reaped(Ending::Exited(0));
        killed.escaped = 2;
        let verdict = Verdict::new(Stop::Ended, &killed);
        assert!(explained(&verdict, &killed).contains("2 process(es)"));
    }
}
