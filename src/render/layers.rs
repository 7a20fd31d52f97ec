//! One packet taken apart layer by layer, with each header's size and fields, for pictures that let a
//! learner click a packet open (the HTML walkthrough): Ethernet 14 B / IPv4 20 B / TCP 20+ B / payload.

use crate::analysis::Verdict;
use crate::capture::LinkType;
use crate::decode::{IcmpKind, IpVersion, Packet, Transport};
use crate::lang::Lang;
use serde::Serialize;
use std::fmt::Write as _;

/// How many payload bytes a preview shows.
const PREVIEW_BYTES: usize = 48;

/// One header (or the payload) of a packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayerView {
    /// "Ethernet", "IPv4", "TCP", "UDP", "ICMP", or the word for payload.
    pub name: String,
    /// Which of the picture's colours this layer takes: "link", "ip", "transport" or "payload".
    pub kind: &'static str,
    /// Bytes this layer takes on the wire.
    pub bytes: u32,
    /// (field name, value), in header order.
    pub fields: Vec<(String, String)>,
}

/// Field names in each language; protocol words stay as the RFCs spell them.
struct FieldNames {
    link_type: &'static str,
    ether_type: &'static str,
    vlan: &'static str,
    version: &'static str,
    header_length: &'static str,
    total_length: &'static str,
    identification: &'static str,
    dont_fragment: &'static str,
    fragment: &'static str,
    ttl: &'static str,
    hop_limit: &'static str,
    protocol: &'static str,
    source: &'static str,
    destination: &'static str,
    source_port: &'static str,
    destination_port: &'static str,
    sequence: &'static str,
    acknowledgement: &'static str,
    flags: &'static str,
    window: &'static str,
    checksum: &'static str,
    urgent: &'static str,
    options: &'static str,
    length: &'static str,
    icmp_type: &'static str,
    code: &'static str,
    quotes: &'static str,
    payload: &'static str,
    bytes: &'static str,
    text: &'static str,
    scaled: &'static str,
    raw: &'static str,
    yes: &'static str,
    no: &'static str,
    none: &'static str,
    captured: &'static str,
}

static EN: FieldNames = FieldNames {
    link_type: "link type",
    ether_type: "EtherType",
    vlan: "VLAN",
    version: "version",
    header_length: "header length",
    total_length: "total length",
    identification: "identification",
    dont_fragment: "don't fragment",
    fragment: "fragment",
    ttl: "TTL",
    hop_limit: "hop limit",
    protocol: "protocol",
    source: "source",
    destination: "destination",
    source_port: "source port",
    destination_port: "destination port",
    sequence: "sequence number",
    acknowledgement: "acknowledgement number",
    flags: "flags",
    window: "window",
    checksum: "checksum",
    urgent: "urgent pointer",
    options: "options",
    length: "length",
    icmp_type: "type",
    code: "code",
    quotes: "quotes",
    payload: "payload",
    bytes: "bytes",
    text: "as text",
    scaled: "scaled:",
    raw: "raw",
    yes: "yes",
    no: "no",
    none: "none",
    captured: "captured",
};

static ZH_CN: FieldNames = FieldNames {
    link_type: "链路类型",
    ether_type: "EtherType",
    vlan: "VLAN",
    version: "版本",
    header_length: "首部长度",
    total_length: "总长度",
    identification: "标识",
    dont_fragment: "不分片（DF）",
    fragment: "分片",
    ttl: "TTL",
    hop_limit: "跳数限制",
    protocol: "协议",
    source: "源地址",
    destination: "目的地址",
    source_port: "源端口",
    destination_port: "目的端口",
    sequence: "序号",
    acknowledgement: "确认号",
    flags: "标志",
    window: "窗口",
    checksum: "校验和",
    urgent: "紧急指针",
    options: "选项",
    length: "长度",
    icmp_type: "类型",
    code: "代码",
    quotes: "引用",
    payload: "载荷",
    bytes: "字节",
    text: "文本",
    scaled: "缩放后",
    raw: "原始",
    yes: "是",
    no: "否",
    none: "无",
    captured: "已抓到",
};

impl FieldNames {
    fn get(lang: Lang) -> &'static FieldNames {
        match lang {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }
}

/// Collects one layer's fields.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn add(&mut self, name: &str, value: impl std::fmt::Display) {
        self.0.push((name.to_string(), value.to_string()));
    }
}

