//! A lesson as the runner sees it: validated, with every name resolved to an index.

use super::concepts::Concept;
use super::question_kind::QuestionKind;
use super::text::Text;
use crate::scenario::Family;
use serde::Serialize;

#[derive(Clone, Debug)]
pub struct Lesson {
    pub id: String,
    /// Where the lesson came from, as shown in messages: "lessons/handshake.toml".
    pub file: String,
    /// The file's text, so a failure during the run can quote the line it is about.
    pub source: String,
    /// 1 (first steps) to 3 (needs the earlier lessons).
    pub level: u8,
    pub title: Text,
    /// What the lesson shows, in a sentence or two.
    pub summary: Text,
    pub objectives: Vec<Text>,
    pub concepts: Vec<&'static Concept>,
    pub actors: Vec<Actor>,
    pub steps: Vec<Step>,
    pub questions: Vec<Question>,
    /// The IP version of the lesson's TCP and UDP actors (IPv4 when it has none).
    pub family: Family,
}

impl Lesson {
    pub fn actor(&self, index: usize) -> &Actor {
        &self.actors[index]
    }

    pub fn actor_named(&self, name: &str) -> Option<usize> {
        self.actors.iter().position(|actor| actor.name == name)
    }
}

/// Which column an actor stands in, and which side of its connections it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Client,
    Server,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    /// AF_UNIX, SOCK_STREAM: the same calls as TCP, but nothing on the wire.
    Unix,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Unix => "unix",
        }
    }

    /// Stream sockets (TCP, Unix) listen, accept, send and recv; datagram sockets sendto and recvfrom.
    pub fn is_stream(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Unix)
    }
}

#[derive(Clone, Debug)]
pub struct Actor {
    /// "server", "client", "client2", "server-udp", or the name an accepted connection was given.
    pub name: String,
    pub role: Role,
    pub protocol: Protocol,
    /// The step whose accept() created this actor (None for actors declared in [actors]).
    pub accepted_in: Option<usize>,
    /// Its calls run on a thread of their own (a server's thread per client).
    pub thread: bool,
}

#[derive(Clone, Debug)]
pub struct Step {
    /// 1-based, in file order.
    pub number: usize,
    /// Where its `call` is written, for messages.
    pub line: usize,
    pub column: usize,
    pub actor: usize,
    /// The call as the lesson wrote it: "connect(server)".
    pub written: String,
    pub action: Action,
    pub expected: Option<Expected>,
    pub packets: Vec<PacketSpec>,
    pub narration: Option<Text>,
    /// accept() only: the actor that owns the new connection.
    pub creates: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Socket,
    Bind(PortArg),
    Listen(u32),
    /// To the address the actor `target` is bound to.
    Connect(usize),
    Accept,
    Send(Payload),
    /// recv(capacity).
    Recv(usize),
    SendTo(Payload, usize),
    RecvFrom {
        capacity: usize,
        dontwait: bool,
    },
    Shutdown(ShutdownHow),
    /// close(): the actor's connection, or its listening socket when it has none (or when `listener`).
    Close {
        listener: bool,
    },
    SetOption(SocketOption),
}

impl Action {
    /// The name of the call, as in C.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Socket => "socket",
            Action::Bind(_) => "bind",
            Action::Listen(_) => "listen",
            Action::Connect(_) => "connect",
            Action::Accept => "accept",
            Action::Send(_) => "send",
            Action::Recv(_) => "recv",
            Action::SendTo(..) => "sendto",
            Action::RecvFrom { .. } => "recvfrom",
            Action::Shutdown(_) => "shutdown",
            Action::Close { .. } => "close",
            Action::SetOption(_) => "setsockopt",
        }
    }
}

/// The port a bind() asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortArg {
    /// Port 0: the kernel picks a free (ephemeral) port.
    Ephemeral,
    /// Exactly this port.
    Literal(u16),
    /// A port the lesson names: the first bind() of the name lets the kernel pick one, later bind()s of
    /// the same name ask for that port again. Shown as `server:<name>`.
    Named(String),
}

/// Bytes to send, and how the lesson wrote them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub bytes: Vec<u8>,
    /// True for `"text"`, false for `N bytes`.
    pub quoted: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownHow {
    Read,
    Write,
    Both,
}

impl ShutdownHow {
    pub fn c_name(self) -> &'static str {
        match self {
            ShutdownHow::Read => "SHUT_RD",
            ShutdownHow::Write => "SHUT_WR",
            ShutdownHow::Both => "SHUT_RDWR",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketOption {
    /// SO_LINGER on with a timeout of 0 seconds: close() sends RST instead of FIN.
    LingerZero,
    NoDelay,
    ReuseAddr,
    QuickAck,
}

impl SocketOption {
    pub fn c_name(self) -> &'static str {
        match self {
            SocketOption::LingerZero => "SO_LINGER",
            SocketOption::NoDelay => "TCP_NODELAY",
            SocketOption::ReuseAddr => "SO_REUSEADDR",
            SocketOption::QuickAck => "TCP_QUICKACK",
        }
    }

    pub fn is_tcp_level(self) -> bool {
        matches!(self, SocketOption::NoDelay | SocketOption::QuickAck)
    }
}

/// What a step's call must give back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A return value: 0, or a byte count for send/recv.
    Value(i64),
    /// A failure with this errno ("ECONNREFUSED").
    Errno(String),
}

/// One packet a step must cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketSpec {
    /// As written in the lesson file: "server > client S. seq 0 ack 1".
    pub written: String,
    pub line: usize,
    pub column: usize,
    pub from: usize,
    pub to: usize,
    pub kind: PacketKind,
    /// Relative numbers; None is the `...` wildcard.
    pub seq: Option<u32>,
    pub ack: Option<u32>,
    /// Payload bytes; None is the `...` wildcard.
    pub len: Option<u32>,
    pub optional: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketKind {
    /// TCP flag bits that must be set, and those that must be clear.
    Tcp {
        set: u16,
        clear: u16,
    },
    Udp,
    IcmpPortUnreachable,
}

/// One quiz question: its kind decides the wording and how the answer is computed from the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub kind: QuestionKind,
    /// The step it asks about, for kinds that need one.
    pub step: Option<usize>,
    pub line: usize,
    pub column: usize,
}
