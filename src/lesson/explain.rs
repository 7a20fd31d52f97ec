//! `?` in `--step` mode: every field of a packet, layer by layer (Ethernet 14 B, IP 20/40 B, TCP 20+ B or
//! UDP 8 B, payload), read from the captured bytes. Numbers that differ on every run (ports, raw sequence
//! numbers, checksums, IP identification) are shown by name or as relative values, so the text is stable.

use super::facts::PacketFacts;
use super::text::tr;
use crate::capture::{LinkType, OwnedFrame};
use crate::lang::Lang;
use crate::render::text::{width, wrap};
use crate::render::StableNames;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One header field: name, size, value, and what it means.
struct Row {
    name: &'static str,
    size: String,
    value: String,
    note: String,
}

struct Explainer<'a> {
    lang: Lang,
    /// Columns to fit the text in.
    width: usize,
    names: &'a StableNames,
    out: String,
    rows: Vec<Row>,
}

impl Explainer<'_> {
    fn t(&self, en: &'static str, zh: &'static str) -> &'static str {
        tr(self.lang, en, zh)
    }

    fn bytes(&self, count: usize) -> String {
        format!("{count} B")
    }

    fn bits(&self, count: usize) -> String {
        match self.lang {
            Lang::En => format!("{count} bits"),
            Lang::ZhCn => format!("{count} 位"),
        }
    }

    fn row(
        &mut self,
        name: (&'static str, &'static str),
        size: String,
        value: impl Into<String>,
        note: impl Into<String>,
    ) {
        let name = self.t(name.0, name.1);
        self.rows.push(Row {
            name,
            size,
            value: value.into(),
            note: note.into(),
        });
    }

    fn varies(&self) -> String {
        self.t("(differs on every run)", "（每次运行都不同）")
            .to_string()
    }

    /// Writes a layer's heading and its rows, aligned.
    fn layer(&mut self, heading: String) {
        let _ = writeln!(self.out, "{heading}");
        let name_width = self
            .rows
            .iter()
            .map(|row| width(row.name))
            .max()
            .unwrap_or(0);
        let size_width = self
            .rows
            .iter()
            .map(|row| width(&row.size))
            .max()
            .unwrap_or(0);
        let value_width = self
            .rows
            .iter()
            .map(|row| width(&row.value))
            .max()
            .unwrap_or(0)
            .min(24);
        for row in std::mem::take(&mut self.rows) {
            let line = format!(
                "  {}{}  {}{}  {}",
                row.name,
                " ".repeat(name_width - width(row.name)),
                row.size,
                " ".repeat(size_width - width(&row.size)),
                row.value
            );
            if row.note.is_empty() {
                let _ = writeln!(self.out, "{}", line.trim_end());
                continue;
            }
            // The note goes in its own column, wrapped; on narrow terminals under the row instead.
            let note_column =
                2 + name_width + 2 + size_width + 2 + value_width.max(width(&row.value)) + 2;
            let room = self.width.saturating_sub(note_column);
            if room >= 24 {
                let mut notes = wrap(&row.note, room);
                let first = notes.next().unwrap_or("");
                let pad = note_column - width(&line);
                let _ = writeln!(self.out, "{line}{}{first}", " ".repeat(pad));
                for more in notes {
                    let _ = writeln!(self.out, "{}{more}", " ".repeat(note_column));
                }
            } else {
                let _ = writeln!(self.out, "{}", line.trim_end());
                for more in wrap(&row.note, self.width.saturating_sub(6).max(20)) {
                    let _ = writeln!(self.out, "      {more}");
                }
            }
        }
    }

    fn port(&self, address: IpAddr, port: u16) -> String {
        self.names
            .name(SocketAddr::new(address, port))
            .map_or_else(|| port.to_string(), str::to_string)
    }
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

