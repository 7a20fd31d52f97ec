//! The canonical 5-tuple that names one conversation whichever way a packet travels.

use super::verdict::FlowProtocol;
use std::net::IpAddr;

/// Which canonical end of a [`FlowKey`] sent a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum End {
    /// The lower (address, port) of the two.
    Low,
    High,
}

/// Addresses, ports and protocol, ordered so that both directions give the same key.
///
/// `(IpAddr, u16)` rather than `SocketAddr`: IPv6 flow labels and scope ids are not part of a
/// conversation's identity, and the key stays small (it is stored once per live flow).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct FlowKey {
    low: (IpAddr, u16),
    high: (IpAddr, u16),
    protocol: FlowProtocol,
}

impl FlowKey {
    /// The key of a packet from `src` to `dst`, and which end of it `src` is.
    ///
    /// A socket connected to itself (src == dst) is always the low end.
    pub fn new(protocol: FlowProtocol, src: (IpAddr, u16), dst: (IpAddr, u16)) -> (FlowKey, End) {
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
            End::Low => self.low,
            End::High => self.high,
        }
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
    use std::net::Ipv6Addr;

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
}
