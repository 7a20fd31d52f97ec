//! JSON Lines: one object per line, schema `socklab.timeline/1` (documented in docs/json-schema.md).
//!
//! Every record carries `"schema"` and `"type"` first. Records are borrowed views of the pipeline's values
//! whose `Serialize` is the definition of what is written: no intermediate `serde_json::Value`, no
//! per-packet allocation. A record is written into a reused buffer, then to the writer in one piece. The
//! packet record, one per packet, is written field by field by `packet_line` (tested byte-equal with
//! serde_json on every fixture packet); the others go through `json_writer`, a `Serializer` that writes
//! what serde_json writes.

use super::describe::{header_bytes, overhead_tenths};
use super::stable::StableNames;
use super::{RunInfo, Sink};
use crate::analysis::{
    Annotation, EndpointStates, FlowId, FlowInfo, FlowSummary, Notes, ProtocolTotals, Role,
    Summary, UnlistedFlows, Verdict,
};
use crate::capture::{CaptureStats, Frame, LinkType, Timestamp};
use crate::decode::{
    DecodeError, IcmpKind, IcmpMessage, IpInfo, IpVersion, Layer, LinkInfo, Packet, QuotedDatagram,
    TcpFlags, TcpOptions, TcpSegment, Transport, UdpDatagram,
};
use crate::lang::Lang;
use crate::timeline::{CallOutcome, SocketCall};
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

mod annotation_data;
mod packet_line;

/// The schema tag every record carries. Bump the number on any incompatible change.
pub const SCHEMA: &str = "socklab.timeline/1";

/// Renders a run as JSON Lines. Each record is written to `out` with one `write_all`; wrap `out` in a
/// `BufWriter` all the same (records are short).
pub struct JsonRenderer<W: Write> {
    out: W,
    /// The language of annotation texts, taken from the run.
    lang: Lang,
    /// Timestamp of the first frame: `time_ns` counts from it.
    origin: Option<Timestamp>,
    /// Number of the last frame written, so a call can say where in the capture it happened.
    last_frame: Option<u64>,
    /// Stable mode (lessons): what differs between runs (times, ports, raw sequence numbers,
    /// checksums, IP identification, TCP timestamps) is written as null, and addresses by name.
    stable: Option<StableNames>,
    /// One record is written here, then handed to `out` with a single `write_all`: serializing
    /// straight into `out` would issue a write per token.
    line: Vec<u8>,
}

impl<W: Write> JsonRenderer<W> {
    pub fn new(out: W) -> Self {
        JsonRenderer {
            out,
            lang: Lang::En,
            origin: None,
            last_frame: None,
            stable: None,
            line: Vec::with_capacity(4096),
        }
    }

    /// Stable output for snapshot-tested walkthroughs: see the `stable` section of docs/json-schema.md.
    pub fn with_stable_names(mut self, names: StableNames) -> Self {
        self.stable = Some(names);
        self
    }

    /// Stable mode: `text` with the run's addresses replaced by their names.
    fn stable_text<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        match &self.stable {
            Some(names) => {
                let mut owned = text.to_string();
                names.rewrite(&mut owned);
                std::borrow::Cow::Owned(owned)
            }
            None => std::borrow::Cow::Borrowed(text),
        }
    }

    /// `value`, or null in stable mode.
    fn varying<T>(&self, value: T) -> Option<T> {
        self.stable.is_none().then_some(value)
    }

    pub fn get_ref(&self) -> &W {
        &self.out
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn emit<T: Serialize>(&mut self, record: &T) -> io::Result<()> {
        write_line(&mut self.line, &mut self.out, record)
    }

    fn relative_time(&mut self, timestamp: Timestamp) -> i64 {
        let origin = *self.origin.get_or_insert(timestamp);
        timestamp.since(origin)
    }
}

impl<W: Write> Sink for JsonRenderer<W> {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()> {
        self.lang = info.lang;
        self.emit(&RunRecord {
            schema: SCHEMA,
            kind: "run",
            socklab_version: env!("CARGO_PKG_VERSION"),
            title: &info.title,
            description: info.description.as_deref(),
            lang: info.lang,
            source: &info.source,
        })
    }

    fn call(&mut self, call: &SocketCall) -> io::Result<()> {
        if self.stable.is_some() {
            let outcome = match &call.outcome {
                CallOutcome::Returned { value } => CallOutcome::Returned {
                    value: self.stable_text(value).into_owned(),
                },
                other => other.clone(),
            };
            let text = self.stable_text(&call.call).into_owned();
            let record = CallRecord {
                schema: SCHEMA,
                kind: "call",
                after_frame: self.last_frame,
                actor: &call.actor,
                call: &text,
                outcome: &outcome,
            };
            return self.emit(&record);
        }
        let record = CallRecord {
            schema: SCHEMA,
            kind: "call",
            after_frame: self.last_frame,
            actor: &call.actor,
            call: &call.call,
            outcome: &call.outcome,
        };
        self.emit(&record)
    }