/// Explains the captured frame `frame` in `columns` columns; `facts` adds what analysis knew
/// (relative numbers).
pub fn explain(
    frame: &OwnedFrame,
    facts: Option<&PacketFacts>,
    names: &StableNames,
    lang: Lang,
    columns: usize,
) -> String {
    let mut explainer = Explainer {
        lang,
        width: columns,
        names,
        out: String::new(),
        rows: Vec::new(),
    };
    let data = frame.data.as_slice();
    let _ = match lang {
        Lang::En => writeln!(
            explainer.out,
            "Packet #{}, layer by layer ({} bytes on the wire):",
            frame.number, frame.original_len
        ),
        Lang::ZhCn => writeln!(
            explainer.out,
            "第 #{} 个包，逐层解析（线路上共 {} 字节）：",
            frame.number, frame.original_len
        ),
    };
    let ip_start = match frame.link_type {
        LinkType::Ethernet => {
            if data.len() < 14 {
                explainer.out.push_str(explainer.t(
                    "The frame is too short for an Ethernet header.\n",
                    "这个帧太短，放不下以太网首部。\n",
                ));
                return explainer.out;
            }
            let mac = |bytes: &[u8]| {
                bytes
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            };
            let ether_type = be16(data, 12).unwrap_or(0);
            let zero_note = if data
                .get(..12)
                .is_some_and(|macs| macs.iter().all(|byte| *byte == 0))
            {
                explainer.t(
                    "lo has no hardware: its addresses are all zero",
                    "lo 没有网卡硬件：地址全为零",
                )
            } else {
                ""
            };
            explainer.row(
                ("destination MAC", "目的 MAC"),
                explainer.bytes(6),
                mac(&data[0..6]),
                zero_note,
            );
            explainer.row(
                ("source MAC", "源 MAC"),
                explainer.bytes(6),
                mac(&data[6..12]),
                "",
            );
            let follows = match ether_type {
                0x0800 => explainer.t("IPv4 follows", "后面是 IPv4"),
                0x86dd => explainer.t("IPv6 follows", "后面是 IPv6"),
                _ => "",
            };
            explainer.row(
                ("EtherType", "类型"),
                explainer.bytes(2),
                format!("0x{ether_type:04x}"),
                follows,
            );
            let heading = match lang {
                Lang::En => "Ethernet header: 14 bytes".to_string(),
                Lang::ZhCn => "以太网首部：14 字节".to_string(),
            };
            explainer.layer(heading);
            14
        }
        _ => 0,
    };
    let ip = data.get(ip_start..).unwrap_or(&[]);
    let Some(version) = ip.first().map(|byte| byte >> 4) else {
        return explainer.out;
    };
    let (transport_start, protocol, src, dst) = match version {
        4 => match explain_ipv4(&mut explainer, ip) {
            Some(parsed) => parsed,
            None => return explainer.out,
        },
        6 => match explain_ipv6(&mut explainer, ip) {
            Some(parsed) => parsed,
            None => return explainer.out,
        },
        _ => return explainer.out,
    };
    let transport = ip.get(transport_start..).unwrap_or(&[]);
    let payload_len = match protocol {
        6 => explain_tcp(&mut explainer, transport, facts, src, dst),
        17 => explain_udp(&mut explainer, transport, src, dst),
        1 | 58 => explain_icmp(&mut explainer, transport),
        _ => None,
    };
    if let Some((offset, length)) = payload_len {
        let payload = transport.get(offset..offset + length).unwrap_or(&[]);
        let _ = match lang {
            Lang::En => write!(explainer.out, "Payload: {length} bytes"),
            Lang::ZhCn => write!(explainer.out, "数据（载荷）：{length} 字节"),
        };
        if !payload.is_empty() {
            const SHOWN: usize = 32;
            let shown = payload.get(..SHOWN).unwrap_or(payload);
            let more = if payload.len() > SHOWN { "…" } else { "" };
            let _ = write!(explainer.out, "  \"{}{more}\"", shown.escape_ascii());
        }
        explainer.out.push('\n');
    }
    explainer.out
}

