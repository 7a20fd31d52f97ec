//! An annotation's own fields, `{"kind":"data","from":"client","bytes":5}`, written as serde writes the
//! derived `Serialize` of `Annotation` (internally tagged by `kind`, fields in declaration order), but
//! without going through a `Serializer`: one of these is written for nearly every packet.
//!
//! The match below names every variant and every field, so a new variant or field does not compile until
//! it is written here too; a test compares the bytes with serde_json for every variant.

use super::super::json_writer::unsigned_into;
use crate::analysis::{Annotation, Role, Unexpected};

/// Appends the annotation's data object.
pub(super) fn write(out: &mut Vec<u8>, note: &Annotation) {
    match *note {
        Annotation::HandshakeSyn => kind(out, b"handshake_syn"),
        Annotation::HandshakeSynAck => kind(out, b"handshake_syn_ack"),
        Annotation::HandshakeAck => kind(out, b"handshake_ack"),
        Annotation::SynRetransmission => kind(out, b"syn_retransmission"),
        Annotation::SynAckRetransmission => kind(out, b"syn_ack_retransmission"),
        Annotation::Data { from, bytes } => from_and_number(out, b"data", from, b"bytes", bytes),
        Annotation::PureAck { from, acked } => {
            from_and_number(out, b"pure_ack", from, b"acked", acked)
        }
        Annotation::WindowUpdate { from, window } => {
            from_and_number(out, b"window_update", from, b"window", window)
        }
        Annotation::ZeroWindow { from } => from_only(out, b"zero_window", from),
        Annotation::Retransmission { from, bytes } => {
            from_and_number(out, b"retransmission", from, b"bytes", bytes)
        }
        Annotation::OutOfOrder { from } => from_only(out, b"out_of_order", from),
        Annotation::FillsGap { from, bytes } => {
            from_and_number(out, b"fills_gap", from, b"bytes", bytes)
        }
        Annotation::KeepAlive { from } => from_only(out, b"keep_alive", from),
        Annotation::FinRetransmission { from } => from_only(out, b"fin_retransmission", from),
        Annotation::TeardownFin { from, step } => {
            from_and_number(out, b"teardown_fin", from, b"step", u32::from(step))
        }
        Annotation::TeardownAck { from, step } => {
            from_and_number(out, b"teardown_ack", from, b"step", u32::from(step))
        }
        Annotation::TeardownFinAckPiggybacked { from } => {
            from_only(out, b"teardown_fin_ack_piggybacked", from)
        }
        Annotation::SimultaneousFin { from } => from_only(out, b"simultaneous_fin", from),
        Annotation::RstRefused { port } => {
            open(out, b"rst_refused");
            out.extend_from_slice(b",\"port\":");
            unsigned_into(out, u64::from(port));
            out.push(b'}');
        }
        Annotation::RstAbort { from } => from_only(out, b"rst_abort", from),
        Annotation::RstAfterClose { from } => from_only(out, b"rst_after_close", from),
        Annotation::UdpDatagram { from, payload } => {
            from_and_number(out, b"udp_datagram", from, b"payload", payload)
        }
        Annotation::IcmpPortUnreachable { datagram, port } => {
            open(out, b"icmp_port_unreachable");
            out.extend_from_slice(b",\"datagram\":");
            optional(out, datagram);
            out.extend_from_slice(b",\"port\":");
            optional(out, port.map(u64::from));
            out.push(b'}');
        }
        Annotation::Icmp { icmp_type, code } => type_and_code(out, b"icmp", icmp_type, code),
        Annotation::Icmpv6 { icmp_type, code } => type_and_code(out, b"icmpv6", icmp_type, code),
        Annotation::MidStream => kind(out, b"mid_stream"),
        Annotation::Unexpected { reason } => {
            open(out, b"unexpected");
            out.extend_from_slice(b",\"reason\":\"");
            out.extend_from_slice(match reason {
                Unexpected::AfterFin => b"after_fin",
                Unexpected::AckOfUnsentData => b"ack_of_unsent_data",
                Unexpected::SynOnEstablished => b"syn_on_established",
                Unexpected::AfterClosed => b"after_closed",
                Unexpected::InvalidFlags => b"invalid_flags",
            });
            out.extend_from_slice(b"\"}");
        }
    }
}

/// `{"kind":"<name>"` (the object stays open).
fn open(out: &mut Vec<u8>, name: &[u8]) {
    out.extend_from_slice(b"{\"kind\":\"");
    out.extend_from_slice(name);
    out.push(b'"');
}

fn kind(out: &mut Vec<u8>, name: &[u8]) {
    open(out, name);
    out.push(b'}');
}

fn role(out: &mut Vec<u8>, from: Role) {
    out.extend_from_slice(match from {
        Role::Client => b",\"from\":\"client\"",
        Role::Server => b",\"from\":\"server\"",
    });
}

fn from_only(out: &mut Vec<u8>, name: &[u8], from: Role) {
    open(out, name);
    role(out, from);
    out.push(b'}');
}

fn from_and_number(out: &mut Vec<u8>, name: &[u8], from: Role, key: &[u8], value: u32) {
    open(out, name);
    role(out, from);
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key);
    out.extend_from_slice(b"\":");
    unsigned_into(out, u64::from(value));
    out.push(b'}');
}

fn type_and_code(out: &mut Vec<u8>, name: &[u8], icmp_type: u8, code: u8) {
    open(out, name);
    out.extend_from_slice(b",\"icmp_type\":");
    unsigned_into(out, u64::from(icmp_type));
    out.extend_from_slice(b",\"code\":");
    unsigned_into(out, u64::from(code));
    out.push(b'}');
}

fn optional(out: &mut Vec<u8>, value: Option<u64>) {
    match value {
        Some(value) => unsigned_into(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_annotations::every_annotation;

    #[test]
    fn every_variant_is_written_as_serde_json_writes_it() {
        for note in every_annotation() {
            let mut fast = Vec::new();
            write(&mut fast, &note);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&note).unwrap(),
                "{note:?}"
            );
        }
    }
}
