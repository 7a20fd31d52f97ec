//! TCP is a byte stream, UDP keeps message boundaries: three sends arrive as one recv() over TCP, but as
//! three datagrams needing three recvfrom() calls over UDP.

use super::engine::Engine;
use super::expect::{self, Side};
use super::sockets::{close, establish, loopback, recv_expecting, send, udp_server};
use super::udp::{add_client_port, new_udp_socket, recvfrom_expecting, sendto};
use super::{Family, ScenarioError, ScenarioRun};
use socket2::SockRef;
use std::mem::MaybeUninit;
use std::net::TcpStream;

const MESSAGES: [&[u8]; 3] = [b"one", b"two", b"three"];

pub(crate) fn stream_vs_datagrams(family: Family) -> Result<ScenarioRun, ScenarioError> {
    let mut engine = Engine::open("tcp-stream-vs-udp-datagrams", family)?;

    let connection = establish(&mut engine)?;
    for message in MESSAGES {
        send(&mut engine, Side::Client, &connection.client, message)?;
    }
    let all: Vec<u8> = MESSAGES.concat();
    wait_until_readable(&engine, &connection.server, all.len())?;
    engine.note(format!(
        "before the server's recv(), the engine waited (recv with MSG_PEEK | MSG_WAITALL) until all {} bytes \
         were in the server's receive buffer, so one recv() returns them all",
        all.len()
    ));
    recv_expecting(&mut engine, Side::Server, &connection.server, &all)?;
    close(
        &mut engine,
        "client",
        connection.client,
        "close()",
        &[
            expect::fin(Side::Client),
            expect::ack(Side::Server).optional(),
        ],
    )?;
    recv_expecting(&mut engine, Side::Server, &connection.server, b"")?;
    close(
        &mut engine,
        "server",
        connection.server,
        "close()",
        &[expect::fin(Side::Server), expect::ack(Side::Client)],
    )?;
    close(
        &mut engine,
        "server",
        connection.listener,
        "close(listening socket)",
        &[],
    )?;

    let (server, port) = udp_server(&mut engine)?;
    let client = new_udp_socket(&mut engine, "client")?;
    for message in MESSAGES {
        let causes = [expect::udp(Side::Client, message.len() as u32)];
        sendto(
            &mut engine,
            "client",
            &client,
            message,
            loopback(family, port),
            &causes,
        )?;
        add_client_port(&mut engine, "client", &client)?;
    }
    for message in MESSAGES {
        recvfrom_expecting(&mut engine, "server", &server, message)?;
    }
    close(&mut engine, "client", client, "close()", &[])?;
    close(&mut engine, "server", server, "close()", &[])?;
    engine.finish(1)
}

/// Blocks until `len` bytes are queued on `stream`, without reading them (the socket's timeout bounds it).
fn wait_until_readable(
    engine: &Engine,
    stream: &TcpStream,
    len: usize,
) -> Result<(), ScenarioError> {
    let mut buffer = vec![MaybeUninit::<u8>::uninit(); len];
    let peeked = SockRef::from(stream)
        .recv_with_flags(&mut buffer, libc::MSG_PEEK | libc::MSG_WAITALL)
        .map_err(|error| engine.socket_error("server", "recv(MSG_PEEK | MSG_WAITALL)", error))?;
    if peeked != len {
        return Err(engine.unexpected(format!(
            "only {peeked} of the {len} bytes the client sent reached the server's receive buffer"
        )));
    }
    Ok(())
}
