//! The socket calls a lesson step makes, performed on the actor's socket, on the runner's thread or on
//! the actor's own thread (a server's thread per client).

use crate::scenario::Family;
use socket2::{Domain, Protocol as IpProtocol, SockAddr, Socket, Type};
use std::io;
use std::mem::MaybeUninit;
use std::net::{Shutdown, SocketAddr};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::model::{Protocol, SocketOption};

/// Blocking calls give up after this long, so a wrong lesson cannot hang.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// One call, with everything resolved to addresses and bytes.
#[derive(Debug)]
pub(crate) enum Op {
    Bind(SockAddr),
    Listen(i32),
    Connect(SockAddr),
    Accept,
    Send(Vec<u8>),
    /// recv(capacity); first waits (MSG_PEEK | MSG_WAITALL) until `wait_for` bytes are queued, bytes the
    /// capture has already seen on their way: so one recv() returns them all, on every run.
    Recv {
        capacity: usize,
        wait_for: usize,
    },
    SendTo(Vec<u8>, SockAddr),
    RecvFrom {
        capacity: usize,
        dontwait: bool,
    },
    Shutdown(Shutdown),
    Close,
    SetOption(SocketOption),
}

/// What a call gave back.
#[derive(Debug)]
pub(crate) enum OpValue {
    Done,
    Sent(usize),
    Received(Vec<u8>),
    ReceivedFrom(Vec<u8>, Option<SocketAddr>),
    Accepted(Socket, Option<SocketAddr>),
}

/// The result, and the socket's own address afterwards (a port the kernel just picked shows up here).
#[derive(Debug)]
pub(crate) struct Outcome {
    pub result: io::Result<OpValue>,
    pub local: Option<SocketAddr>,
}

/// A new socket for an actor, with timeouts so no call blocks for long.
pub(crate) fn new_socket(protocol: Protocol, family: Family) -> io::Result<Socket> {
    let (domain, kind, proto) = match (protocol, family) {
        (Protocol::Unix, _) => (Domain::UNIX, Type::STREAM, None),
        (Protocol::Tcp, Family::V4) => (Domain::IPV4, Type::STREAM, Some(IpProtocol::TCP)),
        (Protocol::Tcp, Family::V6) => (Domain::IPV6, Type::STREAM, Some(IpProtocol::TCP)),
        (Protocol::Udp, Family::V4) => (Domain::IPV4, Type::DGRAM, Some(IpProtocol::UDP)),
        (Protocol::Udp, Family::V6) => (Domain::IPV6, Type::DGRAM, Some(IpProtocol::UDP)),
    };
    let socket = Socket::new(domain, kind, proto)?;
    socket.set_read_timeout(Some(CALL_TIMEOUT))?;
    socket.set_write_timeout(Some(CALL_TIMEOUT))?;
    Ok(socket)
}

/// Performs `op` on `socket` (taken by close()).
pub(crate) fn perform(op: Op, socket: &mut Option<Socket>) -> Outcome {
    let Some(sock) = socket.as_ref() else {
        return Outcome {
            result: Err(io::Error::from_raw_os_error(libc::EBADF)),
            local: None,
        };
    };
    let result = match op {
        Op::Bind(address) => sock.bind(&address).map(|()| OpValue::Done),
        Op::Listen(backlog) => sock.listen(backlog).map(|()| OpValue::Done),
        Op::Connect(address) => sock.connect(&address).map(|()| OpValue::Done),
        Op::Accept => sock.accept().and_then(|(accepted, peer)| {
            accepted.set_read_timeout(Some(CALL_TIMEOUT))?;
            accepted.set_write_timeout(Some(CALL_TIMEOUT))?;
            Ok(OpValue::Accepted(accepted, peer.as_socket()))
        }),
        Op::Send(bytes) => sock.send(&bytes).map(OpValue::Sent),
        Op::Recv { capacity, wait_for } => {
            let waited = match wait_for.min(capacity) {
                0 => Ok(()),
                wanted => {
                    let mut buffer = vec![MaybeUninit::<u8>::uninit(); wanted];
                    sock.recv_with_flags(&mut buffer, libc::MSG_PEEK | libc::MSG_WAITALL)
                        .map(|_| ())
                }
            };
            waited.and_then(|()| {
                receive(sock, capacity, 0).map(|(bytes, _)| OpValue::Received(bytes))
            })
        }
        Op::SendTo(bytes, address) => sock.send_to(&bytes, &address).map(OpValue::Sent),
        Op::RecvFrom { capacity, dontwait } => {
            let flags = if dontwait { libc::MSG_DONTWAIT } else { 0 };
            receive(sock, capacity, flags).map(|(bytes, from)| OpValue::ReceivedFrom(bytes, from))
        }
        Op::Shutdown(how) => sock.shutdown(how).map(|()| OpValue::Done),
        Op::Close => {
            *socket = None;
            return Outcome {
                result: Ok(OpValue::Done),
                local: None,
            };
        }
        Op::SetOption(option) => match option {
            SocketOption::LingerZero => sock.set_linger(Some(Duration::ZERO)),
            SocketOption::NoDelay => sock.set_tcp_nodelay(true),
            SocketOption::ReuseAddr => sock.set_reuse_address(true),
            SocketOption::QuickAck => sock.set_tcp_quickack(true),
        }
        .map(|()| OpValue::Done),
    };
    let local = sock
        .local_addr()
        .ok()
        .and_then(|address| address.as_socket());
    Outcome { result, local }
}