    fn packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
    ) -> io::Result<()> {
        let time_ns = self.relative_time(packet.timestamp);
        self.last_frame = Some(packet.number);
        let record = packet_record(
            packet,
            verdict,
            flow,
            time_ns,
            self.lang,
            self.stable.as_ref(),
        );
        self.line.clear();
        packet_line::write(&mut self.line, &record)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    fn undecodable(&mut self, frame: &Frame<'_>, error: &DecodeError) -> io::Result<()> {
        let time_ns = self.relative_time(frame.timestamp);
        self.last_frame = Some(frame.number);
        let record = UndecodableRecord {
            schema: SCHEMA,
            kind: "undecodable",
            frame: frame.number,
            time_ns: self.varying(time_ns),
            timestamp: self.varying(TimestampRecord::from(frame.timestamp)),
            link_type: link_type_name(frame.link_type),
            linktype: frame.link_type.to_linktype(),
            captured_len: frame.data.len(),
            original_len: frame.original_len,
            layer: error.layer,
            offset: error.offset,
            message: &error.message,
        };
        self.emit(&record)
    }

    fn finish(&mut self, summary: &Summary, stats: &CaptureStats) -> io::Result<()> {
        let protocols = &summary.protocols;
        let record = SummaryRecord {
            schema: SCHEMA,
            kind: "summary",
            protocols: ProtocolsRecord {
                tcp: TotalsRecord::from(&protocols.tcp),
                udp: TotalsRecord::from(&protocols.udp),
                icmp: TotalsRecord::from(&protocols.icmp),
                other: TotalsRecord::from(&protocols.other),
                undecodable: protocols.undecodable,
            },
            flows: FlowsRecord {
                flows: &summary.flows,
                stable: self.stable.as_ref(),
            },
            unlisted_flows: &summary.unlisted,
            capture: CaptureRecord {
                frames: stats.frames,
                kernel_drops: stats.kernel_drops,
                complete: stats.is_complete(),
            },
        };
        write_line(&mut self.line, &mut self.out, &record)?;
        self.out.flush()
    }
}

/// Writes `record` and its newline into `line`, then `line` to `out` in one piece.
fn write_line<W: Write, T: Serialize>(
    line: &mut Vec<u8>,
    out: &mut W,
    record: &T,
) -> io::Result<()> {
    line.clear();
    super::json_writer::write(line, record)?;
    line.push(b'\n');
    out.write_all(line)
}

/// The packet record, borrowing the pipeline's values; in stable mode (`stable` is `Some`) what varies
/// between runs is null and endpoints are named.
fn packet_record<'a>(
    packet: &'a Packet<'_>,
    verdict: &'a Verdict,
    flow: Option<&FlowInfo>,
    time_ns: i64,
    lang: Lang,
    stable: Option<&'a StableNames>,
) -> PacketRecord<'a> {
    let varying = stable.is_none();
    let mut ip = packet.ip.as_ref().map(IpRecord::from);
    let mut transport = TransportRecord::new(&packet.transport, verdict);
    if !varying {
        if let Some(ip) = &mut ip {
            ip.identification = None;
        }
        transport.hide_varying();
    }
    PacketRecord {
        schema: SCHEMA,
        kind: "packet",
        frame: packet.number,
        time_ns: varying.then_some(time_ns),
        timestamp: varying.then(|| TimestampRecord::from(packet.timestamp)),
        captured_len: packet.captured_len,
        original_len: packet.original_len,
        link: LinkRecord::from(&packet.link),
        ip,
        transport,
        flow: verdict.flow,
        new_flow: verdict.new_flow,
        endpoints: flow
            .filter(|_| verdict.new_flow)
            .map(|info| EndpointsRecord {
                client: EndpointName::new(info.client, stable),
                server: EndpointName::new(info.server, stable),
            }),
        from: verdict.from,
        states: verdict.states,
        annotations: AnnotationList {
            notes: &verdict.notes,
            lang,
            stable,
        },
        related_packet: verdict.related_packet,
    }
}

#[derive(Serialize)]
struct RunRecord<'a> {
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    socklab_version: &'static str,
    title: &'a str,
    description: Option<&'a str>,
    lang: Lang,
    source: &'a str,
}

#[derive(Serialize)]
struct CallRecord<'a> {
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    /// The frame written just before this call, if any: calls carry no timestamp of their own.
    after_frame: Option<u64>,
    actor: &'a str,
    call: &'a str,
    outcome: &'a CallOutcome,
}

