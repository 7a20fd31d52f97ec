//! A whole run held in memory, for renderers that must see everything before they draw: a picture's
//! size, its lifelines and its lane widths depend on packets that come later.
//!
//! [`PictureRenderer`] is the [`Sink`] side: it records the run into a [`Scene`] and hands the scene to a
//! [`Drawing`] (SVG, HTML, Mermaid, time-sequence graph) at `finish`. Any command that writes to a `Sink`
//! (`run`, `replay`, and later `lesson` and `trace`) can therefore produce every picture.
//!
//! Pictures are for people, so a scene keeps at most [`MAX_PACKETS`] packets of at most [`MAX_FLOWS`]
//! conversations and counts the rest; the compact TCP numbers a time-sequence graph needs are kept for up
//! to [`MAX_SEGMENTS`] segments.

use super::describe::{packet_tone, ArrowLabel, HeaderSizes, RelativeTime};
use super::labels::Labels;
use super::layers::{layers, LayerView};
use super::stable::StableNames;
use super::{color::Tone, RunInfo, Sink};
use crate::analysis::{EndpointStates, FlowId, FlowInfo, FlowProtocol, Role, Summary, Verdict};
use crate::capture::{CaptureStats, Frame, Timestamp};
use crate::decode::{DecodeError, Packet, Transport};
use crate::lang::Lang;
use crate::timeline::SocketCall;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::SocketAddr;

/// Packets a diagram draws; later packets are counted in [`Scene::left_out`].
pub const MAX_PACKETS: usize = 1000;
/// Conversations a diagram draws (two lifelines each at most).
pub const MAX_FLOWS: usize = 8;
/// TCP segments a time-sequence graph keeps.
pub const MAX_SEGMENTS: usize = 2_000_000;

/// What a packet does, which decides its colour in every picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Meaning {
    Handshake,
    Data,
    /// A TCP segment that carries no data and is not part of the handshake or teardown.
    Ack,
    Teardown,
    Reset,
    Udp,
    Icmp,
    Other,
}

impl Meaning {
    pub const ALL: [Meaning; 8] = [
        Meaning::Handshake,
        Meaning::Data,
        Meaning::Ack,
        Meaning::Teardown,
        Meaning::Reset,
        Meaning::Udp,
        Meaning::Icmp,
        Meaning::Other,
    ];

    /// The same decision as the terminal ladder's colours, with pure ACKs told apart from data.
    pub fn of(packet: &Packet<'_>, verdict: &Verdict) -> Meaning {
        match packet_tone(packet, verdict) {
            Tone::Handshake => Meaning::Handshake,
            Tone::Teardown => Meaning::Teardown,
            Tone::Reset => Meaning::Reset,
            Tone::Udp => Meaning::Udp,
            Tone::Icmp => Meaning::Icmp,
            Tone::Data if packet.payload_len() == 0 => Meaning::Ack,
            Tone::Data => Meaning::Data,
            _ => Meaning::Other,
        }
    }

