//! One UDP conversation. UDP has no connection and no states, so only the latest datagram in each
//! direction is remembered: an ICMP error quoting a datagram can then point at the packet.

use super::annotation::{Annotation, Role};
use super::flow_record::FlowRecord;
use super::history::Letter;
use super::verdict::{Notes, Verdict};
use crate::decode::UdpDatagram;

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct UdpFlow {
    last_from_client: Option<u64>,
    last_from_server: Option<u64>,
}

impl UdpFlow {
    /// Analyses one datagram sent by `from`; the caller fills in `flow` and `new_flow`.
    pub fn process(
        &mut self,
        datagram: &UdpDatagram<'_>,
        from: Role,
        frame: u64,
        record: &mut FlowRecord,
    ) -> Verdict {
        let payload = datagram.payload_len;
        record.count(from, payload);
        // Zeek records D/d for every UDP datagram, empty or not.
        record.history.record(from, Letter::Data);
        match from {
            Role::Client => self.last_from_client = Some(frame),
            Role::Server => self.last_from_server = Some(frame),
        }
        let mut notes = Notes::default();
        notes.push(Annotation::UdpDatagram { from, payload });
        Verdict {
            from: Some(from),
            notes,
            ..Verdict::default()
        }
    }

    /// Frame number of the latest datagram `from` sent.
    pub fn last_from(&self, from: Role) -> Option<u64> {
        match from {
            Role::Client => self.last_from_client,
            Role::Server => self.last_from_server,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::FlowInfo;
    use crate::analysis::test_packets::Wire;
    use crate::analysis::verdict::{FlowId, FlowProtocol};

    #[test]
    fn counts_datagrams_and_remembers_the_latest_each_way() {
        let mut record = FlowRecord::new(FlowInfo {
            id: FlowId {
                protocol: FlowProtocol::Udp,
                index: 0,
            },
            client: "127.0.0.1:40000".parse().unwrap(),
            server: "127.0.0.1:8080".parse().unwrap(),
            first_packet: 1,
        });
        let mut wire = Wire::v4();
        let mut flow = UdpFlow::default();
        let packets = [
            wire.udp_from_client(5),
            wire.udp_from_client(0),
            wire.udp_from_server(7),
        ];
        let froms = [Role::Client, Role::Client, Role::Server];
        let mut verdicts = Vec::new();
        for (packet, from) in packets.iter().zip(froms) {
            verdicts.push(flow.process(packet.udp().unwrap(), from, packet.number, &mut record));
        }
        assert_eq!(
            verdicts[0].notes.first(),
            Some(&Annotation::UdpDatagram {
                from: Role::Client,
                payload: 5
            })
        );
        assert_eq!(verdicts[2].from, Some(Role::Server));
        assert_eq!(verdicts[0].rel_seq, None);
        assert_eq!(flow.last_from(Role::Client), Some(2));
        assert_eq!(flow.last_from(Role::Server), Some(3));
        let summary = record.to_summary();
        assert_eq!(summary.history, "Dd");
        assert_eq!(
            (
                summary.packets,
                summary.client_payload_bytes,
                summary.server_payload_bytes
            ),
            (3, 5, 7)
        );
        assert_eq!(summary.final_states, None);
    }
}
