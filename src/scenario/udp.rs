//! UDP: an echo with sendto/recvfrom both ways, and a datagram to a closed port (ICMP port unreachable),
//! which only a connected socket hears about.

use super::engine::Engine;
use super::expect::{self, Proto, Side};
use super::retry::{with_retries, Attempt};
use super::sockets::{
    close, local_addr, loopback, new_socket, quoted, received, recv_datagram, recv_from, sent,
    socket_call, udp_server, zero,
};
use super::tcp_errors::expect_errno;
use super::{Family, ScenarioError, ScenarioRun};
use socket2::{SockAddr, Socket, Type};
use std::net::SocketAddr;

/// Attempts before giving up on the closed port staying closed (another program could bind it).
const CLOSED_PORT_TRIES: u32 = 3;

pub(crate) fn echo(family: Family) -> Result<ScenarioRun, ScenarioError> {
    let mut engine = Engine::open("udp-echo", family)?;
    let (server, port) = udp_server(&mut engine)?;
    let client = new_udp_socket(&mut engine, "client")?;
    sendto(
        &mut engine,
        "client",
        &client,
        b"ping",
        loopback(family, port),
        &[expect::udp(Side::Client, 4)],
    )?;
    let client_port = local_addr(&client)
        .map_err(|error| engine.socket_error("client", "getsockname()", error))?
        .port();
    engine.add_port(Side::Client, Proto::Udp, client_port);
    let from = recvfrom_expecting(&mut engine, "server", &server, b"ping")?;
    sendto(
        &mut engine,
        "server",
        &server,
        b"pong",
        from,
        &[expect::udp(Side::Server, 4)],
    )?;
    recvfrom_expecting(&mut engine, "client", &client, b"pong")?;
    close(&mut engine, "client", client, "close()", &[])?;
    close(&mut engine, "server", server, "close()", &[])?;
    engine.finish(1)
}

/// sendto() a closed port: ICMP port unreachable comes back, but an unconnected socket is not told;
/// a connected one gets ECONNREFUSED from its next recv().
pub(crate) fn closed_port(family: Family) -> Result<ScenarioRun, ScenarioError> {
    with_retries(
        "udp-closed-port",
        family,
        CLOSED_PORT_TRIES,
        |mut engine| {
            // Ask the kernel for a free port, then release it: nothing is bound there now.
            let port = new_socket(family, Type::DGRAM)
                .and_then(|socket| {
                    socket.bind(&SockAddr::from(loopback(family, 0)))?;
                    local_addr(&socket)
                })
                .map_err(|error| {
                    engine.socket_error("nobody", "bind() to find a free port", error)
                })?
                .port();
            engine.add_port(Side::Server, Proto::Udp, port);
            engine.note(format!(
            "port {port} was obtained with bind(port 0) and released again, so no socket is bound to it"
        ));
            let closed = loopback(family, port);
            let datagram_and_error = [
                expect::udp(Side::Client, 4),
                expect::icmp_port_unreachable(Side::Server),
            ];

            let client = new_udp_socket(&mut engine, "client")?;
            match sendto(
                &mut engine,
                "client",
                &client,
                b"ping",
                closed,
                &datagram_and_error,
            ) {
                Err(error @ ScenarioError::MissingPackets { .. }) => {
                    return Ok(Attempt::Retry {
                        reason: format!(
                    "no ICMP error came back, so another program may have bound the port ({error})"
                ),
                        engine,
                    })
                }
                other => other?,
            }
            add_client_port(&mut engine, "client", &client)?;
            let call = "recvfrom(1024, MSG_DONTWAIT)";
            let result = engine.try_call(
                "client",
                call,
                || recv_from(&client, 1024, libc::MSG_DONTWAIT),
                |(bytes, from)| format!("{} from {from}", received(bytes)),
                &[],
            )?;
            expect_errno(&engine, "client", call, result, libc::EAGAIN)?;
            engine.note("the unconnected socket was not told about the ICMP error: its recvfrom() found nothing to read (EAGAIN)");
            close(&mut engine, "client", client, "close()", &[])?;

            let connected = new_udp_socket(&mut engine, "client2")?;
            engine.call(
                "client2",
                &format!("connect({closed})"),
                || connected.connect(&SockAddr::from(closed)),
                zero,
                &[],
            )?;
            add_client_port(&mut engine, "client2", &connected)?;
            engine.call(
                "client2",
                "send(\"ping\")",
                || connected.send(b"ping"),
                sent,
                &datagram_and_error,
            )?;
            let result = engine.try_call(
                "client2",
                "recv(1024)",
                || recv_datagram(&connected, 1024),
                |bytes| received(bytes),
                &[],
            )?;
            expect_errno(&engine, "client2", "recv(1024)", result, libc::ECONNREFUSED)?;
            close(&mut engine, "client2", connected, "close()", &[])?;
            Ok(Attempt::Done(engine))
        },
    )
}

pub(crate) fn new_udp_socket(engine: &mut Engine, actor: &str) -> Result<Socket, ScenarioError> {
    let family = engine.family();
    engine.call(
        actor,
        &socket_call(family, Type::DGRAM),
        || new_socket(family, Type::DGRAM),
        |_| "a new socket".to_string(),
        &[],
    )
}

/// The kernel gave the socket a port at its first sendto()/connect(); from now on frames must use it.
pub(crate) fn add_client_port(
    engine: &mut Engine,
    actor: &str,
    socket: &Socket,
) -> Result<(), ScenarioError> {
    let port = local_addr(socket)
        .map_err(|error| engine.socket_error(actor, "getsockname()", error))?
        .port();
    engine.add_port(Side::Client, Proto::Udp, port);
    Ok(())
}

pub(crate) fn sendto(
    engine: &mut Engine,
    actor: &str,
    socket: &Socket,
    bytes: &[u8],
    to: SocketAddr,
    causes: &[expect::Expect],
) -> Result<(), ScenarioError> {
    let call = format!("sendto({}, {to})", quoted(bytes));
    let count = engine.call(
        actor,
        &call,
        || socket.send_to(bytes, &SockAddr::from(to)),
        sent,
        causes,
    )?;
    if count != bytes.len() {
        return Err(engine.unexpected(format!(
            "the {actor}'s {call} sent {count} of {} bytes",
            bytes.len()
        )));
    }
    Ok(())
}

/// recvfrom(1024), which must return exactly one datagram equal to `want`; gives back its sender.
pub(crate) fn recvfrom_expecting(
    engine: &mut Engine,
    actor: &str,
    socket: &Socket,
    want: &[u8],
) -> Result<SocketAddr, ScenarioError> {
    let (bytes, from) = engine.call(
        actor,
        "recvfrom(1024)",
        || recv_from(socket, 1024, 0),
        |(bytes, from)| format!("{} from {from}", received(bytes)),
        &[],
    )?;
    if bytes != want {
        return Err(engine.unexpected(format!(
            "the {actor}'s recvfrom(1024) returned {} instead of {}",
            received(&bytes),
            received(want)
        )));
    }
    Ok(from)
}
