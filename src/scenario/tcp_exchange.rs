//! A TCP connection's life: the handshake with a little data, the two shapes of an orderly teardown
//! (four segments, or three when the FIN piggybacks the ACK), and a half-close.

use super::engine::Engine;
use super::expect::{self, Observed, Side};
use super::retry::{with_retries, Attempt};
use super::sockets::{close, establish, recv_expecting, send, zero};
use super::{Family, ScenarioError, ScenarioRun};
use crate::decode::TcpFlags;
use socket2::SockRef;
use std::net::{Shutdown, TcpListener, TcpStream};

const CLIENT: Side = Side::Client;
const SERVER: Side = Side::Server;

/// Attempts before a timing-dependent teardown shape is given up on.
const TEARDOWN_TRIES: u32 = 10;

/// listen, connect, accept, "hello" and "world" both ways, then the client closes first.
pub(crate) fn handshake(family: Family) -> Result<ScenarioRun, ScenarioError> {
    let mut engine = Engine::open("tcp-handshake", family)?;
    let connection = establish(&mut engine)?;
    send(&mut engine, CLIENT, &connection.client, b"hello")?;
    recv_expecting(&mut engine, SERVER, &connection.server, b"hello")?;
    send(&mut engine, SERVER, &connection.server, b"world")?;
    recv_expecting(&mut engine, CLIENT, &connection.client, b"world")?;
    client_closes_first(&mut engine, connection.client, &connection.server)?;
    server_closes(&mut engine, connection.server, connection.listener)?;
    engine.finish(1)
}

/// client: close(), FIN (its ACK may wait); server: recv() sees the end of the stream.
fn client_closes_first(
    engine: &mut Engine,
    client: TcpStream,
    server: &TcpStream,
) -> Result<(), ScenarioError> {
    close(
        engine,
        "client",
        client,
        "close()",
        &[expect::fin(CLIENT), expect::ack(SERVER).optional()],
    )?;
    recv_expecting(engine, SERVER, server, b"")
}

/// server: close() its connection (its FIN, the client's last ACK), then its listening socket.
fn server_closes(
    engine: &mut Engine,
    server: TcpStream,
    listener: TcpListener,
) -> Result<(), ScenarioError> {
    close(
        engine,
        "server",
        server,
        "close()",
        &[expect::fin(SERVER), expect::ack(CLIENT)],
    )?;
    close(engine, "server", listener, "close(listening socket)", &[])
}

/// FIN, ACK, FIN, ACK: the server acknowledges the client's FIN at once (TCP_QUICKACK), closes later.
pub(crate) fn teardown_4(family: Family) -> Result<ScenarioRun, ScenarioError> {
    with_retries("tcp-teardown-4", family, TEARDOWN_TRIES, |mut engine| {
        let connection = establish(&mut engine)?;
        client_closes_first(&mut engine, connection.client, &connection.server)?;
        // Linux delays the ACK of a FIN, hoping to send it with the FIN of its own close();
        // TCP_QUICKACK sends the pending ACK now (unless the delayed-ACK timer already did).
        let ack_already_sent = lone_acks_after_first_fin(engine.observed(), SERVER) > 0;
        let quickack_causes: &[expect::Expect] = if ack_already_sent {
            &[]
        } else {
            &[expect::ack(SERVER)]
        };
        engine.call(
            "server",
            "setsockopt(IPPROTO_TCP, TCP_QUICKACK, 1)",
            || SockRef::from(&connection.server).set_tcp_quickack(true),
            zero,
            quickack_causes,
        )?;
        server_closes(&mut engine, connection.server, connection.listener)?;
        let shape = teardown_shape(engine.observed());
        if shape != FOUR_SEGMENTS {
            return Ok(Attempt::Retry {
                reason: format!(
                    "the teardown was {} instead of four separate segments",
                    describe(&shape)
                ),
                engine,
            });
        }
        Ok(Attempt::Done(engine))
    })
}

/// FIN, FIN-ACK, ACK: the server's ACK of the client's FIN waits (delayed ACK) and rides on its own FIN.
pub(crate) fn teardown_3(family: Family) -> Result<ScenarioRun, ScenarioError> {
    with_retries("tcp-teardown-3", family, TEARDOWN_TRIES, |mut engine| {
        let connection = establish(&mut engine)?;
        client_closes_first(&mut engine, connection.client, &connection.server)?;
        server_closes(&mut engine, connection.server, connection.listener)?;
        let shape = teardown_shape(engine.observed());
        if shape != THREE_SEGMENTS {
            return Ok(Attempt::Retry {
                reason: format!(
                    "the teardown was {} (the server's delayed-ACK timer fired before its close())",
                    describe(&shape)
                ),
                engine,
            });
        }
        Ok(Attempt::Done(engine))
    })
}