#[derive(Serialize)]
struct PacketRecord<'a> {
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    frame: u64,
    time_ns: Option<i64>,
    timestamp: Option<TimestampRecord>,
    captured_len: u32,
    original_len: u32,
    link: LinkRecord,
    ip: Option<IpRecord>,
    transport: TransportRecord<'a>,
    flow: Option<FlowId>,
    new_flow: bool,
    endpoints: Option<EndpointsRecord<'a>>,
    from: Option<Role>,
    states: Option<EndpointStates>,
    annotations: AnnotationList<'a>,
    related_packet: Option<u64>,
}

/// Seconds and nanoseconds apart: nanoseconds since 1970 exceed what a JavaScript number holds exactly.
#[derive(Serialize)]
struct TimestampRecord {
    secs: i64,
    nanos: u32,
}

impl From<Timestamp> for TimestampRecord {
    fn from(timestamp: Timestamp) -> Self {
        TimestampRecord {
            secs: timestamp.secs(),
            nanos: timestamp.subsec_nanos(),
        }
    }
}

#[derive(Serialize)]
struct LinkRecord {
    #[serde(rename = "type")]
    kind: &'static str,
    /// The LINKTYPE_* number.
    linktype: u32,
    header_len: u16,
    vlan: Option<u16>,
    ether_type: Option<u16>,
}

impl From<&LinkInfo> for LinkRecord {
    fn from(link: &LinkInfo) -> Self {
        LinkRecord {
            kind: link_type_name(link.link_type),
            linktype: link.link_type.to_linktype(),
            header_len: link.header_len,
            vlan: link.vlan,
            ether_type: link.ether_type,
        }
    }
}

fn link_type_name(link_type: LinkType) -> &'static str {
    match link_type {
        LinkType::Null => "null",
        LinkType::Ethernet => "ethernet",
        LinkType::RawIp => "raw_ip",
        LinkType::Loop => "loop",
        LinkType::LinuxSll => "linux_sll",
        LinkType::Ipv4 => "ipv4",
        LinkType::Ipv6 => "ipv6",
        LinkType::LinuxSll2 => "linux_sll2",
        LinkType::Other(_) => "other",
    }
}

#[derive(Serialize)]
struct IpRecord {
    version: u8,
    src: IpAddr,
    dst: IpAddr,
    header_len: u16,
    total_len: u32,
    ttl: u8,
    protocol: u8,
    identification: Option<u16>,
    dont_fragment: bool,
    is_fragment: bool,
}

impl From<&IpInfo> for IpRecord {
    fn from(ip: &IpInfo) -> Self {
        IpRecord {
            version: match ip.version {
                IpVersion::V4 => 4,
                IpVersion::V6 => 6,
            },
            src: ip.src,
            dst: ip.dst,
            header_len: ip.header_len,
            total_len: ip.total_len,
            ttl: ip.ttl,
            protocol: ip.protocol,
            identification: Some(ip.identification),
            dont_fragment: ip.dont_fragment,
            is_fragment: ip.is_fragment,
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "protocol", rename_all = "snake_case")]
enum TransportRecord<'a> {
    Tcp(TcpRecord<'a>),
    Udp(UdpRecord),
    Icmp(IcmpRecord<'a>),
    OtherIp { ip_protocol: u8, payload_len: u32 },
    NotIp,
}

impl<'a> TransportRecord<'a> {
    /// Stable mode: nulls the numbers that differ between runs (ports, raw sequence numbers, checksums,
    /// TCP timestamps); relative numbers and everything else stay.
    fn hide_varying(&mut self) {
        match self {
            TransportRecord::Tcp(tcp) => {
                tcp.src_port = None;
                tcp.dst_port = None;
                tcp.seq = None;
                tcp.ack = None;
                tcp.checksum = None;
                tcp.options.timestamps = None;
            }
            TransportRecord::Udp(udp) => {
                udp.src_port = None;
                udp.dst_port = None;
                udp.checksum = None;
            }
            TransportRecord::Icmp(icmp) => {
                if let Some(quoted) = &mut icmp.quoted {
                    quoted.src_port = None;
                    quoted.dst_port = None;
                }
            }
            TransportRecord::OtherIp { .. } | TransportRecord::NotIp => {}
        }
    }

    fn new(transport: &'a Transport<'_>, verdict: &Verdict) -> Self {
        match transport {
            Transport::Tcp(segment) => TransportRecord::Tcp(TcpRecord::new(segment, verdict)),
            Transport::Udp(datagram) => TransportRecord::Udp(UdpRecord::from(datagram)),
            Transport::Icmp(message) => TransportRecord::Icmp(IcmpRecord::from(message)),
            Transport::OtherIp {
                protocol,
                payload_len,
            } => TransportRecord::OtherIp {
                ip_protocol: *protocol,
                payload_len: *payload_len,
            },
            Transport::NotIp => TransportRecord::NotIp,
        }
    }
}

#[derive(Serialize)]
struct TcpRecord<'a> {
    src_port: Option<u16>,
    dst_port: Option<u16>,
    flags: FlagsRecord,
    seq: Option<u32>,
    ack: Option<u32>,
    relative_seq: Option<u32>,
    relative_ack: Option<u32>,
    relative_next_seq: Option<u32>,
    window: u16,
    scaled_window: Option<u32>,
    header_len: u8,
    payload_len: u32,
    captured_payload_len: usize,
    urgent_ptr: u16,
    checksum: Option<u16>,
    options: OptionsRecord<'a>,
}

impl<'a> TcpRecord<'a> {
    fn new(segment: &'a TcpSegment<'_>, verdict: &Verdict) -> Self {
        TcpRecord {
            src_port: Some(segment.src_port),
            dst_port: Some(segment.dst_port),
            flags: FlagsRecord {
                names: FlagList(segment.flags),
                bits: segment.flags.0,
            },
            seq: Some(segment.seq),
            ack: Some(segment.ack),
            relative_seq: verdict.rel_seq,
            relative_ack: verdict.rel_ack,
            relative_next_seq: verdict.rel_next_seq,
            window: segment.window,
            scaled_window: verdict.scaled_window,
            header_len: segment.header_len,
            payload_len: segment.payload_len,
            captured_payload_len: segment.payload.len(),
            urgent_ptr: segment.urgent_ptr,
            checksum: Some(segment.checksum),
            options: OptionsRecord::from(&segment.options),
        }
    }
}

#[derive(Serialize)]
struct FlagsRecord {
    names: FlagList,
    bits: u16,
}

/// The set flags' names as a JSON array, in the order `TcpFlags::names` writes them.
struct FlagList(TcpFlags);

impl Serialize for FlagList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.set_names())
    }
}