    /// A CSS-friendly name: "handshake", "rst", ...
    pub fn class(self) -> &'static str {
        match self {
            Meaning::Handshake => "handshake",
            Meaning::Data => "data",
            Meaning::Ack => "ack",
            Meaning::Teardown => "teardown",
            Meaning::Reset => "rst",
            Meaning::Udp => "udp",
            Meaning::Icmp => "icmp",
            Meaning::Other => "other",
        }
    }

    /// The colour every picture uses for this meaning (readable on white, distinct for colour-blind readers
    /// by lightness as well as hue).
    pub fn color(self) -> &'static str {
        match self {
            Meaning::Handshake => "#1b7f3b",
            Meaning::Data => "#1565c0",
            Meaning::Ack => "#5f7d95",
            Meaning::Teardown => "#d35400",
            Meaning::Reset => "#c62828",
            Meaning::Udp => "#7b1fa2",
            Meaning::Icmp => "#ad1457",
            Meaning::Other => "#757575",
        }
    }

    /// The legend's word for it.
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Meaning::Handshake, Lang::En) => "handshake",
            (Meaning::Handshake, Lang::ZhCn) => "握手",
            (Meaning::Data, Lang::En) => "data",
            (Meaning::Data, Lang::ZhCn) => "数据",
            (Meaning::Ack, Lang::En) => "ACK",
            (Meaning::Ack, Lang::ZhCn) => "确认（ACK）",
            (Meaning::Teardown, Lang::En) => "teardown",
            (Meaning::Teardown, Lang::ZhCn) => "挥手",
            (Meaning::Reset, Lang::En) => "RST",
            (Meaning::Reset, Lang::ZhCn) => "重置（RST）",
            (Meaning::Udp, _) => "UDP",
            (Meaning::Icmp, _) => "ICMP",
            (Meaning::Other, Lang::En) => "other",
            (Meaning::Other, Lang::ZhCn) => "其他",
        }
    }
}

/// A packet as a picture shows it: every text already in the run's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenePacket {
    /// 1-based frame number in the capture.
    pub number: u64,
    /// Nanoseconds since the first frame.
    pub time_ns: i64,
    /// "+0.000021s".
    pub time: String,
    pub flow: Option<FlowId>,
    pub from: Option<Role>,
    /// The arrow's words: "SYN,ACK seq=0 ack=1".
    pub label: String,
    pub meaning: Meaning,
    /// "handshake 2/3", "teardown 2+3/4": the teaching step, if the packet is one.
    pub step: Option<String>,
    /// What the packet means, one sentence per note.
    pub notes: Vec<String>,
    /// TCP: both endpoints' states after this packet.
    pub states: Option<EndpointStates>,
    /// "Ethernet 14 + IPv4 20 + TCP 40 + 0 B".
    pub sizes: String,
    /// "127.0.0.1:43210 → 127.0.0.1:5000".
    pub addresses: String,
    /// Bytes on the wire.
    pub wire_len: u32,
    pub payload_len: u32,
    pub layers: Vec<LayerView>,
}

/// One entry of the scene's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SceneEvent {
    Call(SocketCall),
    Packet(ScenePacket),
    /// A frame that could not be decoded: its number, time and the reason, in a sentence.
    Undecodable {
        number: u64,
        time_ns: i64,
        text: String,
    },
}

/// The numbers of one TCP segment that a time-sequence graph plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// The TCP flow's index (`FlowId::index`).
    pub flow: u32,
    /// Nanoseconds since the first frame.
    pub time_ns: i64,
    pub from: Role,
    /// Relative sequence number of the first byte (the SYN is 0).
    pub seq: u32,
    /// Payload bytes.
    pub len: u32,
    pub syn: bool,
    pub fin: bool,
    pub rst: bool,
    /// Relative acknowledgement, when the ACK flag is set.
    pub ack: Option<u32>,
    /// The receive window in bytes (window scale applied).
    pub window: Option<u32>,
}

/// A whole run, recorded for a picture.
#[derive(Debug)]
pub struct Scene {
    pub info: Option<RunInfo>,
    pub lang: Lang,
    pub events: Vec<SceneEvent>,
    /// The conversations drawn, in the order they were first seen.
    pub flows: Vec<FlowInfo>,
    /// Packets not drawn: beyond [`MAX_PACKETS`], or of conversations beyond [`MAX_FLOWS`].
    pub left_out: u64,
    /// TCP segments of every flow (only when asked for at creation), for time-sequence graphs.
    pub segments: Vec<Segment>,
    /// Endpoints of every TCP flow whose segments were kept, for the time-sequence graph's title.
    pub tcp_flows: Vec<FlowInfo>,
    /// TCP segments not kept: beyond [`MAX_SEGMENTS`].
    pub segments_left_out: u64,
    pub summary: Option<Summary>,
    pub stats: CaptureStats,
    /// Stable mode (lessons' snapshot-tested pictures): addresses are shown by these names, times are
    /// left out (every `time_ns` is 0) and arrows are spaced evenly, so each run draws the same picture.
    pub stable: Option<StableNames>,
    keep_segments: bool,
    origin: Option<Timestamp>,
    packets: usize,
}

