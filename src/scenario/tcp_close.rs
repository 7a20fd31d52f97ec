//! Simultaneous close: both ends send FIN before either FIN is acknowledged (RFC 793's CLOSING state).
//!
//! Whether the FINs cross is a race, so each attempt uses a new connection and the capture decides.

use super::engine::Engine;
use super::expect::{self, Expect, Observation, Observed, Side};
use super::retry::{with_retries, Attempt};
use super::sockets::{close, establish, recv_expecting, zero};
use super::starting_line::{CancelOnDrop, PinnedHere, StartingLine};
use super::{Family, ScenarioError, ScenarioRun};
use crate::decode::TcpFlags;
use std::io;
use std::net::Shutdown;

/// Attempts before giving up on the FINs crossing.
const SIMULTANEOUS_TRIES: u32 = 200;

const SHUTDOWN: &str = "shutdown(SHUT_WR)";

pub(crate) fn simultaneous_close(family: Family) -> Result<ScenarioRun, ScenarioError> {
    // Two threads on two different CPUs, or they can never act at the same moment.
    let _pinned = PinnedHere::pin();
    with_retries(
        "tcp-simultaneous-close",
        family,
        SIMULTANEOUS_TRIES,
        |engine| {
            let start = StartingLine::default();
            std::thread::scope(|scope| {
                // Started first and kept spinning: waking a sleeping thread (or CPU) can take milliseconds.
                let client_side = scope.spawn(|| start.run_client(_pinned.other_cpu()));
                let _release = CancelOnDrop(&start);
                // A new thread can take milliseconds to get its CPU; that is not the exchange's time.
                start.wait_until_client_runs().map_err(|error| {
                    engine.socket_error("client", "starting the client thread", error)
                })?;
                attempt(engine, &start, || {
                    client_side
                        .join()
                        .unwrap_or_else(|_| Err(io::Error::other("the client thread panicked")))
                })
            })
        },
    )
}

fn attempt(
    mut engine: Engine,
    start: &StartingLine,
    join_client: impl FnOnce() -> io::Result<()>,
) -> Result<Attempt, ScenarioError> {
    let connection = establish(&mut engine)?;
    let client_copy = connection
        .client
        .try_clone()
        .map_err(|error| engine.socket_error("client", "dup()", error))?;

    engine.begin_step()?;
    engine.record_called("client", SHUTDOWN);
    engine.record_called("server", SHUTDOWN);
    start.hand_over(client_copy);
    let server_result = start
        .start_when_client_is_running()
        .and_then(|()| connection.server.shutdown(Shutdown::Write));
    let client_result = join_client();
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
        return Ok(Attempt::Retry { reason, engine });
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
    close(&mut engine, "client", connection.client, "close()", &[])?;
    close(&mut engine, "server", connection.server, "close()", &[])?;
    close(
        &mut engine,
        "server",
        connection.listener,
        "close(listening socket)",
        &[],
    )?;
    Ok(Attempt::Done(engine))
}

/// Ok when neither FIN acknowledges the other: both were sent before either was acknowledged.
/// (Judged both ways, because FINs sent from two CPUs at once have no reliable "first".)
fn fins_crossed(observed: &[Observed]) -> Result<(), String> {
    let mut fins = observed.iter().filter_map(|frame| match frame.what {
        Observation::Tcp { flags, seq, ack } if flags.fin() => Some((frame, seq, ack, flags)),
        _ => None,
    });
    let (Some(one), Some(other)) = (fins.next(), fins.next()) else {
        return Err("fewer than two FINs were seen".to_string());
    };
    if one.0.from == other.0.from {
        return Err("the same side sent FIN twice".to_string());
    }
    for (fin, acker) in [(one, other), (other, one)] {
        // A FIN occupies the sequence number after its data; acknowledging it means ack > that number.
        let fin_seq = fin.1.wrapping_add(fin.0.payload_len);
        if acker.3.has(TcpFlags::ACK) && (acker.2.wrapping_sub(fin_seq) as i32) > 0 {
            return Err(format!(
                "the FINs did not cross: the {}'s FIN already acknowledged the {}'s",
                acker.0.from.actor(),
                fin.0.from.actor()
            ));
        }
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
            client_port: 40000,
            rel_seq: None,
            rel_ack: None,
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
}
