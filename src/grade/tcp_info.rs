//! The kernel's view of one of socklab's TCP sockets (TCP_INFO): lets a step wait until its data or its FIN
//! has been acknowledged, so each step's packets are on the wire before the next step starts.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Kernel TCP states (include/net/tcp_states.h) that mean our FIN is still unacknowledged.
const TCP_FIN_WAIT1: u8 = 4;
const TCP_LAST_ACK: u8 = 9;
const TCP_CLOSING: u8 = 11;

fn info(socket: &impl AsRawFd) -> io::Result<libc::tcp_info> {
    // SAFETY: tcp_info is plain data; getsockopt writes at most `len` bytes into it.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let result = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if result == 0 {
        Ok(info)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Waits until everything sent on `socket` is acknowledged; false if `timeout` passed first.
pub fn wait_all_acked(socket: &impl AsRawFd, timeout: Duration) -> bool {
    wait(socket, timeout, |info| info.tcpi_unacked == 0)
}

/// Waits until our FIN is acknowledged (the state left FIN-WAIT-1, CLOSING and LAST-ACK).
pub fn wait_fin_acked(socket: &impl AsRawFd, timeout: Duration) -> bool {
    wait(socket, timeout, |info| {
        !matches!(info.tcpi_state, TCP_FIN_WAIT1 | TCP_LAST_ACK | TCP_CLOSING)
    })
}

fn wait(socket: &impl AsRawFd, timeout: Duration, done: impl Fn(&libc::tcp_info) -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        match info(socket) {
            Ok(info) if done(&info) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
        if Instant::now() >= deadline {
            return false;
        }
        // Loopback acknowledges within microseconds; a short poll interval keeps steps fast.
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn loopback_data_and_fin_are_acknowledged() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (_server, _) = listener.accept().unwrap();
        client.write_all(b"hello").unwrap();
        assert!(wait_all_acked(&client, Duration::from_secs(2)));
        client.shutdown(std::net::Shutdown::Write).unwrap();
        assert!(wait_fin_acked(&client, Duration::from_secs(2)));
    }
}