/// The packet's layers, outermost first. The sizes add up to the bytes on the wire (a trailer aside).
pub fn layers(packet: &Packet<'_>, verdict: &Verdict, lang: Lang) -> Vec<LayerView> {
    let names = FieldNames::get(lang);
    let mut list = Vec::with_capacity(4);
    let link = packet.link;
    if link.header_len > 0 {
        let mut fields = Fields(Vec::new());
        fields.add(names.link_type, link_type_name(link.link_type));
        if let Some(ether_type) = link.ether_type {
            fields.add(
                names.ether_type,
                format_args!("0x{ether_type:04x}{}", ether_type_name(ether_type)),
            );
        }
        if let Some(vlan) = link.vlan {
            fields.add(names.vlan, vlan);
        }
        list.push(LayerView {
            name: link_name(link.link_type).to_string(),
            kind: "link",
            bytes: u32::from(link.header_len),
            fields: fields.0,
        });
    }

    let Some(ip) = packet.ip else {
        let rest = packet
            .original_len
            .saturating_sub(u32::from(link.header_len));
        list.push(payload_layer(names, rest, &[]));
        return list;
    };
    let mut fields = Fields(Vec::new());
    let (ip_name, version) = match ip.version {
        IpVersion::V4 => ("IPv4", 4),
        IpVersion::V6 => ("IPv6", 6),
    };
    fields.add(names.version, version);
    fields.add(names.header_length, format_args!("{} B", ip.header_len));
    fields.add(names.total_length, format_args!("{} B", ip.total_len));
    if ip.version == IpVersion::V4 {
        fields.add(
            names.identification,
            format_args!("0x{:04x}", ip.identification),
        );
        fields.add(names.dont_fragment, yes_no(names, ip.dont_fragment));
        fields.add(names.ttl, ip.ttl);
    } else {
        fields.add(names.hop_limit, ip.ttl);
    }
    if ip.is_fragment {
        fields.add(names.fragment, names.yes);
    }
    fields.add(
        names.protocol,
        format_args!("{}{}", ip.protocol, protocol_name(ip.protocol)),
    );
    fields.add(names.source, ip.src);
    fields.add(names.destination, ip.dst);
    list.push(LayerView {
        name: ip_name.to_string(),
        kind: "ip",
        bytes: u32::from(ip.header_len),
        fields: fields.0,
    });

    match &packet.transport {
        Transport::Tcp(segment) => {
            let mut fields = Fields(Vec::new());
            fields.add(names.source_port, segment.src_port);
            fields.add(names.destination_port, segment.dst_port);
            fields.add(
                names.sequence,
                relative_and_raw(names, verdict.rel_seq, segment.seq),
            );
            if segment.flags.ack() {
                fields.add(
                    names.acknowledgement,
                    relative_and_raw(names, verdict.rel_ack, segment.ack),
                );
            }
            let options_len = u32::from(segment.header_len).saturating_sub(20);
            fields.add(
                names.header_length,
                format_args!("{} B (20 + {options_len})", segment.header_len),
            );
            fields.add(names.flags, segment.flags.names());
            match verdict.scaled_window {
                Some(scaled) if scaled != u32::from(segment.window) => fields.add(
                    names.window,
                    format_args!("{} ({} {scaled} B)", segment.window, names.scaled),
                ),
                _ => fields.add(names.window, segment.window),
            }
            fields.add(names.checksum, format_args!("0x{:04x}", segment.checksum));
            if segment.flags.urg() {
                fields.add(names.urgent, segment.urgent_ptr);
            }
            fields.add(names.options, tcp_options(names, &segment.options));
            list.push(LayerView {
                name: "TCP".to_string(),
                kind: "transport",
                bytes: u32::from(segment.header_len),
                fields: fields.0,
            });
            list.push(payload_layer(names, segment.payload_len, segment.payload));
        }
        Transport::Udp(datagram) => {
            let mut fields = Fields(Vec::new());
            fields.add(names.source_port, datagram.src_port);
            fields.add(names.destination_port, datagram.dst_port);
            fields.add(names.length, format_args!("{} B", datagram.length));
            fields.add(names.checksum, format_args!("0x{:04x}", datagram.checksum));
            list.push(LayerView {
                name: "UDP".to_string(),
                kind: "transport",
                bytes: 8,
                fields: fields.0,
            });
            list.push(payload_layer(names, datagram.payload_len, datagram.payload));
        }
        Transport::Icmp(message) => {
            let mut fields = Fields(Vec::new());
            fields.add(
                names.icmp_type,
                format_args!("{}{}", message.icmp_type, icmp_kind_name(message.kind)),
            );
            fields.add(names.code, message.code);
            if let Some(quoted) = message.quoted {
                let mut text = String::new();
                let _ = write!(
                    text,
                    "{}{} ",
                    quoted.protocol,
                    protocol_name(quoted.protocol)
                );
                match (quoted.src_port, quoted.dst_port) {
                    (Some(src), Some(dst)) => {
                        let _ = write!(
                            text,
                            "{} → {}",
                            std::net::SocketAddr::new(quoted.src, src),
                            std::net::SocketAddr::new(quoted.dst, dst)
                        );
                    }
                    _ => {
                        let _ = write!(text, "{} → {}", quoted.src, quoted.dst);
                    }
                }
                fields.add(names.quotes, text);
            }
            let name = match message.version {
                IpVersion::V4 => "ICMP",
                IpVersion::V6 => "ICMPv6",
            };
            list.push(LayerView {
                name: name.to_string(),
                kind: "transport",
                bytes: 8,
                fields: fields.0,
            });
            let body = ip
                .total_len
                .saturating_sub(u32::from(ip.header_len))
                .saturating_sub(8);
            list.push(payload_layer(names, body, &[]));
        }
        Transport::OtherIp { payload_len, .. } => {
            list.push(payload_layer(names, *payload_len, &[]));
        }
        Transport::NotIp => {}
    }
    list
}

