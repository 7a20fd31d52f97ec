//! The step-locked engine: run one socket call, then wait for exactly the packets it must cause.
//!
//! Waiting for the packets (instead of sleeping) makes runs fast and their timelines identical: a call's
//! packets are always recorded after the call and before the next one. Optional packets (a delayed ACK)
//! are accepted whenever they show up. Frames of other programs or other runs on `lo` are ignored by port.

use super::error::ScenarioError;
use super::expect::{Expect, Observed, Proto, RunPorts, Side};
use super::{Family, ScenarioRun};
use crate::analysis::Analyzer;
use crate::capture::{CaptureStats, FrameSource, LiveSource, Next, OwnedFrame};
use crate::decode;
use crate::timeline::{CallOutcome, SocketCall, TimelineEntry};
use std::fmt::Write as _;
use std::io;
use std::time::{Duration, Instant};

/// How long a step may wait for its packets. Loopback answers in microseconds; this only bounds failures.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) struct Engine {
    scenario: String,
    family: Family,
    source: LiveSource,
    /// Gives each of this run's TCP segments its relative sequence and acknowledgement numbers.
    analyzer: Analyzer,
    /// Strict runs (lessons) treat a frame no step expected as a failure instead of a note.
    strict: bool,
    /// Strict runs only: this run's frames that no step expected, in capture order.
    surprises: Vec<usize>,
    ports: RunPorts,
    frames: Vec<OwnedFrame>,
    /// `observed[i]` describes `frames[i]`.
    observed: Vec<Observed>,
    timeline: Vec<TimelineEntry>,
    /// Optional packets of earlier steps that have not come yet; they are welcome at any time.
    pending_optional: Vec<Expect>,
    notes: Vec<String>,
    /// Frames with our ports that the decoder refused, with the first reason (for error messages).
    undecodable: (u64, Option<String>),
    started: Option<Instant>,
    last_step_done: Option<Instant>,
    step_timeout: Duration,
}

/// Why a step's packets did not come as expected, for callers that word their own message (lessons).
#[derive(Debug)]
pub(crate) enum StepMismatch {
    /// The required expectations at these indexes never arrived; `seen` are the frames that did.
    Missing {
        missing: Vec<usize>,
        seen: Vec<usize>,
    },
    /// Strict runs: frame `frame` matched nothing the step (or an earlier step's optional packet) expected.
    Unexpected { frame: usize, seen: Vec<usize> },
    /// The capture itself failed.
    Capture(Box<ScenarioError>),
}

/// What reading one frame from the capture gave.
enum Pulled {
    /// A frame of this run, now `frames[index]`.
    Ours(usize),
    /// Someone else's frame (or one that is not IP/TCP/UDP/ICMP).
    Other,
    /// Nothing arrived in time.
    Idle,
}

impl Engine {
    /// Opens the capture on `lo`. Call this before creating any socket, so no packet can be missed.
    /// Step-locking waits for each call's packets, so the capture must hand each one over at once.
    pub(crate) fn open(
        scenario: impl Into<String>,
        family: Family,
    ) -> Result<Engine, ScenarioError> {
        Ok(Engine::with_source(
            scenario.into(),
            family,
            LiveSource::open_immediate("lo")?,
        ))
    }

    /// A fresh attempt on the same capture: opening one costs little, but closing one waits for an RCU
    /// grace period (milliseconds), so retries keep theirs. Frames of the earlier attempt are ignored
    /// because its ports are forgotten.
    pub(crate) fn restart(self) -> Engine {
        let strict = self.strict;
        let mut engine = Engine::with_source(self.scenario, self.family, self.source);
        engine.strict = strict;
        engine
    }

    fn with_source(scenario: String, family: Family, source: LiveSource) -> Engine {
        Engine {
            scenario,
            family,
            source,
            analyzer: Analyzer::new(),
            strict: false,
            surprises: Vec::new(),
            ports: RunPorts::default(),
            frames: Vec::new(),
            observed: Vec::new(),
            timeline: Vec::new(),
            pending_optional: Vec::new(),
            notes: Vec::new(),
            undecodable: (0, None),
            started: None,
            last_step_done: None,
            step_timeout: STEP_TIMEOUT,
        }
    }

    pub(crate) fn family(&self) -> Family {
        self.family
    }

