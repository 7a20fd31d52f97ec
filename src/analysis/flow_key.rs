//! The canonical 5-tuple that names one conversation whichever way a packet travels.

use super::verdict::FlowProtocol;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Which canonical end of a [`FlowKey`] sent a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum End {
    /// The lower (address, port) of the two.
    Low,
    High,
}

/// Addresses, ports and protocol, ordered so that both directions give the same key.
///
/// Looked up once per packet, so it is made of plain integers that compare and hash in a few
/// instructions (an `IpAddr` compares and hashes byte by byte). IPv6 flow labels and scope ids are not
/// part of a conversation's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FlowKey {
    low: KeyEnd,
    high: KeyEnd,
    protocol: FlowProtocol,
}

/// One end of a [`FlowKey`]. Field order is sort order: the derived `Ord` orders ends as
/// `(IpAddr, u16)` does (IPv4 before IPv6, then the address bytes, then the port).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct KeyEnd {
    v6: bool,
    /// The address as a big-endian number (an IPv4 address in the low 32 bits), high half first.
    address: [u64; 2],
    port: u16,
}

impl KeyEnd {
    fn new((address, port): (IpAddr, u16)) -> KeyEnd {
        let (v6, number) = match address {
            IpAddr::V4(v4) => (false, u128::from(v4.to_bits())),
            IpAddr::V6(v6) => (true, v6.to_bits()),
        };
        KeyEnd {
            v6,
            address: [(number >> 64) as u64, number as u64],
            port,
        }
    }

    fn socket(&self) -> (IpAddr, u16) {
        let number = (u128::from(self.address[0]) << 64) | u128::from(self.address[1]);
        let address = if self.v6 {
            IpAddr::V6(Ipv6Addr::from_bits(number))
        } else {
            IpAddr::V4(Ipv4Addr::from_bits(number as u32))
        };
        (address, self.port)
    }
}

impl FlowKey {
    /// The key of a packet from `src` to `dst`, and which end of it `src` is.
    ///
    /// A socket connected to itself (src == dst) is always the low end.
    pub fn new(protocol: FlowProtocol, src: (IpAddr, u16), dst: (IpAddr, u16)) -> (FlowKey, End) {
        let (src, dst) = (KeyEnd::new(src), KeyEnd::new(dst));
        if src <= dst {
            let key = FlowKey {
                low: src,
                high: dst,
                protocol,
            };
            (key, End::Low)
        } else {
            let key = FlowKey {
                low: dst,
                high: src,
                protocol,
            };
            (key, End::High)
        }
    }

    pub fn endpoint(&self, end: End) -> (IpAddr, u16) {
        match end {
            End::Low => self.low.socket(),
            End::High => self.high.socket(),
        }
    }
}

impl Hash for FlowKey {
    /// Two words for an IPv4 key (both addresses in one, ports and the rest in the other), five
    /// for IPv6. Equal keys write equal words, so they hash alike.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (low, high) = (&self.low, &self.high);
        let rest = (u64::from(low.port) << 48)
            | (u64::from(high.port) << 32)
            | (u64::from(low.v6) << 9)
            | (u64::from(high.v6) << 8)
            | self.protocol as u64;
        if low.v6 || high.v6 {
            state.write_u64(low.address[0]);
            state.write_u64(low.address[1]);
            state.write_u64(high.address[0]);
            state.write_u64(high.address[1]);
        } else {
            // IPv4 addresses fill only the low 32 bits of `address[1]`.
            state.write_u64((low.address[1] << 32) | high.address[1]);
        }
        state.write_u64(rest);
    }
}

impl End {
    pub fn other(self) -> End {
        match self {
            End::Low => End::High,
            End::High => End::Low,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn both_directions_share_one_key() {
        let (forward, from_client) = FlowKey::new(FlowProtocol::Tcp, (v4(1), 40000), (v4(1), 80));
        let (backward, from_server) = FlowKey::new(FlowProtocol::Tcp, (v4(1), 80), (v4(1), 40000));
        assert_eq!(forward, backward);
        assert_eq!(from_client, End::High);
        assert_eq!(from_server, End::Low);
        assert_eq!(forward.endpoint(End::High), (v4(1), 40000));
        assert_eq!(forward.endpoint(from_server), (v4(1), 80));
    }

    #[test]
    fn protocol_and_addresses_are_part_of_the_key() {
        let (tcp, _) = FlowKey::new(FlowProtocol::Tcp, (v4(1), 5000), (v4(2), 53));
        let (udp, _) = FlowKey::new(FlowProtocol::Udp, (v4(1), 5000), (v4(2), 53));
        let (other_host, _) = FlowKey::new(FlowProtocol::Tcp, (v4(3), 5000), (v4(2), 53));
        assert_ne!(tcp, udp);
        assert_ne!(tcp, other_host);
        let loopback6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        let (v6, end) = FlowKey::new(FlowProtocol::Udp, (loopback6, 9), (loopback6, 9));
        assert_eq!(end, End::Low, "a socket talking to itself is the low end");
        assert_eq!(v6.endpoint(End::Low), v6.endpoint(End::High));
        assert_eq!(End::Low.other(), End::High);
    }

    #[test]
    fn ends_are_ordered_as_socket_tuples_and_come_back_unchanged() {
        let addresses = [
            IpAddr::from([0, 0, 0, 0]),
            IpAddr::from([10, 0, 0, 1]),
            IpAddr::from([10, 0, 0, 2]),
            IpAddr::from([255, 255, 255, 255]),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            "::ffff:10.0.0.1".parse().unwrap(),
            "2001:db8::1".parse().unwrap(),
            "fe80::1:2".parse().unwrap(),
            "ffff::".parse().unwrap(),
        ];
        let ends: Vec<(IpAddr, u16)> = addresses
            .iter()
            .flat_map(|&address| [0, 80, 40000, 65535].map(|port| (address, port)))
            .collect();
        for &a in &ends {
            assert_eq!(KeyEnd::new(a).socket(), a);
            for &b in &ends {
                assert_eq!(
                    KeyEnd::new(a).cmp(&KeyEnd::new(b)),
                    a.cmp(&b),
                    "{a:?} {b:?}"
                );
                let (key, end) = FlowKey::new(FlowProtocol::Tcp, a, b);
                assert_eq!(key.endpoint(end), a);
                assert_eq!(key.endpoint(end.other()), b);
            }
        }
    }
}
