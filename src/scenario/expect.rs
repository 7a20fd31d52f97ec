//! What a step expects on the wire, what a frame turned out to be, and whether the two match.
//!
//! A frame belongs to a run only if its ports are the run's own: other runs on `lo` are visible too.

use crate::decode::{IcmpKind, IpVersion, Packet, TcpFlags, Transport};
use std::fmt;

use super::{Endpoint, Family};
use std::net::SocketAddr;

/// Which endpoint sent a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    Client,
    Server,
}

impl Side {
    /// The name the timeline uses for this endpoint's calls.
    pub(crate) fn actor(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }

    pub(crate) fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Client => "client→server",
            Side::Server => "server→client",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Proto {
    Tcp,
    Udp,
}

/// The ports that make a frame part of this run. The server's ports are known from bind(); a client's
/// port only after its connect() or first send, and until then any peer of a server port counts.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunPorts {
    server: Vec<(Proto, u16)>,
    client: Vec<(Proto, u16)>,
}

impl RunPorts {
    pub(crate) fn add(&mut self, side: Side, proto: Proto, port: u16) {
        let list = match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        };
        if !list.contains(&(proto, port)) {
            list.push((proto, port));
        }
    }

    /// The run's sockets, servers first.
    pub(crate) fn endpoints(&self, family: Family) -> Vec<Endpoint> {
        let servers = self.server.iter().map(|entry| (Side::Server, entry));
        let clients = self.client.iter().map(|entry| (Side::Client, entry));
        servers
            .chain(clients)
            .map(|(side, (proto, port))| Endpoint {
                role: side.actor(),
                protocol: match proto {
                    Proto::Tcp => 6,
                    Proto::Udp => 17,
                },
                address: SocketAddr::new(family.loopback(), *port),
            })
            .collect()
    }

    /// Who sent a datagram from `src` to `dst`, or None when it is not this run's.
    #[cfg(test)]
    fn sender(&self, proto: Proto, src: u16, dst: u16) -> Option<Side> {
        self.sender_and_client_port(proto, src, dst)
            .map(|(side, _)| side)
    }

    /// The sender and the client end's port.
    fn sender_and_client_port(&self, proto: Proto, src: u16, dst: u16) -> Option<(Side, u16)> {
        let is_server = |port| self.server.contains(&(proto, port));
        let knows_clients = self.client.iter().any(|(p, _)| *p == proto);
        let is_client = |port| !knows_clients || self.client.contains(&(proto, port));
        if is_server(src) && is_client(dst) {
            Some((Side::Server, dst))
        } else if is_server(dst) && is_client(src) {
            Some((Side::Client, src))
        } else {
            None
        }
    }
}

/// A frame of this run, reduced to what steps are matched on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Observed {
    pub from: Side,
    pub what: Observation,
    pub payload_len: u32,
    /// The client end's port (for ICMP errors: the port of the datagram they quote), which tells the
    /// connections of several clients apart.
    pub client_port: u16,
    /// TCP only: sequence and acknowledgement numbers relative to each side's ISN (filled in by the engine).
    pub rel_seq: Option<u32>,
    pub rel_ack: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Observation {
    Tcp { flags: TcpFlags, seq: u32, ack: u32 },
    Udp,
    IcmpUnreachable { port_unreachable: bool },
}

/// Flags that decide a segment's meaning; ECN and URG bits are ignored when matching.
const MEANINGFUL: u16 =
    TcpFlags::FIN | TcpFlags::SYN | TcpFlags::RST | TcpFlags::PSH | TcpFlags::ACK;

