//! Socket helpers shared by the scenarios: creation with timeouts, and calls written the way a learner
//! writes them ("connect(127.0.0.1:41234)") with their results ("5 B: \"hello\"").

use super::engine::{Engine, STEP_TIMEOUT};
use super::expect::Expect;
use super::expect::{self, Proto, Side};
use super::{Family, ScenarioError};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpListener, TcpStream};

/// A new socket whose blocking reads and writes give up after the step timeout, so no scenario can hang.
pub(crate) fn new_socket(family: Family, kind: Type) -> io::Result<Socket> {
    let domain = match family {
        Family::V4 => Domain::IPV4,
        Family::V6 => Domain::IPV6,
    };
    let protocol = if kind == Type::STREAM {
        Protocol::TCP
    } else {
        Protocol::UDP
    };
    let socket = Socket::new(domain, kind, Some(protocol))?;
    socket.set_read_timeout(Some(STEP_TIMEOUT))?;
    socket.set_write_timeout(Some(STEP_TIMEOUT))?;
    Ok(socket)
}

/// "socket(AF_INET, SOCK_STREAM, 0)".
pub(crate) fn socket_call(family: Family, kind: Type) -> String {
    let kind = if kind == Type::STREAM {
        "SOCK_STREAM"
    } else {
        "SOCK_DGRAM"
    };
    format!("socket({}, {kind}, 0)", family.af_name())
}

/// The loopback address of `family` with `port`.
pub(crate) fn loopback(family: Family, port: u16) -> SocketAddr {
    SocketAddr::new(family.loopback(), port)
}

pub(crate) fn local_addr(socket: &Socket) -> io::Result<SocketAddr> {
    socket
        .local_addr()?
        .as_socket()
        .ok_or_else(|| io::Error::other("the socket's local address is not an IP address"))
}

/// A payload as a C string literal: "hello".
pub(crate) fn quoted(bytes: &[u8]) -> String {
    format!("\"{}\"", bytes.escape_ascii())
}

/// What recv() gave back: "5 B: \"hello\"", or the end of the stream.
pub(crate) fn received(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "0 B: end of stream (the peer's FIN was read)".to_string()
    } else {
        format!("{} B: {}", bytes.len(), quoted(bytes))
    }
}

pub(crate) fn sent(count: &usize) -> String {
    format!("{count} B")
}

pub(crate) fn zero<T>(_: &T) -> String {
    "0".to_string()
}

/// Reads once from a stream into a fresh buffer.
pub(crate) fn recv(stream: &TcpStream, capacity: usize) -> io::Result<Vec<u8>> {
    let mut buffer = vec![0u8; capacity];
    let count = (&*stream).read(&mut buffer)?;
    buffer.truncate(count);
    Ok(buffer)
}

/// recvfrom(): one datagram and who sent it.
pub(crate) fn recv_from(
    socket: &Socket,
    capacity: usize,
    flags: libc::c_int,
) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buffer = vec![MaybeUninit::<u8>::uninit(); capacity];
    let (count, from) = socket.recv_from_with_flags(&mut buffer, flags)?;
    let bytes = buffer[..count]
        .iter()
        // SAFETY: recv_from_with_flags initialised the first `count` bytes.
        .map(|byte| unsafe { byte.assume_init() })
        .collect();
    let from = from
        .as_socket()
        .ok_or_else(|| io::Error::other("the datagram's sender is not an IP address"))?;
    Ok((bytes, from))
}

/// recv() on a connected datagram socket.
pub(crate) fn recv_datagram(socket: &Socket, capacity: usize) -> io::Result<Vec<u8>> {
    let mut buffer = vec![0u8; capacity];
    let count = (&*socket).read(&mut buffer)?;
    buffer.truncate(count);
    Ok(buffer)
}

/// A TCP connection set up through the engine: every call recorded, the handshake awaited.
pub(crate) struct Connection {
    pub listener: TcpListener,
    pub client: TcpStream,
    pub server: TcpStream,
}

