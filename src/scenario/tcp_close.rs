//! Simultaneous close: both ends send FIN before either FIN is acknowledged (RFC 793's CLOSING state).
//!
//! Whether the FINs cross is a race, so each attempt uses a new connection and the capture decides.

use super::engine::Engine;
use super::expect::{self, Expect, Observation, Observed, Side};
use super::retry::{with_retries, Attempt};
use super::sockets::{close, establish, recv_expecting, zero};
use super::{Family, ScenarioError, ScenarioRun};
use crate::decode::TcpFlags;
use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Attempts before giving up on the FINs crossing.
const SIMULTANEOUS_TRIES: u32 = 200;

/// How long one thread spins for the other to reach the starting line.
const MEET_TIMEOUT: Duration = Duration::from_secs(1);

const SHUTDOWN: &str = "shutdown(SHUT_WR)";

pub(crate) fn simultaneous_close(family: Family) -> Result<ScenarioRun, ScenarioError> {
    with_retries("tcp-simultaneous-close", family, SIMULTANEOUS_TRIES, || {
        let mut engine = Engine::open("tcp-simultaneous-close", family)?;
        let connection = establish(&mut engine)?;

        engine.begin_step()?;
        engine.record_called("client", SHUTDOWN);
        engine.record_called("server", SHUTDOWN);
        let (client_result, server_result) =
            shutdown_together(&connection.client, &connection.server);
        engine.wait_for(
            "client and server shutdown(SHUT_WR) at the same moment",
            &[
                expect::fin(Side::Client),
                expect::fin(Side::Server),
                expect::ack(Side::Client).optional(),
                expect::ack(Side::Server).optional(),
            ],
        )?;
        if let Err(reason) = fins_crossed(engine.observed()) {
            return Ok(Attempt::Retry { reason });
        }
        // Each side, in CLOSING, acknowledges the other's FIN.
        let missing_acks: Vec<Expect> = [Side::Client, Side::Server]
            .into_iter()
            .filter(|side| !sent_bare_ack_after_fins(engine.observed(), *side))
            .map(expect::ack)
            .collect();
        engine.wait_for("each side acknowledges the other's FIN", &missing_acks)?;
        engine.record_outcome("client", SHUTDOWN, &client_result, zero);
        engine.record_outcome("server", SHUTDOWN, &server_result, zero);
        client_result.map_err(|error| engine.socket_error("client", SHUTDOWN, error))?;
        server_result.map_err(|error| engine.socket_error("server", SHUTDOWN, error))?;

        recv_expecting(&mut engine, Side::Client, &connection.client, b"")?;
        recv_expecting(&mut engine, Side::Server, &connection.server, b"")?;
        close(&mut engine, Side::Client, connection.client, "close()", &[])?;
        close(&mut engine, Side::Server, connection.server, "close()", &[])?;
        close(
            &mut engine,
            Side::Server,
            connection.listener,
            "close() listening socket",
            &[],
        )?;
        Ok(Attempt::Done(engine))
    })
}

/// Both ends call shutdown(SHUT_WR) as close together as two threads can: each announces itself and
/// spins until the other has too (a bounded spin, the only one in socklab).
fn shutdown_together(client: &TcpStream, server: &TcpStream) -> (io::Result<()>, io::Result<()>) {
    let arrived = AtomicU32::new(0);
    std::thread::scope(|scope| {
        let client_side = scope.spawn(|| {
            meet(&arrived)?;
            client.shutdown(Shutdown::Write)
        });
        let server_result = meet(&arrived).and_then(|()| server.shutdown(Shutdown::Write));
        let client_result = client_side
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the client thread panicked")));
        (client_result, server_result)
    })
}

fn meet(arrived: &AtomicU32) -> io::Result<()> {
    arrived.fetch_add(1, Ordering::AcqRel);
    let deadline = Instant::now() + MEET_TIMEOUT;
    let mut spins: u32 = 0;
    while arrived.load(Ordering::Acquire) < 2 {
        std::hint::spin_loop();
        spins = spins.wrapping_add(1);
        if spins % 1024 == 0 && Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the other thread never reached the starting line",
            ));
        }
    }
    Ok(())
}