#[derive(Serialize)]
struct OptionsRecord<'a> {
    mss: Option<u16>,
    wscale: Option<u8>,
    sack_permitted: bool,
    /// Raw left and right edges, as `[[left, right], ...]`.
    sack_blocks: &'a [(u32, u32)],
    timestamps: Option<TimestampsOption>,
    nop_count: u8,
    unknown_count: u8,
    first_unknown_kind: Option<u8>,
    malformed_at: Option<u8>,
}

#[derive(Serialize)]
struct TimestampsOption {
    tsval: u32,
    tsecr: u32,
}

impl<'a> From<&'a TcpOptions> for OptionsRecord<'a> {
    fn from(options: &'a TcpOptions) -> Self {
        OptionsRecord {
            mss: options.mss,
            wscale: options.window_scale,
            sack_permitted: options.sack_permitted,
            // `sack_blocks()` would index; a bad count from a hand-built value must not panic here.
            sack_blocks: options
                .sack_blocks
                .get(..usize::from(options.sack_block_count))
                .unwrap_or(&options.sack_blocks),
            timestamps: options
                .timestamps
                .map(|(tsval, tsecr)| TimestampsOption { tsval, tsecr }),
            nop_count: options.nop_count,
            unknown_count: options.unknown_count,
            first_unknown_kind: options.first_unknown_kind,
            malformed_at: options.malformed_at,
        }
    }
}

#[derive(Serialize)]
struct UdpRecord {
    src_port: Option<u16>,
    dst_port: Option<u16>,
    length: u16,
    checksum: Option<u16>,
    payload_len: u32,
    captured_payload_len: usize,
}

impl From<&UdpDatagram<'_>> for UdpRecord {
    fn from(datagram: &UdpDatagram<'_>) -> Self {
        UdpRecord {
            src_port: Some(datagram.src_port),
            dst_port: Some(datagram.dst_port),
            length: datagram.length,
            checksum: Some(datagram.checksum),
            payload_len: datagram.payload_len,
            captured_payload_len: datagram.payload.len(),
        }
    }
}

#[derive(Serialize)]
struct IcmpRecord<'a> {
    /// 4 for ICMP, 6 for ICMPv6.
    version: u8,
    icmp_type: u8,
    code: u8,
    kind: &'static str,
    port_unreachable: bool,
    quoted: Option<QuotedDatagram>,
    #[serde(skip)]
    _message: std::marker::PhantomData<&'a IcmpMessage>,
}

impl<'a> From<&'a IcmpMessage> for IcmpRecord<'a> {
    fn from(message: &'a IcmpMessage) -> Self {
        let (kind, port_unreachable) = match message.kind {
            IcmpKind::DestinationUnreachable { port_unreachable } => {
                ("destination_unreachable", port_unreachable)
            }
            IcmpKind::EchoRequest => ("echo_request", false),
            IcmpKind::EchoReply => ("echo_reply", false),
            IcmpKind::TimeExceeded => ("time_exceeded", false),
            IcmpKind::Other => ("other", false),
        };
        IcmpRecord {
            version: match message.version {
                IpVersion::V4 => 4,
                IpVersion::V6 => 6,
            },
            icmp_type: message.icmp_type,
            code: message.code,
            kind,
            port_unreachable,
            quoted: message.quoted,
            _message: std::marker::PhantomData,
        }
    }
}