impl Scene {
    /// An empty scene. `keep_segments` also records every TCP segment's numbers (for time-sequence graphs).
    pub fn new(keep_segments: bool) -> Scene {
        Scene {
            info: None,
            lang: Lang::En,
            events: Vec::new(),
            flows: Vec::new(),
            left_out: 0,
            segments: Vec::new(),
            tcp_flows: Vec::new(),
            segments_left_out: 0,
            summary: None,
            stats: CaptureStats::default(),
            stable: None,
            keep_segments,
            origin: None,
            packets: 0,
        }
    }

    pub fn title(&self) -> &str {
        self.info
            .as_ref()
            .map_or("socklab", |info| info.title.as_str())
    }

    pub(crate) fn labels(&self) -> &'static Labels {
        Labels::get(self.lang)
    }

    /// The packets drawn, in order.
    pub fn packets(&self) -> impl Iterator<Item = &ScenePacket> {
        self.events.iter().filter_map(|event| match event {
            SceneEvent::Packet(packet) => Some(packet),
            _ => None,
        })
    }

    /// The conversation with this id, if it is drawn.
    pub fn flow(&self, id: FlowId) -> Option<&FlowInfo> {
        self.flows.iter().find(|flow| flow.id == id)
    }

    /// The endpoint as a picture labels it: its stable name, or its address.
    pub fn endpoint_text(&self, address: SocketAddr) -> String {
        let mut text = String::new();
        match &self.stable {
            Some(names) => names.write_address(&mut text, address),
            None => {
                let _ = write!(text, "{address}");
            }
        }
        text
    }

    /// Stable mode: `text` with the run's addresses and ports replaced by their names.
    fn stabilize(&self, mut text: String) -> String {
        if let Some(names) = &self.stable {
            names.rewrite(&mut text);
        }
        text
    }

    /// Nanoseconds since the first frame; always 0 in stable mode, where times are not shown.
    fn since_origin(&mut self, timestamp: Timestamp) -> i64 {
        let since = timestamp.since(*self.origin.get_or_insert(timestamp));
        if self.stable.is_some() {
            0
        } else {
            since
        }
    }

    fn full(&self) -> bool {
        self.packets >= MAX_PACKETS
    }

    pub fn record_begin(&mut self, info: &RunInfo) {
        self.lang = info.lang;
        self.info = Some(info.clone());
    }

    pub fn record_call(&mut self, call: &SocketCall) {
        if self.full() {
            return;
        }
        let mut call = call.clone();
        if self.stable.is_some() {
            call.call = self.stabilize(call.call);
            if let crate::timeline::CallOutcome::Returned { value } = call.outcome {
                call.outcome = crate::timeline::CallOutcome::Returned {
                    value: self.stabilize(value),
                };
            }
        }
        self.events.push(SceneEvent::Call(call));
    }

    pub fn record_packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
    ) {
        let time_ns = self.since_origin(packet.timestamp);
        if self.keep_segments {
            self.record_segment(packet, verdict, flow, time_ns);
        }
        if self.full() {
            self.left_out = self.left_out.saturating_add(1);
            return;
        }
        if let (Some(id), Some(info)) = (verdict.flow, flow) {
            if self.flow(id).is_none() {
                if self.flows.len() >= MAX_FLOWS {
                    self.left_out = self.left_out.saturating_add(1);
                    return;
                }
                self.flows.push(*info);
            }
        }
        let labels = self.labels();
        let lang = self.lang;
        let mut step = String::new();
        for label in verdict
            .notes
            .iter()
            .filter_map(|note| note.step_label(lang))
        {
            if !step.is_empty() {
                step.push_str(labels.list_sep);
            }
            let _ = write!(step, "{label}");
        }
        let label = ArrowLabel {
            packet,
            verdict,
            labels,
            tag: None,
        };
        self.events.push(SceneEvent::Packet(ScenePacket {
            number: packet.number,
            time_ns,
            time: if self.stable.is_some() {
                String::new()
            } else {
                RelativeTime(time_ns).to_string()
            },
            flow: verdict.flow,
            from: verdict.from,
            label: self.stabilize(label.to_string()),
            meaning: Meaning::of(packet, verdict),
            step: (!step.is_empty()).then_some(step),
            notes: verdict
                .notes
                .iter()
                .map(|note| self.stabilize(note.text(lang).to_string()))
                .collect(),
            states: match packet.transport {
                Transport::Tcp(_) => verdict.states,
                _ => None,
            },
            sizes: HeaderSizes { packet }.to_string(),
            addresses: self.stabilize(addresses(packet)),
            wire_len: packet.original_len,
            payload_len: packet.payload_len(),
            layers: layers(packet, verdict, lang),
        }));
        self.packets += 1;
    }

    fn record_segment(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
        time_ns: i64,
    ) {
        let (Transport::Tcp(segment), Some(id), Some(from)) =
            (&packet.transport, verdict.flow, verdict.from)
        else {
            return;
        };
        if id.protocol != FlowProtocol::Tcp {
            return;
        }
        if self.segments.len() >= MAX_SEGMENTS {
            self.segments_left_out = self.segments_left_out.saturating_add(1);
            return;
        }
        // Each connection's endpoints, once (a flow is introduced by its first packet).
        if let (true, Some(info)) = (verdict.new_flow, flow) {
            self.tcp_flows.push(*info);
        }
        let flags = segment.flags;
        self.segments.push(Segment {
            flow: id.index,
            time_ns,
            from,
            seq: verdict.rel_seq.unwrap_or(segment.seq),
            len: segment.payload_len,
            syn: flags.syn(),
            fin: flags.fin(),
            rst: flags.rst(),
            ack: if flags.ack() {
                Some(verdict.rel_ack.unwrap_or(segment.ack))
            } else {
                None
            },
            window: verdict
                .scaled_window
                .or_else(|| Some(u32::from(segment.window))),
        });
    }

    pub fn record_undecodable(&mut self, frame: &Frame<'_>, error: &DecodeError) {
        let time_ns = self.since_origin(frame.timestamp);
        if self.full() {
            self.left_out = self.left_out.saturating_add(1);
            return;
        }
        let labels = self.labels();
        let text = self.stabilize(format!(
            "#{} {}{}{error}",
            frame.number, labels.undecodable, labels.colon
        ));
        self.events.push(SceneEvent::Undecodable {
            number: frame.number,
            time_ns,
            text,
        });
        self.packets += 1;
    }

    pub fn record_finish(&mut self, summary: &Summary, stats: &CaptureStats) {
        self.summary = Some(summary.clone());
        self.stats = *stats;
    }
}