    /// From now on a frame that no step expects is a failure ([`StepMismatch::Unexpected`]) instead of a
    /// note: lessons promise the learner exactly the packets they list.
    pub(crate) fn set_strict(&mut self) {
        self.strict = true;
    }

    /// Strict runs: frames that arrived between steps although no step expected them, taken once.
    pub(crate) fn take_surprises(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.surprises)
    }

    /// How many entries the timeline has, so a caller can mark where its own steps begin.
    pub(crate) fn timeline_len(&self) -> usize {
        self.timeline.len()
    }

    /// Records a socket call whose outcome the caller has already worded.
    pub(crate) fn record_call(&mut self, call: SocketCall) {
        self.timeline.push(TimelineEntry::Call(call));
    }

    /// Declares a port of this run; frames are kept only if their ports are the run's.
    pub(crate) fn add_port(&mut self, side: Side, proto: Proto, port: u16) {
        self.ports.add(side, proto, port);
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// What each of this run's frames was, in capture order.
    pub(crate) fn observed(&self) -> &[Observed] {
        &self.observed
    }

    /// A call that returns at once: recorded as returned, then its packets are awaited.
    /// A failing call is an error of the scenario.
    pub(crate) fn call<T>(
        &mut self,
        actor: &str,
        call: &str,
        op: impl FnOnce() -> io::Result<T>,
        show: impl FnOnce(&T) -> String,
        expect: &[Expect],
    ) -> Result<T, ScenarioError> {
        let result = self.try_call(actor, call, op, show, expect)?;
        result.map_err(|source| self.socket_error(actor, call, source))
    }

    /// Like [`Engine::call`], but a failure is an outcome the scenario wants to show (ECONNREFUSED, ...).
    pub(crate) fn try_call<T>(
        &mut self,
        actor: &str,
        call: &str,
        op: impl FnOnce() -> io::Result<T>,
        show: impl FnOnce(&T) -> String,
        expect: &[Expect],
    ) -> Result<io::Result<T>, ScenarioError> {
        self.begin_step()?;
        let result = op();
        self.record_outcome(actor, call, &result, show);
        self.wait_for(call, expect)?;
        Ok(result)
    }

    /// A call that blocks until packets went back and forth (connect): recorded as "called", then its
    /// packets, then "returned", so the order is the same on every run.
    pub(crate) fn blocking_call<T>(
        &mut self,
        actor: &str,
        call: &str,
        op: impl FnOnce() -> io::Result<T>,
        show: impl FnOnce(&T) -> String,
        expect: &[Expect],
    ) -> Result<io::Result<T>, ScenarioError> {
        self.begin_step()?;
        self.record_called(actor, call);
        let result = op();
        self.wait_for(call, expect)?;
        self.record_outcome(actor, call, &result, show);
        Ok(result)
    }

    /// Takes in frames already queued (they belong to earlier steps) and starts the clock.
    pub(crate) fn begin_step(&mut self) -> Result<(), ScenarioError> {
        self.started.get_or_insert_with(Instant::now);
        self.drain()
    }

    pub(crate) fn record_called(&mut self, actor: &str, call: &str) {
        self.timeline.push(TimelineEntry::Call(SocketCall {
            actor: actor.to_string(),
            call: call.to_string(),
            outcome: CallOutcome::Called,
        }));
    }

    pub(crate) fn record_outcome<T>(
        &mut self,
        actor: &str,
        call: &str,
        result: &io::Result<T>,
        show: impl FnOnce(&T) -> String,
    ) {
        let outcome = match result {
            Ok(value) => CallOutcome::Returned { value: show(value) },
            Err(error) => CallOutcome::Failed {
                errno: errno_name(error),
                message: error_message(error),
            },
        };
        self.timeline.push(TimelineEntry::Call(SocketCall {
            actor: actor.to_string(),
            call: call.to_string(),
            outcome,
        }));
    }

    pub(crate) fn socket_error(&self, actor: &str, call: &str, source: io::Error) -> ScenarioError {
        ScenarioError::Socket {
            scenario: self.scenario.as_str().into(),
            family: self.family,
            actor: actor.to_string(),
            call: call.to_string(),
            source,
        }
    }

    pub(crate) fn unexpected(&self, detail: impl Into<String>) -> ScenarioError {
        ScenarioError::Unexpected {
            scenario: self.scenario.as_str().into(),
            family: self.family,
            detail: detail.into(),
        }
    }

    /// Reads frames until every required packet of `expect` has arrived, or fails naming `step`.
    pub(crate) fn wait_for(&mut self, step: &str, expect: &[Expect]) -> Result<(), ScenarioError> {
        match self.wait_matching(step, expect) {
            Ok(()) => Ok(()),
            Err(StepMismatch::Capture(error)) => Err(*error),
            Err(StepMismatch::Missing { missing, seen }) => {
                Err(self.missing(step, expect, &missing, &seen))
            }
            Err(StepMismatch::Unexpected { frame, seen }) => Err(self.unexpected(format!(
                "step {step:?}: frame {} ({}) was not expected (saw {})",
                frame + 1,
                self.observed[frame],
                self.describe_frames(&seen)
            ))),
        }
    }

    /// Reads frames until every required packet of `expect` has arrived. Strict runs stop at the first
    /// frame nothing expects; other runs note it, saying it came during `step`.
    pub(crate) fn wait_matching(
        &mut self,
        step: &str,
        expect: &[Expect],
    ) -> Result<(), StepMismatch> {
        let deadline = Instant::now() + self.step_timeout;
        let mut matched = vec![false; expect.len()];
        let mut seen_during_step: Vec<usize> = Vec::new();
        let all_required_matched = |matched: &[bool]| {
            expect
                .iter()
                .zip(matched)
                .all(|(wanted, done)| *done || !wanted.required)
        };
        while !all_required_matched(&matched) {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                let missing = expect
                    .iter()
                    .zip(&matched)
                    .enumerate()
                    .filter(|(_, (wanted, done))| wanted.required && !**done)
                    .map(|(index, _)| index)
                    .collect();
                return Err(StepMismatch::Missing {
                    missing,
                    seen: seen_during_step,
                });
            }
            let Pulled::Ours(index) = self
                .pull(remaining)
                .map_err(|error| StepMismatch::Capture(Box::new(error)))?
            else {
                continue;
            };
            seen_during_step.push(index);
            let observed = self.observed[index];
            let current = expect
                .iter()
                .zip(matched.iter_mut())
                .find(|(wanted, done)| !**done && wanted.matches(&observed));
            match current {
                Some((_, done)) => *done = true,
                None => {
                    self.account_for_late(index, step);
                    if let Some(frame) = self.surprises.pop() {
                        return Err(StepMismatch::Unexpected {
                            frame,
                            seen: seen_during_step,
                        });
                    }
                }
            }
        }
        for (wanted, done) in expect.iter().zip(&matched) {
            if !done && !wanted.required {
                self.pending_optional.push(*wanted);
            }
        }
        self.last_step_done = Some(Instant::now());
        Ok(())
    }

    /// "frame 3: client→server SYN, frame 4: ..." or "none of this run's packets", plus undecodable frames.
    fn describe_frames(&self, frames: &[usize]) -> String {
        let mut seen: Vec<String> = frames
            .iter()
            .map(|index| format!("frame {}: {}", index + 1, self.observed[*index]))
            .collect();
        if seen.is_empty() {
            seen.push("none of this run's packets".to_string());
        }
        let mut seen = seen.join(", ");
        if let (count @ 1.., Some(first)) = &self.undecodable {
            let _ = write!(
                seen,
                "; {count} frame(s) on lo could not be decoded, the first because: {first}"
            );
        }
        seen
    }

    /// Takes in every frame already queued, without waiting.
    fn drain(&mut self) -> Result<(), ScenarioError> {
        loop {
            match self.pull(Duration::ZERO)? {
                Pulled::Ours(index) => self.account_for_late(index, "before the next call"),
                Pulled::Other => {}
                Pulled::Idle => return Ok(()),
            }
        }
    }

    /// A frame the current step did not ask for: a late optional packet, or (noted) a surprise.
    fn account_for_late(&mut self, index: usize, when: &str) {
        let observed = self.observed[index];
        if let Some(position) = self
            .pending_optional
            .iter()
            .position(|wanted| wanted.matches(&observed))
        {
            self.pending_optional.remove(position);
        } else if self.strict {
            self.surprises.push(index);
        } else {
            self.notes.push(format!(
                "frame {} ({observed}) was not expected by any step (it arrived {when})",
                index + 1
            ));
        }
    }

    /// Reads one frame, waiting at most `timeout`; keeps it (and puts it on the timeline) if it is ours.
    fn pull(&mut self, timeout: Duration) -> Result<Pulled, ScenarioError> {
        let frame = match self.source.next_frame_within(timeout)? {
            Next::Frame(frame) => frame,
            Next::Idle => return Ok(Pulled::Idle),
            Next::End => {
                return Err(self.unexpected("the live capture on lo ended"));
            }
        };
        let packet = match decode::decode(&frame) {
            Ok(packet) => packet,
            Err(error) => {
                self.undecodable.0 += 1;
                self.undecodable.1.get_or_insert_with(|| error.to_string());
                return Ok(Pulled::Other);
            }
        };
        let Some(mut observed) = Observed::classify(&packet, self.family, &self.ports) else {
            return Ok(Pulled::Other);
        };
        let verdict = self.analyzer.process(&packet);
        observed.rel_seq = verdict.rel_seq;
        observed.rel_ack = verdict.rel_ack;
        let index = self.frames.len();
        self.frames.push(OwnedFrame {
            number: index as u64 + 1,
            ..OwnedFrame::from(frame)
        });
        self.observed.push(observed);
        self.timeline.push(TimelineEntry::Frame(index));
        Ok(Pulled::Ours(index))
    }

    fn missing(
        &self,
        step: &str,
        expect: &[Expect],
        missing: &[usize],
        seen_during_step: &[usize],
    ) -> ScenarioError {
        let missing: Vec<String> = missing
            .iter()
            .filter_map(|index| expect.get(*index))
            .map(ToString::to_string)
            .collect();
        let expected: Vec<String> = expect.iter().map(ToString::to_string).collect();
        ScenarioError::MissingPackets {
            scenario: self.scenario.as_str().into(),
            family: self.family,
            step: step.to_string(),
            missing: missing.join(" and "),
            expected: expected.join(", "),
            seen: self.describe_frames(seen_during_step),
            timeout_ms: self.step_timeout.as_millis() as u64,
        }
    }

    /// What this run's frame `index` was, if there is one.
    pub(crate) fn observed_frame(&self, index: usize) -> Option<&Observed> {
        self.observed.get(index)
    }

    /// Packets sent at the same moment from two CPUs can reach the capture in one order and carry kernel
    /// timestamps in the other; the frames keep capture order, and the learner is told.
    fn note_timestamp_inversions(&mut self) {
        for pair in self.frames.windows(2) {
            let backwards = pair[0].timestamp.since(pair[1].timestamp);
            if backwards > 0 {
                self.notes.push(format!(
                    "frames {} and {} were sent at the same moment from two CPUs: the kernel stamped frame {} \
                     {backwards} ns earlier than frame {}, although the capture received it second",
                    pair[0].number, pair[1].number, pair[1].number, pair[0].number
                ));
            }
        }
    }

    /// Takes in what is already queued and hands over the run.
    pub(crate) fn finish(mut self, tries: u32) -> Result<ScenarioRun, ScenarioError> {
        self.drain()?;
        // The run's own frame count; drops are counted for all of `lo`, since the kernel cannot tell whose.
        let stats = CaptureStats {
            frames: self.frames.len() as u64,
            kernel_drops: self.source.stats().kernel_drops,
        };
        if !stats.is_complete() {
            self.notes.push(format!(
                "the kernel dropped {} frame(s) on lo during this run, so this capture may be incomplete",
                stats.kernel_drops
            ));
        }
        self.note_timestamp_inversions();
        let elapsed = match (self.started, self.last_step_done) {
            (Some(start), Some(end)) => end.saturating_duration_since(start),
            _ => Duration::ZERO,
        };
        Ok(ScenarioRun {
            name: self.scenario,
            family: self.family,
            endpoints: self.ports.endpoints(self.family),
            frames: self.frames,
            timeline: self.timeline,
            stats,
            tries,
            notes: self.notes,
            elapsed,
        })
    }
}