#[derive(Serialize)]
struct EndpointsRecord<'a> {
    client: EndpointName<'a>,
    server: EndpointName<'a>,
}

/// An endpoint as its address ("127.0.0.1:43210"), or in stable mode as its name ("client:ephemeral").
#[derive(Serialize)]
#[serde(untagged)]
enum EndpointName<'a> {
    Address(SocketAddr),
    Name(&'a str),
}

impl<'a> EndpointName<'a> {
    fn new(address: SocketAddr, stable: Option<&'a StableNames>) -> Self {
        match stable.and_then(|names| names.name(address)) {
            Some(name) => EndpointName::Name(name),
            None => EndpointName::Address(address),
        }
    }
}

/// Each note as `{"data": <the annotation's own fields>, "text": "<sentence in the run's language>"}`.
struct AnnotationList<'a> {
    notes: &'a Notes,
    lang: Lang,
    stable: Option<&'a StableNames>,
}

impl Serialize for AnnotationList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.notes.len()))?;
        for note in self.notes.iter() {
            if let Some(names) = self.stable {
                seq.serialize_element(&stable_annotation(note, self.lang, names))?;
                continue;
            }
            seq.serialize_element(&AnnotationRecord {
                data: note,
                text: AnnotationText {
                    note,
                    lang: self.lang,
                },
            })?;
        }
        seq.end()
    }
}

/// Stable mode: the annotation with every `port` field and the sentence's ports given by name.
fn stable_annotation(note: &Annotation, lang: Lang, names: &StableNames) -> serde_json::Value {
    let mut data = serde_json::to_value(note).unwrap_or(serde_json::Value::Null);
    name_ports(&mut data, names);
    let mut text = note.text(lang).to_string();
    names.rewrite(&mut text);
    serde_json::json!({ "data": data, "text": text })
}

/// Replaces the value of every `port` key that names a port of the run by that name.
fn name_ports(value: &mut serde_json::Value, names: &StableNames) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                let named = field
                    .as_u64()
                    .and_then(|port| u16::try_from(port).ok())
                    .and_then(|port| names.port_name(port));
                match named {
                    Some(name) if key == "port" => *field = serde_json::Value::from(name),
                    _ => name_ports(field, names),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                name_ports(item, names);
            }
        }
        _ => {}
    }
}

#[derive(Serialize)]
struct AnnotationRecord<'a> {
    data: &'a Annotation,
    text: AnnotationText<'a>,
}

/// The sentence, streamed into the JSON string without building it first.
struct AnnotationText<'a> {
    note: &'a Annotation,
    lang: Lang,
}

impl Serialize for AnnotationText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.note.text(self.lang))
    }
}

#[derive(Serialize)]
struct UndecodableRecord<'a> {
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    frame: u64,
    time_ns: Option<i64>,
    timestamp: Option<TimestampRecord>,
    link_type: &'static str,
    linktype: u32,
    captured_len: usize,
    original_len: u32,
    layer: Layer,
    offset: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct SummaryRecord<'a> {
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    protocols: ProtocolsRecord,
    flows: FlowsRecord<'a>,
    /// Conversations beyond the listed ones, counted together; present only when there are some.
    #[serde(skip_serializing_if = "UnlistedFlows::is_empty")]
    unlisted_flows: &'a UnlistedFlows,
    capture: CaptureRecord,
}

/// The conversations; in stable mode their endpoints are written by name.
struct FlowsRecord<'a> {
    flows: &'a [FlowSummary],
    stable: Option<&'a StableNames>,
}

impl Serialize for FlowsRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(names) = self.stable else {
            return self.flows.serialize(serializer);
        };
        let mut flows = serde_json::to_value(self.flows).map_err(serde::ser::Error::custom)?;
        if let serde_json::Value::Array(items) = &mut flows {
            for info in items.iter_mut().filter_map(|flow| flow.get_mut("info")) {
                for end in ["client", "server"] {
                    let named = info
                        .get(end)
                        .and_then(serde_json::Value::as_str)
                        .and_then(|text| text.parse::<SocketAddr>().ok())
                        .and_then(|address| names.name(address));
                    if let (Some(name), Some(slot)) = (named, info.get_mut(end)) {
                        *slot = serde_json::Value::from(name);
                    }
                }
            }
        }
        flows.serialize(serializer)
    }
}

#[derive(Serialize)]
struct ProtocolsRecord {
    tcp: TotalsRecord,
    udp: TotalsRecord,
    icmp: TotalsRecord,
    other: TotalsRecord,
    undecodable: u64,
}