/// "127.0.0.1:43210 → 127.0.0.1:5000", or the bare addresses when there are no ports.
fn addresses(packet: &Packet<'_>) -> String {
    let Some(ip) = packet.ip else {
        return String::new();
    };
    let ports = match &packet.transport {
        Transport::Tcp(segment) => Some((segment.src_port, segment.dst_port)),
        Transport::Udp(datagram) => Some((datagram.src_port, datagram.dst_port)),
        _ => None,
    };
    match ports {
        Some((src, dst)) => format!(
            "{} → {}",
            SocketAddr::new(ip.src, src),
            SocketAddr::new(ip.dst, dst)
        ),
        None => format!("{} → {}", ip.src, ip.dst),
    }
}

/// A picture drawn from a whole scene.
pub trait Drawing {
    /// Whether the scene must keep every TCP segment's numbers (time-sequence graphs do).
    fn wants_segments(&self) -> bool {
        false
    }
    fn draw(&self, scene: &Scene, out: &mut dyn Write) -> io::Result<()>;
}

/// A [`Sink`] that records the run and draws `drawing` into `out` when the run finishes.
pub struct PictureRenderer<D: Drawing, W: Write> {
    drawing: D,
    scene: Scene,
    out: W,
}

impl<D: Drawing, W: Write> PictureRenderer<D, W> {
    pub fn new(drawing: D, out: W) -> Self {
        let scene = Scene::new(drawing.wants_segments());
        PictureRenderer {
            drawing,
            scene,
            out,
        }
    }