fn explain_ipv4(explainer: &mut Explainer<'_>, ip: &[u8]) -> Option<(usize, u8, IpAddr, IpAddr)> {
    let header_len = usize::from(ip.first()? & 0x0f) * 4;
    if ip.len() < 20 || header_len < 20 {
        return None;
    }
    let total = be16(ip, 2)?;
    let flags = be16(ip, 6)?;
    let protocol = *ip.get(9)?;
    let src = IpAddr::V4(Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]));
    let e = &mut *explainer;
    e.row(("version", "版本"), e.bits(4), "4", "");
    e.row(
        ("header length", "首部长度"),
        e.bits(4),
        format!("{} × 4 = {header_len} B", header_len / 4),
        e.t("counted in 4-byte words", "以 4 字节为单位"),
    );
    e.row(
        ("DSCP / ECN", "区分服务 / ECN"),
        e.bytes(1),
        format!("0x{:02x}", ip[1]),
        "",
    );
    e.row(
        ("total length", "总长度"),
        e.bytes(2),
        total.to_string(),
        e.t(
            "IP header + transport header + data",
            "IP 首部 + 传输层首部 + 数据",
        ),
    );
    let varies = e.varies();
    e.row(
        ("identification", "标识"),
        e.bytes(2),
        varies.clone(),
        e.t(
            "numbers fragments of one datagram",
            "用于标识同一数据报的分片",
        ),
    );
    let dont_fragment = flags & 0x4000 != 0;
    let flag_text = if dont_fragment { "DF" } else { "-" };
    e.row(
        ("flags, fragment offset", "标志、片偏移"),
        e.bytes(2),
        format!("{flag_text}, {}", flags & 0x1fff),
        if dont_fragment {
            e.t("don't fragment", "不分片")
        } else {
            ""
        },
    );
    e.row(
        ("TTL", "生存时间 TTL"),
        e.bytes(1),
        ip[8].to_string(),
        e.t("routers it may still cross", "还能经过的路由器数"),
    );
    let follows = match protocol {
        6 => e.t("TCP follows", "后面是 TCP"),
        17 => e.t("UDP follows", "后面是 UDP"),
        1 => e.t("ICMP follows", "后面是 ICMP"),
        _ => "",
    };
    e.row(
        ("protocol", "协议"),
        e.bytes(1),
        protocol.to_string(),
        follows,
    );
    e.row(("header checksum", "首部校验和"), e.bytes(2), varies, "");
    e.row(
        ("source address", "源地址"),
        e.bytes(4),
        src.to_string(),
        "",
    );
    e.row(
        ("destination address", "目的地址"),
        e.bytes(4),
        dst.to_string(),
        "",
    );
    if header_len > 20 {
        e.row(("options", "选项"), e.bytes(header_len - 20), "…", "");
    }
    let heading = match e.lang {
        Lang::En => format!("IPv4 header: {header_len} bytes"),
        Lang::ZhCn => format!("IPv4 首部：{header_len} 字节"),
    };
    e.layer(heading);
    Some((header_len, protocol, src, dst))
}

fn explain_ipv6(explainer: &mut Explainer<'_>, ip: &[u8]) -> Option<(usize, u8, IpAddr, IpAddr)> {
    if ip.len() < 40 {
        return None;
    }
    let payload = be16(ip, 4)?;
    let next = ip[6];
    let address = |at: usize| -> Option<IpAddr> {
        let bytes: [u8; 16] = ip.get(at..at + 16)?.try_into().ok()?;
        Some(IpAddr::V6(Ipv6Addr::from(bytes)))
    };
    let src = address(8)?;
    let dst = address(24)?;
    let e = &mut *explainer;
    let first = u32::from_be_bytes([ip[0], ip[1], ip[2], ip[3]]);
    e.row(("version", "版本"), e.bits(4), "6", "");
    e.row(
        ("traffic class", "流量类别"),
        e.bits(8),
        format!("0x{:02x}", (first >> 20) & 0xff),
        "",
    );
    e.row(
        ("flow label", "流标签"),
        e.bits(20),
        e.varies(),
        e.t("set by the sender per connection", "发送方按连接设置"),
    );
    e.row(
        ("payload length", "载荷长度"),
        e.bytes(2),
        payload.to_string(),
        e.t(
            "everything after this 40-byte header",
            "这个 40 字节首部之后的全部内容",
        ),
    );
    let follows = match next {
        6 => e.t("TCP follows", "后面是 TCP"),
        17 => e.t("UDP follows", "后面是 UDP"),
        58 => e.t("ICMPv6 follows", "后面是 ICMPv6"),
        _ => "",
    };
    e.row(
        ("next header", "下一首部"),
        e.bytes(1),
        next.to_string(),
        follows,
    );
    e.row(
        ("hop limit", "跳数限制"),
        e.bytes(1),
        ip[7].to_string(),
        e.t("IPv6's TTL", "相当于 IPv4 的 TTL"),
    );
    e.row(
        ("source address", "源地址"),
        e.bytes(16),
        src.to_string(),
        "",
    );
    e.row(
        ("destination address", "目的地址"),
        e.bytes(16),
        dst.to_string(),
        "",
    );
    let heading = match e.lang {
        Lang::En => "IPv6 header: 40 bytes (fixed size, no checksum)".to_string(),
        Lang::ZhCn => "IPv6 首部：40 字节（长度固定，没有校验和）".to_string(),
    };
    e.layer(heading);
    Some((40, next, src, dst))
}

