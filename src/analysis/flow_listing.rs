//! Which conversations the summary lists one by one, and the totals of the others.
//!
//! A record per flow ever seen would make memory grow with the length of a capture (a 10-million-packet
//! capture of short connections has about 700,000 flows). So the first [`LISTED_FLOWS`] flows keep a
//! record for the whole capture; a later flow's record lives with its live tracking state and, when the
//! flow is forgotten (see `eviction`), is added to [`UnlistedFlows`]. Memory then depends on how many
//! conversations are open at once, not on how many there were.

use super::flow_record::FlowRecord;
use super::summary::{FlowInfo, UnlistedFlows};
use super::verdict::{FlowId, FlowProtocol};

/// How many flows the summary lists one by one (in the order they were first seen).
pub const LISTED_FLOWS: usize = 10_000;

/// Where a live flow's record is kept.
pub(super) enum Record {
    /// A listed flow: its record stays in the listing, at this index (= `FlowId.index`).
    Listed(u32),
    /// A flow beyond the listing: its record lives and dies with the flow's live state.
    Unlisted(Box<FlowRecord>),
}

#[derive(Default)]
pub(super) struct FlowListing {
    tcp: Vec<FlowRecord>,
    udp: Vec<FlowRecord>,
    /// Flows seen so far per protocol: the next `FlowId.index`.
    opened_tcp: u32,
    opened_udp: u32,
    /// Totals of the unlisted flows already forgotten.
    forgotten: UnlistedFlows,
}

impl FlowListing {
    /// Starts the record of a new flow; `info` takes the next index of its protocol.
    pub fn open(&mut self, mut info: FlowInfo) -> Record {
        let listed = self.tcp.len() + self.udp.len();
        let (records, opened) = match info.id.protocol {
            FlowProtocol::Tcp => (&mut self.tcp, &mut self.opened_tcp),
            FlowProtocol::Udp => (&mut self.udp, &mut self.opened_udp),
        };
        info.id.index = *opened;
        *opened = opened.saturating_add(1);
        if listed == LISTED_FLOWS {
            return Record::Unlisted(Box::new(FlowRecord::new(info)));
        }
        if records.len() == records.capacity() {
            // Grow as a Vec does, but never past what the listing can hold.
            records.reserve_exact(records.len().max(16).min(LISTED_FLOWS - listed));
        }
        records.push(FlowRecord::new(info));
        Record::Listed(info.id.index)
    }

    pub fn get<'a>(&'a self, protocol: FlowProtocol, record: &'a Record) -> Option<&'a FlowRecord> {
        match record {
            Record::Listed(index) => self.records(protocol).get(*index as usize),
            Record::Unlisted(record) => Some(record),
        }
    }

    pub fn get_mut<'a>(
        &'a mut self,
        protocol: FlowProtocol,
        record: &'a mut Record,
    ) -> Option<&'a mut FlowRecord> {
        match record {
            Record::Listed(index) => {
                let records = match protocol {
                    FlowProtocol::Tcp => &mut self.tcp,
                    FlowProtocol::Udp => &mut self.udp,
                };
                records.get_mut(*index as usize)
            }
            Record::Unlisted(record) => Some(record),
        }
    }

    /// The record of a listed flow.
    pub fn listed(&self, id: FlowId) -> Option<&FlowRecord> {
        self.records(id.protocol).get(id.index as usize)
    }

    /// Every listed flow, TCP first.
    pub fn all_listed(&self) -> impl Iterator<Item = &FlowRecord> {
        self.tcp.iter().chain(&self.udp)
    }

    /// A live flow is forgotten: an unlisted flow's counts join the totals (a listed one stays listed).
    pub fn forget(&mut self, record: &Record) {
        if let Record::Unlisted(record) = record {
            self.forgotten.add(record);
        }
    }

    /// Totals of the unlisted flows forgotten so far (live ones are added by the caller).
    pub fn forgotten(&self) -> UnlistedFlows {
        self.forgotten
    }

    fn records(&self, protocol: FlowProtocol) -> &[FlowRecord] {
        match protocol {
            FlowProtocol::Tcp => &self.tcp,
            FlowProtocol::Udp => &self.udp,
        }
    }
}

impl UnlistedFlows {
    /// Counts one more flow.
    pub(super) fn add(&mut self, record: &FlowRecord) {
        let protocol = match record.info.id.protocol {
            FlowProtocol::Tcp => &mut self.tcp,
            FlowProtocol::Udp => &mut self.udp,
        };
        *protocol = protocol.saturating_add(1);
        self.packets = self.packets.saturating_add(record.packets);
        self.client_payload_bytes = self
            .client_payload_bytes
            .saturating_add(record.client_payload_bytes);
        self.server_payload_bytes = self
            .server_payload_bytes
            .saturating_add(record.server_payload_bytes);
        self.handshakes_complete += u64::from(record.handshake_complete);
        self.closed_cleanly += u64::from(record.closed_cleanly);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(protocol: FlowProtocol) -> FlowInfo {
        FlowInfo {
            id: FlowId { protocol, index: 0 },
            client: "127.0.0.1:40000".parse().unwrap(),
            server: "127.0.0.1:8080".parse().unwrap(),
            first_packet: 1,
        }
    }

    #[test]
    fn the_first_flows_are_listed_and_the_rest_counted_when_forgotten() {
        let mut listing = FlowListing::default();
        for _ in 0..LISTED_FLOWS - 1 {
            assert!(matches!(
                listing.open(info(FlowProtocol::Tcp)),
                Record::Listed(_)
            ));
        }
        let udp = listing.open(info(FlowProtocol::Udp));
        assert!(
            matches!(udp, Record::Listed(0)),
            "indices count per protocol"
        );
        let mut late = listing.open(info(FlowProtocol::Tcp));
        let Record::Unlisted(record) = &late else {
            panic!("the listing is full");
        };
        assert_eq!(record.info.id.index, LISTED_FLOWS as u32 - 1);
        let record = listing.get_mut(FlowProtocol::Tcp, &mut late).unwrap();
        record.count(super::super::annotation::Role::Client, 100);
        record.handshake_complete = true;
        listing.forget(&late);
        listing.forget(&udp);
        let totals = listing.forgotten();
        assert_eq!((totals.tcp, totals.udp), (1, 0));
        assert_eq!((totals.packets, totals.client_payload_bytes), (1, 100));
        assert_eq!(totals.handshakes_complete, 1);
        assert_eq!(listing.all_listed().count(), LISTED_FLOWS);
        assert!(listing
            .listed(FlowId {
                protocol: FlowProtocol::Tcp,
                index: LISTED_FLOWS as u32 - 1
            })
            .is_none());
    }
}