    /// Stable mode, for lessons' snapshot-tested pictures: see [`Scene::stable`].
    pub fn with_stable_names(mut self, names: StableNames) -> Self {
        self.scene.stable = Some(names);
        self
    }

    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<D: Drawing, W: Write> Sink for PictureRenderer<D, W> {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()> {
        self.scene.record_begin(info);
        Ok(())
    }
    fn call(&mut self, call: &SocketCall) -> io::Result<()> {
        self.scene.record_call(call);
        Ok(())
    }
    fn packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
    ) -> io::Result<()> {
        self.scene.record_packet(packet, verdict, flow);
        Ok(())
    }
    fn undecodable(&mut self, frame: &Frame<'_>, error: &DecodeError) -> io::Result<()> {
        self.scene.record_undecodable(frame, error);
        Ok(())
    }
    fn finish(&mut self, summary: &Summary, stats: &CaptureStats) -> io::Result<()> {
        self.scene.record_finish(summary, stats);
        self.drawing.draw(&self.scene, &mut self.out)?;
        self.out.flush()
    }
}

/// Builds scenes from the renderers' shared fixtures, for the pictures' unit tests.
#[cfg(test)]
pub(crate) mod test_scenes {
    use super::super::fixtures::{self, Step};
    use super::*;
    use crate::analysis::Verdict;

    pub fn record(scene: &mut Scene, steps: Vec<Step>, flow: &FlowInfo) {
        for step in steps {
            match step {
                Step::Call(call) => scene.record_call(&call),
                Step::Packet(packet, verdict) => scene.record_packet(&packet, &verdict, Some(flow)),
            }
        }
    }

    /// The TCP echo of the fixtures (handshake, 5 bytes each way, three-segment teardown).
    pub fn echo(lang: Lang, keep_segments: bool) -> Scene {
        let mut scene = Scene::new(keep_segments);
        scene.record_begin(&fixtures::run_info(lang));
        record(&mut scene, fixtures::echo_timeline(), &fixtures::tcp_flow());
        scene.record_finish(
            &fixtures::echo_summary(),
            &CaptureStats {
                frames: 10,
                kernel_drops: 0,
            },
        );
        scene
    }

