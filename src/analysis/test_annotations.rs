//! Every kind of annotation, for tests in analysis and render that must cover them all.

use super::annotation::{Annotation, Role, Unexpected};

/// Every variant, each field at a small, a typical and its largest value, both roles, every teardown
/// step: for the checks that every note has its sentence and is written as serde_json writes it.
pub(crate) fn every_annotation() -> Vec<Annotation> {
    let mut notes = vec![
        Annotation::HandshakeSyn,
        Annotation::HandshakeSynAck,
        Annotation::HandshakeAck,
        Annotation::SynRetransmission,
        Annotation::SynAckRetransmission,
        Annotation::MidStream,
    ];
    for from in [Role::Client, Role::Server] {
        for number in [0, 7, u32::MAX] {
            notes.extend([
                Annotation::Data {
                    from,
                    bytes: number,
                },
                Annotation::PureAck {
                    from,
                    acked: number,
                },
                Annotation::WindowUpdate {
                    from,
                    window: number,
                },
                Annotation::Retransmission {
                    from,
                    bytes: number,
                },
                Annotation::FillsGap {
                    from,
                    bytes: number,
                },
                Annotation::UdpDatagram {
                    from,
                    payload: number,
                },
            ]);
        }
        for step in [1, 2, 3, 4, u8::MAX] {
            notes.push(Annotation::TeardownFin { from, step });
            notes.push(Annotation::TeardownAck { from, step });
        }
        notes.extend([
            Annotation::ZeroWindow { from },
            Annotation::OutOfOrder { from },
            Annotation::KeepAlive { from },
            Annotation::FinRetransmission { from },
            Annotation::TeardownFinAckPiggybacked { from },
            Annotation::SimultaneousFin { from },
            Annotation::RstAbort { from },
            Annotation::RstAfterClose { from },
        ]);
    }
    for port in [0, u16::MAX] {
        notes.push(Annotation::RstRefused { port });
    }
    for datagram in [None, Some(3), Some(u64::MAX)] {
        for port in [None, Some(5000)] {
            notes.push(Annotation::IcmpPortUnreachable { datagram, port });
        }
    }
    for (icmp_type, code) in [(0, 0), (3, 3), (8, 0), (128, 0), (255, 255)] {
        notes.push(Annotation::Icmp { icmp_type, code });
        notes.push(Annotation::Icmpv6 { icmp_type, code });
    }
    for reason in [
        Unexpected::AfterFin,
        Unexpected::AckOfUnsentData,
        Unexpected::SynOnEstablished,
        Unexpected::AfterClosed,
        Unexpected::InvalidFlags,
    ] {
        notes.push(Annotation::Unexpected { reason });
    }
    notes
}
