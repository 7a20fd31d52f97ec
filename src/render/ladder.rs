//! The ladder diagram: the client on the left, the server on the right, one arrow per packet between them.
//!
//! ```text
//!                           client                                                       server
//!                    client: connect(127.0.0.1:5000) called
//!
//! TCP stream 0: client 127.0.0.1:43210 ⇄ server 127.0.0.1:5000
//!  +0.000000s #1                   ─── SYN seq=0 ──────────────────────────────────────▶
//!                                      Ethernet 14 + IPv4 20 + TCP 40 + 0 B
//!                                      <what the packet means, wrapped within the lane>
//!                         SYN-SENT                                                       SYN-RECEIVED
//!  +0.000021s #2                   ◀──────────────────────────── SYN,ACK seq=0 ack=1 ───
//! ```
//!
//! Columns, left to right: a gutter (relative time and frame number), the client's column (its state,
//! right-aligned against the lane), the lane the arrows cross, and the server's column. Everything is
//! measured in display columns, so Chinese text lines up. The hot path (`packet`) writes straight into the
//! output and reuses one scratch string to measure and wrap text: it allocates nothing.

use super::color::{Palette, Tone};
use super::describe::{
    link_name, packet_tone, protocol_name, Addresses, ArrowLabel, FlowIntro, FlowName, HeaderSizes,
};
use super::labels::Labels;
use super::stable::StableNames;
use super::summary_text::write_summary;
use super::text::{self, dashes, dotted, push_decimal, push_two_digits, spaces, wrap};
use super::{RunInfo, Sink};
use crate::analysis::{FlowId, FlowInfo, Role, Summary, Verdict};
use crate::capture::{CaptureStats, Frame, Timestamp};
use crate::decode::{DecodeError, IpVersion, Packet, Transport};
use crate::lang::Lang;
use crate::timeline::{CallOutcome, SocketCall};
use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::net::{SocketAddr, SocketAddrV4};

/// The width the ladder is designed for.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower requests are widened to this, so arrows keep room for their labels.
pub const MIN_WIDTH: usize = 72;

/// "+0.000041s" right-aligned; ten columns up to +9.999999s.
const TIME_WIDTH: usize = 11;
/// "#12345 ", frame numbers left-aligned after the time.
const FRAME_WIDTH: usize = 7;
const GUTTER: usize = TIME_WIDTH + 1 + FRAME_WIDTH;
/// Each endpoint's column, including the one-column gap next to the lane. Fits "SYN-RECEIVED".
const SIDE: usize = 14;
/// Where detail lines (sizes, annotations) start, counted from the start of the lane.
const DETAIL_INDENT: usize = 4;
/// Extra indent for the second and later lines of a wrapped annotation.
const HANG: usize = 2;
/// Below this many columns for details inside the lane, details also use the server's column.
const NARROW_DETAIL: usize = 40;
/// An arrow keeps at least this many columns around its label: "─── " before, " ──▶" after.
const ARROW_DECORATION: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LadderOptions {
    /// Emit ANSI colours. Decide it with [`super::ColorChoice::resolve`].
    pub color: bool,
    pub lang: Lang,
    /// Terminal columns to fill; at least [`MIN_WIDTH`] is used.
    pub width: usize,
}