/// Returns where the payload starts in `tcp` and how long it is.
fn explain_tcp(
    explainer: &mut Explainer<'_>,
    tcp: &[u8],
    facts: Option<&PacketFacts>,
    src: IpAddr,
    dst: IpAddr,
) -> Option<(usize, usize)> {
    if tcp.len() < 20 {
        return None;
    }
    let header_len = usize::from(tcp[12] >> 4) * 4;
    let flags = u16::from(tcp[13]) | (u16::from(tcp[12] & 0x01) << 8);
    let e = &mut *explainer;
    let src_port = be16(tcp, 0)?;
    let dst_port = be16(tcp, 2)?;
    e.row(
        ("source port", "源端口"),
        e.bytes(2),
        e.port(src, src_port),
        "",
    );
    e.row(
        ("destination port", "目的端口"),
        e.bytes(2),
        e.port(dst, dst_port),
        "",
    );
    let relative =
        |value: Option<u32>| value.map_or_else(|| "?".to_string(), |value| format!("{value}"));
    let rel_seq = facts.and_then(|facts| facts.rel_seq);
    let rel_ack = facts.and_then(|facts| facts.rel_ack);
    let seq_value = match e.lang {
        Lang::En => format!("relative {}", relative(rel_seq)),
        Lang::ZhCn => format!("相对值 {}", relative(rel_seq)),
    };
    e.row(
        ("sequence number", "序列号"),
        e.bytes(4),
        seq_value,
        e.t(
            "counts bytes from the sender's random ISN (relative 0)",
            "从发送方随机的 ISN（相对值 0）开始按字节计数",
        ),
    );
    let ack_set = flags & 0x10 != 0;
    let (ack_value, ack_note) = if ack_set {
        (
            match e.lang {
                Lang::En => format!("relative {}", relative(rel_ack)),
                Lang::ZhCn => format!("相对值 {}", relative(rel_ack)),
            },
            e.t(
                "the next byte expected from the peer",
                "期望收到对方的下一个字节",
            ),
        )
    } else {
        (
            "0".to_string(),
            e.t(
                "ignored: the ACK flag is not set",
                "未设置 ACK 标志，此字段无意义",
            ),
        )
    };
    e.row(
        ("acknowledgement number", "确认号"),
        e.bytes(4),
        ack_value,
        ack_note,
    );
    e.row(
        ("data offset", "数据偏移"),
        e.bits(4),
        format!("{} × 4 = {header_len} B", header_len / 4),
        e.t("the TCP header's length", "即 TCP 首部长度"),
    );
    let names: Vec<&str> = [
        (0x100, "NS"),
        (0x80, "CWR"),
        (0x40, "ECE"),
        (0x20, "URG"),
        (0x10, "ACK"),
        (0x08, "PSH"),
        (0x04, "RST"),
        (0x02, "SYN"),
        (0x01, "FIN"),
    ]
    .iter()
    .filter(|(bit, _)| flags & bit != 0)
    .map(|(_, name)| *name)
    .collect();
    e.row(("flags", "标志位"), e.bits(12), names.join(", "), "");
    let window = be16(tcp, 14)?;
    e.row(
        ("window", "窗口"),
        e.bytes(2),
        window.to_string(),
        e.t(
            "how much more the sender can receive (before scaling)",
            "发送方还能接收多少字节（未按扩大因子换算）",
        ),
    );
    let varies = e.varies();
    e.row(
        ("checksum", "校验和"),
        e.bytes(2),
        varies,
        e.t(
            "covers header, data and the IP addresses",
            "覆盖首部、数据和 IP 地址",
        ),
    );
    e.row(
        ("urgent pointer", "紧急指针"),
        e.bytes(2),
        be16(tcp, 18)?.to_string(),
        "",
    );
    if header_len > 20 {
        let options = tcp.get(20..header_len).unwrap_or(&[]);
        for (name, size, value, note) in describe_options(options) {
            e.row(name, e.bytes(size), value, e.t(note.0, note.1));
        }
    }
    let heading = match e.lang {
        Lang::En => format!(
            "TCP header: {header_len} bytes (20 fixed + {} of options)",
            header_len.saturating_sub(20)
        ),
        Lang::ZhCn => format!(
            "TCP 首部：{header_len} 字节（20 字节固定部分 + {} 字节选项）",
            header_len.saturating_sub(20)
        ),
    };
    e.layer(heading);
    let payload = facts.map_or(tcp.len().saturating_sub(header_len), |facts| {
        facts.payload_len() as usize
    });
    Some((header_len, payload))
}

