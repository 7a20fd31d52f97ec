//! What a packet means, as data. Text is produced per language only when rendering.

use serde::Serialize;

/// Which side of a connection sent a packet, or which endpoint a note is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The endpoint that sent the first SYN (or, for UDP, the first datagram).
    Client,
    Server,
}

impl Role {
    pub fn peer(self) -> Role {
        match self {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
        }
    }
}

/// One explanation attached to a packet. A packet may carry several (data with a FIN, for example).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Annotation {
    /// Handshake 1/3: SYN, the client asks to connect and chooses its ISN.
    HandshakeSyn,
    /// Handshake 2/3: SYN-ACK, the server accepts, chooses its ISN and acknowledges the client's.
    HandshakeSynAck,
    /// Handshake 3/3: ACK, the connection is established on both sides.
    HandshakeAck,
    /// A SYN (or SYN-ACK) sent again because no answer came.
    SynRetransmission,
    /// Application bytes, from `from` to the other side.
    Data { from: Role, bytes: u32 },
    /// An ACK with no data and no state change: acknowledges everything before relative `acked`.
    PureAck { from: Role, acked: u32 },
    /// Only the window changed: the receiver tells the sender it can take more (or less).
    WindowUpdate { from: Role, window: u32 },
    /// The sender advertises a window of 0: stop sending until told otherwise.
    ZeroWindow { from: Role },
    /// Bytes that were already sent once, sent again.
    Retransmission { from: Role, bytes: u32 },
    /// A segment whose sequence number is ahead of the next expected byte (a gap before it).
    OutOfOrder { from: Role },
    /// Teardown step `step` of 4 (1 or 3): a FIN, "I have nothing more to send".
    TeardownFin { from: Role, step: u8 },
    /// Teardown step `step` of 4 (2 or 4): the ACK of the peer's FIN.
    TeardownAck { from: Role, step: u8 },
    /// Teardown steps 2 and 3 in one segment: the ACK of the first FIN rode on the second FIN,
    /// because the application closed before the kernel's delayed ACK went out.
    TeardownFinAckPiggybacked { from: Role },
    /// Both sides sent a FIN before seeing the other's: simultaneous close, both pass through CLOSING.
    SimultaneousFin { from: Role },
    /// RST answering a SYN: nothing listens on that port, so connect() fails with ECONNREFUSED.
    RstRefused { port: u16 },
    /// RST on an open connection: an abortive close (SO_LINGER 0, or close() with unread data).
    RstAbort { from: Role },
    /// RST after the connection was already closing or closed.
    RstAfterClose { from: Role },
    /// A UDP datagram: 8-byte header plus `payload` bytes, no handshake and no ACK.
    UdpDatagram { from: Role, payload: u32 },
    /// ICMP port unreachable for a UDP datagram (packet `datagram`, if it was captured).
    IcmpPortUnreachable {
        datagram: Option<u64>,
        port: Option<u16>,
    },
    /// Another ICMP message, named by type and code.
    Icmp { icmp_type: u8, code: u8 },
    /// The first packet of this connection that the capture saw was not a SYN: it started earlier.
    MidStream,
    /// A segment that does not fit what the connection's state allows; `reason` says why.
    Unexpected { reason: Unexpected },
}

/// Why a segment was unexpected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unexpected {
    /// Data or SYN after this side already sent its FIN.
    AfterFin,
    /// It acknowledges bytes the peer never sent.
    AckOfUnsentData,
    /// A SYN on a connection that is already established.
    SynOnEstablished,
    /// A packet for a connection that was already fully closed.
    AfterClosed,
    /// A flag combination no real stack sends (SYN+FIN, no flags at all, ...).
    InvalidFlags,
}

impl Annotation {
    /// The teaching step this note names, such as ("handshake", 1, 3), for ladders and lesson matching.
    pub fn step(&self) -> Option<(&'static str, u8, u8)> {
        match *self {
            Annotation::HandshakeSyn => Some(("handshake", 1, 3)),
            Annotation::HandshakeSynAck => Some(("handshake", 2, 3)),
            Annotation::HandshakeAck => Some(("handshake", 3, 3)),
            Annotation::TeardownFin { step, .. } | Annotation::TeardownAck { step, .. } => {
                Some(("teardown", step, 4))
            }
            _ => None,
        }
    }
}
