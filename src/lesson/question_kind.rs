//! The kinds of quiz question a lesson can ask. A lesson file names a kind; the code words the question
//! and computes its answer from the run's own capture, so no answer is ever written into a lesson.

/// Every question kind, by the name lesson files use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuestionKind {
    /// The range the kernel picks ephemeral ports from, checked against the client's port.
    ClientPortRange,
    /// The port the server's packets come from.
    ServerPort,
    /// Whether the server's port is below 1024.
    WellKnownPort,
    /// The relative ack of the SYN-ACK (client ISN + 1).
    SynAckAck,
    /// The TCP header length of the client's SYN, and what its options are.
    SynHeader,
    /// The MSS option of the client's SYN.
    Mss,
    /// The ack the peer sends for the first data segment (seq + length).
    DataAck,
    /// The relative seq of the second data segment of its sender (first seq + first length).
    NextSeq,
    /// The TCP header length of a data segment.
    TcpHeader,
    /// The UDP header length.
    UdpHeader,
    /// The IP header length.
    IpHeader,
    /// Segments from the first FIN to the end.
    TeardownSegments,
    /// Header bytes (link + IP + transport) of the first datagram.
    HeaderBytes,
    /// What a step's recv() or recvfrom() returned, in bytes.
    RecvBytes,
    /// How many datagrams the client sent.
    DatagramCount,
    /// Who sent the RST.
    RstSender,
    /// The errno a step's call failed with.
    Errno,
    /// Which side ends in TIME-WAIT.
    TimeWaitSide,
    /// How many packets the capture holds.
    PacketCount,
    /// The frame an ICMP error quotes.
    IcmpQuotes,
    /// Packets TCP and UDP needed for the same message.
    TcpVsUdpPackets,
    /// Packets on the wire before the server's accept() returned.
    HandshakeBeforeAccept,
    /// Distinct TCP connections (5-tuples).
    ConnectionCount,
    /// Payload bytes the server sent after the client's FIN.
    BytesAfterFin,
}

const NAMES: [(&str, QuestionKind); 24] = [
    ("client-port-range", QuestionKind::ClientPortRange),
    ("server-port", QuestionKind::ServerPort),
    ("well-known-port", QuestionKind::WellKnownPort),
    ("synack-ack", QuestionKind::SynAckAck),
    ("syn-header", QuestionKind::SynHeader),
    ("mss", QuestionKind::Mss),
    ("data-ack", QuestionKind::DataAck),
    ("next-seq", QuestionKind::NextSeq),
    ("tcp-header", QuestionKind::TcpHeader),
    ("udp-header", QuestionKind::UdpHeader),
    ("ip-header", QuestionKind::IpHeader),
    ("teardown-segments", QuestionKind::TeardownSegments),
    ("header-bytes", QuestionKind::HeaderBytes),
    ("recv-bytes", QuestionKind::RecvBytes),
    ("datagram-count", QuestionKind::DatagramCount),
    ("rst-sender", QuestionKind::RstSender),
    ("errno", QuestionKind::Errno),
    ("time-wait-side", QuestionKind::TimeWaitSide),
    ("packet-count", QuestionKind::PacketCount),
    ("icmp-quotes", QuestionKind::IcmpQuotes),
    ("tcp-vs-udp-packets", QuestionKind::TcpVsUdpPackets),
    (
        "handshake-before-accept",
        QuestionKind::HandshakeBeforeAccept,
    ),
    ("connection-count", QuestionKind::ConnectionCount),
    ("bytes-after-fin", QuestionKind::BytesAfterFin),
];

impl QuestionKind {
    pub fn parse(name: &str) -> Option<QuestionKind> {
        NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, kind)| *kind)
    }

    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("?", |(name, _)| name)
    }

    pub fn all_names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(|(name, _)| *name)
    }

    /// Kinds that ask about one step's call, named by `step = N`.
    pub fn needs_step(self) -> bool {
        matches!(self, QuestionKind::RecvBytes | QuestionKind::Errno)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for (index, (name, kind)) in NAMES.iter().enumerate() {
            assert_eq!(QuestionKind::parse(name), Some(*kind));
            assert_eq!(kind.name(), *name);
            assert!(!NAMES[..index].iter().any(|(_, other)| other == kind));
        }
        assert_eq!(QuestionKind::parse("nope"), None);
    }
}