/// A TCP option: its name, size, value, and what it is for.
type OptionRow = (
    (&'static str, &'static str),
    usize,
    String,
    (&'static str, &'static str),
);

/// One row per TCP option, in wire order.
fn describe_options(options: &[u8]) -> Vec<OptionRow> {
    let mut rows = Vec::new();
    let mut at = 0;
    while let Some(kind) = options.get(at) {
        match kind {
            0 => break,
            1 => {
                rows.push((
                    ("option NOP", "选项 NOP"),
                    1,
                    String::new(),
                    (
                        "padding, so the next option is aligned",
                        "填充，使下一个选项对齐",
                    ),
                ));
                at += 1;
                continue;
            }
            _ => {}
        }
        let Some(len) = options.get(at + 1).map(|len| usize::from(*len)) else {
            break;
        };
        if len < 2 {
            break;
        }
        let body = options.get(at + 2..at + len).unwrap_or(&[]);
        rows.push(match (kind, body) {
            (2, [high, low]) => (
                ("option MSS", "选项 MSS"),
                len,
                u16::from_be_bytes([*high, *low]).to_string(),
                (
                    "the most data per segment it accepts",
                    "每个报文段最多接收的数据量",
                ),
            ),
            (3, [shift]) => (
                ("option window scale", "选项 窗口扩大"),
                len,
                shift.to_string(),
                (
                    "the window field is multiplied by 2 to this power",
                    "窗口字段要乘以 2 的这个次方",
                ),
            ),
            (4, _) => (
                ("option SACK permitted", "选项 允许 SACK"),
                len,
                String::new(),
                ("selective acknowledgements may be used", "可以使用选择确认"),
            ),
            (8, _) => (
                ("option timestamps", "选项 时间戳"),
                len,
                "…".to_string(),
                (
                    "for round-trip times; values differ on every run",
                    "用于测量往返时间；数值每次运行都不同",
                ),
            ),
            (5, _) => (
                ("option SACK", "选项 SACK"),
                len,
                String::new(),
                ("blocks received out of order", "乱序收到的数据块"),
            ),
            (kind, _) => (("option", "选项"), len, format!("kind {kind}"), ("", "")),
        });
        at += len;
    }
    rows
}

fn explain_udp(
    explainer: &mut Explainer<'_>,
    udp: &[u8],
    src: IpAddr,
    dst: IpAddr,
) -> Option<(usize, usize)> {
    if udp.len() < 8 {
        return None;
    }
    let e = &mut *explainer;
    let length = be16(udp, 4)?;
    let src_port = be16(udp, 0)?;
    let dst_port = be16(udp, 2)?;
    e.row(
        ("source port", "源端口"),
        e.bytes(2),
        e.port(src, src_port),
        "",
    );
    e.row(
        ("destination port", "目的端口"),
        e.bytes(2),
        e.port(dst, dst_port),
        "",
    );
    e.row(
        ("length", "长度"),
        e.bytes(2),
        length.to_string(),
        e.t("8-byte header + data", "8 字节首部 + 数据"),
    );
    let varies = e.varies();
    e.row(("checksum", "校验和"), e.bytes(2), varies, "");
    let heading = match e.lang {
        Lang::En => "UDP header: 8 bytes (nothing else: no sequence numbers, no acknowledgements)"
            .to_string(),
        Lang::ZhCn => "UDP 首部：8 字节（仅此而已：没有序列号，也没有确认）".to_string(),
    };
    e.layer(heading);
    Some((8, usize::from(length).saturating_sub(8)))
}