impl Observed {
    /// Classifies a decoded packet; None when it is not this run's (wrong IP version, other ports).
    pub(crate) fn classify(
        packet: &Packet<'_>,
        family: Family,
        ports: &RunPorts,
    ) -> Option<Observed> {
        let version = packet.ip.as_ref()?.version;
        let wanted = match family {
            Family::V4 => IpVersion::V4,
            Family::V6 => IpVersion::V6,
        };
        if version != wanted {
            return None;
        }
        match &packet.transport {
            Transport::Tcp(segment) => {
                let (from, client_port) =
                    ports.sender_and_client_port(Proto::Tcp, segment.src_port, segment.dst_port)?;
                Some(Observed {
                    from,
                    what: Observation::Tcp {
                        flags: segment.flags,
                        seq: segment.seq,
                        ack: segment.ack,
                    },
                    payload_len: segment.payload_len,
                    client_port,
                    rel_seq: None,
                    rel_ack: None,
                })
            }
            Transport::Udp(datagram) => {
                let (from, client_port) = ports.sender_and_client_port(
                    Proto::Udp,
                    datagram.src_port,
                    datagram.dst_port,
                )?;
                Some(Observed {
                    from,
                    what: Observation::Udp,
                    payload_len: datagram.payload_len,
                    client_port,
                    rel_seq: None,
                    rel_ack: None,
                })
            }
            Transport::Icmp(message) => {
                let IcmpKind::DestinationUnreachable { port_unreachable } = message.kind else {
                    return None;
                };
                // The error quotes the datagram that caused it; its sender is the peer of the ICMP's sender.
                let quoted = message.quoted?;
                let proto = match quoted.protocol {
                    6 => Proto::Tcp,
                    17 => Proto::Udp,
                    _ => return None,
                };
                let (quoted_sender, client_port) =
                    ports.sender_and_client_port(proto, quoted.src_port?, quoted.dst_port?)?;
                Some(Observed {
                    from: quoted_sender.peer(),
                    what: Observation::IcmpUnreachable { port_unreachable },
                    payload_len: 0,
                    client_port,
                    rel_seq: None,
                    rel_ack: None,
                })
            }
            _ => None,
        }
    }

    pub(crate) fn tcp_flags(&self) -> Option<TcpFlags> {
        match self.what {
            Observation::Tcp { flags, .. } => Some(flags),
            _ => None,
        }
    }

    /// A short, stable name: "SYN", "SYN,ACK", "PSH,ACK 5 B", "UDP 4 B", "ICMP port unreachable".
    pub(crate) fn label(&self) -> String {
        match self.what {
            Observation::Tcp { flags, .. } => {
                let names = TcpFlags(flags.0 & MEANINGFUL).names().to_string();
                if self.payload_len > 0 {
                    format!("{names} {} B", self.payload_len)
                } else {
                    names
                }
            }
            Observation::Udp => format!("UDP {} B", self.payload_len),
            Observation::IcmpUnreachable {
                port_unreachable: true,
            } => "ICMP port unreachable".to_string(),
            Observation::IcmpUnreachable {
                port_unreachable: false,
            } => "ICMP destination unreachable".to_string(),
        }
    }
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.from, self.label())
    }
}

/// One packet a step expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Expect {
    pub from: Side,
    pub pattern: Pattern,
    /// Payload bytes the packet must carry; None accepts any.
    pub payload_len: Option<u32>,
    /// Optional packets (a delayed ACK, say) may come now, later, or not at all.
    pub required: bool,
    /// TCP only: the relative sequence and acknowledgement numbers; None accepts any.
    pub seq: Option<u32>,
    pub ack: Option<u32>,
    /// The client end's port, when several clients must be told apart; None accepts any client.
    pub client_port: Option<u16>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// All of `all_of` set and none of `none_of`; `label` names the segment for messages.
    Tcp {
        all_of: u16,
        none_of: u16,
        label: &'static str,
    },
    Udp,
    IcmpPortUnreachable,
}

impl Expect {
    fn tcp(from: Side, all_of: u16, none_of: u16, label: &'static str, payload_len: u32) -> Expect {
        Expect {
            from,
            pattern: Pattern::Tcp {
                all_of,
                none_of,
                label,
            },
            payload_len: Some(payload_len),
            required: true,
            seq: None,
            ack: None,
            client_port: None,
        }
    }

    /// A TCP segment by flag bits: all of `all_of` set, none of `none_of`; `payload_len` None accepts any.
    /// Shown by its flag names (lessons print their own wording of it).
    pub(crate) fn tcp_flags(
        from: Side,
        all_of: u16,
        none_of: u16,
        payload_len: Option<u32>,
    ) -> Expect {
        Expect {
            payload_len,
            ..Expect::tcp(from, all_of, none_of, "", 0)
        }
    }

    /// Only this relative sequence number.
    pub(crate) fn with_seq(self, seq: Option<u32>) -> Expect {
        Expect { seq, ..self }
    }

    /// Only this relative acknowledgement number.
    pub(crate) fn with_ack(self, ack: Option<u32>) -> Expect {
        Expect { ack, ..self }
    }

    /// Only on the connection (or datagram exchange) of the client using `port`.
    pub(crate) fn for_client(self, port: Option<u16>) -> Expect {
        Expect {
            client_port: port,
            ..self
        }
    }

    /// The same packet, but optional.
    pub(crate) fn optional(self) -> Expect {
        Expect {
            required: false,
            ..self
        }
    }

