//! Runs a lesson on the scenario engine, step-locked: each step's call is made, then exactly the packets
//! the lesson lists are awaited. A packet nobody listed, one that never comes, or a call that returns
//! something else stops the run with the lesson file's line, the step, and the expected and actual packet.
//!
//! Timing can legitimately change what the kernel sends (a delayed ACK that fires before the application
//! closes, say); such a run is tried again on fresh sockets, a few times, and the learner is told.

use super::error::{Diagnostic, LessonError};
use super::model::{
    Action, Expected, Lesson, PacketKind, PacketSpec, PortArg, Protocol, Role, Step,
};
use super::ops::{self, new_socket, Op, OpValue, Outcome, Worker};
use super::packet_spec::flags_text;
use super::text::tr;
use crate::decode::TcpFlags;
use crate::lang::Lang;
use crate::render::StableNames;
use crate::scenario::engine::{Engine, StepMismatch, STEP_TIMEOUT};
use crate::scenario::expect::{self, Expect, Observation, Observed, Proto, Side};
use crate::scenario::ScenarioRun;
use crate::timeline::{CallOutcome, SocketCall};
use socket2::{SockAddr, Socket};
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::path::{Path, PathBuf};

/// Runs of a lesson before its failure is reported: a mismatch caused by timing rarely happens twice.
const MAX_ATTEMPTS: u32 = 5;

/// Everything a lesson's run produced.
#[derive(Debug)]
pub struct LessonRun {
    /// Calls and frames, as any scenario run has them.
    pub run: ScenarioRun,
    /// `step_starts[i]` is the timeline index where step `i + 1` begins.
    pub step_starts: Vec<usize>,
    /// Names for the run's addresses: "client:ephemeral", "server:echo".
    pub names: StableNames,
    /// /proc/sys/net/ipv4/ip_local_port_range of the network the run used.
    pub port_range: Option<(u16, u16)>,
    /// What each step's call gave back, by step.
    pub results: Vec<CallResult>,
}

/// What one step's call gave back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallResult {
    /// The return value (0, or a byte count).
    pub value: Option<i64>,
    /// The errno it failed with.
    pub errno: Option<String>,
}

/// Runs `lesson`, capturing on `lo`; texts of call results are in `lang`.
pub fn run(lesson: &Lesson, lang: Lang) -> Result<LessonRun, LessonError> {
    let port_range = read_port_range();
    let unix_dir = UnixDir::create(lesson)?;
    let mut engine = Engine::open(lesson.id.clone(), lesson.family)?;
    engine.set_strict();
    let mut reasons: Vec<String> = Vec::new();
    for tries in 1..=MAX_ATTEMPTS {
        let mut attempt = Attempt::new(lesson, engine, lang, unix_dir.path());
        let outcome = attempt.run_steps();
        let Attempt {
            engine: used,
            actors,
            names,
            step_starts,
            results,
            ..
        } = attempt;
        match outcome {
            Ok(()) => {
                let mut run = used.finish(tries)?;
                // Sockets close after the capture is read: nothing they send now can change the run.
                abort_all(actors);
                if tries > 1 {
                    run.notes.insert(
                        0,
                        format!(
                            "this lesson needed {tries} runs; the earlier ones were discarded: {}",
                            distinct(&reasons)
                        ),
                    );
                }
                return Ok(LessonRun {
                    run,
                    step_starts,
                    names,
                    port_range,
                    results,
                });
            }
            Err(Stop::Fail(error)) => {
                abort_all(actors);
                return Err(error);
            }
            Err(Stop::Retry(diagnostic)) => {
                abort_all(actors);
                if tries == MAX_ATTEMPTS {
                    let same = reasons.iter().all(|reason| *reason == diagnostic.message);
                    let note = if same {
                        format!("socklab ran the lesson {MAX_ATTEMPTS} times (timing can change what the kernel sends), and every run stopped here")
                    } else {
                        format!(
                            "socklab ran the lesson {MAX_ATTEMPTS} times (timing can change what the kernel sends); the earlier runs stopped at: {}",
                            distinct(&reasons)
                        )
                    };
                    return Err(LessonError::Failed(Box::new(diagnostic.note(note))));
                }
                reasons.push(diagnostic.message.clone());
                engine = used.restart();
            }
        }
    }
    unreachable_attempts()
}