/// server: socket, bind, listen; client: socket, connect (SYN, SYN-ACK, ACK); server: accept.
pub(crate) fn establish(engine: &mut Engine) -> Result<Connection, ScenarioError> {
    let family = engine.family();
    let listener = new_listener(engine)?;
    let port = listener
        .local_addr()
        .map_err(|error| engine.socket_error("server", "getsockname()", error))?
        .port();
    let server_addr = loopback(family, port);

    let client = engine.call(
        "client",
        &socket_call(family, Type::STREAM),
        || new_socket(family, Type::STREAM),
        |_| "a new socket".to_string(),
        &[],
    )?;
    let connect = format!("connect({server_addr})");
    engine
        .blocking_call(
            "client",
            &connect,
            || client.connect(&SockAddr::from(server_addr)),
            zero,
            &[
                expect::syn(Side::Client),
                expect::syn_ack(Side::Server),
                expect::ack(Side::Client),
            ],
        )?
        .map_err(|error| engine.socket_error("client", &connect, error))?;
    let client_addr = local_addr(&client)
        .map_err(|error| engine.socket_error("client", "getsockname()", error))?;
    engine.add_port(Side::Client, Proto::Tcp, client_addr.port());

    let (server, _) = engine.call(
        "server",
        "accept()",
        || listener.accept(),
        |(_, peer)| format!("a new socket connected to {peer}"),
        &[],
    )?;
    Ok(Connection {
        listener,
        client: client.into(),
        server,
    })
}

/// server: socket(), bind(port 0), listen(); the kernel's chosen port becomes the run's server port.
fn new_listener(engine: &mut Engine) -> Result<TcpListener, ScenarioError> {
    let (socket, _port) = bound_server_socket(engine, Type::STREAM, Proto::Tcp)?;
    engine.call("server", "listen(1)", || socket.listen(1), zero, &[])?;
    Ok(socket.into())
}

/// server: socket(SOCK_DGRAM), bind(port 0); returns the socket and its port.
pub(crate) fn udp_server(engine: &mut Engine) -> Result<(Socket, u16), ScenarioError> {
    bound_server_socket(engine, Type::DGRAM, Proto::Udp)
}

/// server: socket(), bind(port 0); the kernel's chosen port becomes the run's server port.
fn bound_server_socket(
    engine: &mut Engine,
    socket_type: Type,
    proto: Proto,
) -> Result<(Socket, u16), ScenarioError> {
    let family = engine.family();
    let socket = engine.call(
        "server",
        &socket_call(family, socket_type),
        || new_socket(family, socket_type),
        |_| "a new socket".to_string(),
        &[],
    )?;
    let any_port = loopback(family, 0);
    let port = engine.call(
        "server",
        &format!("bind({any_port})"),
        || {
            socket.bind(&SockAddr::from(any_port))?;
            Ok(local_addr(&socket)?.port())
        },
        |port| format!("0 (the kernel picked port {port})"),
        &[],
    )?;
    engine.add_port(Side::Server, proto, port);
    Ok((socket, port))
}

/// send() on a stream: the data segment must go out; the peer's ACK may come now or later.
pub(crate) fn send(
    engine: &mut Engine,
    side: Side,
    stream: &TcpStream,
    bytes: &[u8],
) -> Result<(), ScenarioError> {
    let call = format!("send({})", quoted(bytes));
    let count = engine.call(
        side.actor(),
        &call,
        || (&*stream).write(bytes),
        sent,
        &[
            expect::data(side, bytes.len() as u32),
            expect::ack(side.peer()).optional(),
        ],
    )?;
    if count != bytes.len() {
        return Err(engine.unexpected(format!(
            "the {}'s {call} sent only {count} of {} bytes",
            side.actor(),
            bytes.len()
        )));
    }
    Ok(())
}

/// recv(1024) on a stream, which must return exactly `want` (empty: the end of the stream).
pub(crate) fn recv_expecting(
    engine: &mut Engine,
    side: Side,
    stream: &TcpStream,
    want: &[u8],
) -> Result<(), ScenarioError> {
    let got = engine.call(
        side.actor(),
        "recv(1024)",
        || recv(stream, 1024),
        |bytes| received(bytes),
        &[],
    )?;
    if got != want {
        return Err(engine.unexpected(format!(
            "the {}'s recv(1024) returned {} instead of {}",
            side.actor(),
            received(&got),
            received(want)
        )));
    }
    Ok(())
}

/// close(): the socket is dropped inside the recorded call; `expect` says what that puts on the wire.
pub(crate) fn close<T>(
    engine: &mut Engine,
    actor: &str,
    socket: T,
    call: &str,
    expect: &[Expect],
) -> Result<(), ScenarioError> {
    engine.call(
        actor,
        call,
        || {
            drop(socket);
            Ok(())
        },
        zero,
        expect,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_results_read_like_c() {
        assert_eq!(
            socket_call(Family::V6, Type::DGRAM),
            "socket(AF_INET6, SOCK_DGRAM, 0)"
        );
        assert_eq!(loopback(Family::V6, 80).to_string(), "[::1]:80");
        assert_eq!(received(b"hi\n"), "3 B: \"hi\\n\"");
        assert_eq!(
            received(b""),
            "0 B: end of stream (the peer's FIN was read)"
        );
        assert_eq!(sent(&5), "5 B");
    }
}
