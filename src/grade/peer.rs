//! The role socklab plays against a submission: real sockets on 127.0.0.1 following the exercise's script.
//!
//! Every call is logged with the time it happened, so it can be merged with the captured packets (whose
//! kernel timestamps use the same clock) into one ladder. A step that cannot finish (nothing arrives, the
//! connection is refused, the submission exited) stops the script: what the submission did is judged on
//! the wire afterwards, never by the script's success.

use super::bytes_text::escaped_capped;
use super::exercise::{PeerKind, PeerSpec, Prepare};
use super::exit_watch::{poll_any, ExitWatch};
use super::proc_net;
use super::step::{RecvUntil, Step};
use super::tcp_info;
use crate::analysis::Role;
use crate::capture::Timestamp;
use crate::timeline::{CallOutcome, SocketCall};
use serde::Serialize;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a send or a close waits for the kernel's acknowledgement (loopback takes microseconds).
const ACK_WAIT: Duration = Duration::from_millis(300);
/// How often a waiting step checks whether the submission is still running, where there is no pidfd.
const SLICE: Duration = Duration::from_millis(20);
/// The most a `recv` step reads.
const RECV_LIMIT: usize = 64 * 1024;

/// A socket call at the moment it happened.
#[derive(Clone, Debug)]
pub struct TimedCall {
    pub at: Timestamp,
    pub call: SocketCall,
}

/// One step of the script and how it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub step: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct PeerLog {
    pub calls: Vec<TimedCall>,
    pub steps: Vec<StepRecord>,
    /// Why the script stopped before its end, if it did.
    pub stopped: Option<String>,
    /// Client addresses of the connections socklab made for itself before the submission started.
    pub prepared_clients: Vec<SocketAddr>,
    /// socklab's UDP ports.
    pub udp_ports: Vec<u16>,
}

pub fn now() -> Timestamp {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_parts(since.as_secs() as i64, since.subsec_nanos())
}

/// Why a wait ended without its event.
enum Missed {
    Timeout,
    SubmissionExited,
}

pub struct Peer<'a> {
    spec: &'a PeerSpec,
    port: u16,
    step_timeout: Duration,
    deadline: Instant,
    /// The submission, to stop waiting once it has exited.
    submission: Option<ExitWatch>,
    actor: &'static str,
    pub log: PeerLog,
    listener: Option<TcpListener>,
    connection: Option<TcpStream>,
    udp: Option<UdpSocket>,
    last_sender: Option<SocketAddr>,
}

impl<'a> Peer<'a> {
    pub fn new(spec: &'a PeerSpec, submission: Role, port: u16, step_timeout: Duration) -> Self {
        let actor = match submission {
            Role::Client => "server",
            Role::Server => "client",
        };
        Peer {
            spec,
            port,
            step_timeout,
            deadline: Instant::now() + Duration::from_secs(3600),
            submission: None,
            actor,
            log: PeerLog::default(),
            listener: None,
            connection: None,
            udp: None,
            last_sender: None,
        }
    }

    /// From now on, waiting steps also end when process `pid` has exited.
    pub fn watch(&mut self, pid: u32) {
        self.submission = Some(ExitWatch::new(pid));
    }

    /// Whether the watched process still runs; it is not reaped, so its owner can still wait for it.
    fn alive(&self) -> bool {
        self.submission
            .as_ref()
            .is_none_or(|submission| !submission.exited())
    }