fn payload_layer(names: &FieldNames, len: u32, captured: &[u8]) -> LayerView {
    let mut fields = Fields(Vec::new());
    fields.add(names.length, format_args!("{len} {}", names.bytes));
    if !captured.is_empty() {
        fields.add(names.text, Preview(captured));
        if (captured.len() as u64) < u64::from(len) {
            fields.add(names.captured, format_args!("{} B", captured.len()));
        }
    }
    LayerView {
        name: names.payload.to_string(),
        kind: "payload",
        bytes: len,
        fields: fields.0,
    }
}

/// The first bytes as a quoted string, with escapes for anything not printable ASCII.
struct Preview<'a>(&'a [u8]);

impl std::fmt::Display for Preview<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"")?;
        for &byte in self.0.iter().take(PREVIEW_BYTES) {
            match byte {
                b'"' => f.write_str("\\\"")?,
                b'\\' => f.write_str("\\\\")?,
                b'\n' => f.write_str("\\n")?,
                b'\r' => f.write_str("\\r")?,
                b'\t' => f.write_str("\\t")?,
                0x20..=0x7e => write!(f, "{}", byte as char)?,
                _ => write!(f, "\\x{byte:02x}")?,
            }
        }
        f.write_str("\"")?;
        if self.0.len() > PREVIEW_BYTES {
            f.write_str("…")?;
        }
        Ok(())
    }
}

fn relative_and_raw(names: &FieldNames, relative: Option<u32>, raw: u32) -> String {
    match relative {
        Some(relative) => format!("{relative} ({} {raw})", names.raw),
        None => raw.to_string(),
    }
}

fn yes_no(names: &FieldNames, value: bool) -> &'static str {
    if value {
        names.yes
    } else {
        names.no
    }
}

fn tcp_options(names: &FieldNames, options: &crate::decode::TcpOptions) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(mss) = options.mss {
        parts.push(format!("MSS {mss}"));
    }
    if let Some(shift) = options.window_scale {
        parts.push(format!("WS ×2^{shift}"));
    }
    if options.sack_permitted {
        parts.push("SACK_PERM".to_string());
    }
    if let Some((value, echo)) = options.timestamps {
        parts.push(format!("TS {value}/{echo}"));
    }
    for (left, right) in options.sack_blocks() {
        parts.push(format!("SACK {left}-{right}"));
    }
    if options.nop_count > 0 {
        parts.push(format!("NOP ×{}", options.nop_count));
    }
    if let Some(kind) = options.first_unknown_kind {
        parts.push(format!("kind {kind} ×{}", options.unknown_count));
    }
    if parts.is_empty() {
        names.none.to_string()
    } else {
        parts.join(", ")
    }
}