/// The errno's C name ("ECONNREFUSED"), which is what a learner looks up.
pub(crate) fn errno_name(error: &io::Error) -> String {
    let Some(code) = error.raw_os_error() else {
        return format!("{:?}", error.kind());
    };
    let name = match code {
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::ECONNRESET => "ECONNRESET",
        libc::ECONNABORTED => "ECONNABORTED",
        libc::EAGAIN => "EAGAIN",
        libc::EPIPE => "EPIPE",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::ENOTCONN => "ENOTCONN",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::EHOSTUNREACH => "EHOSTUNREACH",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::EINVAL => "EINVAL",
        libc::EINTR => "EINTR",
        libc::EINPROGRESS => "EINPROGRESS",
        libc::EISCONN => "EISCONN",
        libc::EBADF => "EBADF",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::EPERM => "EPERM",
        libc::EACCES => "EACCES",
        _ => return format!("errno {code}"),
    };
    name.to_string()
}

/// The error's text without Rust's " (os error N)" suffix: "Connection refused".
fn error_message(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::expect;

    #[test]
    fn a_step_whose_packets_never_come_names_itself_and_what_was_missing() {
        let mut engine = match Engine::open("demo", Family::V4) {
            Ok(engine) => engine,
            Err(error) if error.is_permission_denied() => {
                {
                    // Straight to stderr, past the test harness's capture: a skip must be seen.
                    use std::io::Write as _;
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED (needs CAP_NET_RAW): a_step_whose_packets_never_come: {error}"
                    );
                }
                return;
            }
            Err(error) => panic!("{error}"),
        };
        engine.step_timeout = Duration::from_millis(30);
        // Port 1 (tcpmux) is never used on loopback here, so nothing can match.
        engine.add_port(Side::Server, Proto::Tcp, 1);
        let started = Instant::now();
        let error = engine
            .wait_for(
                "connect(127.0.0.1:1)",
                &[
                    expect::syn(Side::Client),
                    expect::ack(Side::Server).optional(),
                ],
            )
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1));
        let text = error.to_string();
        assert!(text.contains("demo over IPv4"), "{text}");
        assert!(text.contains("step \"connect(127.0.0.1:1)\""), "{text}");
        assert!(
            text.contains("client→server SYN never arrived within 30 ms"),
            "{text}"
        );
        assert!(text.contains("server→client ACK (optional)"), "{text}");
        assert!(text.contains("saw none of this run's packets"), "{text}");
    }

    #[test]
    fn strict_runs_report_frames_no_step_expects() {
        let mut engine = match Engine::open("strict", Family::V4) {
            Ok(engine) => engine,
            Err(error) if error.is_permission_denied() => {
                {
                    // Straight to stderr, past the test harness's capture: a skip must be seen.
                    use std::io::Write as _;
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED (needs CAP_NET_RAW): strict_runs_report_frames: {error}"
                    );
                }
                return;
            }
            Err(error) => panic!("{error}"),
        };
        engine.set_strict();
        engine.step_timeout = Duration::from_millis(500);
        let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let server = std::net::UdpSocket::bind(any).unwrap();
        let client = std::net::UdpSocket::bind(any).unwrap();
        let server_address = server.local_addr().unwrap();
        engine.add_port(Side::Server, Proto::Udp, server_address.port());
        engine.begin_step().unwrap();
        client.send_to(b"abc", server_address).unwrap();
        // The datagram was expected: it matches, with the client's port.
        let client_port = client.local_addr().unwrap().port();
        let wanted = expect::udp(Side::Client, 3).for_client(Some(client_port));
        engine.wait_matching("sendto", &[wanted]).unwrap();
        assert_eq!(engine.observed()[0].client_port, client_port);
        // A datagram nobody expects, caught between steps...
        client.send_to(b"late", server_address).unwrap();
        let deadline = Instant::now() + Duration::from_secs(2);
        while engine.observed().len() < 2 && Instant::now() < deadline {
            engine.begin_step().unwrap();
        }
        assert_eq!(engine.take_surprises(), vec![1]);
        assert!(engine.take_surprises().is_empty());
        // ... or during a step, which then stops at once.
        client.send_to(b"xy", server_address).unwrap();
        match engine.wait_matching("sendto", &[expect::udp(Side::Client, 5)]) {
            Err(StepMismatch::Unexpected { frame: 2, .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errno_names_and_messages_read_like_c() {
        let refused = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(errno_name(&refused), "ECONNREFUSED");
        assert_eq!(error_message(&refused), "Connection refused");
        let odd = io::Error::from_raw_os_error(4095);
        assert_eq!(errno_name(&odd), "errno 4095");
        let custom = io::Error::other("boom");
        assert_eq!(error_message(&custom), "boom");
    }
}
