//! The packet record, written field by field: the constant text between values is copied in one piece,
//! numbers and addresses are formatted in place, and only the rare shapes (ICMP and other transports,
//! stable mode's annotations) go through the generic writer.
//!
//! Why: a packet record is about 1.3 KB and one is written per packet, so it was most of a JSON
//! replay's time even through `json_writer`. The output is byte for byte what serde_json writes for the
//! `PacketRecord`, in normal and in stable mode; a test below checks that on every fixture capture, so a
//! field added to the record without being added here fails it.

use super::super::json_writer::{
    self, escape_into, ipv4_into, ipv6_into, signed_into, socket_into, string_into, unsigned_into,
    Error,
};
use super::annotation_data;
use super::{
    AnnotationList, EndpointName, OptionsRecord, PacketRecord, TcpRecord, TransportRecord,
    UdpRecord,
};
use crate::analysis::{EndpointStates, FlowId, FlowProtocol, Role, TcpState};
use crate::decode::TcpFlags;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

/// Appends the record as one JSON object (no newline).
pub(super) fn write(out: &mut Vec<u8>, record: &PacketRecord<'_>) -> Result<(), Error> {
    let mut line = Line(out);
    if record.schema == super::SCHEMA && record.kind == "packet" {
        line.raw(b"{\"schema\":\"socklab.timeline/1\",\"type\":\"packet\",\"frame\":");
    } else {
        line.raw(b"{\"schema\":");
        line.string(record.schema);
        line.raw(b",\"type\":");
        line.string(record.kind);
        line.raw(b",\"frame\":");
    }
    line.unsigned(record.frame);
    line.raw(b",\"time_ns\":");
    match record.time_ns {
        Some(nanos) => line.signed(nanos),
        None => line.null(),
    }
    line.raw(b",\"timestamp\":");
    match &record.timestamp {
        Some(timestamp) => {
            line.raw(b"{\"secs\":");
            line.signed(timestamp.secs);
            line.raw(b",\"nanos\":");
            line.unsigned(u64::from(timestamp.nanos));
            line.raw(b"}");
        }
        None => line.null(),
    }
    line.raw(b",\"captured_len\":");
    line.unsigned(u64::from(record.captured_len));
    line.raw(b",\"original_len\":");
    line.unsigned(u64::from(record.original_len));

    let link = &record.link;
    line.raw(b",\"link\":{\"type\":");
    // The usual link type as constant text (a comparison of a few bytes instead of an escape check).
    if link.kind == "ethernet" {
        line.raw(b"\"ethernet\"");
    } else {
        line.string(link.kind);
    }
    line.raw(b",\"linktype\":");
    line.unsigned(u64::from(link.linktype));
    line.raw(b",\"header_len\":");
    line.unsigned(u64::from(link.header_len));
    line.raw(b",\"vlan\":");
    line.optional(link.vlan.map(u64::from));
    line.raw(b",\"ether_type\":");
    line.optional(link.ether_type.map(u64::from));
    line.raw(b"},\"ip\":");
    match &record.ip {
        None => line.null(),
        Some(ip) => {
            line.raw(b"{\"version\":");
            line.unsigned(u64::from(ip.version));
            line.raw(b",\"src\":");
            line.address(ip.src);
            line.raw(b",\"dst\":");
            line.address(ip.dst);
            line.raw(b",\"header_len\":");
            line.unsigned(u64::from(ip.header_len));
            line.raw(b",\"total_len\":");
            line.unsigned(u64::from(ip.total_len));
            line.raw(b",\"ttl\":");
            line.unsigned(u64::from(ip.ttl));
            line.raw(b",\"protocol\":");
            line.unsigned(u64::from(ip.protocol));
            line.raw(b",\"identification\":");
            line.optional(ip.identification.map(u64::from));
            line.raw(b",\"dont_fragment\":");
            line.boolean(ip.dont_fragment);
            line.raw(b",\"is_fragment\":");
            line.boolean(ip.is_fragment);
            line.raw(b"}");
        }
    }

    line.raw(b",\"transport\":");
    match &record.transport {
        TransportRecord::Tcp(tcp) => line.tcp(tcp),
        TransportRecord::Udp(udp) => line.udp(udp),
        other => line.generic(other)?,
    }
    line.raw(b",\"flow\":");
    line.flow(record.flow);
    line.raw(b",\"new_flow\":");
    line.boolean(record.new_flow);
    line.raw(b",\"endpoints\":");
    match &record.endpoints {
        None => line.null(),
        Some(endpoints) => {
            line.raw(b"{\"client\":");
            line.endpoint(&endpoints.client);
            line.raw(b",\"server\":");
            line.endpoint(&endpoints.server);
            line.raw(b"}");
        }
    }
    line.raw(b",\"from\":");
    line.role(record.from);
    line.raw(b",\"states\":");
    line.states(record.states);
    line.raw(b",\"annotations\":");
    line.annotations(&record.annotations)?;
    line.raw(b",\"related_packet\":");
    line.optional(record.related_packet);
    line.raw(b"}");
    Ok(())
}