/// Ok when the second FIN does not acknowledge the first: both were sent before either was acked.
fn fins_crossed(observed: &[Observed]) -> Result<(), String> {
    let mut fins = observed.iter().filter_map(|frame| match frame.what {
        Observation::Tcp { flags, seq, ack } if flags.fin() => Some((frame, seq, ack, flags)),
        _ => None,
    });
    let (Some(first), Some(second)) = (fins.next(), fins.next()) else {
        return Err("fewer than two FINs were seen".to_string());
    };
    if first.0.from == second.0.from {
        return Err("the same side sent FIN twice".to_string());
    }
    // The first FIN occupies the sequence number after its data; acknowledging it means ack > that number.
    let first_fin = first.1.wrapping_add(first.0.payload_len);
    let acked = second.3.has(TcpFlags::ACK) && (second.2.wrapping_sub(first_fin) as i32) > 0;
    if acked {
        return Err(format!(
            "the FINs did not cross: the {}'s FIN already acknowledged the {}'s",
            second.0.from.actor(),
            first.0.from.actor()
        ));
    }
    Ok(())
}

/// True when `side` sent a bare ACK after both FINs were on the wire.
fn sent_bare_ack_after_fins(observed: &[Observed], side: Side) -> bool {
    let mut fins_seen = 0;
    for frame in observed {
        let Some(flags) = frame.tcp_flags() else {
            continue;
        };
        if flags.fin() {
            fins_seen += 1;
        } else if fins_seen >= 2 && frame.from == side && flags.ack() && frame.payload_len == 0 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(from: Side, flags: u16, seq: u32, ack: u32) -> Observed {
        Observed {
            from,
            what: Observation::Tcp {
                flags: TcpFlags(flags),
                seq,
                ack,
            },
            payload_len: 0,
        }
    }

    const FIN_ACK: u16 = TcpFlags::FIN | TcpFlags::ACK;

    #[test]
    fn crossing_fins_do_not_acknowledge_each_other() {
        // Client FIN at seq 100, server FIN at seq 500 acking only up to 100: crossed.
        let crossed = [
            segment(Side::Client, FIN_ACK, 100, 500),
            segment(Side::Server, FIN_ACK, 500, 100),
            segment(Side::Client, TcpFlags::ACK, 101, 501),
            segment(Side::Server, TcpFlags::ACK, 501, 101),
        ];
        assert_eq!(fins_crossed(&crossed), Ok(()));
        assert!(sent_bare_ack_after_fins(&crossed, Side::Client));
        assert!(sent_bare_ack_after_fins(&crossed, Side::Server));
        // The server's FIN acks 101, i.e. the client's FIN: an ordinary close.
        let ordinary = [
            segment(Side::Client, FIN_ACK, 100, 500),
            segment(Side::Server, FIN_ACK, 500, 101),
            segment(Side::Client, TcpFlags::ACK, 101, 501),
        ];
        let reason = fins_crossed(&ordinary).unwrap_err();
        assert!(
            reason.contains("server's FIN already acknowledged the client's"),
            "{reason}"
        );
        assert!(!sent_bare_ack_after_fins(&ordinary[..2], Side::Client));
    }

    #[test]
    fn crossing_is_judged_modulo_2_to_the_32() {
        let crossed = [
            segment(Side::Server, FIN_ACK, u32::MAX, 7),
            segment(Side::Client, FIN_ACK, 7, u32::MAX),
        ];
        assert_eq!(fins_crossed(&crossed), Ok(()));
        let acked = [
            segment(Side::Server, FIN_ACK, u32::MAX, 7),
            segment(Side::Client, FIN_ACK, 7, 0),
        ];
        assert!(fins_crossed(&acked).is_err());
    }

    #[test]
    fn the_spin_is_bounded() {
        let alone = AtomicU32::new(0);
        let started = Instant::now();
        let error = meet(&alone).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < MEET_TIMEOUT * 3);
    }
}