    fn target(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    fn log_call(&mut self, actor: &str, call: &str, outcome: CallOutcome) {
        self.log.calls.push(TimedCall {
            at: now(),
            call: SocketCall {
                actor: actor.to_string(),
                call: call.to_string(),
                outcome,
            },
        });
    }

    fn returned(&mut self, call: &str, value: impl Into<String>) {
        let actor = self.actor;
        self.log_call(
            actor,
            call,
            CallOutcome::Returned {
                value: value.into(),
            },
        );
    }

    fn failed(&mut self, call: &str, error: &io::Error) {
        let actor = self.actor;
        let message = error.to_string();
        let message = message
            .split(" (os error")
            .next()
            .unwrap_or(&message)
            .to_string();
        self.log_call(
            actor,
            call,
            CallOutcome::Failed {
                errno: errno_name(error),
                message,
            },
        );
    }

    fn called(&mut self, call: &str) {
        let actor = self.actor;
        self.log_call(actor, call, CallOutcome::Called);
    }

    /// Everything that must exist before the submission starts: the TIME-WAIT to inherit, and socklab's
    /// listening or bound socket (so a client submission never races socklab).
    pub fn prepare(&mut self) -> io::Result<()> {
        if self.spec.prepare == Some(Prepare::TimeWait) {
            self.leave_time_wait()?;
        }
        match (self.spec.kind, self.actor) {
            (PeerKind::TcpServer, _) => {
                let listener = TcpListener::bind(self.target())?;
                listener.set_nonblocking(true)?;
                self.returned(&format!("listen({})", self.target()), "0");
                self.listener = Some(listener);
            }
            (PeerKind::Udp, "server") => {
                let socket = UdpSocket::bind(self.target())?;
                self.log.udp_ports.push(self.port);
                self.returned(&format!("bind({})", self.target()), "0");
                self.udp = Some(socket);
            }
            (PeerKind::Udp, _) => {
                let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
                self.log.udp_ports.push(socket.local_addr()?.port());
                self.udp = Some(socket);
            }
            (PeerKind::TcpClient, _) => {}
        }
        Ok(())
    }

    /// A server on the exercise's port that closes first, so the port sits in TIME-WAIT, as after a restart.
    fn leave_time_wait(&mut self) -> io::Result<()> {
        let listener = TcpListener::bind(self.target())?;
        self.log_call(
            "server (earlier run)",
            &format!("listen({})", self.target()),
            CallOutcome::Returned { value: "0".into() },
        );
        let mut client = TcpStream::connect(self.target())?;
        let (server, _) = listener.accept()?;
        drop(listener);
        self.log.prepared_clients.push(client.local_addr()?);
        self.log_call("server (earlier run)", "close()", CallOutcome::Called);
        server.shutdown(Shutdown::Write)?;
        tcp_info::wait_fin_acked(&server, ACK_WAIT);
        let mut rest = Vec::new();
        client.set_read_timeout(Some(ACK_WAIT))?;
        client.read_to_end(&mut rest)?;
        client.shutdown(Shutdown::Write)?;
        tcp_info::wait_fin_acked(&client, ACK_WAIT);
        drop(client);
        drop(server);
        self.log_call(
            "server (earlier run)",
            "exit",
            CallOutcome::Returned {
                value: "port left in TIME-WAIT".into(),
            },
        );
        Ok(())
    }

    /// Runs the script until its end, a failed step, or `deadline`.
    pub fn run(&mut self, deadline: Instant) {
        self.deadline = deadline;
        let steps = self.spec.steps.clone();
        for step in &steps {
            if Instant::now() >= self.deadline {
                self.log.stopped = Some(format!("the time limit was reached before step `{step}`"));
                return;
            }
            let result = self.step(step);
            let (ok, detail) = match &result {
                Ok(detail) => (true, detail.clone()),
                Err(detail) => (false, detail.clone()),
            };
            self.log.steps.push(StepRecord {
                step: step.to_string(),
                ok,
                detail: detail.clone(),
            });
            if !ok {
                self.log.stopped = Some(format!("step `{step}`: {detail}"));
                return;
            }
        }
    }

    /// How long the current step may wait.
    fn step_deadline(&self) -> Instant {
        (Instant::now() + self.step_timeout).min(self.deadline)
    }

    fn waited(&self) -> String {
        format!("{} ms", self.step_timeout.as_millis())
    }

    /// Waits until `fd` is readable, the step's time is up, or the submission exited (its pidfd wakes the
    /// wait; without one, it is checked between slices).
    fn wait_readable(&mut self, fd: &impl AsRawFd, until: Instant) -> Result<(), Missed> {
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let readable = match self.submission.as_ref().and_then(ExitWatch::fd) {
                Some(pidfd) => poll_any(&[fd.as_raw_fd(), pidfd], left)[0],
                None => poll_readable(fd, left.min(SLICE)),
            };
            if readable {
                return Ok(());
            }
            if !self.alive() {
                // Whatever its exit put on the wire (a FIN, a last datagram) is queued by now.
                return if poll_readable(fd, Duration::ZERO) {
                    Ok(())
                } else {
                    Err(Missed::SubmissionExited)
                };
            }
            if Instant::now() >= until {
                return Err(Missed::Timeout);
            }
        }
    }