/// Each distinct reason once, with how often it happened: "A (twice) | B".
fn distinct(reasons: &[String]) -> String {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for reason in reasons {
        match counted.iter_mut().find(|(known, _)| *known == reason) {
            Some((_, count)) => *count += 1,
            None => counted.push((reason, 1)),
        }
    }
    counted
        .iter()
        .map(|(reason, count)| match count {
            1 => reason.to_string(),
            count => format!("{reason} ({count} times)"),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The loop above always returns; this keeps the compiler (and clippy) content without a panic.
fn unreachable_attempts() -> Result<LessonRun, LessonError> {
    Err(LessonError::Failed(Box::new(Diagnostic {
        file: String::new(),
        line: 0,
        column: 0,
        message: "the lesson was never run".to_string(),
        source_line: String::new(),
        underline: (0, 0),
        notes: Vec::new(),
    })))
}

/// Closes every socket still open with RST (SO_LINGER 0), so no connection of this attempt lingers in
/// TIME-WAIT on a port the next attempt may bind again.
fn abort_all(actors: Vec<ActorRuntime>) {
    for runtime in actors {
        if let Some(worker) = &runtime.worker {
            let _ = worker.perform(Op::SetOption(super::model::SocketOption::LingerZero));
        }
        for socket in [&runtime.socket, &runtime.conn].into_iter().flatten() {
            let _ = socket.set_linger(Some(std::time::Duration::ZERO));
        }
    }
}

/// Reads the kernel's ephemeral port range ("32768\t60999").
fn read_port_range() -> Option<(u16, u16)> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut numbers = text.split_whitespace().map(|number| number.parse::<u16>());
    match (numbers.next(), numbers.next()) {
        (Some(Ok(low)), Some(Ok(high))) => Some((low, high)),
        _ => None,
    }
}

/// A private folder for Unix domain socket files, removed when the run ends.
struct UnixDir(PathBuf);

impl UnixDir {
    fn create(lesson: &Lesson) -> Result<UnixDir, LessonError> {
        let path =
            std::env::temp_dir().join(format!("socklab-{}-{}", lesson.id, std::process::id()));
        if lesson
            .actors
            .iter()
            .any(|actor| actor.protocol == Protocol::Unix)
        {
            std::fs::create_dir_all(&path).map_err(|source| LessonError::Read {
                path: path.clone(),
                source,
            })?;
        }
        Ok(UnixDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for UnixDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Why an attempt stopped.
enum Stop {
    /// The wire did not match; timing may be to blame, so another run may.
    Retry(Box<Diagnostic>),
    /// The lesson cannot succeed (a call returned something else), or the engine failed.
    Fail(LessonError),
}

impl From<LessonError> for Stop {
    fn from(error: LessonError) -> Self {
        Stop::Fail(error)
    }
}

/// One actor's sockets during a run.
#[derive(Default)]
struct ActorRuntime {
    /// Its own socket: the listening one, for a server that listens.
    socket: Option<Socket>,
    /// The connection its last accept() returned (when no `as` names a new actor for it).
    conn: Option<Socket>,
    /// The owner of the socket, for actors whose calls run on their own thread.
    worker: Option<Worker>,
    /// Its own address once it has one (the listening or bound address for servers).
    local: Option<SocketAddr>,
    /// The peer of its connection (a server's accepted connection, or an accepted actor).
    peer: Option<SocketAddr>,
    /// Unix domain sockets: the file it is bound to.
    unix_path: Option<PathBuf>,
    /// Stream bytes recv() has returned so far on the current connection.
    read_bytes: u64,
    /// How many kernel-picked ports it has had (the second is "client:ephemeral-2").
    ephemeral_ports: u32,
}

struct Attempt<'l> {
    lesson: &'l Lesson,
    engine: Engine,
    lang: Lang,
    unix_dir: &'l Path,
    actors: Vec<ActorRuntime>,
    names: StableNames,
    /// Named ports: name, number, and how they are shown ("server:echo").
    named_ports: Vec<(String, u16, String)>,
    step_starts: Vec<usize>,
    results: Vec<CallResult>,
}

/// Which of an actor's sockets a call uses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Own,
    Conn,
}

impl<'l> Attempt<'l> {
    fn new(lesson: &'l Lesson, engine: Engine, lang: Lang, unix_dir: &'l Path) -> Attempt<'l> {
        Attempt {
            lesson,
            engine,
            lang,
            unix_dir,
            actors: lesson
                .actors
                .iter()
                .map(|_| ActorRuntime::default())
                .collect(),
            names: StableNames::new(),
            named_ports: Vec::new(),
            step_starts: Vec::new(),
            results: Vec::new(),
        }
    }

    fn run_steps(&mut self) -> Result<(), Stop> {
        let lesson = self.lesson;
        let mut previous: Option<&Step> = None;
        for step in &lesson.steps {
            self.engine.begin_step().map_err(LessonError::from)?;
            self.check_surprises(previous)?;
            self.step_starts.push(self.engine.timeline_len());
            self.step(step)?;
            previous = Some(step);
        }
        self.engine.begin_step().map_err(LessonError::from)?;
        self.check_surprises(previous)
    }

    /// Frames that arrived between steps although no step expects them.
    fn check_surprises(&mut self, previous: Option<&Step>) -> Result<(), Stop> {
        let surprises = self.engine.take_surprises();
        let Some(&frame) = surprises.first() else {
            return Ok(());
        };
        let Some(step) = previous.or_else(|| self.lesson.steps.first()) else {
            return Ok(());
        };
        let actual = self.observed_text(frame);
        let diagnostic = self
            .step_diagnostic(
                step,
                format!(
                    "Packet #{} `{actual}` arrived after step {} ({}), but no step of the lesson expects it.",
                    frame + 1,
                    step.number,
                    self.step_label(step)
                ),
            )
            .note(format!("step {} expects: {}", step.number, expected_list(step)))
            .note("a packet the lesson does not list usually means timing changed what the kernel sent (a delayed ACK fired before the next call, say)");
        Err(Stop::Retry(Box::new(diagnostic)))
    }

    fn step_label(&self, step: &Step) -> String {
        format!("{}: {}", self.lesson.actor(step.actor).name, step.written)
    }

    fn step_diagnostic(&self, step: &Step, message: String) -> Diagnostic {
        let lesson = self.lesson;
        let offset = line_offset(&lesson.source, step.line, step.column);
        let len = step.written.len();
        Diagnostic::at(
            &lesson.file,
            &lesson.source,
            (offset, offset + len),
            message,
        )
    }

    fn step(&mut self, step: &Step) -> Result<(), Stop> {
        let actor = step.actor;
        let needs_socket = !matches!(step.action, Action::Socket | Action::Close { .. });
        if needs_socket && self.has_no_socket(actor) {
            self.create_socket(step, actor)?;
        }
        match &step.action {
            Action::Socket => {
                if !self.has_no_socket(actor) {
                    let message = format!(
                        "Step {} ({}) creates a socket, but `{}` already has one.",
                        step.number,
                        self.step_label(step),
                        self.lesson.actor(actor).name
                    );
                    return Err(Stop::Fail(LessonError::Failed(Box::new(
                        self.step_diagnostic(step, message),
                    ))));
                }
                self.create_socket(step, actor)
            }
            Action::Bind(port) => self.bind(step, port),
            Action::Listen(backlog) => {
                let call = format!("listen({backlog})");
                self.call(step, call, Op::Listen(*backlog as i32), Slot::Own, false)
            }
            Action::Connect(target) => {
                let address = self.address_of(step, *target)?;
                let call = format!("connect({})", self.address_text(&address));
                // A TCP connect() waits for the handshake; UDP and Unix connect() return at once.
                let blocking = self.lesson.actor(actor).protocol == Protocol::Tcp;
                let op = Op::Connect(address.sock_addr);
                self.call(step, call, op, Slot::Own, blocking)
            }
            Action::Accept => self.call(step, "accept()".to_string(), Op::Accept, Slot::Own, false),
            Action::Send(payload) => {
                let call = format!("send({})", payload_text(&payload.bytes, payload.quoted));
                self.call(
                    step,
                    call,
                    Op::Send(payload.bytes.clone()),
                    Slot::Conn,
                    false,
                )
            }
            Action::Recv(capacity) => {
                let wait_for = self.bytes_on_their_way(actor);
                let call = format!("recv({capacity})");
                let op = Op::Recv {
                    capacity: *capacity,
                    wait_for,
                };
                self.call(step, call, op, Slot::Conn, false)
            }
            Action::SendTo(payload, target) => {
                let address = self.address_of(step, *target)?;
                let call = format!(
                    "sendto({}, {})",
                    payload_text(&payload.bytes, payload.quoted),
                    self.address_text(&address)
                );
                let op = Op::SendTo(payload.bytes.clone(), address.sock_addr);
                self.call(step, call, op, Slot::Own, false)
            }
            Action::RecvFrom { capacity, dontwait } => {
                let call = if *dontwait {
                    format!("recvfrom({capacity}, MSG_DONTWAIT)")
                } else {
                    format!("recvfrom({capacity})")
                };
                let op = Op::RecvFrom {
                    capacity: *capacity,
                    dontwait: *dontwait,
                };
                self.call(step, call, op, Slot::Own, false)
            }
            Action::Shutdown(how) => {
                let call = format!("shutdown({})", how.c_name());
                let how = match how {
                    super::model::ShutdownHow::Read => Shutdown::Read,
                    super::model::ShutdownHow::Write => Shutdown::Write,
                    super::model::ShutdownHow::Both => Shutdown::Both,
                };
                self.call(step, call, Op::Shutdown(how), Slot::Conn, false)
            }
            Action::Close { listener } => {
                let has_conn = self.actors[actor].conn.is_some();
                let (call, slot) = if *listener || (!has_conn && self.is_listening_server(actor)) {
                    ("close(listener)".to_string(), Slot::Own)
                } else {
                    ("close()".to_string(), Slot::Conn)
                };
                self.call(step, call, Op::Close, slot, false)
            }
            Action::SetOption(option) => {
                let call = match option {
                    super::model::SocketOption::LingerZero => {
                        "setsockopt(SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0})".to_string()
                    }
                    super::model::SocketOption::NoDelay => {
                        "setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)".to_string()
                    }
                    super::model::SocketOption::ReuseAddr => {
                        "setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)".to_string()
                    }
                    super::model::SocketOption::QuickAck => {
                        "setsockopt(IPPROTO_TCP, TCP_QUICKACK, 1)".to_string()
                    }
                };
                self.call(step, call, Op::SetOption(*option), Slot::Conn, false)
            }
        }
    }

    /// A server whose own socket listens (closing it closes the listener, not a connection).
    fn is_listening_server(&self, actor: usize) -> bool {
        self.lesson.actor(actor).role == Role::Server
            && self
                .lesson
                .steps
                .iter()
                .any(|step| step.actor == actor && matches!(step.action, Action::Listen(_)))
    }

    fn has_no_socket(&self, actor: usize) -> bool {
        let runtime = &self.actors[actor];
        runtime.socket.is_none() && runtime.worker.is_none() && runtime.conn.is_none()
    }

    /// socket(): recorded like any call; it puts nothing on the wire.
    fn create_socket(&mut self, step: &Step, actor: usize) -> Result<(), Stop> {
        let spec = self.lesson.actor(actor);
        let (domain, kind) = match (spec.protocol, self.lesson.family) {
            (Protocol::Unix, _) => ("AF_UNIX", "SOCK_STREAM"),
            (Protocol::Tcp, family) => (family.af_name(), "SOCK_STREAM"),
            (Protocol::Udp, family) => (family.af_name(), "SOCK_DGRAM"),
        };
        let call = format!("socket({domain}, {kind}, 0)");
        let result = new_socket(spec.protocol, self.lesson.family);
        match result {
            Ok(socket) => {
                self.actors[actor].socket = Some(socket);
                self.record(
                    actor,
                    &call,
                    CallOutcome::Returned {
                        value: tr(self.lang, "a new socket", "一个新套接字").to_string(),
                    },
                );
                Ok(())
            }
            Err(error) => {
                let message = format!(
                    "Step {} ({}): socket() failed: {error}.",
                    step.number,
                    self.step_label(step)
                );
                Err(Stop::Fail(LessonError::Failed(Box::new(
                    self.step_diagnostic(step, message),
                ))))
            }
        }
    }

    fn record(&mut self, actor: usize, call: &str, outcome: CallOutcome) {
        self.engine.record_call(SocketCall {
            actor: self.lesson.actor(actor).name.clone(),
            call: call.to_string(),
            outcome,
        });
    }

    fn bind(&mut self, step: &Step, port: &PortArg) -> Result<(), Stop> {
        let actor = step.actor;
        if self.lesson.actor(actor).protocol == Protocol::Unix {
            let PortArg::Named(name) = port else {
                return Ok(());
            };
            let path = self.unix_dir.join(format!("{name}.sock"));
            let address = SockAddr::unix(&path).map_err(|error| self.io_failure(step, error))?;
            self.actors[actor].unix_path = Some(path);
            let call = format!("bind(\"{name}.sock\")");
            return self.call(step, call, Op::Bind(address), Slot::Own, false);
        }
        let loopback = self.lesson.family.loopback();
        let (number, call) = match port {
            PortArg::Ephemeral => (0, format!("bind({})", SocketAddr::new(loopback, 0))),
            PortArg::Literal(number) => (
                *number,
                format!("bind({})", SocketAddr::new(loopback, *number)),
            ),
            PortArg::Named(name) => match self.named_ports.iter().find(|(known, ..)| known == name)
            {
                Some((_, number, shown)) => (*number, format!("bind({shown})")),
                None => (0, format!("bind({})", SocketAddr::new(loopback, 0))),
            },
        };
        let address = SockAddr::from(SocketAddr::new(loopback, number));
        self.call(step, call, Op::Bind(address), Slot::Own, false)
    }

    /// The address actor `target` can be reached at.
    fn address_of(&self, step: &Step, target: usize) -> Result<Target, Stop> {
        let runtime = &self.actors[target];
        if let Some(path) = &runtime.unix_path {
            let sock_addr = SockAddr::unix(path).map_err(|error| self.io_failure(step, error))?;
            let file = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Ok(Target {
                sock_addr,
                shown: format!("\"{file}\""),
            });
        }
        match runtime.local.filter(|address| address.port() != 0) {
            Some(address) => Ok(Target {
                sock_addr: SockAddr::from(address),
                shown: self.name_or_address(address),
            }),
            None => {
                let message = format!(
                    "Step {} ({}): `{}` has no address yet, so nobody can reach it; let it bind() (or listen()) in an earlier step.",
                    step.number,
                    self.step_label(step),
                    self.lesson.actor(target).name
                );
                Err(Stop::Fail(LessonError::Failed(Box::new(
                    self.step_diagnostic(step, message),
                ))))
            }
        }
    }

    fn address_text(&self, target: &Target) -> String {
        target.shown.clone()
    }

    fn name_or_address(&self, address: SocketAddr) -> String {
        self.names
            .name(address)
            .map_or_else(|| address.to_string(), str::to_string)
    }

    fn io_failure(&self, step: &Step, error: io::Error) -> Stop {
        let message = format!(
            "Step {} ({}) could not be prepared: {error}.",
            step.number,
            self.step_label(step)
        );
        Stop::Fail(LessonError::Failed(Box::new(
            self.step_diagnostic(step, message),
        )))
    }

    /// TCP bytes the peer has sent towards `actor`'s connection (the capture saw them) that it has not
    /// read yet.
    fn bytes_on_their_way(&self, actor: usize) -> usize {
        let spec = self.lesson.actor(actor);
        if spec.protocol != Protocol::Tcp {
            return 0;
        }
        let runtime = &self.actors[actor];
        let (from, client_port) = match spec.role {
            Role::Client => (Side::Server, runtime.local.map(|address| address.port())),
            Role::Server => (Side::Client, runtime.peer.map(|address| address.port())),
        };
        let Some(client_port) = client_port else {
            return 0;
        };
        let sent: u64 = self
            .engine
            .observed()
            .iter()
            .filter(|observed| {
                observed.from == from
                    && observed.client_port == client_port
                    && matches!(observed.what, Observation::Tcp { .. })
            })
            .map(|observed| u64::from(observed.payload_len))
            .sum();
        usize::try_from(sent.saturating_sub(runtime.read_bytes)).unwrap_or(usize::MAX)
    }

    /// Makes one call through the engine: record it, perform it, name the ports it revealed, check its
    /// result, and wait for exactly the packets the step lists.
    fn call(
        &mut self,
        step: &Step,
        call: String,
        op: Op,
        slot: Slot,
        blocking: bool,
    ) -> Result<(), Stop> {
        let actor = step.actor;
        if blocking {
            self.record(actor, &call, CallOutcome::Called);
        }
        let seen_before = self.engine.observed().len();
        let outcome = self.perform(actor, op, slot);
        let Outcome { result, local } = outcome;
        let own_socket_used = slot == Slot::Own || self.actors[actor].conn.is_none();
        if own_socket_used && self.actors[actor].worker.is_none() {
            if let Some(local) = local {
                self.note_local_address(step, local);
            }
        }
        let (value, shown) = match result {
            Ok(value) => {
                let shown = self.show_value(step, &value);
                let number = self.store_value(step, value)?;
                (Ok(number), shown)
            }
            Err(error) => {
                let errno = crate::scenario::engine::errno_name(&error);
                let message = error_message(&error);
                (Err((errno, message)), String::new())
            }
        };
        let outcome = match &value {
            Ok(_) => CallOutcome::Returned { value: shown },
            Err((errno, message)) => CallOutcome::Failed {
                errno: errno.clone(),
                message: message.clone(),
            },
        };
        if !blocking {
            self.record(actor, &call, outcome.clone());
        }
        self.results.push(match &value {
            Ok(number) => CallResult {
                value: *number,
                errno: None,
            },
            Err((errno, _)) => CallResult {
                value: None,
                errno: Some(errno.clone()),
            },
        });
        self.check_result(step, &call, &value)?;
        self.await_packets(step)?;
        self.name_ports_seen_on_the_wire(step, seen_before);
        if blocking {
            self.record(actor, &call, outcome);
        }
        Ok(())
    }

    fn perform(&mut self, actor: usize, op: Op, slot: Slot) -> Outcome {
        let runtime = &mut self.actors[actor];
        if let Some(worker) = &runtime.worker {
            return worker.perform(op);
        }
        let socket = match slot {
            Slot::Conn if runtime.conn.is_some() => &mut runtime.conn,
            _ => &mut runtime.socket,
        };
        ops::perform(op, socket)
    }

    /// After a call on the actor's own socket: a port the kernel picked (or a bind asked for) gets its name.
    fn note_local_address(&mut self, step: &Step, local: SocketAddr) {
        let actor = step.actor;
        // A socket whose connect() failed keeps its port but forgets its address (0.0.0.0): on loopback
        // its packets came from the loopback address.
        let local = if local.ip().is_unspecified() && local.port() != 0 {
            SocketAddr::new(self.lesson.family.loopback(), local.port())
        } else {
            local
        };
        self.actors[actor].local = Some(local);
        if local.port() == 0 || self.names.name(local).is_some() {
            return;
        }
        let spec = self.lesson.actor(actor);
        let name = match &step.action {
            Action::Bind(PortArg::Literal(number)) => format!("{}:{number}", spec.name),
            Action::Bind(PortArg::Named(port_name)) => {
                let shown = format!("{}:{port_name}", spec.name);
                if !self
                    .named_ports
                    .iter()
                    .any(|(known, ..)| known == port_name)
                {
                    self.named_ports
                        .push((port_name.clone(), local.port(), shown.clone()));
                }
                shown
            }
            _ => {
                let runtime = &mut self.actors[actor];
                runtime.ephemeral_ports += 1;
                match runtime.ephemeral_ports {
                    1 => format!("{}:ephemeral", spec.name),
                    count => format!("{}:ephemeral-{count}", spec.name),
                }
            }
        };
        self.names.insert(local, name);
        let side = side_of(spec.role);
        let proto = match spec.protocol {
            Protocol::Udp => Proto::Udp,
            _ => Proto::Tcp,
        };
        if spec.protocol != Protocol::Unix {
            self.engine.add_port(side, proto, local.port());
        }
    }

    /// A client port the kernel gave up again before getsockname() could see it (a refused connect()
    /// leaves the socket unbound) is still named, from the packets the step caused.
    fn name_ports_seen_on_the_wire(&mut self, step: &Step, seen_before: usize) {
        let ports: Vec<u16> = self
            .engine
            .observed()
            .get(seen_before..)
            .unwrap_or(&[])
            .iter()
            .map(|observed| observed.client_port)
            .collect();
        let loopback = self.lesson.family.loopback();
        for port in ports {
            if self.names.port_name(port).is_some() {
                continue;
            }
            let unnamed_client = step.packets.iter().find_map(|spec| {
                let client = if self.lesson.actor(spec.from).role == Role::Client {
                    spec.from
                } else {
                    spec.to
                };
                let known = self.actors[client]
                    .local
                    .is_some_and(|address| address.port() != 0);
                (!known).then_some(client)
            });
            let Some(client) = unnamed_client else {
                return;
            };
            let runtime = &mut self.actors[client];
            runtime.ephemeral_ports += 1;
            let name = match runtime.ephemeral_ports {
                1 => format!("{}:ephemeral", self.lesson.actor(client).name),
                count => format!("{}:ephemeral-{count}", self.lesson.actor(client).name),
            };
            runtime.local = Some(SocketAddr::new(loopback, port));
            self.names.insert(SocketAddr::new(loopback, port), name);
        }
    }

    /// The result as the ladder shows it: "0", "5 B", "5 B: \"hello\"", "a new socket connected to ...".
    fn show_value(&self, step: &Step, value: &OpValue) -> String {
        let lang = self.lang;
        match value {
            OpValue::Done => match &step.action {
                Action::Bind(port) => {
                    let local = self.actors[step.actor].local;
                    let picked = match port {
                        PortArg::Ephemeral => true,
                        PortArg::Named(name) => self.first_bind_of(step, name),
                        PortArg::Literal(_) => false,
                    };
                    match (picked, local.and_then(|address| self.names.name(address))) {
                        (true, Some(name)) => format!(
                            "0 {}{name}{}",
                            tr(
                                lang,
                                "(the kernel picked a free port: ",
                                "（内核选了一个空闲端口："
                            ),
                            tr(lang, ")", "）")
                        ),
                        _ => "0".to_string(),
                    }
                }
                _ => "0".to_string(),
            },
            OpValue::Sent(count) => format!("{count} B"),
            OpValue::Received(bytes) => received_text(bytes, lang),
            OpValue::ReceivedFrom(bytes, from) => {
                let from = from.map_or_else(String::new, |address| self.name_or_address(address));
                match lang {
                    Lang::En => format!("{} from {from}", received_text(bytes, lang)),
                    Lang::ZhCn => format!("{}，来自 {from}", received_text(bytes, lang)),
                }
            }
            OpValue::Accepted(_, peer) => {
                let peer = peer.map_or_else(
                    || tr(lang, "an unnamed socket", "一个未命名的套接字").to_string(),
                    |address| self.name_or_address(address),
                );
                match lang {
                    Lang::En => format!("a new socket connected to {peer}"),
                    Lang::ZhCn => format!("一个新套接字，已连接到 {peer}"),
                }
            }
        }
    }

    /// True when `step` is the first bind() of the named port `name` (the one that let the kernel pick).
    fn first_bind_of(&self, step: &Step, name: &str) -> bool {
        self.lesson
            .steps
            .iter()
            .find(|candidate| matches!(&candidate.action, Action::Bind(PortArg::Named(known)) if known == name))
            .is_some_and(|first| first.number == step.number)
    }

    /// Keeps what a call returned where later steps need it; gives its numeric value.
    fn store_value(&mut self, step: &Step, value: OpValue) -> Result<Option<i64>, Stop> {
        let actor = step.actor;
        Ok(match value {
            OpValue::Done => Some(0),
            OpValue::Sent(count) => Some(count as i64),
            OpValue::Received(bytes) => {
                let runtime = &mut self.actors[actor];
                runtime.read_bytes = runtime.read_bytes.saturating_add(bytes.len() as u64);
                Some(bytes.len() as i64)
            }
            OpValue::ReceivedFrom(bytes, _) => Some(bytes.len() as i64),
            OpValue::Accepted(socket, peer) => {
                match step.creates {
                    Some(new_actor) => {
                        let spec = self.lesson.actor(new_actor);
                        let local = self.actors[actor].local;
                        let worker = if spec.thread {
                            Some(
                                Worker::spawn(&spec.name, socket)
                                    .map_err(|error| self.io_failure(step, error))?,
                            )
                        } else {
                            self.actors[new_actor].socket = Some(socket);
                            None
                        };
                        let runtime = &mut self.actors[new_actor];
                        runtime.local = local;
                        runtime.peer = peer;
                        runtime.worker = worker;
                    }
                    None => {
                        let runtime = &mut self.actors[actor];
                        runtime.conn = Some(socket);
                        runtime.peer = peer;
                        runtime.read_bytes = 0;
                    }
                }
                None
            }
        })
    }

    fn check_result(
        &self,
        step: &Step,
        call: &str,
        value: &Result<Option<i64>, (String, String)>,
    ) -> Result<(), Stop> {
        let label = format!(
            "Step {} ({}: {call})",
            step.number,
            self.lesson.actor(step.actor).name
        );
        let problem = match (&step.expected, value) {
            (None, Ok(_)) => return Ok(()),
            (None, Err((errno, message))) => format!(
                "{label} failed with {errno} ({message}), but the lesson expects it to succeed; if the failure is the point, add result = \"{errno}\"."
            ),
            (Some(Expected::Value(wanted)), Ok(Some(actual))) if wanted == actual => return Ok(()),
            (Some(Expected::Value(_)), Ok(None)) => return Ok(()),
            (Some(Expected::Value(wanted)), Ok(Some(actual))) => {
                format!("{label} returned {actual}, but the lesson expects {wanted}.")
            }
            (Some(Expected::Value(wanted)), Err((errno, message))) => format!(
                "{label} failed with {errno} ({message}), but the lesson expects it to return {wanted}."
            ),
            (Some(Expected::Errno(wanted)), Err((errno, _))) if wanted == errno => return Ok(()),
            (Some(Expected::Errno(wanted)), Err((errno, message))) => format!(
                "{label} failed with {errno} ({message}), but the lesson expects {wanted}."
            ),
            (Some(Expected::Errno(wanted)), Ok(actual)) => format!(
                "{label} returned {}, but the lesson expects it to fail with {wanted}.",
                actual.map_or_else(|| "a socket".to_string(), |value| value.to_string())
            ),
        };
        Err(Stop::Fail(LessonError::Failed(Box::new(
            self.step_diagnostic(step, problem),
        ))))
    }

    /// The step's packets as the engine matches them.
    fn expectations(&self, step: &Step) -> Vec<Expect> {
        step.packets
            .iter()
            .map(|spec| {
                let from = self.lesson.actor(spec.from);
                let side = side_of(from.role);
                let client = if from.role == Role::Client {
                    spec.from
                } else {
                    spec.to
                };
                let client_port = self.actors[client]
                    .local
                    .map(|address| address.port())
                    .filter(|port| *port != 0);
                let wanted = match spec.kind {
                    PacketKind::Tcp { set, clear } => Expect::tcp_flags(side, set, clear, spec.len),
                    PacketKind::Udp => expect::udp_any(side, spec.len),
                    PacketKind::IcmpPortUnreachable => expect::icmp_port_unreachable(side),
                };
                let wanted = wanted
                    .with_seq(spec.seq)
                    .with_ack(spec.ack)
                    .for_client(client_port);
                if spec.optional {
                    wanted.optional()
                } else {
                    wanted
                }
            })
            .collect()
    }

    fn await_packets(&mut self, step: &Step) -> Result<(), Stop> {
        let expectations = self.expectations(step);
        let label = self.step_label(step);
        match self.engine.wait_matching(&label, &expectations) {
            Ok(()) => Ok(()),
            Err(StepMismatch::Capture(error)) => Err(Stop::Fail(LessonError::Scenario(error))),
            Err(StepMismatch::Missing { missing, seen }) => {
                let Some(spec) = missing.first().and_then(|index| step.packets.get(*index)) else {
                    return Ok(());
                };
                Err(Stop::Retry(Box::new(
                    self.missing_packet(step, spec, &seen),
                )))
            }
            Err(StepMismatch::Unexpected { frame, .. }) => {
                Err(Stop::Retry(Box::new(self.unexpected_packet(step, frame))))
            }
        }
    }

    fn missing_packet(&self, step: &Step, spec: &PacketSpec, seen: &[usize]) -> Diagnostic {
        let lesson = self.lesson;
        let offset = line_offset(&lesson.source, spec.line, spec.column);
        let raw_len = lesson
            .source
            .get(offset..)
            .and_then(|rest| rest.find('"'))
            .unwrap_or(spec.written.len());
        let mut diagnostic = Diagnostic::at(
            &lesson.file,
            &lesson.source,
            (offset, offset + raw_len),
            format!(
                "Step {} ({}): the expected packet `{}` never came within {} ms.",
                step.number,
                self.step_label(step),
                spec.written,
                STEP_TIMEOUT.as_millis()
            ),
        );
        diagnostic = diagnostic.note(format!("expected: {}", spec.written));
        let nearest = seen
            .iter()
            .filter_map(|index| Some((*index, self.engine.observed_frame(*index)?)))
            .map(|(index, observed)| (index, differences(spec, observed, self)))
            .min_by_key(|(_, differences)| differences.len());
        match nearest {
            Some((index, differences)) => {
                diagnostic = diagnostic.note(format!(
                    "actual:   {} (packet #{})",
                    self.observed_text(index),
                    index + 1
                ));
                if !differences.is_empty() {
                    diagnostic = diagnostic.note(differences.join("; "));
                }
            }
            None => {
                diagnostic =
                    diagnostic.note("actual:   no packet of this run arrived during the step");
            }
        }
        diagnostic
    }

    fn unexpected_packet(&self, step: &Step, frame: usize) -> Diagnostic {
        let actual = self.observed_text(frame);
        let nearest = self.engine.observed_frame(frame).and_then(|observed| {
            step.packets
                .iter()
                .map(|spec| (spec, differences(spec, observed, self)))
                .filter(|(_, differences)| !differences.iter().any(|text| text.starts_with("it ")))
                .min_by_key(|(_, differences)| differences.len())
        });
        let Some((spec, differences)) = nearest else {
            return self
                .step_diagnostic(
                    step,
                    format!(
                        "Step {} ({}): packet #{} `{actual}` was not expected.",
                        step.number,
                        self.step_label(step),
                        frame + 1
                    ),
                )
                .note(format!("this step expects: {}", expected_list(step)))
                .note("a packet the lesson does not list usually means timing changed what the kernel sent (a delayed ACK fired, say)");
        };
        let lesson = self.lesson;
        let offset = line_offset(&lesson.source, spec.line, spec.column);
        let raw_len = lesson
            .source
            .get(offset..)
            .and_then(|rest| rest.find('"'))
            .unwrap_or(spec.written.len());
        let mut diagnostic = Diagnostic::at(
            &lesson.file,
            &lesson.source,
            (offset, offset + raw_len),
            format!(
                "Step {} ({}): packet #{} does not match the expected packet.",
                step.number,
                self.step_label(step),
                frame + 1
            ),
        )
        .note(format!("expected: {}", spec.written))
        .note(format!("actual:   {actual} (packet #{})", frame + 1));
        if !differences.is_empty() {
            diagnostic = diagnostic.note(differences.join("; "));
        }
        diagnostic
    }

    /// Frame `index` written as a lesson writes packets: "server > client S. seq 0 ack 1".
    fn observed_text(&self, index: usize) -> String {
        match self.engine.observed_frame(index) {
            Some(observed) => write_observed(observed, self),
            None => format!("#{}", index + 1),
        }
    }

    /// The lesson's name for the client end of `observed`, and for its server end.
    fn ends(&self, observed: &Observed) -> (String, String) {
        let wanted = match observed.what {
            Observation::Tcp { .. } => Protocol::Tcp,
            _ => Protocol::Udp,
        };
        let lesson = self.lesson;
        let client = lesson
            .actors
            .iter()
            .zip(&self.actors)
            .find(|(spec, runtime)| {
                spec.role == Role::Client
                    && runtime
                        .local
                        .is_some_and(|address| address.port() == observed.client_port)
            })
            .or_else(|| {
                lesson
                    .actors
                    .iter()
                    .zip(&self.actors)
                    .find(|(spec, _)| spec.role == Role::Client && spec.protocol == wanted)
            })
            .map_or("client", |(spec, _)| spec.name.as_str());
        let server = lesson
            .actors
            .iter()
            .zip(&self.actors)
            .find(|(spec, runtime)| {
                spec.role == Role::Server
                    && runtime
                        .peer
                        .is_some_and(|address| address.port() == observed.client_port)
            })
            .or_else(|| {
                lesson
                    .actors
                    .iter()
                    .zip(&self.actors)
                    .find(|(spec, _)| spec.role == Role::Server && spec.protocol == wanted)
            })
            .map_or("server", |(spec, _)| spec.name.as_str());
        (client.to_string(), server.to_string())
    }
}

/// A resolved destination: the address, and how the call shows it.
struct Target {
    sock_addr: SockAddr,
    shown: String,
}

fn side_of(role: Role) -> Side {
    match role {
        Role::Client => Side::Client,
        Role::Server => Side::Server,
    }
}

/// Byte offset of a 1-based line and column (in characters) in `source`.
pub(crate) fn line_offset(source: &str, line: usize, column: usize) -> usize {
    let line_start = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let rest = source.get(line_start..).unwrap_or("");
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(offset, _)| offset)
}

/// The step's expected packets, for messages.
fn expected_list(step: &Step) -> String {
    if step.packets.is_empty() {
        "no packets".to_string()
    } else {
        step.packets
            .iter()
            .map(|spec| format!("`{}`", spec.written))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn write_observed(observed: &Observed, attempt: &Attempt<'_>) -> String {
    let (client, server) = attempt.ends(observed);
    let (from, to) = match observed.from {
        Side::Client => (client, server),
        Side::Server => (server, client),
    };
    match observed.what {
        Observation::Tcp { flags, .. } => {
            let mut text = format!(
                "{from} > {to} {}",
                flags_text(
                    flags.0 & super::packet_spec::MEANINGFUL,
                    super::packet_spec::MEANINGFUL
                )
            );
            if let Some(seq) = observed.rel_seq {
                text.push_str(&format!(" seq {seq}"));
            }
            if flags.has(TcpFlags::ACK) {
                if let Some(ack) = observed.rel_ack {
                    text.push_str(&format!(" ack {ack}"));
                }
            }
            if observed.payload_len > 0 {
                text.push_str(&format!(" len {}", observed.payload_len));
            }
            text
        }
        Observation::Udp => format!("{from} > {to} udp len {}", observed.payload_len),
        Observation::IcmpUnreachable {
            port_unreachable: true,
        } => format!("{from} > {to} icmp port-unreachable"),
        Observation::IcmpUnreachable {
            port_unreachable: false,
        } => format!("{from} > {to} icmp unreachable"),
    }
}

/// How `observed` differs from `spec`: "ack differs: expected 1, actual 2".
fn differences(spec: &PacketSpec, observed: &Observed, attempt: &Attempt<'_>) -> Vec<String> {
    let mut found = Vec::new();
    let from_role = attempt.lesson.actor(spec.from).role;
    if side_of(from_role) != observed.from {
        found.push("it goes the other way".to_string());
    }
    match (spec.kind, observed.what) {
        (PacketKind::Tcp { set, clear }, Observation::Tcp { flags, .. }) => {
            let bits = flags.0 & super::packet_spec::MEANINGFUL;
            if bits & set != set || bits & clear != 0 {
                found.push(format!(
                    "flags differ: expected {}, actual {}",
                    flags_text(set, clear),
                    flags_text(bits, super::packet_spec::MEANINGFUL)
                ));
            }
            for (name, wanted, actual) in [
                ("seq", spec.seq, observed.rel_seq),
                ("ack", spec.ack, observed.rel_ack),
            ] {
                if let Some(wanted) = wanted {
                    if actual != Some(wanted) {
                        found.push(format!(
                            "{name} differs: expected {wanted}, actual {}",
                            actual.map_or_else(|| "none".to_string(), |value| value.to_string())
                        ));
                    }
                }
            }
        }
        (PacketKind::Udp, Observation::Udp) => {}
        (
            PacketKind::IcmpPortUnreachable,
            Observation::IcmpUnreachable {
                port_unreachable: true,
            },
        ) => {}
        _ => found.push("it is another kind of packet".to_string()),
    }
    if let Some(len) = spec.len {
        if len != observed.payload_len && spec.kind != PacketKind::IcmpPortUnreachable {
            found.push(format!(
                "len differs: expected {len}, actual {}",
                observed.payload_len
            ));
        }
    }
    found
}

/// `"hello"` or `1000 B`.
fn payload_text(bytes: &[u8], quoted: bool) -> String {
    if quoted {
        format!("\"{}\"", bytes.escape_ascii())
    } else {
        format!("{} B", bytes.len())
    }
}

/// `5 B: "hello"`, `0 B: end of stream ...`; long data is cut after 24 bytes.
fn received_text(bytes: &[u8], lang: Lang) -> String {
    if bytes.is_empty() {
        return tr(
            lang,
            "0 B: end of stream (the peer's FIN was read)",
            "0 B：流结束（读到了对方的 FIN）",
        )
        .to_string();
    }
    const SHOWN: usize = 24;
    let colon = tr(lang, ": ", "：");
    if bytes.len() <= SHOWN {
        format!("{} B{colon}\"{}\"", bytes.len(), bytes.escape_ascii())
    } else {
        format!(
            "{} B{colon}\"{}…\"",
            bytes.len(),
            bytes.get(..SHOWN).unwrap_or(bytes).escape_ascii()
        )
    }
}

/// The error's text without Rust's " (os error N)" suffix.
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

    #[test]
    fn offsets_of_lines_and_columns() {
        let source = "a\nbc名d\n";
        assert_eq!(line_offset(source, 1, 1), 0);
        assert_eq!(line_offset(source, 2, 1), 2);
        assert_eq!(line_offset(source, 2, 4), 4 + 3);
        assert_eq!(line_offset(source, 9, 9), source.len());
    }

    #[test]
    fn results_read_like_c() {
        assert_eq!(received_text(b"hi", Lang::En), "2 B: \"hi\"");
        assert_eq!(received_text(b"hi", Lang::ZhCn), "2 B：\"hi\"");
        assert!(received_text(&[b'a'; 30], Lang::En).ends_with("aaaa…\""));
        assert_eq!(payload_text(b"a\n", true), "\"a\\n\"");
        assert_eq!(payload_text(&[0; 1000], false), "1000 B");
    }

    #[test]
    fn the_port_range_is_two_numbers() {
        if let Some((low, high)) = read_port_range() {
            assert!(low <= high);
        }
    }
}
