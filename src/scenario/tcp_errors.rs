//! TCP's two abrupt endings: a connection refused (SYN answered by RST) and an abort (SO_LINGER 0 → RST).

use super::engine::Engine;
use super::expect::{self, Proto, Side};
use super::sockets::{
    close, establish, local_addr, loopback, new_socket, received, recv, recv_expecting, send,
    socket_call, zero,
};
use super::{Family, ScenarioError, ScenarioRun};
use socket2::{SockAddr, SockRef, Type};
use std::io;
use std::time::Duration;

/// connect() to a port nobody listens on: SYN, then RST-ACK, and connect() fails with ECONNREFUSED.
pub(crate) fn refused(family: Family) -> Result<ScenarioRun, ScenarioError> {
    let mut engine = Engine::open("tcp-refused", family)?;
    // A socket that is bound but never listens holds the port, so no other program can start listening
    // there meanwhile; a SYN to it is answered exactly as for a port nobody uses.
    let placeholder = new_socket(family, Type::STREAM)
        .and_then(|socket| {
            socket.bind(&SockAddr::from(loopback(family, 0)))?;
            Ok(socket)
        })
        .map_err(|error| engine.socket_error("nobody", "bind() a placeholder", error))?;
    let port = local_addr(&placeholder)
        .map_err(|error| engine.socket_error("nobody", "getsockname()", error))?
        .port();
    engine.add_port(Side::Server, Proto::Tcp, port);
    engine.note(format!(
        "nothing listens on port {port}: a socket was bound there but never called listen(), so no other \
         program could take the port during the run"
    ));

    let client = engine.call(
        "client",
        &socket_call(family, Type::STREAM),
        || new_socket(family, Type::STREAM),
        |_| "a new socket".to_string(),
        &[],
    )?;
    let target = loopback(family, port);
    let connect = format!("connect({target})");
    let result = engine.blocking_call(
        "client",
        &connect,
        || client.connect(&SockAddr::from(target)),
        zero,
        &[expect::syn(Side::Client), expect::rst_ack(Side::Server)],
    )?;
    expect_errno(&engine, "client", &connect, result, libc::ECONNREFUSED)?;
    close(&mut engine, "client", client, "close()", &[])?;
    drop(placeholder);
    engine.finish(1)
}

/// SO_LINGER with a zero timeout makes close() abort: one RST instead of FIN, and the peer's next
/// recv() fails with ECONNRESET.
pub(crate) fn abort(family: Family) -> Result<ScenarioRun, ScenarioError> {
    let mut engine = Engine::open("tcp-abort", family)?;
    let connection = establish(&mut engine)?;
    send(&mut engine, Side::Client, &connection.client, b"hello")?;
    recv_expecting(&mut engine, Side::Server, &connection.server, b"hello")?;
    engine.call(
        "client",
        "setsockopt(SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0})",
        || SockRef::from(&connection.client).set_linger(Some(Duration::ZERO)),
        zero,
        &[],
    )?;
    close(
        &mut engine,
        "client",
        connection.client,
        "close()",
        &[expect::rst_ack(Side::Client)],
    )?;
    let result = engine.try_call(
        "server",
        "recv(1024)",
        || recv(&connection.server, 1024),
        |bytes| received(bytes),
        &[],
    )?;
    expect_errno(&engine, "server", "recv(1024)", result, libc::ECONNRESET)?;
    close(&mut engine, "server", connection.server, "close()", &[])?;
    close(
        &mut engine,
        "server",
        connection.listener,
        "close(listening socket)",
        &[],
    )?;
    engine.finish(1)
}

/// The call must have failed with `errno`; anything else means the scenario did not show what it claims.
pub(crate) fn expect_errno<T>(
    engine: &Engine,
    actor: &str,
    call: &str,
    result: io::Result<T>,
    errno: i32,
) -> Result<(), ScenarioError> {
    let wanted = super::engine::errno_name(&io::Error::from_raw_os_error(errno));
    match result {
        Err(error) if error.raw_os_error() == Some(errno) => Ok(()),
        Err(error) => Err(engine.unexpected(format!(
            "the {actor}'s {call} failed with {error} instead of {wanted}"
        ))),
        Ok(_) => Err(engine.unexpected(format!(
            "the {actor}'s {call} succeeded, but it should have failed with {wanted}"
        ))),
    }
}