    pub(crate) fn matches(&self, observed: &Observed) -> bool {
        if observed.from != self.from
            || self
                .payload_len
                .is_some_and(|len| len != observed.payload_len)
            || self
                .client_port
                .is_some_and(|port| port != observed.client_port)
            || self.seq.is_some_and(|seq| observed.rel_seq != Some(seq))
            || self.ack.is_some_and(|ack| observed.rel_ack != Some(ack))
        {
            return false;
        }
        match (self.pattern, observed.what) {
            (
                Pattern::Tcp {
                    all_of, none_of, ..
                },
                Observation::Tcp { flags, .. },
            ) => flags.0 & all_of == all_of && flags.0 & none_of == 0,
            (Pattern::Udp, Observation::Udp) => true,
            (
                Pattern::IcmpPortUnreachable,
                Observation::IcmpUnreachable {
                    port_unreachable: true,
                },
            ) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.from)?;
        match (self.pattern, self.payload_len) {
            (
                Pattern::Tcp {
                    label: "", all_of, ..
                },
                len,
            ) => {
                write!(f, "{}", TcpFlags(all_of).names())?;
                if let Some(len @ 1..) = len {
                    write!(f, " {len} B")?;
                }
            }
            (Pattern::Tcp { label, .. }, Some(len)) if len > 0 => write!(f, "{label} {len} B")?,
            (Pattern::Tcp { label, .. }, _) => f.write_str(label)?,
            (Pattern::Udp, Some(len)) => write!(f, "UDP {len} B")?,
            (Pattern::Udp, None) => f.write_str("UDP")?,
            (Pattern::IcmpPortUnreachable, _) => f.write_str("ICMP port unreachable")?,
        }
        if !self.required {
            f.write_str(" (optional)")?;
        }
        Ok(())
    }
}

const FIN: u16 = TcpFlags::FIN;
const SYN: u16 = TcpFlags::SYN;
const RST: u16 = TcpFlags::RST;
const PSH: u16 = TcpFlags::PSH;
const ACK: u16 = TcpFlags::ACK;

/// The client's opening SYN.
pub(crate) fn syn(from: Side) -> Expect {
    Expect::tcp(from, SYN, ACK | FIN | RST, "SYN", 0)
}

pub(crate) fn syn_ack(from: Side) -> Expect {
    Expect::tcp(from, SYN | ACK, FIN | RST, "SYN,ACK", 0)
}

/// A bare acknowledgement: no data, no other flag.
pub(crate) fn ack(from: Side) -> Expect {
    Expect::tcp(from, ACK, SYN | FIN | RST | PSH, "ACK", 0)
}

/// A data segment of `len` bytes (PSH may or may not be set).
pub(crate) fn data(from: Side, len: u32) -> Expect {
    Expect::tcp(from, ACK, SYN | FIN | RST, "data", len)
}

/// A FIN, which after the handshake always carries ACK too.
pub(crate) fn fin(from: Side) -> Expect {
    Expect::tcp(from, FIN | ACK, SYN | RST, "FIN,ACK", 0)
}

pub(crate) fn rst_ack(from: Side) -> Expect {
    Expect::tcp(from, RST | ACK, SYN | FIN, "RST,ACK", 0)
}

pub(crate) fn udp(from: Side, len: u32) -> Expect {
    udp_any(from, Some(len))
}

/// A datagram; `len` None accepts any payload length.
pub(crate) fn udp_any(from: Side, len: Option<u32>) -> Expect {
    Expect {
        from,
        pattern: Pattern::Udp,
        payload_len: len,
        required: true,
        seq: None,
        ack: None,
        client_port: None,
    }
}

