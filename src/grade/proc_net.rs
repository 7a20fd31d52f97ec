//! Whether a port is in use inside our network namespace, read from /proc/net: lets socklab connect as soon
//! as the submission listens (instead of sending SYNs that would be refused while it starts up).

use std::fs;

/// TCP_LISTEN in /proc/net/tcp's `st` column.
const TCP_LISTEN: u8 = 0x0A;

/// True when a TCP socket listens on `port` (IPv4 or IPv6).
pub fn is_listening(port: u16) -> bool {
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|path| {
        fs::read_to_string(path).is_ok_and(|table| {
            sockets(&table).any(|(local, state)| local == port && state == TCP_LISTEN)
        })
    })
}

/// True when a UDP socket is bound to `port` (IPv4 or IPv6).
pub fn is_udp_bound(port: u16) -> bool {
    ["/proc/net/udp", "/proc/net/udp6"].iter().any(|path| {
        fs::read_to_string(path).is_ok_and(|table| sockets(&table).any(|(local, _)| local == port))
    })
}

/// (local port, state) of every row: "  0: 0100007F:1388 00000000:0000 0A ...".
fn sockets(table: &str) -> impl Iterator<Item = (u16, u8)> + '_ {
    table.lines().skip(1).filter_map(|line| {
        let mut fields = line.split_whitespace();
        let local = fields.nth(1)?;
        let state = fields.nth(1)?;
        let port = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
        let state = u8::from_str_radix(state, 16).ok()?;
        Some((port, state))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_port_and_state() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue\n   0: 0100007F:1388 00000000:0000 0A 00000000:00000000\n   1: 00000000000000000000000001000000:1770 00000000000000000000000000000000:0000 01 0\n";
        let rows: Vec<(u16, u8)> = sockets(table).collect();
        assert_eq!(rows, [(5000, 0x0A), (6000, 0x01)]);
    }

    #[test]
    fn a_real_listener_is_seen() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(is_listening(port));
        drop(listener);
        assert!(!is_listening(port));
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert!(is_udp_bound(udp.local_addr().unwrap().port()));
    }
}