fn link_name(link_type: LinkType) -> &'static str {
    match link_type {
        LinkType::Ethernet => "Ethernet",
        LinkType::LinuxSll => "Linux SLL",
        LinkType::LinuxSll2 => "Linux SLL2",
        LinkType::Null => "BSD loopback",
        LinkType::Loop => "OpenBSD loopback",
        LinkType::RawIp | LinkType::Ipv4 | LinkType::Ipv6 | LinkType::Other(_) => "link",
    }
}

fn link_type_name(link_type: LinkType) -> String {
    format!("{} ({})", link_type.to_linktype(), link_name(link_type))
}

fn ether_type_name(ether_type: u16) -> &'static str {
    match ether_type {
        0x0800 => " (IPv4)",
        0x86dd => " (IPv6)",
        0x0806 => " (ARP)",
        _ => "",
    }
}

fn protocol_name(protocol: u8) -> &'static str {
    match protocol {
        1 => " (ICMP)",
        6 => " (TCP)",
        17 => " (UDP)",
        58 => " (ICMPv6)",
        _ => "",
    }
}

fn icmp_kind_name(kind: IcmpKind) -> &'static str {
    match kind {
        IcmpKind::DestinationUnreachable { .. } => " (destination unreachable)",
        IcmpKind::EchoRequest => " (echo request)",
        IcmpKind::EchoReply => " (echo reply)",
        IcmpKind::TimeExceeded => " (time exceeded)",
        IcmpKind::Other => "",
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use crate::analysis::Role;
    use crate::decode::TcpFlags;

    fn sizes(list: &[LayerView]) -> Vec<(&str, u32)> {
        list.iter()
            .map(|layer| (layer.name.as_str(), layer.bytes))
            .collect()
    }

    fn field<'a>(layer: &'a LayerView, name: &str) -> &'a str {
        &layer
            .fields
            .iter()
            .find(|(key, _)| key == name)
            .unwrap_or_else(|| panic!("no field {name} in {layer:?}"))
            .1
    }

    #[test]
    fn a_tcp_segment_has_four_layers_whose_sizes_add_up() {
        let data = fixtures::tcp(4, 0, Role::Client, TcpFlags::PSH | TcpFlags::ACK, b"hello");
        let verdict = fixtures::verdict(Role::Client, 1, Some(1), 6);
        let list = layers(&data, &verdict, Lang::En);
        assert_eq!(
            sizes(&list),
            [("Ethernet", 14), ("IPv4", 20), ("TCP", 32), ("payload", 5)]
        );
        let total: u32 = list.iter().map(|layer| layer.bytes).sum();
        assert_eq!(total, data.original_len);
        assert_eq!(field(&list[2], "sequence number"), "1 (raw 4294967280)");
        assert_eq!(field(&list[2], "header length"), "32 B (20 + 12)");
        assert_eq!(field(&list[2], "window"), "512 (scaled: 65536 B)");
        assert_eq!(field(&list[3], "as text"), "\"hello\"");
        assert_eq!(field(&list[1], "protocol"), "6 (TCP)");
    }

    #[test]
    fn a_udp_datagram_has_an_eight_byte_header_in_either_language() {
        let datagram = fixtures::udp(1, 0, Role::Client, b"ping");
        let list = layers(&datagram, &Verdict::default(), Lang::ZhCn);
        assert_eq!(
            sizes(&list),
            [("Ethernet", 14), ("IPv4", 20), ("UDP", 8), ("载荷", 4)]
        );
        assert_eq!(field(&list[2], "源端口"), "43210");
    }

    #[test]
    fn an_icmp_error_names_the_datagram_it_quotes() {
        let icmp = fixtures::icmp_port_unreachable(2, 0);
        let list = layers(&icmp, &Verdict::default(), Lang::En);
        assert_eq!(sizes(&list)[2], ("ICMP", 8));
        assert_eq!(
            field(&list[2], "quotes"),
            "17 (UDP) 127.0.0.1:43210 → 127.0.0.1:5000"
        );
        assert_eq!(field(&list[2], "type"), "3 (destination unreachable)");
    }

    #[test]
    fn previews_escape_bytes_that_are_not_printable() {
        assert_eq!(
            Preview(b"a\"b\\\n\x00\xff").to_string(),
            r#""a\"b\\\n\x00\xff""#
        );
        let long = [b'x'; 60];
        let text = Preview(&long).to_string();
        assert!(text.ends_with("\"…"), "{text}");
        assert_eq!(text.matches('x').count(), PREVIEW_BYTES);
    }
}