/// The record being written. Its small writers are always inlined: a call per value cost more than
/// the value's own work.
struct Line<'a>(&'a mut Vec<u8>);

impl Line<'_> {
    #[inline(always)]
    fn raw(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    #[inline(always)]
    fn null(&mut self) {
        self.raw(b"null");
    }

    #[inline(always)]
    fn string(&mut self, text: &str) {
        string_into(self.0, text);
    }

    #[inline(always)]
    fn unsigned(&mut self, value: u64) {
        unsigned_into(self.0, value);
    }

    #[inline(always)]
    fn signed(&mut self, value: i64) {
        signed_into(self.0, value);
    }

    #[inline(always)]
    fn optional(&mut self, value: Option<u64>) {
        match value {
            Some(value) => self.unsigned(value),
            None => self.null(),
        }
    }

    #[inline(always)]
    fn boolean(&mut self, value: bool) {
        self.raw(if value { b"true" } else { b"false" });
    }

    /// As serde writes an address: its `Display` form, quoted.
    fn address(&mut self, address: IpAddr) {
        self.0.push(b'"');
        match address {
            IpAddr::V4(v4) => ipv4_into(self.0, v4.octets()),
            IpAddr::V6(v6) => ipv6_into(self.0, v6),
        }
        self.0.push(b'"');
    }

    fn socket(&mut self, socket: SocketAddr) {
        self.0.push(b'"');
        socket_into(self.0, socket);
        self.0.push(b'"');
    }

    fn endpoint(&mut self, endpoint: &EndpointName<'_>) {
        match endpoint {
            EndpointName::Address(address) => self.socket(*address),
            EndpointName::Name(name) => self.string(name),
        }
    }

    fn generic<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        json_writer::write(self.0, value)
    }

    fn flow(&mut self, flow: Option<FlowId>) {
        match flow {
            Some(id) => {
                self.raw(match id.protocol {
                    FlowProtocol::Tcp => b"{\"protocol\":\"tcp\",\"index\":",
                    FlowProtocol::Udp => b"{\"protocol\":\"udp\",\"index\":",
                });
                self.unsigned(u64::from(id.index));
                self.raw(b"}");
            }
            None => self.null(),
        }
    }

    fn role(&mut self, role: Option<Role>) {
        match role {
            Some(Role::Client) => self.raw(b"\"client\""),
            Some(Role::Server) => self.raw(b"\"server\""),
            None => self.null(),
        }
    }

    fn states(&mut self, states: Option<EndpointStates>) {
        match states {
            Some(states) => {
                self.raw(b"{\"client\":");
                self.state(states.client);
                self.raw(b",\"server\":");
                self.state(states.server);
                self.raw(b"}");
            }
            None => self.null(),
        }
    }

    /// A state's name, quoted: constant text per state (`TcpState::name`, checked by a test).
    fn state(&mut self, state: TcpState) {
        self.raw(match state {
            TcpState::Closed => b"\"CLOSED\"",
            TcpState::Listen => b"\"LISTEN\"",
            TcpState::SynSent => b"\"SYN-SENT\"",
            TcpState::SynReceived => b"\"SYN-RECEIVED\"",
            TcpState::Established => b"\"ESTABLISHED\"",
            TcpState::FinWait1 => b"\"FIN-WAIT-1\"",
            TcpState::FinWait2 => b"\"FIN-WAIT-2\"",
            TcpState::CloseWait => b"\"CLOSE-WAIT\"",
            TcpState::Closing => b"\"CLOSING\"",
            TcpState::LastAck => b"\"LAST-ACK\"",
            TcpState::TimeWait => b"\"TIME-WAIT\"",
        });
    }

    /// The set flags' names as a JSON array: the usual combinations as constant text.
    fn flag_names(&mut self, flags: TcpFlags) {
        const SYN: u16 = TcpFlags::SYN;
        const ACK: u16 = TcpFlags::ACK;
        const FIN: u16 = TcpFlags::FIN;
        const PSH: u16 = TcpFlags::PSH;
        const RST: u16 = TcpFlags::RST;
        let constant: &[u8] = match flags.0 {
            SYN => b"[\"SYN\"]",
            ACK => b"[\"ACK\"]",
            x if x == SYN | ACK => b"[\"SYN\",\"ACK\"]",
            x if x == PSH | ACK => b"[\"PSH\",\"ACK\"]",
            x if x == FIN | ACK => b"[\"FIN\",\"ACK\"]",
            x if x == FIN | PSH | ACK => b"[\"FIN\",\"PSH\",\"ACK\"]",
            x if x == RST | ACK => b"[\"RST\",\"ACK\"]",
            RST => b"[\"RST\"]",
            _ => {
                self.raw(b"[");
                for (index, name) in flags.set_names().enumerate() {
                    if index > 0 {
                        self.raw(b",");
                    }
                    self.string(name);
                }
                self.raw(b"]");
                return;
            }
        };
        self.raw(constant);
    }

    fn annotations(&mut self, list: &AnnotationList<'_>) -> Result<(), Error> {
        if list.stable.is_some() {
            // Stable mode (lessons, a few packets) names ports inside the data: the generic way.
            return self.generic(list);
        }
        self.raw(b"[");
        for (index, note) in list.notes.iter().enumerate() {
            self.raw(if index == 0 {
                b"{\"data\":"
            } else {
                b",{\"data\":"
            });
            annotation_data::write(self.0, note);
            self.raw(b",\"text\":\"");
            let out = &mut *self.0;
            note.text(list.lang)
                .write_pieces(|piece| escape_into(out, piece));
            self.raw(b"\"}");
        }
        self.raw(b"]");
        Ok(())
    }

    fn tcp(&mut self, tcp: &TcpRecord<'_>) {
        self.raw(b"{\"protocol\":\"tcp\",\"src_port\":");
        self.optional(tcp.src_port.map(u64::from));
        self.raw(b",\"dst_port\":");
        self.optional(tcp.dst_port.map(u64::from));
        self.raw(b",\"flags\":{\"names\":");
        self.flag_names(tcp.flags.names.0);
        self.raw(b",\"bits\":");
        self.unsigned(u64::from(tcp.flags.bits));
        self.raw(b"},\"seq\":");
        self.optional(tcp.seq.map(u64::from));
        self.raw(b",\"ack\":");
        self.optional(tcp.ack.map(u64::from));
        self.raw(b",\"relative_seq\":");
        self.optional(tcp.relative_seq.map(u64::from));
        self.raw(b",\"relative_ack\":");
        self.optional(tcp.relative_ack.map(u64::from));
        self.raw(b",\"relative_next_seq\":");
        self.optional(tcp.relative_next_seq.map(u64::from));
        self.raw(b",\"window\":");
        self.unsigned(u64::from(tcp.window));
        self.raw(b",\"scaled_window\":");
        self.optional(tcp.scaled_window.map(u64::from));
        self.raw(b",\"header_len\":");
        self.unsigned(u64::from(tcp.header_len));
        self.raw(b",\"payload_len\":");
        self.unsigned(u64::from(tcp.payload_len));
        self.raw(b",\"captured_payload_len\":");
        self.unsigned(tcp.captured_payload_len as u64);
        self.raw(b",\"urgent_ptr\":");
        self.unsigned(u64::from(tcp.urgent_ptr));
        self.raw(b",\"checksum\":");
        self.optional(tcp.checksum.map(u64::from));
        self.raw(b",\"options\":");
        self.options(&tcp.options);
        self.raw(b"}");
    }

    fn options(&mut self, options: &OptionsRecord<'_>) {
        self.raw(b"{\"mss\":");
        self.optional(options.mss.map(u64::from));
        self.raw(b",\"wscale\":");
        self.optional(options.wscale.map(u64::from));
        self.raw(b",\"sack_permitted\":");
        self.boolean(options.sack_permitted);
        self.raw(b",\"sack_blocks\":[");
        for (index, (left, right)) in options.sack_blocks.iter().enumerate() {
            self.raw(if index == 0 { b"[" } else { b",[" });
            self.unsigned(u64::from(*left));
            self.raw(b",");
            self.unsigned(u64::from(*right));
            self.raw(b"]");
        }
        self.raw(b"],\"timestamps\":");
        match &options.timestamps {
            None => self.null(),
            Some(timestamps) => {
                self.raw(b"{\"tsval\":");
                self.unsigned(u64::from(timestamps.tsval));
                self.raw(b",\"tsecr\":");
                self.unsigned(u64::from(timestamps.tsecr));
                self.raw(b"}");
            }
        }
        self.raw(b",\"nop_count\":");
        self.unsigned(u64::from(options.nop_count));
        self.raw(b",\"unknown_count\":");
        self.unsigned(u64::from(options.unknown_count));
        self.raw(b",\"first_unknown_kind\":");
        self.optional(options.first_unknown_kind.map(u64::from));
        self.raw(b",\"malformed_at\":");
        self.optional(options.malformed_at.map(u64::from));
        self.raw(b"}");
    }

    fn udp(&mut self, udp: &UdpRecord) {
        self.raw(b"{\"protocol\":\"udp\",\"src_port\":");
        self.optional(udp.src_port.map(u64::from));
        self.raw(b",\"dst_port\":");
        self.optional(udp.dst_port.map(u64::from));
        self.raw(b",\"length\":");
        self.unsigned(u64::from(udp.length));
        self.raw(b",\"checksum\":");
        self.optional(udp.checksum.map(u64::from));
        self.raw(b",\"payload_len\":");
        self.unsigned(u64::from(udp.payload_len));
        self.raw(b",\"captured_payload_len\":");
        self.unsigned(udp.captured_payload_len as u64);
        self.raw(b"}");
    }
}