/// The client shuts down its sending half; the server still sends, the client still receives.
pub(crate) fn half_close(family: Family) -> Result<ScenarioRun, ScenarioError> {
    let mut engine = Engine::open("tcp-half-close", family)?;
    let connection = establish(&mut engine)?;
    engine.call(
        "client",
        "shutdown(SHUT_WR)",
        || connection.client.shutdown(Shutdown::Write),
        zero,
        &[expect::fin(CLIENT), expect::ack(SERVER).optional()],
    )?;
    recv_expecting(&mut engine, SERVER, &connection.server, b"")?;
    send(&mut engine, SERVER, &connection.server, b"still here")?;
    recv_expecting(&mut engine, CLIENT, &connection.client, b"still here")?;
    send(&mut engine, SERVER, &connection.server, b"bye")?;
    recv_expecting(&mut engine, CLIENT, &connection.client, b"bye")?;
    close(
        &mut engine,
        "server",
        connection.server,
        "close()",
        &[expect::fin(SERVER), expect::ack(CLIENT)],
    )?;
    recv_expecting(&mut engine, CLIENT, &connection.client, b"")?;
    close(&mut engine, "client", connection.client, "close()", &[])?;
    close(
        &mut engine,
        "server",
        connection.listener,
        "close(listening socket)",
        &[],
    )?;
    engine.finish(1)
}

const FIN_ACK: u16 = TcpFlags::FIN | TcpFlags::ACK;
const ACK: u16 = TcpFlags::ACK;
const FOUR_SEGMENTS: [(Side, u16); 4] = [
    (CLIENT, FIN_ACK),
    (SERVER, ACK),
    (SERVER, FIN_ACK),
    (CLIENT, ACK),
];
const THREE_SEGMENTS: [(Side, u16); 3] = [(CLIENT, FIN_ACK), (SERVER, FIN_ACK), (CLIENT, ACK)];

/// The TCP segments from the first FIN on, as (sender, FIN/SYN/RST/PSH/ACK flags).
pub(crate) fn teardown_shape(observed: &[Observed]) -> Vec<(Side, u16)> {
    const MEANINGFUL: u16 =
        TcpFlags::FIN | TcpFlags::SYN | TcpFlags::RST | TcpFlags::PSH | TcpFlags::ACK;
    let segments = observed
        .iter()
        .filter_map(|frame| Some((frame.from, frame.tcp_flags()?.0 & MEANINGFUL)));
    segments
        .skip_while(|(_, flags)| flags & TcpFlags::FIN == 0)
        .collect()
}

/// How many bare ACKs `side` sent after the first FIN.
fn lone_acks_after_first_fin(observed: &[Observed], side: Side) -> usize {
    teardown_shape(observed)
        .iter()
        .filter(|(from, flags)| *from == side && *flags == ACK)
        .count()
}

/// "client FIN,ACK / server ACK / ..." for retry notes.
fn describe(shape: &[(Side, u16)]) -> String {
    let parts: Vec<String> = shape
        .iter()
        .map(|(side, flags)| format!("{} {}", side.actor(), TcpFlags(*flags).names()))
        .collect();
    format!("{} segments ({})", shape.len(), parts.join(" / "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::expect::Observation;

    fn segment(from: Side, flags: u16) -> Observed {
        Observed {
            from,
            what: Observation::Tcp {
                flags: TcpFlags(flags),
                seq: 0,
                ack: 0,
            },
            payload_len: 0,
            client_port: 40000,
            rel_seq: None,
            rel_ack: None,
        }
    }

    #[test]
    fn teardown_shape_starts_at_the_first_fin() {
        let observed = [
            segment(CLIENT, TcpFlags::SYN),
            segment(SERVER, TcpFlags::SYN | ACK),
            segment(CLIENT, ACK),
            segment(CLIENT, FIN_ACK),
            segment(SERVER, FIN_ACK),
            segment(CLIENT, ACK),
        ];
        assert_eq!(teardown_shape(&observed), THREE_SEGMENTS);
        assert_eq!(lone_acks_after_first_fin(&observed, SERVER), 0);
        assert_eq!(
            describe(&teardown_shape(&observed)),
            "3 segments (client FIN,ACK / server FIN,ACK / client ACK)"
        );
    }
}