/// One recv/recvfrom into a fresh buffer of `capacity` bytes.
fn receive(
    socket: &Socket,
    capacity: usize,
    flags: libc::c_int,
) -> io::Result<(Vec<u8>, Option<SocketAddr>)> {
    let mut buffer = vec![MaybeUninit::<u8>::uninit(); capacity];
    let (count, from) = socket.recv_from_with_flags(&mut buffer, flags)?;
    let bytes = buffer
        .get(..count)
        .unwrap_or(&[])
        .iter()
        // SAFETY: recv_from_with_flags initialised the first `count` bytes.
        .map(|byte| unsafe { byte.assume_init() })
        .collect();
    Ok((bytes, from.as_socket()))
}

/// A thread that owns one socket and performs the calls it is sent, one at a time.
pub(crate) struct Worker {
    jobs: Option<mpsc::Sender<Op>>,
    outcomes: mpsc::Receiver<Outcome>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Worker {
    pub(crate) fn spawn(name: &str, socket: Socket) -> io::Result<Worker> {
        let (jobs, job_queue) = mpsc::channel::<Op>();
        let (outcome_queue, outcomes) = mpsc::channel::<Outcome>();
        let handle = thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let mut socket = Some(socket);
                for op in job_queue {
                    if outcome_queue.send(perform(op, &mut socket)).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Worker {
            jobs: Some(jobs),
            outcomes,
            handle: Some(handle),
        })
    }

    /// Runs `op` on the worker's thread and waits for its outcome (calls time out on their own first).
    pub(crate) fn perform(&self, op: Op) -> Outcome {
        let lost = || Outcome {
            result: Err(io::Error::other("the actor's thread is gone")),
            local: None,
        };
        let Some(jobs) = &self.jobs else {
            return lost();
        };
        if jobs.send(op).is_err() {
            return lost();
        }
        self.outcomes
            .recv_timeout(CALL_TIMEOUT * 2)
            .unwrap_or_else(|_| lost())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the thread's loop; it drops its socket on the way out.
        self.jobs = None;
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_thread_performs_calls_on_its_socket() {
        let socket = new_socket(Protocol::Udp, Family::V4).unwrap();
        let worker = Worker::spawn("server-t1", socket).unwrap();
        let any = SockAddr::from("127.0.0.1:0".parse::<SocketAddr>().unwrap());
        let bound = worker.perform(Op::Bind(any));
        assert!(bound.result.is_ok());
        let local = bound.local.unwrap();
        assert_ne!(local.port(), 0);
        let sender = new_socket(Protocol::Udp, Family::V4).unwrap();
        sender.send_to(b"hi", &SockAddr::from(local)).unwrap();
        match worker.perform(Op::RecvFrom {
            capacity: 16,
            dontwait: false,
        }) {
            Outcome {
                result: Ok(OpValue::ReceivedFrom(bytes, Some(_))),
                ..
            } => assert_eq!(bytes, b"hi"),
            other => panic!("{other:?}"),
        }
        assert!(worker.perform(Op::Close).result.is_ok());
        let closed = worker.perform(Op::Send(b"x".to_vec()));
        assert_eq!(closed.result.unwrap_err().raw_os_error(), Some(libc::EBADF));
    }
}