    fn missed(&self, missed: Missed, what: &str) -> String {
        match missed {
            Missed::Timeout => format!("{what} within {}", self.waited()),
            Missed::SubmissionExited => format!("{what}: the submission had exited"),
        }
    }

    fn step(&mut self, step: &Step) -> Result<String, String> {
        match step {
            Step::Accept => self.accept(),
            Step::Connect => self.connect(),
            Step::Send(bytes) => self.send(bytes),
            Step::Recv(until) => self.recv(*until),
            Step::Shutdown => self.shutdown(),
            Step::Close => self.close(),
            Step::SendTo(bytes) => self.send_to(bytes),
            Step::RecvFrom => self.recv_from(),
            Step::Pause(duration) => {
                let end = (Instant::now() + *duration).min(self.deadline);
                std::thread::sleep(end.saturating_duration_since(Instant::now()));
                Ok(format!("paused {} ms", duration.as_millis()))
            }
        }
    }

    fn accept(&mut self) -> Result<String, String> {
        self.connection = None;
        let Some(listener) = self.listener.take() else {
            return Err("no listening socket".into());
        };
        self.called("accept()");
        let until = self.step_deadline();
        let waited = self.wait_readable(&listener, until);
        let result = match waited {
            Ok(()) => match listener.accept() {
                Ok((stream, from)) => {
                    let _ = stream.set_nonblocking(false);
                    self.returned("accept()", format!("connection from {from}"));
                    self.connection = Some(stream);
                    Ok(format!("accepted {from}"))
                }
                Err(error) => {
                    self.failed("accept()", &error);
                    Err(format!("accept failed: {error}"))
                }
            },
            Err(missed) => {
                let detail = self.missed(missed, "no connection came");
                self.failed(
                    "accept()",
                    &io::Error::new(io::ErrorKind::TimedOut, detail.clone()),
                );
                Err(detail)
            }
        };
        self.listener = Some(listener);
        result
    }