    /// A datagram to a closed port and the ICMP error answering it.
    pub fn udp_refused(lang: Lang) -> Scene {
        let mut scene = Scene::new(false);
        scene.record_begin(&RunInfo {
            title: "UDP <closed> & \"port\"".to_string(),
            description: None,
            lang,
            source: "test".to_string(),
        });
        let flow = fixtures::udp_flow();
        let mut verdict = Verdict {
            flow: Some(fixtures::UDP_STREAM_0),
            new_flow: true,
            from: Some(Role::Client),
            ..Verdict::default()
        };
        scene.record_packet(
            &fixtures::udp(1, 0, Role::Client, b"ping"),
            &verdict,
            Some(&flow),
        );
        verdict.new_flow = false;
        verdict.from = Some(Role::Server);
        verdict.related_packet = Some(1);
        scene.record_packet(
            &fixtures::icmp_port_unreachable(2, 30_000),
            &verdict,
            Some(&flow),
        );
        scene.record_finish(&Summary::default(), &CaptureStats::default());
        scene
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use crate::decode::TcpFlags;

    #[test]
    fn a_recorded_echo_keeps_calls_and_packets_in_order() {
        let scene = test_scenes::echo(Lang::En, true);
        assert_eq!(scene.packets().count(), 10);
        assert_eq!(scene.events.len(), 17);
        assert!(matches!(scene.events[0], SceneEvent::Call(_)));
        let packets: Vec<&ScenePacket> = scene.packets().collect();
        assert_eq!(packets[0].label, "SYN seq=0");
        assert_eq!(packets[0].step.as_deref(), Some("handshake 1/3"));
        assert_eq!(packets[1].time, "+0.000021s");
        assert_eq!(packets[3].meaning, Meaning::Data);
        assert_eq!(packets[4].meaning, Meaning::Ack);
        assert_eq!(packets[8].step.as_deref(), Some("teardown 2+3/4"));
        assert_eq!(packets[8].meaning, Meaning::Teardown);
        assert_eq!(packets[0].addresses, "127.0.0.1:43210 → 127.0.0.1:5000");
        assert_eq!(scene.flows.len(), 1);
        assert_eq!(scene.segments.len(), 10);
        assert_eq!(scene.segments[3].len, 5);
        assert_eq!(scene.segments[3].seq, 1);
        assert_eq!(scene.segments[0].ack, None);
        assert_eq!(scene.segments[1].ack, Some(1));
    }

    #[test]
    fn texts_follow_the_run_language() {
        let scene = test_scenes::echo(Lang::ZhCn, false);
        let first = scene.packets().next().unwrap();
        assert_eq!(first.step.as_deref(), Some("握手 1/3"));
        assert!(first.notes[0].contains("握手"), "{:?}", first.notes);
        assert!(scene.segments.is_empty(), "segments only when asked for");
    }

    #[test]
    fn a_picture_keeps_a_bounded_number_of_packets_and_counts_the_rest() {
        let mut scene = Scene::new(false);
        let flow = fixtures::tcp_flow();
        let verdict = fixtures::verdict(Role::Client, 1, Some(1), 1);
        let ack = fixtures::tcp(1, 0, Role::Client, TcpFlags::ACK, b"");
        for _ in 0..MAX_PACKETS + 5 {
            scene.record_packet(&ack, &verdict, Some(&flow));
        }
        scene.record_call(&SocketCall {
            actor: "client".to_string(),
            call: "close()".to_string(),
            outcome: crate::timeline::CallOutcome::Called,
        });
        assert_eq!(scene.packets().count(), MAX_PACKETS);
        assert_eq!(scene.events.len(), MAX_PACKETS);
        assert_eq!(scene.left_out, 5);
    }

    #[test]
    fn conversations_beyond_the_limit_are_counted_not_drawn() {
        let mut scene = Scene::new(false);
        let ack = fixtures::tcp(1, 0, Role::Client, TcpFlags::ACK, b"");
        for index in 0..MAX_FLOWS as u32 + 2 {
            let id = FlowId {
                protocol: FlowProtocol::Tcp,
                index,
            };
            let mut verdict = fixtures::verdict(Role::Client, 1, Some(1), 1);
            verdict.flow = Some(id);
            let flow = FlowInfo {
                id,
                ..fixtures::tcp_flow()
            };
            scene.record_packet(&ack, &verdict, Some(&flow));
        }
        assert_eq!(scene.flows.len(), MAX_FLOWS);
        assert_eq!(scene.left_out, 2);
    }

    #[test]
    fn every_meaning_has_a_class_a_colour_and_names() {
        for meaning in Meaning::ALL {
            assert!(meaning.color().starts_with('#') && meaning.color().len() == 7);
            assert!(!meaning.class().is_empty());
            assert!(!meaning.name(Lang::En).is_empty() && !meaning.name(Lang::ZhCn).is_empty());
        }
        let classes: std::collections::HashSet<_> =
            Meaning::ALL.iter().map(|meaning| meaning.class()).collect();
        assert_eq!(classes.len(), Meaning::ALL.len());
    }
}