pub(crate) fn icmp_port_unreachable(from: Side) -> Expect {
    Expect {
        from,
        pattern: Pattern::IcmpPortUnreachable,
        payload_len: None,
        required: true,
        seq: None,
        ack: None,
        client_port: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(from: Side, flags: u16, payload_len: u32) -> Observed {
        Observed {
            from,
            what: Observation::Tcp {
                flags: TcpFlags(flags),
                seq: 0,
                ack: 0,
            },
            payload_len,
            client_port: 40000,
            rel_seq: Some(1),
            rel_ack: Some(1),
        }
    }

    #[test]
    fn flags_match_by_required_and_forbidden_bits() {
        assert!(syn(Side::Client).matches(&tcp(Side::Client, SYN, 0)));
        // ECN negotiation adds ECE and CWR to a SYN; still a SYN.
        assert!(syn(Side::Client).matches(&tcp(Side::Client, SYN | 0x40 | 0x80, 0)));
        assert!(!syn(Side::Client).matches(&tcp(Side::Server, SYN, 0)));
        assert!(!syn(Side::Client).matches(&tcp(Side::Client, SYN | ACK, 0)));
        assert!(ack(Side::Server).matches(&tcp(Side::Server, ACK, 0)));
        assert!(!ack(Side::Server).matches(&tcp(Side::Server, ACK | FIN, 0)));
        assert!(!ack(Side::Server).matches(&tcp(Side::Server, ACK | PSH, 5)));
        assert!(data(Side::Client, 5).matches(&tcp(Side::Client, ACK | PSH, 5)));
        assert!(data(Side::Client, 5).matches(&tcp(Side::Client, ACK, 5)));
        assert!(!data(Side::Client, 5).matches(&tcp(Side::Client, ACK | PSH, 4)));
        assert!(fin(Side::Client).matches(&tcp(Side::Client, FIN | ACK, 0)));
        assert!(rst_ack(Side::Server).matches(&tcp(Side::Server, RST | ACK, 0)));
        assert!(!rst_ack(Side::Server).matches(&tcp(Side::Server, RST, 0)));
    }

    #[test]
    fn lessons_match_relative_numbers_client_ports_and_any_payload() {
        let syn_ack = Observed {
            rel_seq: Some(0),
            rel_ack: Some(1),
            ..tcp(Side::Server, SYN | ACK, 0)
        };
        let wanted = Expect::tcp_flags(Side::Server, SYN | ACK, FIN | RST | PSH, Some(0));
        assert!(wanted.with_seq(Some(0)).with_ack(Some(1)).matches(&syn_ack));
        assert!(!wanted.with_ack(Some(2)).matches(&syn_ack));
        assert!(wanted.with_seq(None).with_ack(None).matches(&syn_ack));
        assert!(wanted.for_client(Some(40000)).matches(&syn_ack));
        assert!(!wanted.for_client(Some(40001)).matches(&syn_ack));
        // Unknown relative numbers match only wildcards.
        let reset = Observed {
            rel_seq: None,
            ..tcp(Side::Server, RST | ACK, 0)
        };
        let rst = Expect::tcp_flags(Side::Server, RST | ACK, SYN | FIN | PSH, Some(0));
        assert!(rst.matches(&reset));
        assert!(!rst.with_seq(Some(0)).matches(&reset));
        // `len ...` accepts any payload; a flags-only expectation shows its flag names.
        let data = tcp(Side::Client, PSH | ACK, 1000);
        assert!(Expect::tcp_flags(Side::Client, ACK, SYN | FIN | RST, None).matches(&data));
        assert_eq!(
            Expect::tcp_flags(Side::Client, PSH | ACK, 0, Some(5)).to_string(),
            "client→server PSH,ACK 5 B"
        );
        assert!(udp_any(Side::Client, None).matches(&Observed {
            what: Observation::Udp,
            ..tcp(Side::Client, 0, 9)
        }));
    }

    #[test]
    fn ports_decide_the_sender_and_exclude_other_runs() {
        let mut ports = RunPorts::default();
        ports.add(Side::Server, Proto::Tcp, 5000);
        // Before the client's port is known, any peer of the server port counts.
        assert_eq!(ports.sender(Proto::Tcp, 40000, 5000), Some(Side::Client));
        assert_eq!(ports.sender(Proto::Tcp, 5000, 40000), Some(Side::Server));
        assert_eq!(ports.sender(Proto::Udp, 40000, 5000), None);
        ports.add(Side::Client, Proto::Tcp, 40000);
        assert_eq!(
            ports.sender_and_client_port(Proto::Tcp, 5000, 40000),
            Some((Side::Server, 40000))
        );
        assert_eq!(ports.sender(Proto::Tcp, 40001, 5000), None);
        assert_eq!(ports.sender(Proto::Tcp, 40000, 5001), None);
        assert_eq!(ports.sender(Proto::Tcp, 5000, 40000), Some(Side::Server));
    }

    #[test]
    fn expectations_read_like_the_wire() {
        assert_eq!(syn(Side::Client).to_string(), "client→server SYN");
        assert_eq!(
            ack(Side::Server).optional().to_string(),
            "server→client ACK (optional)"
        );
        assert_eq!(data(Side::Client, 5).to_string(), "client→server data 5 B");
        assert_eq!(
            tcp(Side::Client, PSH | ACK, 5).to_string(),
            "client→server PSH,ACK 5 B"
        );
    }
}