    fn connect(&mut self) -> Result<String, String> {
        self.connection = None;
        // Connect as soon as the submission listens; if it never does, connect anyway so the refusal
        // (SYN answered by RST) is on the wire for the diagnosis.
        let until = self.step_deadline();
        while !proc_net::is_listening(self.port) && Instant::now() < until && self.alive() {
            std::thread::sleep(Duration::from_millis(2));
        }
        let call = format!("connect({})", self.target());
        self.called(&call);
        match TcpStream::connect_timeout(
            &self.target(),
            self.step_timeout.max(Duration::from_millis(100)),
        ) {
            Ok(stream) => {
                let local = stream
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                self.returned(&call, format!("0 (from {local})"));
                self.connection = Some(stream);
                Ok(format!("connected from {local}"))
            }
            Err(error) => {
                self.failed(&call, &error);
                Err(format!("connect failed: {error}"))
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<String, String> {
        let call = format!("send({} B)", bytes.len());
        let Some(mut stream) = self.connection.take() else {
            return Err("no connection".into());
        };
        let result = stream.write_all(bytes);
        match result {
            Ok(()) => {
                self.returned(
                    &call,
                    format!("{} B {}", bytes.len(), escaped_capped(bytes, 40)),
                );
                tcp_info::wait_all_acked(&stream, ACK_WAIT);
                self.connection = Some(stream);
                Ok(format!("sent {}", escaped_capped(bytes, 40)))
            }
            Err(error) => {
                self.failed(&call, &error);
                Err(format!("send failed: {error}"))
            }
        }
    }

    fn recv(&mut self, until: RecvUntil) -> Result<String, String> {
        let Some(mut stream) = self.connection.take() else {
            return Err("no connection".into());
        };
        let call = match until {
            RecvUntil::Any => "recv(1024)".to_string(),
            RecvUntil::Line => "recv() until \\n".to_string(),
            RecvUntil::Bytes(n) => format!("recv({n})"),
            RecvUntil::Eof => "recv() until end of stream".to_string(),
        };
        self.called(&call);
        let step_end = self.step_deadline();
        let mut got = Vec::new();
        let mut eof = false;
        let done = |got: &[u8], eof: bool| match until {
            RecvUntil::Any => !got.is_empty() || eof,
            RecvUntil::Line => got.contains(&b'\n') || eof,
            RecvUntil::Bytes(n) => got.len() >= n || eof,
            RecvUntil::Eof => eof,
        };
        let mut buffer = [0u8; 4096];
        let mut failure = None;
        while !done(&got, eof) && got.len() < RECV_LIMIT {
            if let Err(missed) = self.wait_readable(&stream, step_end) {
                failure = Some(missed);
                break;
            }
            let want = match until {
                RecvUntil::Any => 1024,
                RecvUntil::Bytes(n) => n.saturating_sub(got.len()).min(buffer.len()),
                _ => buffer.len(),
            };
            match stream.read(&mut buffer[..want.max(1)]) {
                Ok(0) => eof = true,
                Ok(n) => got.extend_from_slice(&buffer[..n]),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.failed(&call, &error);
                    return Err(format!("recv failed: {error}"));
                }
            }
        }
        let shown = escaped_capped(&got, 60);
        let result = match (failure, until) {
            (None, RecvUntil::Eof) => {
                let value = if got.is_empty() {
                    "b'' (end of stream)".to_string()
                } else {
                    format!("{} B {shown}, then b'' (end of stream)", got.len())
                };
                self.returned(&call, value);
                Ok(format!("end of stream after {shown}"))
            }
            (None, _) if got.is_empty() && eof => {
                self.returned(&call, "b'' (end of stream)");
                Err("the submission closed before sending anything".into())
            }
            (None, _) => {
                self.returned(&call, format!("{} B {shown}", got.len()));
                Ok(format!("received {shown}"))
            }
            (Some(missed), _) => {
                let what = match until {
                    RecvUntil::Eof => format!("no FIN (end of stream) after {shown}"),
                    RecvUntil::Line => format!("no complete line (got {shown})"),
                    _ => format!("not enough data (got {shown})"),
                };
                let detail = self.missed(missed, &what);
                self.failed(
                    &call,
                    &io::Error::new(io::ErrorKind::TimedOut, detail.clone()),
                );
                Err(detail)
            }
        };
        self.connection = Some(stream);
        result
    }

    /// Reads what is already queued, so closing never resets the connection because of unread bytes.
    fn drain(stream: &mut TcpStream) {
        let _ = stream.set_nonblocking(true);
        let mut buffer = [0u8; 4096];
        while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {}
        let _ = stream.set_nonblocking(false);
    }

    fn shutdown(&mut self) -> Result<String, String> {
        let Some(stream) = self.connection.as_ref() else {
            return Err("no connection".into());
        };
        match stream.shutdown(Shutdown::Write) {
            Ok(()) => {
                let acked = tcp_info::wait_fin_acked(stream, ACK_WAIT);
                self.returned("shutdown(SHUT_WR)", "0");
                Ok(if acked {
                    "FIN sent and acknowledged".into()
                } else {
                    "FIN sent".into()
                })
            }
            Err(error) => {
                self.failed("shutdown(SHUT_WR)", &error);
                Err(format!("shutdown failed: {error}"))
            }
        }
    }

    fn close(&mut self) -> Result<String, String> {
        let Some(mut stream) = self.connection.take() else {
            return Err("no connection".into());
        };
        Self::drain(&mut stream);
        let result = stream.shutdown(Shutdown::Write);
        let acked = result.is_ok() && tcp_info::wait_fin_acked(&stream, ACK_WAIT);
        drop(stream);
        match result {
            Ok(()) | Err(_) => {
                self.returned("close()", "0");
                Ok(if acked {
                    "closed, FIN acknowledged".into()
                } else {
                    "closed".into()
                })
            }
        }
    }

    fn send_to(&mut self, bytes: &[u8]) -> Result<String, String> {
        let Some(socket) = self.udp.take() else {
            return Err("no UDP socket".into());
        };
        let target = if self.actor == "client" {
            // Wait until the submission is bound, so the datagram is not lost to a race with its start.
            let until = self.step_deadline();
            while !proc_net::is_udp_bound(self.port) && Instant::now() < until && self.alive() {
                std::thread::sleep(Duration::from_millis(2));
            }
            Some(self.target())
        } else {
            self.last_sender
        };
        let Some(target) = target else {
            self.udp = Some(socket);
            return Err(
                "the submission has not sent a datagram, so there is no address to answer".into(),
            );
        };
        let call = format!("sendto({} B, {target})", bytes.len());
        let result = match socket.send_to(bytes, target) {
            Ok(n) => {
                self.returned(&call, format!("{n} B {}", escaped_capped(bytes, 40)));
                Ok(format!("sent {} to {target}", escaped_capped(bytes, 40)))
            }
            Err(error) => {
                self.failed(&call, &error);
                Err(format!("sendto failed: {error}"))
            }
        };
        self.udp = Some(socket);
        result
    }

    fn recv_from(&mut self) -> Result<String, String> {
        let Some(socket) = self.udp.take() else {
            return Err("no UDP socket".into());
        };
        self.called("recvfrom(65535)");
        let until = self.step_deadline();
        let result = match self.wait_readable(&socket, until) {
            Ok(()) => {
                let mut buffer = vec![0u8; 65536];
                match socket.recv_from(&mut buffer) {
                    Ok((n, from)) => {
                        self.last_sender = Some(from);
                        let shown = escaped_capped(&buffer[..n], 60);
                        self.returned("recvfrom(65535)", format!("{n} B {shown} from {from}"));
                        Ok(format!("received {shown} from {from}"))
                    }
                    Err(error) => {
                        // An ICMP port unreachable for our own earlier datagram surfaces here as ECONNREFUSED.
                        self.failed("recvfrom(65535)", &error);
                        Err(format!("recvfrom failed: {error}"))
                    }
                }
            }
            Err(missed) => {
                let detail = self.missed(missed, "no datagram arrived");
                self.failed(
                    "recvfrom(65535)",
                    &io::Error::new(io::ErrorKind::TimedOut, detail.clone()),
                );
                Err(detail)
            }
        };
        self.udp = Some(socket);
        result
    }
}

fn poll_readable(fd: &impl AsRawFd, timeout: Duration) -> bool {
    poll_any(&[fd.as_raw_fd()], timeout)[0]
}

/// The errno's C name, which is what a learner looks up ("ECONNREFUSED"); "timeout" for our own waits.
fn errno_name(error: &io::Error) -> String {
    let name = match error.raw_os_error() {
        Some(libc::ECONNREFUSED) => "ECONNREFUSED",
        Some(libc::ECONNRESET) => "ECONNRESET",
        Some(libc::EPIPE) => "EPIPE",
        Some(libc::ETIMEDOUT) => "ETIMEDOUT",
        Some(libc::ENOTCONN) => "ENOTCONN",
        Some(libc::EADDRINUSE) => "EADDRINUSE",
        Some(code) => return format!("errno {code}"),
        None if error.kind() == io::ErrorKind::TimedOut => "timeout",
        None => return format!("{:?}", error.kind()),
    };
    name.to_string()
}