fn explain_icmp(explainer: &mut Explainer<'_>, icmp: &[u8]) -> Option<(usize, usize)> {
    if icmp.len() < 8 {
        return None;
    }
    let e = &mut *explainer;
    e.row(
        ("type", "类型"),
        e.bytes(1),
        icmp[0].to_string(),
        e.t(
            "3 (ICMPv6: 1) = destination unreachable",
            "3（ICMPv6 为 1）= 目的不可达",
        ),
    );
    e.row(
        ("code", "代码"),
        e.bytes(1),
        icmp[1].to_string(),
        e.t(
            "3 (ICMPv6: 4) = port unreachable",
            "3（ICMPv6 为 4）= 端口不可达",
        ),
    );
    let varies = e.varies();
    e.row(("checksum", "校验和"), e.bytes(2), varies, "");
    e.row(("unused", "未用"), e.bytes(4), "0", "");
    let quoted = icmp.len() - 8;
    e.row(
        ("quoted datagram", "引用的数据报"),
        e.bytes(quoted),
        e.t("IP header + UDP header + data", "IP 首部 + UDP 首部 + 数据"),
        e.t("the packet that caused the error", "引起差错的那个包"),
    );
    let heading = e
        .t(
            "ICMP message: 8-byte header + the quoted packet",
            "ICMP 报文：8 字节首部 + 引用的包",
        )
        .to_string();
    e.layer(heading);
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;

    /// A SYN from 127.0.0.1:43210 to 127.0.0.1:5000 with MSS, SACK, timestamps, NOP, window scale.
    fn syn() -> OwnedFrame {
        let mut data = vec![0u8; 12];
        data.extend_from_slice(&[0x08, 0x00]);
        data.extend_from_slice(&[
            0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ]);
        data.extend_from_slice(&43210u16.to_be_bytes());
        data.extend_from_slice(&5000u16.to_be_bytes());
        data.extend_from_slice(&[1, 2, 3, 4, 0, 0, 0, 0, 0xa0, 0x02, 0xff, 0xd7, 0, 0, 0, 0]);
        data.extend_from_slice(&[
            2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
        ]);
        OwnedFrame {
            number: 1,
            timestamp: Timestamp(0),
            link_type: LinkType::Ethernet,
            original_len: data.len() as u32,
            data,
        }
    }

    #[test]
    fn every_layer_and_field_is_named_with_its_size() {
        let mut names = StableNames::new();
        names.insert("127.0.0.1:43210".parse().unwrap(), "client:ephemeral");
        let text = explain(&syn(), None, &names, Lang::En, 100);
        for wanted in [
            "Packet #1, layer by layer (74 bytes on the wire):",
            "Ethernet header: 14 bytes",
            "lo has no hardware",
            "IPv4 header: 20 bytes",
            "5 × 4 = 20 B",
            "TCP header: 40 bytes (20 fixed + 20 of options)",
            "client:ephemeral",
            "  destination port        2 B      5000",
            "SYN",
            "option MSS",
            "option window scale     3 B      7",
            "Payload: 0 bytes",
        ] {
            assert!(text.contains(wanted), "{wanted:?} missing in\n{text}");
        }
        assert!(!text.contains("43210"), "{text}");
        let chinese = explain(&syn(), None, &names, Lang::ZhCn, 100);
        for line in text.lines().chain(chinese.lines()) {
            assert!(width(line) <= 100, "{line}");
        }
        assert!(chinese.contains("以太网首部：14 字节"), "{chinese}");
        assert!(chinese.contains("TCP 首部：40 字节"), "{chinese}");
    }

    #[test]
    fn truncated_frames_do_not_panic() {
        let mut frame = syn();
        for cut in 0..frame.data.len() {
            frame.data.truncate(cut);
            let _ = explain(&frame, None, &StableNames::new(), Lang::En, 72);
        }
    }
}