#[derive(Serialize)]
struct TotalsRecord {
    packets: u64,
    link_header_bytes: u64,
    ip_header_bytes: u64,
    transport_header_bytes: u64,
    /// Link + IP + transport headers.
    header_bytes: u64,
    payload_bytes: u64,
    /// Headers as a percentage of all bytes, one decimal; null when nothing was counted.
    header_overhead_percent: Option<f64>,
}

impl From<&ProtocolTotals> for TotalsRecord {
    fn from(totals: &ProtocolTotals) -> Self {
        TotalsRecord {
            packets: totals.packets,
            link_header_bytes: totals.link_header_bytes,
            ip_header_bytes: totals.ip_header_bytes,
            transport_header_bytes: totals.transport_header_bytes,
            header_bytes: header_bytes(totals),
            payload_bytes: totals.payload_bytes,
            header_overhead_percent: overhead_tenths(totals).map(|tenths| tenths as f64 / 10.0),
        }
    }
}

#[derive(Serialize)]
struct CaptureRecord {
    frames: u64,
    kernel_drops: u64,
    complete: bool,
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, Step};
    use super::*;
    use serde_json::Value;

    fn undecodable_frame() -> (Frame<'static>, DecodeError) {
        let frame = Frame {
            number: 13,
            timestamp: Timestamp(1_700_000_000_000_400_000),
            link_type: LinkType::Ethernet,
            data: &[0; 40],
            original_len: 60,
        };
        let error = DecodeError {
            layer: Layer::Tcp,
            offset: 34,
            message: "the TCP header says it is 60 bytes long, but only 6 bytes were captured"
                .to_string(),
        };
        (frame, error)
    }

    /// The echo, then a UDP datagram refused by ICMP, then a frame that could not be decoded.
    fn render(lang: Lang, stats: CaptureStats) -> String {
        let mut json = JsonRenderer::new(Vec::new());
        json.begin(&fixtures::run_info(lang)).unwrap();
        let tcp_flow = fixtures::tcp_flow();
        for step in fixtures::echo_timeline() {
            match step {
                Step::Call(call) => json.call(&call).unwrap(),
                Step::Packet(packet, verdict) => {
                    json.packet(&packet, &verdict, Some(&tcp_flow)).unwrap()
                }
            }
        }
        let udp_flow = fixtures::udp_flow();
        let mut verdict = Verdict {
            flow: Some(fixtures::UDP_STREAM_0),
            new_flow: true,
            from: Some(Role::Client),
            ..Verdict::default()
        };
        verdict.notes.push(Annotation::UdpDatagram {
            from: Role::Client,
            payload: 4,
        });
        let datagram = fixtures::udp(11, 300_000, Role::Client, b"ping");
        json.packet(&datagram, &verdict, Some(&udp_flow)).unwrap();
        let mut verdict = Verdict {
            flow: Some(fixtures::UDP_STREAM_0),
            from: Some(Role::Server),
            related_packet: Some(11),
            ..Verdict::default()
        };
        verdict.notes.push(Annotation::IcmpPortUnreachable {
            datagram: Some(11),
            port: Some(5000),
        });
        let icmp = fixtures::icmp_port_unreachable(12, 310_000);
        json.packet(&icmp, &verdict, Some(&udp_flow)).unwrap();
        let (frame, error) = undecodable_frame();
        json.undecodable(&frame, &error).unwrap();
        json.finish(&fixtures::echo_summary(), &stats).unwrap();
        String::from_utf8(json.into_inner()).unwrap()
    }

    fn complete() -> CaptureStats {
        CaptureStats {
            frames: 13,
            kernel_drops: 0,
        }
    }

    fn records(lang: Lang) -> Vec<Value> {
        render(lang, complete())
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn packet(records: &[Value], frame: u64) -> &Value {
        records
            .iter()
            .find(|record| record["type"] == "packet" && record["frame"] == frame)
            .unwrap()
    }

    #[test]
    fn every_line_is_one_json_object_with_the_schema_tag() {
        let text = render(Lang::En, complete());
        assert!(text.ends_with('\n'));
        let mut kinds = Vec::new();
        for line in text.lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            assert_eq!(record["schema"], SCHEMA, "{line}");
            // The tag comes first, so `head -c` and grep can tell versions apart.
            assert!(line.starts_with(r#"{"schema":"socklab.timeline/1","type":""#));
            kinds.push(record["type"].as_str().unwrap().to_string());
        }
        assert_eq!(kinds.first().unwrap(), "run");
        assert_eq!(kinds.last().unwrap(), "summary");
        for kind in ["call", "packet", "undecodable"] {
            assert!(kinds.iter().any(|k| k == kind), "no {kind} record");
        }
        assert_eq!(kinds.iter().filter(|k| *k == "packet").count(), 12);
    }

    #[test]
    fn the_run_record_says_what_ran() {
        let records = records(Lang::ZhCn);
        let run = &records[0];
        assert_eq!(run["title"], "TCP echo");
        assert_eq!(run["lang"], "zh-CN");
        assert_eq!(run["source"], "live capture on lo");
        assert_eq!(run["socklab_version"], env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn a_syn_record_carries_wire_facts_and_analysis() {
        let records = records(Lang::En);
        let syn = packet(&records, 1);
        insta::assert_json_snapshot!(syn);
        assert_eq!(syn["time_ns"], 0);
        assert_eq!(syn["link"]["type"], "ethernet");
        assert_eq!(syn["ip"]["src"], "127.0.0.1");
        let tcp = &syn["transport"];
        assert_eq!(tcp["protocol"], "tcp");
        assert_eq!(tcp["flags"]["names"], serde_json::json!(["SYN"]));
        assert_eq!(tcp["flags"]["bits"], 2);
        assert_eq!(tcp["seq"], 0xfffffff0_u32);
        assert_eq!(tcp["relative_seq"], 0);
        assert_eq!(tcp["options"]["mss"], 65495);
        assert_eq!(syn["endpoints"]["client"], "127.0.0.1:43210");
        assert_eq!(syn["states"]["client"], "SYN-SENT");
        let note = &syn["annotations"][0];
        assert_eq!(note["data"]["kind"], "handshake_syn");
        assert_eq!(
            note["text"],
            Annotation::HandshakeSyn.text(Lang::En).to_string()
        );
    }

    #[test]
    fn later_packets_count_time_from_the_first_and_name_endpoints_only_once() {
        let records = records(Lang::En);
        let syn_ack = packet(&records, 2);
        assert_eq!(syn_ack["time_ns"], 21_000);
        assert_eq!(syn_ack["timestamp"]["secs"], 1_700_000_000_i64);
        assert_eq!(syn_ack["timestamp"]["nanos"], 21_000);
        assert_eq!(syn_ack["from"], "server");
        assert_eq!(syn_ack["endpoints"], Value::Null);
        assert_eq!(
            syn_ack["transport"]["flags"]["names"],
            serde_json::json!(["SYN", "ACK"])
        );
        let data = packet(&records, 4);
        assert_eq!(data["transport"]["payload_len"], 5);
        assert_eq!(data["transport"]["relative_next_seq"], 6);
        assert_eq!(data["annotations"][0]["data"]["bytes"], 5);
    }

    #[test]
    fn udp_and_icmp_records_carry_their_own_fields() {
        let records = records(Lang::En);
        let udp = &packet(&records, 11)["transport"];
        assert_eq!(udp["protocol"], "udp");
        assert_eq!(udp["length"], 12);
        assert_eq!(udp["payload_len"], 4);
        assert_eq!(udp["src_port"], 43210);
        let icmp = packet(&records, 12);
        assert_eq!(icmp["transport"]["protocol"], "icmp");
        assert_eq!(icmp["transport"]["icmp_type"], 3);
        assert_eq!(icmp["transport"]["code"], 3);
        assert_eq!(icmp["transport"]["port_unreachable"], true);
        assert_eq!(icmp["transport"]["quoted"]["dst_port"], 5000);
        assert_eq!(icmp["related_packet"], 11);
        assert_eq!(
            icmp["annotations"][0]["data"]["kind"],
            "icmp_port_unreachable"
        );
    }

    #[test]
    fn calls_say_which_frame_they_followed() {
        let records = records(Lang::En);
        let calls: Vec<&Value> = records.iter().filter(|r| r["type"] == "call").collect();
        assert_eq!(calls[0]["actor"], "server");
        assert_eq!(calls[0]["after_frame"], Value::Null);
        assert_eq!(calls[0]["outcome"]["kind"], "returned");
        let accept = calls.iter().find(|c| c["call"] == "accept()").unwrap();
        assert_eq!(accept["after_frame"], 3);
    }

    #[test]
    fn undecodable_frames_say_where_decoding_stopped() {
        let records = records(Lang::En);
        let row = records
            .iter()
            .find(|record| record["type"] == "undecodable")
            .unwrap();
        assert_eq!(row["frame"], 13);
        assert_eq!(row["layer"], "tcp");
        assert_eq!(row["offset"], 34);
        assert_eq!(row["captured_len"], 40);
        assert_eq!(row["original_len"], 60);
        assert_eq!(row["time_ns"], 400_000);
        assert!(row["message"].as_str().unwrap().contains("60 bytes long"));
    }

    #[test]
    fn the_summary_has_totals_flows_and_completeness() {
        let records = records(Lang::En);
        let summary = records.last().unwrap();
        let tcp = &summary["protocols"]["tcp"];
        assert_eq!(tcp["header_bytes"], 676);
        assert_eq!(tcp["header_overhead_percent"], 98.5);
        assert_eq!(
            summary["protocols"]["udp"]["header_overhead_percent"],
            Value::Null
        );
        assert_eq!(summary["flows"][0]["history"], "ShADadFf");
        assert_eq!(summary["flows"][0]["closed_cleanly"], true);
        assert_eq!(summary["capture"]["complete"], true);

        let incomplete = render(
            Lang::En,
            CaptureStats {
                frames: 13,
                kernel_drops: 2,
            },
        );
        let last: Value = serde_json::from_str(incomplete.lines().last().unwrap()).unwrap();
        assert_eq!(last["capture"]["complete"], false);
        assert_eq!(last["capture"]["kernel_drops"], 2);
    }

    #[test]
    fn sack_blocks_are_pairs_and_a_bad_count_does_not_panic() {
        let mut options = TcpOptions {
            sack_block_count: 1,
            ..TcpOptions::default()
        };
        options.sack_blocks[0] = (100, 200);
        let json = serde_json::to_value(OptionsRecord::from(&options)).unwrap();
        assert_eq!(json["sack_blocks"], serde_json::json!([[100, 200]]));
        options.sack_block_count = 200;
        let json = serde_json::to_value(OptionsRecord::from(&options)).unwrap();
        assert_eq!(json["sack_blocks"].as_array().unwrap().len(), 4);
    }

    /// Every object's keys, compared level by level where both sides have an object.
    fn same_shape(doc: &Value, real: &Value, path: &str) {
        match (doc, real) {
            (Value::Object(doc), Value::Object(real)) => {
                let doc_keys: Vec<&String> = doc.keys().collect();
                let real_keys: Vec<&String> = real.keys().collect();
                assert_eq!(doc_keys, real_keys, "keys of {path}");
                for (key, value) in doc {
                    same_shape(value, &real[key], &format!("{path}.{key}"));
                }
            }
            (Value::Array(doc), Value::Array(real)) => {
                if let (Some(doc), Some(real)) = (doc.first(), real.first()) {
                    same_shape(doc, real, &format!("{path}[0]"));
                }
            }
            _ => {}
        }
    }

    #[test]
    fn stable_mode_nulls_what_varies_and_names_endpoints() {
        let mut names = StableNames::new();
        names.insert("127.0.0.1:43210".parse().unwrap(), "client:ephemeral");
        names.insert("127.0.0.1:5000".parse().unwrap(), "server:echo");
        let mut json = JsonRenderer::new(Vec::new()).with_stable_names(names);
        json.begin(&fixtures::run_info(Lang::En)).unwrap();
        let tcp_flow = fixtures::tcp_flow();
        for step in fixtures::echo_timeline() {
            match step {
                Step::Call(call) => json.call(&call).unwrap(),
                Step::Packet(packet, verdict) => {
                    json.packet(&packet, &verdict, Some(&tcp_flow)).unwrap()
                }
            }
        }
        json.finish(&fixtures::echo_summary(), &complete()).unwrap();
        let text = String::from_utf8(json.into_inner()).unwrap();
        assert!(!text.contains("43210") && !text.contains("5000"), "{text}");
        let records: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let syn = packet(&records, 1);
        assert_eq!(syn["time_ns"], Value::Null);
        assert_eq!(syn["timestamp"], Value::Null);
        assert_eq!(syn["transport"]["seq"], Value::Null);
        assert_eq!(syn["transport"]["src_port"], Value::Null);
        assert_eq!(syn["transport"]["relative_seq"], 0);
        assert_eq!(syn["endpoints"]["client"], "client:ephemeral");
        let summary = records
            .iter()
            .find(|record| record["type"] == "summary")
            .unwrap();
        assert_eq!(summary["flows"][0]["info"]["server"], "server:echo");
    }

    #[test]
    fn the_schema_document_shows_what_is_written() {
        let doc = include_str!("../../docs/json-schema.md");
        let mut examples = Vec::new();
        for block in doc.split("```json\n").skip(1) {
            let block = &block[..block.find("```").unwrap()];
            match serde_json::from_str::<Value>(block) {
                Ok(value) => examples.push(value),
                Err(_) => {
                    for line in block.lines() {
                        examples.push(serde_json::from_str(line).unwrap());
                    }
                }
            }
        }
        let written = records(Lang::En);
        let mut kinds = Vec::new();
        for example in &examples {
            assert_eq!(example["schema"], SCHEMA);
            let kind = example["type"].as_str().unwrap();
            kinds.push(kind);
            if kind == "run" {
                continue; // its single example is the header, already shown whole
            }
            let twin = written
                .iter()
                .find(|record| {
                    record["type"] == kind
                        && record["frame"] == example["frame"]
                        && (kind != "call"
                            || record["outcome"]["kind"] == example["outcome"]["kind"])
                })
                .unwrap();
            same_shape(example, twin, kind);
        }
        for kind in ["run", "call", "packet", "undecodable", "summary"] {
            assert!(kinds.contains(&kind), "no example of {kind}");
        }
    }
}