impl Default for LadderOptions {
    fn default() -> Self {
        LadderOptions {
            color: false,
            lang: Lang::En,
            width: DEFAULT_WIDTH,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    ToServer,
    ToClient,
    /// The packet belongs to no conversation analysis knows, so it has no sender role.
    Unknown,
}

/// Renders a run as a ladder diagram. Wrap `out` in a `BufWriter`: rows are written piece by piece.
pub struct LadderRenderer<W: Write> {
    out: W,
    palette: Palette,
    lang: Lang,
    labels: &'static Labels,
    width: usize,
    /// Columns between the client's and the server's column.
    lane: usize,
    /// Reused for text that must be measured or wrapped before it is written.
    scratch: String,
    /// Timestamp of the first frame: times are shown relative to it.
    origin: Option<Timestamp>,
    flows_seen: u32,
    /// Stable mode (lessons): addresses shown by name, and the step number where the time would be.
    stable: Option<StableNames>,
    step: Option<u32>,
}

impl<W: Write> LadderRenderer<W> {
    pub fn new(out: W, options: LadderOptions) -> Self {
        let width = options.width.max(MIN_WIDTH);
        LadderRenderer {
            out,
            palette: Palette::new(options.color),
            lang: options.lang,
            labels: Labels::get(options.lang),
            width,
            lane: width - GUTTER - 2 * SIDE,
            scratch: String::with_capacity(256),
            origin: None,
            flows_seen: 0,
            stable: None,
            step: None,
        }
    }

    /// Stable output for snapshot-tested walkthroughs: every address in `names` is shown by its name, and
    /// packets show the step that caused them (see [`LadderRenderer::set_step`]) instead of a time.
    pub fn with_stable_names(mut self, names: StableNames) -> Self {
        self.stable = Some(names);
        self
    }

    /// Stable mode: the step whose packets come next.
    pub fn set_step(&mut self, step: u32) {
        self.step = Some(step);
    }

    pub fn get_ref(&self) -> &W {
        &self.out
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn lane_start(&self) -> usize {
        GUTTER + SIDE
    }

    fn server_start(&self) -> usize {
        GUTTER + SIDE + self.lane
    }

    fn relative_time(&mut self, timestamp: Timestamp) -> i64 {
        let origin = *self.origin.get_or_insert(timestamp);
        timestamp.since(origin)
    }

    /// Stable mode: replaces the run's addresses and ports in the scratch text by their names.
    fn stabilize_scratch(&mut self) {
        if let Some(names) = &self.stable {
            names.rewrite(&mut self.scratch);
        }
    }

    /// The time (stable mode: the step), right-aligned in its column.
    fn write_time(&mut self, nanos: i64) -> io::Result<()> {
        match (&self.stable, self.step) {
            (Some(_), Some(step)) => fill(
                &mut self.scratch,
                format_args!("{} {step}", self.labels.step_word()),
            )?,
            (Some(_), None) => self.scratch.clear(),
            (None, _) => {
                self.scratch.clear();
                push_relative_time(&mut self.scratch, nanos);
            }
        }
        spaces(
            &mut self.out,
            TIME_WIDTH.saturating_sub(text::width(&self.scratch)),
        )?;
        self.out.write_all(self.scratch.as_bytes())
    }

    /// Writes the scratch text wrapped to `max` columns starting at column `indent`; later lines get `HANG` more.
    fn write_scratch_wrapped(&mut self, tone: Tone, indent: usize, max: usize) -> io::Result<()> {
        let mut lines = wrap(&self.scratch, max);
        if let Some(first) = lines.next() {
            spaces(&mut self.out, indent)?;
            self.palette.paint(&mut self.out, tone, first)?;
            self.out.write_all(b"\n")?;
        }
        lines.set_max(max.saturating_sub(HANG));
        for line in lines {
            spaces(&mut self.out, indent + HANG)?;
            self.palette.paint(&mut self.out, tone, line)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Writes the scratch text wrapped, each line ending at the right edge.
    fn write_scratch_right_aligned(&mut self, tone: Tone, max: usize) -> io::Result<()> {
        for line in wrap(&self.scratch, max) {
            spaces(&mut self.out, self.width.saturating_sub(text::width(line)))?;
            self.palette.paint(&mut self.out, tone, line)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Columns for detail lines: the lane after the indent, or up to the right edge on narrow terminals.
    fn detail_width(&self) -> usize {
        let in_lane = self.lane - DETAIL_INDENT;
        if in_lane < NARROW_DETAIL {
            self.width - self.lane_start() - DETAIL_INDENT
        } else {
            in_lane
        }
    }

    /// A detail line under an arrow: `args` wrapped within the lane.
    fn detail(&mut self, tone: Tone, args: fmt::Arguments<'_>) -> io::Result<()> {
        fill(&mut self.scratch, args)?;
        self.detail_from_scratch(tone)
    }

    /// A detail line under an arrow: the scratch text wrapped within the lane.
    fn detail_from_scratch(&mut self, tone: Tone) -> io::Result<()> {
        self.stabilize_scratch();
        let indent = self.lane_start() + DETAIL_INDENT;
        self.write_scratch_wrapped(tone, indent, self.detail_width())
    }

    fn write_arrow(&mut self, direction: Direction, label: Option<&str>) -> io::Result<()> {
        let out = &mut self.out;
        let lane = self.lane;
        match (direction, label) {
            (Direction::ToServer, Some(label)) => {
                dashes(out, 3)?;
                write_padded(out, label)?;
                dashes(out, lane - 6 - text::width(label))?;
                out.write_all("▶".as_bytes())
            }
            (Direction::ToServer, None) => {
                dashes(out, lane - 1)?;
                out.write_all("▶".as_bytes())
            }
            (Direction::ToClient, Some(label)) => {
                out.write_all("◀".as_bytes())?;
                dashes(out, lane - 6 - text::width(label))?;
                write_padded(out, label)?;
                dashes(out, 3)
            }
            (Direction::ToClient, None) => {
                out.write_all("◀".as_bytes())?;
                dashes(out, lane - 1)
            }
            (Direction::Unknown, Some(label)) => {
                dotted(out, 3)?;
                write_padded(out, label)?;
                dotted(out, lane - 5 - text::width(label))
            }
            (Direction::Unknown, None) => dotted(out, lane),
        }
    }

    /// Both endpoints' states, each in its own column.
    fn write_states(&mut self, client: &str, server: &str) -> io::Result<()> {
        let client_end = self.lane_start() - 1;
        spaces(
            &mut self.out,
            client_end.saturating_sub(text::width(client)),
        )?;
        self.palette.paint(&mut self.out, Tone::State, client)?;
        let gap = self.server_start() + 1 - client_end;
        spaces(&mut self.out, gap)?;
        self.palette.paint(&mut self.out, Tone::State, server)?;
        self.out.write_all(b"\n")
    }
}

/// Replaces the scratch text with `args`.
fn fill(scratch: &mut String, args: fmt::Arguments<'_>) -> io::Result<()> {
    scratch.clear();
    scratch
        .write_fmt(args)
        .map_err(|_| io::Error::other("a value could not be formatted"))
}

/// " label ".
fn write_padded<W: Write>(out: &mut W, label: &str) -> io::Result<()> {
    out.write_all(b" ")?;
    out.write_all(label.as_bytes())?;
    out.write_all(b" ")
}

// What follows writes the ladder's most frequent texts piece by piece into a `String`, without
// `core::fmt`, which cost more than everything else on a packet's rows. Each is what the `Display`
// adapter in `describe` writes (tests below compare them on every fixture packet); the rare shapes go
// through the adapter itself.

/// [`RelativeTime`]: "+0.000041s".
fn push_relative_time(text: &mut String, nanos: i64) {
    text.push(if nanos < 0 { '-' } else { '+' });
    let nanos = nanos.unsigned_abs();
    push_decimal(text, nanos / 1_000_000_000);
    text.push('.');
    // Six digits, zero-padded: below a million.
    let micros = (nanos % 1_000_000_000) / 1_000;
    push_two_digits(text, micros / 10_000);
    push_two_digits(text, micros / 100 % 100);
    push_two_digits(text, micros % 100);
    text.push('s');
}

/// [`ArrowLabel`]: "[TCP 1] SYN,ACK seq=0 ack=1 len=5", "UDP datagram 5 B".
fn push_arrow_label(
    text: &mut String,
    packet: &Packet<'_>,
    verdict: &Verdict,
    labels: &Labels,
    tag: Option<FlowId>,
) -> fmt::Result {
    let tag_piece = |text: &mut String| {
        if let Some(id) = tag {
            text.push('[');
            text.push_str(protocol_name(id.protocol));
            text.push(' ');
            push_decimal(text, u64::from(id.index));
            text.push_str("] ");
        }
    };
    match &packet.transport {
        Transport::Tcp(segment) => {
            tag_piece(text);
            let mut any = false;
            for name in segment.flags.set_names() {
                if any {
                    text.push(',');
                }
                text.push_str(name);
                any = true;
            }
            if !any {
                text.push_str("none");
            }
            text.push_str(" seq=");
            push_decimal(text, u64::from(verdict.rel_seq.unwrap_or(segment.seq)));
            if segment.flags.ack() {
                text.push_str(" ack=");
                push_decimal(text, u64::from(verdict.rel_ack.unwrap_or(segment.ack)));
            }
            if segment.payload_len > 0 {
                text.push_str(" len=");
                push_decimal(text, u64::from(segment.payload_len));
            }
            Ok(())
        }
        Transport::Udp(datagram) => {
            tag_piece(text);
            text.push_str("UDP ");
            text.push_str(labels.datagram);
            text.push(' ');
            push_decimal(text, u64::from(datagram.payload_len));
            text.push_str(" B");
            Ok(())
        }
        _ => write!(
            text,
            "{}",
            ArrowLabel {
                packet,
                verdict,
                labels,
                tag
            }
        ),
    }
}

/// [`FlowIntro`]: "TCP stream 0: client 127.0.0.1:43210 ⇄ server 127.0.0.1:5000".
fn push_flow_intro(
    text: &mut String,
    id: FlowId,
    info: Option<&FlowInfo>,
    labels: &Labels,
) -> fmt::Result {
    let Some((SocketAddr::V4(client), SocketAddr::V4(server))) =
        info.map(|info| (info.client, info.server))
    else {
        return write!(text, "{}", FlowIntro { id, info, labels });
    };
    text.push_str(protocol_name(id.protocol));
    text.push(' ');
    text.push_str(labels.stream);
    text.push(' ');
    push_decimal(text, u64::from(id.index));
    text.push_str(labels.colon);
    text.push_str(labels.client);
    text.push(' ');
    push_socket_address(text, client);
    text.push_str(" ⇄ ");
    text.push_str(labels.server);
    text.push(' ');
    push_socket_address(text, server);
    Ok(())
}

/// An IPv4 socket address as `Display` writes it.
fn push_socket_address(text: &mut String, address: SocketAddrV4) {
    for (index, octet) in address.ip().octets().into_iter().enumerate() {
        if index > 0 {
            text.push('.');
        }
        push_decimal(text, u64::from(octet));
    }
    text.push(':');
    push_decimal(text, u64::from(address.port()));
}

/// [`HeaderSizes`]: "Ethernet 14 + IPv4 20 + TCP 32 + 5 B".
fn push_header_sizes(text: &mut String, packet: &Packet<'_>) -> fmt::Result {
    let (Some(ip), Transport::Tcp(_) | Transport::Udp(_)) = (packet.ip, &packet.transport) else {
        return write!(text, "{}", HeaderSizes { packet });
    };
    let link_len = packet.link.header_len;
    if link_len > 0 {
        text.push_str(link_name(packet.link.link_type));
        text.push(' ');
        push_decimal(text, u64::from(link_len));
        text.push_str(" + ");
    }
    text.push_str(match ip.version {
        IpVersion::V4 => "IPv4 ",
        IpVersion::V6 => "IPv6 ",
    });
    push_decimal(text, u64::from(ip.header_len));
    match &packet.transport {
        Transport::Tcp(segment) => {
            text.push_str(" + TCP ");
            push_decimal(text, u64::from(segment.header_len));
            text.push_str(" + ");
            push_decimal(text, u64::from(segment.payload_len));
        }
        Transport::Udp(datagram) => {
            text.push_str(" + UDP 8 + ");
            push_decimal(text, u64::from(datagram.payload_len));
        }
        _ => {}
    }
    text.push_str(" B");
    Ok(())
}

impl<W: Write> Sink for LadderRenderer<W> {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()> {
        let width = self.width;
        fill(&mut self.scratch, format_args!("{}", info.title))?;
        self.write_scratch_wrapped(Tone::Heading, 0, width)?;
        if let Some(description) = &info.description {
            fill(&mut self.scratch, format_args!("{description}"))?;
            self.write_scratch_wrapped(Tone::Plain, 0, width)?;
        }
        let labels = self.labels;
        fill(
            &mut self.scratch,
            format_args!("{}{}{}", labels.source, labels.colon, info.source),
        )?;
        self.write_scratch_wrapped(Tone::Detail, 0, width)?;
        self.out.write_all(b"\n")?;

        // Column headings, placed where the states will be.
        let client_end = self.lane_start() - 1;
        spaces(
            &mut self.out,
            client_end.saturating_sub(text::width(labels.client)),
        )?;
        self.palette
            .paint(&mut self.out, Tone::Heading, labels.client)?;
        let gap = self.server_start() + 1 - client_end;
        spaces(&mut self.out, gap)?;
        self.palette
            .paint(&mut self.out, Tone::Heading, labels.server)?;
        self.out.write_all(b"\n")
    }

    fn call(&mut self, call: &SocketCall) -> io::Result<()> {
        let labels = self.labels;
        let actor = labels.actor(&call.actor);
        fill(
            &mut self.scratch,
            format_args!("{actor}{}{}", labels.colon, call.call),
        )?;
        let (tone, outcome) = match &call.outcome {
            CallOutcome::Called => (Tone::Call, write!(self.scratch, " {}", labels.called)),
            CallOutcome::Returned { value } => (
                Tone::Call,
                write!(self.scratch, " {} {value}", labels.returned),
            ),
            CallOutcome::Failed { errno, message } => (
                Tone::Warning,
                write!(
                    self.scratch,
                    " {}{}{errno}{}{message}{}",
                    labels.failed, labels.colon, labels.paren_open, labels.paren_close
                ),
            ),
        };
        outcome.map_err(|_| io::Error::other("a value could not be formatted"))?;
        self.stabilize_scratch();
        // Calls sit in their actor's column: the client's run rightwards from the left column, the server's
        // end at the right edge.
        let max = self.width - GUTTER;
        if call.actor.starts_with("server") {
            self.write_scratch_right_aligned(tone, max)
        } else {
            self.write_scratch_wrapped(tone, GUTTER, max)
        }
    }

    fn packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
    ) -> io::Result<()> {
        let labels = self.labels;
        if verdict.new_flow {
            self.flows_seen = self.flows_seen.saturating_add(1);
            if let Some(id) = verdict.flow {
                match (&self.stable, flow) {
                    // "TCP stream 0: client:ephemeral ⇄ server:echo": the names already say who is who.
                    (Some(names), Some(info)) => {
                        fill(
                            &mut self.scratch,
                            format_args!("{}{}", FlowName { id, labels }, labels.colon),
                        )?;
                        names.write_address(&mut self.scratch, info.client);
                        self.scratch.push_str(" ⇄ ");
                        names.write_address(&mut self.scratch, info.server);
                    }
                    _ => {
                        self.scratch.clear();
                        push_flow_intro(&mut self.scratch, id, flow, labels)
                            .map_err(|_| io::Error::other("a value could not be formatted"))?;
                    }
                }
                self.out.write_all(b"\n")?;
                self.write_scratch_wrapped(Tone::Heading, 0, self.width)?;
            }
        }

        let nanos = self.relative_time(packet.timestamp);
        self.write_time(nanos)?;
        // " #12     ": the frame number left-aligned in its column.
        self.scratch.clear();
        self.scratch.push_str(" #");
        push_decimal(&mut self.scratch, packet.number);
        let frame_end = 1 + FRAME_WIDTH;
        self.out.write_all(self.scratch.as_bytes())?;
        spaces(
            &mut self.out,
            frame_end.saturating_sub(self.scratch.len()) + SIDE,
        )?;

        // Name the flow on each arrow only once several conversations interleave.
        let tag = if self.flows_seen > 1 {
            verdict.flow
        } else {
            None
        };
        self.scratch.clear();
        push_arrow_label(&mut self.scratch, packet, verdict, labels, tag)
            .map_err(|_| io::Error::other("a value could not be formatted"))?;
        let fits = text::width(&self.scratch) + ARROW_DECORATION <= self.lane;
        let direction = match verdict.from {
            Some(Role::Client) => Direction::ToServer,
            Some(Role::Server) => Direction::ToClient,
            None => Direction::Unknown,
        };
        let tone = packet_tone(packet, verdict);
        self.palette.start(&mut self.out, tone)?;
        // The label is in `scratch`; move it out so the arrow can borrow it while writing to `out`.
        let scratch = std::mem::take(&mut self.scratch);
        let drawn = self.write_arrow(direction, fits.then_some(scratch.as_str()));
        self.scratch = scratch;
        drawn?;
        self.palette.end(&mut self.out, tone)?;
        self.out.write_all(b"\n")?;

        if !fits {
            let indent = self.lane_start() + DETAIL_INDENT;
            self.write_scratch_wrapped(tone, indent, self.detail_width())?;
        }
        if direction == Direction::Unknown && packet.ip.is_some() {
            self.detail(Tone::Detail, format_args!("{}", Addresses { packet }))?;
        }
        self.scratch.clear();
        push_header_sizes(&mut self.scratch, packet)
            .map_err(|_| io::Error::other("a value could not be formatted"))?;
        self.detail_from_scratch(Tone::Detail)?;
        for note in verdict.notes.iter() {
            self.scratch.clear();
            let scratch = &mut self.scratch;
            note.text(self.lang)
                .write_pieces(|piece| scratch.push_str(piece));
            self.detail_from_scratch(Tone::Plain)?;
        }
        if let (Transport::Tcp(_), Some(states)) = (&packet.transport, verdict.states) {
            self.write_states(states.client.name(), states.server.name())?;
        }
        Ok(())
    }

    fn undecodable(&mut self, frame: &Frame<'_>, error: &DecodeError) -> io::Result<()> {
        let nanos = self.relative_time(frame.timestamp);
        self.write_time(nanos)?;
        self.out.write_all(b" ")?;
        let labels = self.labels;
        fill(
            &mut self.scratch,
            format_args!(
                "#{} {}{}{error}",
                frame.number, labels.undecodable, labels.colon
            ),
        )?;
        // The first line continues the time's row; later lines start under the client's column.
        let mut lines = wrap(&self.scratch, self.width - TIME_WIDTH - 1);
        if let Some(first) = lines.next() {
            self.palette.paint(&mut self.out, Tone::Warning, first)?;
            self.out.write_all(b"\n")?;
        }
        lines.set_max(self.width - GUTTER);
        for line in lines {
            spaces(&mut self.out, GUTTER)?;
            self.palette.paint(&mut self.out, Tone::Warning, line)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary, stats: &CaptureStats) -> io::Result<()> {
        write_summary(
            &mut self.out,
            self.palette,
            self.labels,
            self.width,
            summary,
            stats,
            &mut self.scratch,
        )?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, Step};
    use super::*;
    use crate::analysis::{Annotation, EndpointStates, FlowId, FlowProtocol, TcpState};
    use crate::capture::LinkType;
    use crate::decode::{Layer, TcpFlags};

    fn renderer(lang: Lang, color: bool, width: usize) -> LadderRenderer<Vec<u8>> {
        LadderRenderer::new(Vec::new(), LadderOptions { color, lang, width })
    }

    fn output(ladder: LadderRenderer<Vec<u8>>) -> String {
        String::from_utf8(ladder.into_inner()).unwrap()
    }

    fn play(ladder: &mut LadderRenderer<Vec<u8>>, steps: Vec<Step>) {
        let flow = fixtures::tcp_flow();
        for step in steps {
            match step {
                Step::Call(call) => ladder.call(&call).unwrap(),
                Step::Packet(packet, verdict) => {
                    ladder.packet(&packet, &verdict, Some(&flow)).unwrap()
                }
            }
        }
    }

    fn echo(lang: Lang, color: bool, width: usize) -> String {
        let mut ladder = renderer(lang, color, width);
        ladder.begin(&fixtures::run_info(lang)).unwrap();
        play(&mut ladder, fixtures::echo_timeline());
        let stats = CaptureStats {
            frames: 10,
            kernel_drops: 0,
        };
        ladder.finish(&fixtures::echo_summary(), &stats).unwrap();
        output(ladder)
    }

    /// A UDP datagram to a closed port and the ICMP error that answers it.
    fn udp_refused(lang: Lang) -> String {
        let mut ladder = renderer(lang, false, DEFAULT_WIDTH);
        let flow = fixtures::udp_flow();
        let datagram = fixtures::udp(1, 0, Role::Client, b"ping");
        let mut verdict = Verdict {
            flow: Some(fixtures::UDP_STREAM_0),
            new_flow: true,
            from: Some(Role::Client),
            ..Verdict::default()
        };
        ladder.packet(&datagram, &verdict, Some(&flow)).unwrap();
        let icmp = fixtures::icmp_port_unreachable(2, 30_000);
        verdict.new_flow = false;
        verdict.from = Some(Role::Server);
        verdict.related_packet = Some(1);
        ladder.packet(&icmp, &verdict, Some(&flow)).unwrap();
        output(ladder)
    }

    fn strip_ansi(text: &str) -> String {
        let mut plain = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                // Skip "[...m".
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        plain
    }

    fn arrow_rows(text: &str) -> Vec<&str> {
        text.lines()
            .filter(|line| line.contains('▶') || line.contains('◀'))
            .collect()
    }

    #[test]
    fn echo_in_english() {
        insta::assert_snapshot!(echo(Lang::En, false, DEFAULT_WIDTH));
    }

    #[test]
    fn echo_in_chinese() {
        insta::assert_snapshot!(echo(Lang::ZhCn, false, DEFAULT_WIDTH));
    }

    #[test]
    fn udp_to_a_closed_port() {
        insta::assert_snapshot!(udp_refused(Lang::En));
    }

    #[test]
    fn colour_on_emits_ansi_by_meaning_and_off_emits_none() {
        let plain = echo(Lang::En, false, DEFAULT_WIDTH);
        assert!(!plain.contains('\x1b'));
        let colored = echo(Lang::En, true, DEFAULT_WIDTH);
        for (meaning, code) in [
            ("handshake", "\x1b[32m"),
            ("data", "\x1b[36m"),
            ("teardown", "\x1b[33m"),
            ("states", "\x1b[2m"),
        ] {
            assert!(colored.contains(code), "no {meaning} colour");
        }
        // Colour adds codes and changes nothing else.
        assert_eq!(strip_ansi(&colored), plain);
    }

    #[test]
    fn arrows_point_from_the_sender() {
        let text = echo(Lang::En, false, DEFAULT_WIDTH);
        let arrows = arrow_rows(&text);
        assert_eq!(arrows.len(), 10);
        assert!(arrows[0].contains("SYN seq=0") && arrows[0].ends_with('▶'));
        assert!(arrows[1].contains("SYN,ACK seq=0 ack=1") && arrows[1].contains('◀'));
        assert!(arrows[3].contains("PSH,ACK seq=1 ack=1 len=5"));
        // Relative time from the first packet, frame number after it.
        assert!(arrows[0].starts_with(" +0.000000s #1 "), "{}", arrows[0]);
        assert!(arrows[1].starts_with(" +0.000021s #2 "), "{}", arrows[1]);
    }

    #[test]
    fn every_row_fits_the_width() {
        for width in [MIN_WIDTH, DEFAULT_WIDTH] {
            for lang in [Lang::En, Lang::ZhCn] {
                let text = echo(lang, false, width);
                for line in text.lines() {
                    assert!(text::width(line) <= width, "{width} {lang:?}: {line:?}");
                    assert_eq!(line.trim_end(), line, "trailing spaces: {line:?}");
                }
            }
        }
        // Narrower requests are widened.
        let narrow = echo(Lang::En, false, 20);
        assert!(narrow.lines().all(|line| text::width(line) <= MIN_WIDTH));
    }

    #[test]
    fn chinese_rows_line_up_with_english_rows() {
        let english = udp_refused(Lang::En);
        let chinese = udp_refused(Lang::ZhCn);
        assert!(
            chinese.contains("ICMP 端口不可达（引用包 #1）"),
            "{chinese}"
        );
        let en_arrows = arrow_rows(&english);
        let zh_arrows = arrow_rows(&chinese);
        assert_eq!(en_arrows.len(), 2);
        for (en, zh) in en_arrows.iter().zip(&zh_arrows) {
            assert_eq!(text::width(en), text::width(zh), "{en}\n{zh}");
            assert_eq!(text::width(zh), DEFAULT_WIDTH - SIDE);
        }

        // The column headings and the states put Chinese and English at the same columns.
        let en_echo = echo(Lang::En, false, DEFAULT_WIDTH);
        let zh_echo = echo(Lang::ZhCn, false, DEFAULT_WIDTH);
        let heading = |text: &str, client: &str| -> String {
            text.lines()
                .find(|line| line.trim_start().starts_with(client))
                .unwrap()
                .to_string()
        };
        let en_heading = heading(&en_echo, "client ");
        let zh_heading = heading(&zh_echo, "客户端 ");
        assert_eq!(text::width(&en_heading), text::width(&zh_heading));
        assert_eq!(
            text::width(&en_heading[..en_heading.find("client").unwrap()]),
            text::width(&zh_heading[..zh_heading.find("客户端").unwrap()])
        );

        // Summary table rows have the same width in both languages.
        let rows = |text: &str| -> Vec<usize> {
            text.lines()
                .filter(|line| line.ends_with('%'))
                .map(text::width)
                .collect()
        };
        assert_eq!(rows(&en_echo), rows(&zh_echo));
        assert!(!rows(&en_echo).is_empty());
    }

    #[test]
    fn states_sit_under_their_endpoints() {
        let text = echo(Lang::En, false, DEFAULT_WIDTH);
        let heading = text
            .lines()
            .find(|line| line.trim_start().starts_with("client"))
            .unwrap();
        let states = text.lines().find(|line| line.contains("SYN-SENT")).unwrap();
        // The client's state ends where "client" ends; the server's starts where "server" starts.
        let client_end = |line: &str, word: &str| line.find(word).unwrap() + word.len();
        assert_eq!(
            client_end(heading, "client"),
            client_end(states, "SYN-SENT")
        );
        assert_eq!(heading.find("server"), states.find("SYN-RECEIVED"));
    }

    #[test]
    fn server_calls_end_at_the_right_edge_and_client_calls_start_in_the_left_column() {
        let text = echo(Lang::En, false, DEFAULT_WIDTH);
        let listen = text.lines().find(|line| line.contains("listen(")).unwrap();
        assert_eq!(listen.trim_start(), "server: listen(backlog=1) returned 0");
        assert_eq!(text::width(listen), DEFAULT_WIDTH);
        let connect = text.lines().find(|line| line.contains("connect(")).unwrap();
        assert_eq!(
            connect,
            format!(
                "{}client: connect(127.0.0.1:5000) called",
                " ".repeat(GUTTER)
            )
        );
    }

    #[test]
    fn a_new_flow_is_introduced_once_with_its_ports() {
        let text = echo(Lang::En, false, DEFAULT_WIDTH);
        assert_eq!(
            text.matches("43210").count(),
            2,
            "intro line and accept() only: {text}"
        );
        assert!(text.contains("\nTCP stream 0: client 127.0.0.1:43210 ⇄ server 127.0.0.1:5000\n"));
        let chinese = echo(Lang::ZhCn, false, DEFAULT_WIDTH);
        assert!(chinese.contains("\nTCP 流 0：客户端 127.0.0.1:43210 ⇄ 服务器 127.0.0.1:5000\n"));
    }

    #[test]
    fn arrows_name_their_flow_once_several_interleave() {
        let mut ladder = renderer(Lang::En, false, DEFAULT_WIDTH);
        play(
            &mut ladder,
            fixtures::echo_timeline().into_iter().take(5).collect(),
        );
        let second = FlowId {
            protocol: FlowProtocol::Tcp,
            index: 1,
        };
        let mut verdict = fixtures::verdict(Role::Client, 0, None, 1);
        verdict.flow = Some(second);
        verdict.new_flow = true;
        verdict.states = Some(EndpointStates {
            client: TcpState::SynSent,
            server: TcpState::SynReceived,
        });
        verdict.notes.push(Annotation::HandshakeSyn);
        let syn = fixtures::tcp(4, 50_000, Role::Client, TcpFlags::SYN, b"");
        ladder.packet(&syn, &verdict, None).unwrap();
        let text = output(ladder);
        let arrows = arrow_rows(&text);
        assert!(
            !arrows[0].contains("[TCP"),
            "one flow so far: {}",
            arrows[0]
        );
        assert!(arrows[3].contains("[TCP 1] SYN seq=0"), "{}", arrows[3]);
        assert!(text.contains("\nTCP stream 1\n"), "{text}");
    }

    #[test]
    fn undecodable_frames_get_a_row_where_they_appeared() {
        let mut ladder = renderer(Lang::En, false, DEFAULT_WIDTH);
        let frame = Frame {
            number: 12,
            timestamp: Timestamp(5_000),
            link_type: LinkType::Ethernet,
            data: &[0; 40],
            original_len: 40,
        };
        let error = DecodeError {
            layer: Layer::Tcp,
            offset: 34,
            message: "the TCP header says it is 60 bytes long, but only 6 bytes were captured"
                .to_string(),
        };
        ladder.undecodable(&frame, &error).unwrap();
        let text = output(ladder);
        assert_eq!(
            text,
            " +0.000000s #12 could not be decoded: TCP header at byte 34: the TCP header says it is 60 bytes\n                   long, but only 6 bytes were captured\n"
        );
    }

    #[test]
    fn packets_outside_any_flow_show_addresses_and_no_arrowhead() {
        let mut ladder = renderer(Lang::En, false, DEFAULT_WIDTH);
        let syn = fixtures::tcp(1, 0, Role::Client, TcpFlags::SYN, b"");
        ladder.packet(&syn, &Verdict::default(), None).unwrap();
        let text = output(ladder);
        assert!(text.contains("╌╌╌ SYN seq=4294967280 ╌"), "{text}");
        assert!(text.contains("127.0.0.1:43210 → 127.0.0.1:5000"), "{text}");
        assert!(!text.contains('▶') && !text.contains('◀'));
    }

    #[test]
    fn an_incomplete_capture_is_flagged_loudly() {
        let mut ladder = renderer(Lang::En, false, DEFAULT_WIDTH);
        let stats = CaptureStats {
            frames: 10,
            kernel_drops: 3,
        };
        ladder.finish(&fixtures::echo_summary(), &stats).unwrap();
        let text = output(ladder);
        assert!(
            text.contains("!! WARNING: this capture is INCOMPLETE."),
            "{text}"
        );
        assert!(
            text.contains("!! 3 packets were dropped by the kernel"),
            "{text}"
        );
        assert!(!text.contains("the kernel dropped none"));
    }

    #[test]
    fn stable_mode_names_endpoints_and_shows_steps_instead_of_times() {
        let mut names = StableNames::new();
        names.insert("127.0.0.1:43210".parse().unwrap(), "client:ephemeral");
        names.insert("127.0.0.1:5000".parse().unwrap(), "server:echo");
        let mut ladder = renderer(Lang::En, false, DEFAULT_WIDTH).with_stable_names(names);
        ladder.set_step(3);
        play(&mut ladder, fixtures::echo_timeline());
        let text = output(ladder);
        assert!(!text.contains("43210") && !text.contains(":5000"), "{text}");
        assert!(!text.contains("+0.0"), "{text}");
        assert!(
            text.contains("\nTCP stream 0: client:ephemeral ⇄ server:echo\n"),
            "{text}"
        );
        assert!(
            text.contains("client: connect(server:echo) called"),
            "{text}"
        );
        let arrows = arrow_rows(&text);
        assert!(arrows[0].starts_with("     step 3 #1 "), "{}", arrows[0]);
        // Without names the same renderer shows times and numbers, as before.
        let plain = echo(Lang::En, false, DEFAULT_WIDTH);
        assert!(plain.contains("127.0.0.1:43210") && plain.contains("+0.000021s"));
    }

    #[test]
    fn flows_beyond_the_listing_are_summed_up_in_both_languages() {
        let mut summary = fixtures::echo_summary();
        summary.unlisted = crate::analysis::UnlistedFlows {
            tcp: 60_000,
            udp: 4_118,
            packets: 900_000,
            client_payload_bytes: 7,
            server_payload_bytes: 8,
            handshakes_complete: 59_000,
            closed_cleanly: 55_000,
        };
        let stats = CaptureStats::default();
        let mut english = renderer(Lang::En, false, DEFAULT_WIDTH);
        english.finish(&summary, &stats).unwrap();
        let english = output(english);
        assert!(
            english.contains(
                "64118 more conversations, counted together rather than listed (TCP 60000, UDP 4118)"
            ),
            "{english}"
        );
        assert!(english.contains("900000"), "{english}");
        assert!(english.contains("59000 complete"), "{english}");
        let mut chinese = renderer(Lang::ZhCn, false, DEFAULT_WIDTH);
        chinese.finish(&summary, &stats).unwrap();
        let chinese = output(chinese);
        assert!(
            chinese.contains("64118 个会话未逐一列出，合并计数（TCP 60000，UDP 4118）"),
            "{chinese}"
        );
        // Nothing is said when every flow is listed.
        let mut plain = renderer(Lang::En, false, DEFAULT_WIDTH);
        plain.finish(&fixtures::echo_summary(), &stats).unwrap();
        assert!(!output(plain).contains("counted together"));
    }

    #[test]
    fn failed_calls_show_errno_and_message() {
        let mut ladder = renderer(Lang::En, false, DEFAULT_WIDTH);
        let call = SocketCall {
            actor: "client".to_string(),
            call: "connect(127.0.0.1:5001)".to_string(),
            outcome: CallOutcome::Failed {
                errno: "ECONNREFUSED".to_string(),
                message: "Connection refused".to_string(),
            },
        };
        ladder.call(&call).unwrap();
        assert_eq!(
            output(ladder).trim(),
            "client: connect(127.0.0.1:5001) failed: ECONNREFUSED (Connection refused)"
        );
    }

    #[test]
    fn relative_times_are_written_as_display_writes_them() {
        use super::super::describe::RelativeTime;
        for nanos in [
            0,
            999,
            1_000,
            41_000,
            999_999_999,
            1_000_000_000,
            12_345_678_901,
            -21_000,
            i64::MAX,
            i64::MIN,
        ] {
            let mut text = String::new();
            push_relative_time(&mut text, nanos);
            assert_eq!(text, RelativeTime(nanos).to_string(), "{nanos}");
        }
    }

    #[test]
    fn flow_intros_are_written_as_display_writes_them() {
        let mut info = fixtures::tcp_flow();
        for (client, server) in [
            ("127.0.0.1:43210", "127.0.0.1:5000"),
            ("0.0.0.0:0", "255.255.255.255:65535"),
            ("[::1]:43210", "[2001:db8::1]:80"),
        ] {
            info.client = client.parse().unwrap();
            info.server = server.parse().unwrap();
            for lang in [Lang::En, Lang::ZhCn] {
                let labels = Labels::get(lang);
                for flow in [Some(&info), None] {
                    let mut fast = String::new();
                    push_flow_intro(&mut fast, info.id, flow, labels).unwrap();
                    let intro = FlowIntro {
                        id: info.id,
                        info: flow,
                        labels,
                    };
                    assert_eq!(fast, intro.to_string());
                }
            }
        }
    }

    /// The piecewise arrow labels and size lines against the `Display` adapters, on every packet of
    /// every fixture capture, with and without a flow tag, in both languages, and with the fields the
    /// fixtures leave at zero or absent changed.
    #[test]
    fn labels_and_sizes_are_written_as_the_adapters_write_them() {
        let check = |packet: &Packet<'_>, verdict: &Verdict| {
            for lang in [Lang::En, Lang::ZhCn] {
                let labels = Labels::get(lang);
                for tag in [None, verdict.flow] {
                    let mut fast = String::new();
                    push_arrow_label(&mut fast, packet, verdict, labels, tag).unwrap();
                    let label = ArrowLabel {
                        packet,
                        verdict,
                        labels,
                        tag,
                    };
                    assert_eq!(fast, label.to_string());
                }
            }
            let mut fast = String::new();
            push_header_sizes(&mut fast, packet).unwrap();
            assert_eq!(fast, HeaderSizes { packet }.to_string());
        };
        let checked = fixtures::for_every_fixture_packet(|packet, verdict, _| {
            check(packet, verdict);
            let mut changed = *packet;
            changed.link.header_len = 0;
            if let Transport::Tcp(segment) = &mut changed.transport {
                segment.flags = TcpFlags(0);
                segment.payload_len = u32::MAX;
            }
            let mut bare = *verdict;
            bare.rel_seq = None;
            bare.rel_ack = None;
            bare.flow = Some(FlowId {
                protocol: FlowProtocol::Udp,
                index: u32::MAX,
            });
            check(&changed, &bare);
        });
        assert!(checked > 100, "only {checked} packets in the fixtures");
    }
}