#[cfg(test)]
mod tests {
    use super::super::packet_record;
    use super::*;
    use crate::analysis::{FlowInfo, Verdict};
    use crate::capture::LinkType;
    use crate::decode::{Packet, Transport};
    use crate::lang::Lang;
    use crate::render::fixtures;
    use crate::render::StableNames;

    /// The fast writer against serde_json on the same record, in both languages and both modes.
    fn same(packet: &Packet<'_>, verdict: &Verdict, flow: Option<&FlowInfo>, names: &StableNames) {
        for lang in [Lang::En, Lang::ZhCn] {
            for stable in [None, Some(names)] {
                let record = packet_record(packet, verdict, flow, -5, lang, stable);
                let mut fast = Vec::new();
                write(&mut fast, &record).unwrap();
                let serde = serde_json::to_vec(&record).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&fast),
                    String::from_utf8_lossy(&serde),
                    "stable: {}",
                    stable.is_some()
                );
            }
        }
    }

    /// The same packet with every optional field the fixtures leave empty filled in.
    fn filled<'a>(packet: &Packet<'a>, verdict: &Verdict) -> (Packet<'a>, Verdict) {
        let mut packet = *packet;
        packet.link.vlan = Some(4094);
        packet.link.link_type = LinkType::LinuxSll2;
        if let Transport::Tcp(segment) = &mut packet.transport {
            let options = &mut segment.options;
            options.sack_blocks = [(1, 2), (u32::MAX, 0), (5, 6), (7, 8)];
            options.sack_block_count = 3;
            options.malformed_at = Some(3);
            options.first_unknown_kind = Some(30);
            options.unknown_count = 2;
            options.mss = None;
            options.timestamps = Some((u32::MAX, 0));
        }
        let mut verdict = *verdict;
        verdict.related_packet = Some(u64::MAX);
        verdict.from = verdict.from.or(Some(Role::Server));
        verdict.rel_seq = Some(u32::MAX);
        verdict.scaled_window = Some(1 << 30);
        verdict.new_flow = true;
        (packet, verdict)
    }

    /// Names for some endpoints of a flow (the client's only, so the server's address stays a number).
    fn names_for(flow: Option<&FlowInfo>) -> StableNames {
        let mut names = StableNames::new();
        if let Some(info) = flow {
            names.insert(info.client, "client \"quoted\"");
        }
        names
    }

    #[test]
    fn writes_what_serializing_the_record_writes_for_every_fixture_packet() {
        let checked = fixtures::for_every_fixture_packet(|packet, verdict, analyzer| {
            let flow = verdict.flow.and_then(|id| analyzer.flow(id)).copied();
            let names = names_for(flow.as_ref());
            same(packet, verdict, flow.as_ref(), &names);
            let (packet, verdict) = filled(packet, verdict);
            same(&packet, &verdict, flow.as_ref(), &names);
            let mut bare = packet;
            bare.ip = None;
            bare.transport = Transport::NotIp;
            same(&bare, &Verdict::default(), None, &names);
        });
        assert!(checked > 100, "only {checked} packets in the fixtures");
    }

    #[test]
    fn constant_names_are_what_serde_writes() {
        let states = TcpState::ALL;
        for state in states {
            let mut fast = Vec::new();
            Line(&mut fast).state(state);
            assert_eq!(fast, serde_json::to_vec(&state).unwrap(), "{state:?}");
        }
        for role in [Role::Client, Role::Server] {
            let mut fast = Vec::new();
            Line(&mut fast).role(Some(role));
            assert_eq!(fast, serde_json::to_vec(&role).unwrap());
        }
        for bits in 0..0x200 {
            let flags = TcpFlags(bits);
            let mut fast = Vec::new();
            Line(&mut fast).flag_names(flags);
            let names: Vec<&str> = flags.set_names().collect();
            assert_eq!(fast, serde_json::to_vec(&names).unwrap(), "{bits:#x}");
        }
    }

    #[test]
    fn socket_addresses_of_every_shape_are_written_as_serde_writes_them() {
        let addresses = [
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "10.0.0.5:20000",
            "[::1]:443",
            "[2001:db8::1]:80",
            "[::ffff:10.0.0.1]:5000",
            "[fe80::1%3]:22",
        ];
        for text in addresses {
            let address: SocketAddr = text.parse().unwrap();
            let mut fast = Vec::new();
            Line(&mut fast).socket(address);
            assert_eq!(fast, serde_json::to_vec(&address).unwrap(), "{text}");
            let mut fast = Vec::new();
            Line(&mut fast).address(address.ip());
            assert_eq!(fast, serde_json::to_vec(&address.ip()).unwrap(), "{text}");
        }
    }
}
