//! The sequence diagram as SVG (`--format svg`): a picture for slides, course pages and reports.
//!
//! Layout, top to bottom: the title and narration; one box per lifeline (role, address and port); then the
//! timeline. Every packet is an arrow from its sender's lifeline to its receiver's, falling a little as it
//! crosses (time flows down), labelled above with its flags and relative numbers and below with its teaching
//! step ("handshake 2/3"). The vertical gap before a packet grows with the time since the previous one, on a
//! log scale with a cap, so order is kept and long waits do not swallow the page. Where an endpoint's TCP
//! state changes, a small state box sits on its lifeline under the arrow. Socket calls are square marks on
//! their actor's lifeline (filled: returned; hollow: still blocked; red: failed). Arrows are coloured by
//! meaning ([`Meaning`]); a legend names the colours used.
//!
//! Text is plain, escaped SVG (no crate needed), valid XML. Text is measured by estimate (monospace
//! columns, CJK characters two columns), and the font stacks name CJK fonts so Chinese renders anywhere.
//! Every packet is a `<g class="sl-packet">` with `data-row` and `data-step` attributes, and every call and
//! state box carries the `data-step` of the packet it belongs with, so the HTML walkthrough can reveal the
//! diagram one packet at a time.

use super::lifelines::{Lifeline, Lifelines};
use super::scene::{Drawing, Meaning, Scene, SceneEvent, ScenePacket, MAX_FLOWS, MAX_PACKETS};
use super::text::{width as columns, wrap};
use crate::analysis::{EndpointStates, FlowId, Role, TcpState};
use crate::lang::Lang;
use crate::timeline::CallOutcome;
use std::fmt::{self, Write as _};
use std::io::{self, Write};

/// Sans-serif text: the system's UI font for Latin, then CJK fonts for Chinese.
pub const FONT_SANS: &str =
    "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Helvetica Neue', Arial, \
'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
/// Monospace text (packet labels, addresses), with CJK fallbacks.
pub const FONT_MONO: &str = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, \
'Noto Sans Mono CJK SC', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', monospace";

/// The time and frame number column on the left.
const GUTTER: f64 = 92.0;
const MARGIN: f64 = 16.0;
const HEADER_HEIGHT: f64 = 40.0;
const MIN_HEADER_WIDTH: f64 = 124.0;
const MIN_LANE: f64 = 300.0;
const MAX_LANE: f64 = 620.0;
/// How far an arrow falls while it crosses the lane: the "real slope" of a packet in flight.
const DROP: f64 = 18.0;
/// Room above an arrow for its label.
const LABEL_ROOM: f64 = 20.0;
/// The largest extra gap a pause between packets adds.
const MAX_PAUSE: f64 = 48.0;
/// The gap between packets in stable mode, where times are not known: the same on every run.
const STABLE_GAP: f64 = 6.0;
const CALL_ROW: f64 = 22.0;
/// Calls longer than this many columns are cut (the full text is in the tooltip).
const MAX_CALL_COLUMNS: usize = 64;
const LABEL_SIZE: f64 = 12.0;
const SMALL_SIZE: f64 = 10.5;

/// `--format svg`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SvgDiagram;

impl Drawing for SvgDiagram {
    fn draw(&self, scene: &Scene, out: &mut dyn Write) -> io::Result<()> {
        let mut svg = String::with_capacity(16 * 1024);
        write_svg(&mut svg, scene, SvgOptions::STANDALONE);
        out.write_all(svg.as_bytes())
    }
}

/// How the diagram will be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SvgOptions {
    /// A `.svg` file of its own: starts with the XML declaration and shows the title and narration. Inside
    /// an HTML page the page shows those, so the picture starts with the lifelines.
    pub standalone: bool,
}

impl SvgOptions {
    pub const STANDALONE: SvgOptions = SvgOptions { standalone: true };
    pub const EMBEDDED: SvgOptions = SvgOptions { standalone: false };
}

/// XML-escaped text: `&`, `<`, `>`, `"` and `'` become entities, so text is safe in elements and attributes.
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(index) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..index])?;
            f.write_str(match rest.as_bytes()[index] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[index + 1..];
        }
        // Control characters other than tab and newline are not allowed in XML 1.0 at all.
        for c in rest.chars() {
            match c {
                '\t' | '\n' => f.write_char(c)?,
                c if c.is_control() => f.write_char('\u{fffd}')?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// Estimated width in pixels of `text` at `size`: monospace columns, Chinese characters two columns.
pub fn text_width(text: &str, size: f64) -> f64 {
    columns(text) as f64 * size * 0.6
}

/// A number as SVG coordinates want it: one decimal, no "-0.0".
pub(crate) struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounded = (self.0 * 10.0).round() / 10.0;
        if rounded == rounded.trunc() {
            write!(f, "{}", rounded as i64)
        } else {
            write!(f, "{rounded:.1}")
        }
    }
}

/// Words the diagram itself uses.
struct Words {
    legend: &'static str,
    left_out: &'static str,
    called: &'static str,
    failed: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    static EN: Words = Words {
        legend: "colours",
        left_out: "more packets are not drawn: a picture shows the first {packets} packets of at most {flows} conversations (--format text shows them all).",
        called: "called",
        failed: "failed",
    };
    static ZH_CN: Words = Words {
        legend: "颜色",
        left_out: "个包没有画出：图中最多显示前 {packets} 个包、{flows} 个会话（--format text 可看到全部）。",
        called: "已调用",
        failed: "失败",
    };
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

/// Horizontal geometry, decided before anything is drawn.
struct Columns {
    /// Each lifeline's x.
    x: Vec<f64>,
    header_width: f64,
    width: f64,
}

impl Columns {
    fn of(scene: &Scene, lifelines: &Lifelines) -> Columns {
        let header_width = lifelines
            .list
            .iter()
            .map(|line| text_width(&endpoint_text(scene, line), SMALL_SIZE) + 24.0)
            .fold(MIN_HEADER_WIDTH, f64::max);
        // The lane fits the widest arrow label and call text.
        let mut widest: f64 = 0.0;
        for event in &scene.events {
            let needed = match event {
                SceneEvent::Packet(packet) => {
                    let tag = if tagged(scene) {
                        text_width("[TCP 0] ", LABEL_SIZE)
                    } else {
                        0.0
                    };
                    let label = text_width(&packet.label, LABEL_SIZE) + tag;
                    let step = packet
                        .step
                        .as_deref()
                        .map_or(0.0, |step| text_width(step, SMALL_SIZE));
                    label.max(step) + 64.0
                }
                SceneEvent::Call(_) => 0.0,
                SceneEvent::Undecodable { .. } => 0.0,
            };
            widest = widest.max(needed);
        }
        let calls = scene
            .events
            .iter()
            .filter_map(|event| match event {
                SceneEvent::Call(call) => Some(call_text(call, scene.lang)),
                _ => None,
            })
            .map(|text| text_width(&text, SMALL_SIZE) + 24.0)
            .fold(0.0, f64::max);
        let lane = widest
            .max(calls)
            .max(header_width + 40.0)
            .clamp(MIN_LANE, MAX_LANE);
        let first = GUTTER + header_width / 2.0;
        let x: Vec<f64> = (0..lifelines.len())
            .map(|index| first + index as f64 * lane)
            .collect();
        let right = x
            .last()
            .map_or(GUTTER + MIN_LANE, |last| last + header_width / 2.0);
        Columns {
            x,
            header_width,
            width: right + MARGIN,
        }
    }

    fn left(&self) -> f64 {
        self.x
            .first()
            .map_or(GUTTER, |x| x - self.header_width / 2.0)
    }

    fn right(&self) -> f64 {
        self.x
            .last()
            .map_or(GUTTER + MIN_LANE, |x| x + self.header_width / 2.0)
    }
}

/// Whether arrows name their conversation: only once several are drawn.
fn tagged(scene: &Scene) -> bool {
    scene.flows.len() > 1
}

fn endpoint_text(scene: &Scene, line: &Lifeline) -> String {
    line.endpoint
        .map(|addr| scene.endpoint_text(addr))
        .unwrap_or_default()
}

/// "listen(1) → 0", "connect(127.0.0.1:5000) called", "connect(…) failed: ECONNREFUSED".
fn call_text(call: &crate::timeline::SocketCall, lang: Lang) -> String {
    let words = words(lang);
    let text = match &call.outcome {
        CallOutcome::Called => format!("{} {}", call.call, words.called),
        CallOutcome::Returned { value } => format!("{} → {value}", call.call),
        CallOutcome::Failed { errno, .. } => format!("{} {}: {errno}", call.call, words.failed),
    };
    cut(&text, MAX_CALL_COLUMNS)
}

/// `text` cut to `max` columns, with an ellipsis when something was cut.
fn cut(text: &str, max: usize) -> String {
    if columns(text) <= max {
        return text.to_string();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let width = columns(c.encode_utf8(&mut [0; 4]));
        if used + width + 1 > max {
            break;
        }
        used += width;
        kept.push(c);
    }
    kept.push('…');
    kept
}

/// Extra vertical room for a pause of `nanos` before a packet: logarithmic, capped.
fn pause_height(nanos: i64) -> f64 {
    let micros = nanos.max(0) as f64 / 1000.0;
    (10.0 * (1.0 + micros / 50.0).ln()).min(MAX_PAUSE)
}

/// The fill of a state box, by what the state means.
fn state_fill(state: TcpState) -> &'static str {
    match state {
        TcpState::Established => "#e3f4e8",
        TcpState::Listen | TcpState::SynSent | TcpState::SynReceived => "#eef7e6",
        TcpState::Closed => "#eeeeee",
        _ => "#fdeee2",
    }
}

/// Writes the whole diagram.
pub fn write_svg(svg: &mut String, scene: &Scene, options: SvgOptions) {
    let lifelines = Lifelines::of(scene);
    let columns = Columns::of(scene, &lifelines);
    let labels = scene.labels();
    let lang = scene.lang;
    let mut body = String::with_capacity(16 * 1024);
    let body_out = &mut body;

    // Title, narration and source.
    let mut y = 0.0;
    let text_columns = ((columns.width - 2.0 * MARGIN) / (12.0 * 0.6)).max(20.0) as usize;
    if options.standalone {
        y = 30.0;
        let _ = writeln!(
            body_out,
            r#"<text class="sl-title" x="{}" y="{}" font-size="17" font-weight="bold">{}</text>"#,
            Num(MARGIN),
            Num(y),
            Escaped(scene.title())
        );
    }
    if let (true, Some(info)) = (options.standalone, &scene.info) {
        if let Some(description) = &info.description {
            for line in wrap(description, text_columns) {
                y += 18.0;
                let _ = writeln!(
                    body_out,
                    r##"<text class="sl-narration" x="{}" y="{}" font-size="12.5" fill="#333">{}</text>"##,
                    Num(MARGIN),
                    Num(y),
                    Escaped(line)
                );
            }
        }
        y += 18.0;
        let _ = writeln!(
            body_out,
            r##"<text class="sl-source" x="{}" y="{}" font-size="11" fill="#777">{}{}{}</text>"##,
            Num(MARGIN),
            Num(y),
            Escaped(labels.source),
            Escaped(labels.colon),
            Escaped(&info.source)
        );
    }

    // Lifeline headers.
    y += 18.0;
    let header_top = y;
    for (index, line) in lifelines.list.iter().enumerate() {
        let x = columns.x[index];
        let role = match line.role {
            Role::Client => labels.client,
            Role::Server => labels.server,
        };
        let _ = writeln!(
            body_out,
            r##"<g class="sl-lifeline-head" data-lifeline="{index}"><rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="#f7f9fc" stroke="#5b6b7b"/><text x="{}" y="{}" font-size="13" font-weight="bold" text-anchor="middle">{}</text><text class="sl-mono" x="{}" y="{}" font-size="{}" text-anchor="middle" fill="#333">{}</text></g>"##,
            Num(x - columns.header_width / 2.0),
            Num(header_top),
            Num(columns.header_width),
            Num(HEADER_HEIGHT),
            Num(x),
            Num(header_top + 16.0),
            Escaped(role),
            Num(x),
            Num(header_top + 32.0),
            Num(SMALL_SIZE),
            Escaped(&endpoint_text(scene, line)),
        );
    }
    y = header_top + HEADER_HEIGHT + 14.0;
    let lifelines_top = header_top + HEADER_HEIGHT;

    // The timeline.
    let marks = lifelines.call_marks(scene);
    let steps = step_numbers(scene);
    let mut shown_states: Vec<(FlowId, Role, TcpState)> = Vec::new();
    let mut previous_time: Option<i64> = None;
    let mut meanings_used: Vec<Meaning> = Vec::new();
    let mut row = 0usize;
    for (index, event) in scene.events.iter().enumerate() {
        let step = steps[index];
        match event {
            SceneEvent::Call(call) => {
                let Some(line) = marks[index] else { continue };
                let x = columns.x[line];
                y += 4.0;
                let (fill, stroke) = match call.outcome {
                    CallOutcome::Called => ("#ffffff", "#37474f"),
                    CallOutcome::Returned { .. } => ("#37474f", "#37474f"),
                    CallOutcome::Failed { .. } => ("#c62828", "#c62828"),
                };
                let text = call_text(call, lang);
                // Text runs towards the middle of the picture: leftwards from the last lifeline.
                let last = line + 1 == lifelines.len() && line > 0;
                let (text_x, anchor) = if last {
                    (x - 10.0, "end")
                } else {
                    (x + 10.0, "start")
                };
                let _ = writeln!(
                    body_out,
                    r##"<g class="sl-call" data-step="{step}"><title>{}{}{}</title><rect x="{}" y="{}" width="9" height="9" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/><text class="sl-mono" x="{}" y="{}" font-size="{}" text-anchor="{anchor}" fill="{}">{}</text></g>"##,
                    Escaped(labels.actor(&call.actor)),
                    Escaped(labels.colon),
                    Escaped(&full_call_text(call, lang)),
                    Num(x - 4.5),
                    Num(y - 4.5),
                    Num(text_x),
                    Num(y + 4.0),
                    Num(SMALL_SIZE),
                    if fill == "#c62828" {
                        "#c62828"
                    } else {
                        "#37474f"
                    },
                    Escaped(&text),
                );
                y += CALL_ROW - 4.0;
            }
            SceneEvent::Packet(packet) => {
                if let Some(previous) = previous_time {
                    y += match scene.stable {
                        Some(_) => STABLE_GAP,
                        None => pause_height(packet.time_ns.saturating_sub(previous)),
                    };
                }
                previous_time = Some(packet.time_ns);
                if !meanings_used.contains(&packet.meaning) {
                    meanings_used.push(packet.meaning);
                }
                y = draw_packet(
                    body_out,
                    scene,
                    &lifelines,
                    &columns,
                    packet,
                    (row, step),
                    y,
                    &mut shown_states,
                );
                row += 1;
            }
            SceneEvent::Undecodable { time_ns, text, .. } => {
                previous_time = Some(*time_ns);
                y += 16.0;
                let _ = writeln!(
                    body_out,
                    r##"<g class="sl-undecodable" data-row="{row}" data-step="{step}"><text x="{}" y="{}" font-size="{}" fill="#c62828">{}</text></g>"##,
                    Num(columns.left()),
                    Num(y),
                    Num(SMALL_SIZE),
                    Escaped(&cut(text, 120))
                );
                y += 10.0;
                row += 1;
            }
        }
    }
    y += 12.0;

    // Lifelines behind everything: written now that their length is known, placed first in the document.
    let mut lines = String::new();
    for x in &columns.x {
        let _ = writeln!(
            lines,
            r##"<line class="sl-lifeline" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#9aa5b1" stroke-width="1.2" stroke-dasharray="5 4"/>"##,
            Num(*x),
            Num(lifelines_top),
            Num(*x),
            Num(y)
        );
    }

    // Legend and warnings.
    y += 26.0;
    meanings_used.sort_by_key(|meaning| Meaning::ALL.iter().position(|m| m == meaning));
    if !meanings_used.is_empty() {
        let words = words(lang);
        let _ = write!(
            body_out,
            r##"<g class="sl-legend"><text x="{}" y="{}" font-size="11" fill="#555">{}{}</text>"##,
            Num(MARGIN),
            Num(y),
            Escaped(words.legend),
            Escaped(labels.colon)
        );
        let mut x = MARGIN + text_width(words.legend, 11.0) + 16.0;
        for meaning in &meanings_used {
            let color = meaning.color();
            let _ = write!(
                body_out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="2"/><polygon points="{}" fill="{color}"/><text x="{}" y="{}" font-size="11" fill="{color}">{}</text>"#,
                Num(x),
                Num(y - 4.0),
                Num(x + 18.0),
                Num(y - 4.0),
                head_points((x + 26.0, y - 4.0), (1.0, 0.0)),
                Num(x + 31.0),
                Num(y),
                Escaped(meaning.name(lang))
            );
            x += 44.0 + text_width(meaning.name(lang), 11.0);
        }
        let _ = writeln!(body_out, "</g>");
    }
    let mut width = columns.width;
    if scene.left_out > 0 {
        y += 20.0;
        let text = format!(
            "{} {}",
            scene.left_out,
            words(lang)
                .left_out
                .replace("{packets}", &MAX_PACKETS.to_string())
                .replace("{flows}", &MAX_FLOWS.to_string())
        );
        width = width.max(text_width(&text, 11.0) + 2.0 * MARGIN);
        let _ = writeln!(
            body_out,
            r##"<text class="sl-left-out" x="{}" y="{}" font-size="11" fill="#b71c1c">{}</text>"##,
            Num(MARGIN),
            Num(y),
            Escaped(&text)
        );
    }
    if !scene.stats.is_complete() {
        y += 20.0;
        let text = format!(
            "{} {} {}",
            labels.incomplete_warning, scene.stats.kernel_drops, labels.kernel_dropped
        );
        width = width.max(text_width(&text, 11.0) + 2.0 * MARGIN);
        let _ = writeln!(
            body_out,
            r##"<text class="sl-warning" x="{}" y="{}" font-size="11" font-weight="bold" fill="#b71c1c">{}</text>"##,
            Num(MARGIN),
            Num(y),
            Escaped(&text)
        );
    }
    let height = y + 18.0;

    if options.standalone {
        svg.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="socklab-diagram" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{}" xml:lang="{}" role="img">"#,
        Escaped(FONT_SANS),
        lang.code(),
        w = Num(width),
        h = Num(height),
    );
    let _ = writeln!(svg, "<title>{}</title>", Escaped(scene.title()));
    let _ = writeln!(
        svg,
        "<style>.socklab-diagram .sl-mono{{font-family:{FONT_MONO}}} .socklab-diagram .sl-halo{{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}}</style>"
    );
    let _ = writeln!(
        svg,
        r##"<rect class="sl-background" width="100%" height="100%" fill="#ffffff"/>"##
    );
    svg.push_str(&lines);
    svg.push_str(&body);
    svg.push_str("</svg>\n");
}

/// The full call, uncut, for tooltips.
fn full_call_text(call: &crate::timeline::SocketCall, lang: Lang) -> String {
    let words = words(lang);
    match &call.outcome {
        CallOutcome::Called => format!("{} {}", call.call, words.called),
        CallOutcome::Returned { value } => format!("{} → {value}", call.call),
        CallOutcome::Failed { errno, message } => {
            format!("{} {}: {errno} ({message})", call.call, words.failed)
        }
    }
}

/// Each event's step in a walkthrough: a frame (packet or undecodable) is step n when it is the n-th frame;
/// a call belongs to the next frame's step (it is revealed with the packet it causes), or to the last.
pub fn step_numbers(scene: &Scene) -> Vec<usize> {
    let frames = scene
        .events
        .iter()
        .filter(|event| !matches!(event, SceneEvent::Call(_)))
        .count();
    let mut seen = 0;
    scene
        .events
        .iter()
        .map(|event| match event {
            SceneEvent::Call(_) => (seen + 1).min(frames.max(1)),
            _ => {
                seen += 1;
                seen
            }
        })
        .collect()
}

/// The arrowhead's points: a tip and a base 10 px back along `direction` (a unit vector).
fn head_points(tip: (f64, f64), direction: (f64, f64)) -> String {
    let (ux, uy) = direction;
    let (bx, by) = (tip.0 - ux * 10.0, tip.1 - uy * 10.0);
    let (px, py) = (-uy * 4.5, ux * 4.5);
    format!(
        "{},{} {},{} {},{}",
        Num(tip.0),
        Num(tip.1),
        Num(bx + px),
        Num(by + py),
        Num(bx - px),
        Num(by - py)
    )
}

/// Draws one packet starting at `top`; returns where the next row starts.
#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename the arguments
fn draw_packet(
    out: &mut String,
    scene: &Scene,
    lifelines: &Lifelines,
    columns: &Columns,
    packet: &ScenePacket,
    (row, step): (usize, usize),
    top: f64,
    shown_states: &mut Vec<(FlowId, Role, TcpState)>,
) -> f64 {
    let color = packet.meaning.color();
    let y0 = top + LABEL_ROOM;
    let mut label = String::new();
    if let (true, Some(flow)) = (tagged(scene), packet.flow) {
        let protocol = match flow.protocol {
            crate::analysis::FlowProtocol::Tcp => "TCP",
            crate::analysis::FlowProtocol::Udp => "UDP",
        };
        let _ = write!(label, "[{protocol} {}] ", flow.index);
    }
    label.push_str(&packet.label);

    let _ = write!(
        out,
        r#"<g class="sl-packet sl-{}" id="sl-packet-{}" data-row="{row}" data-step="{step}" data-number="{}"><title>#{} {}"#,
        packet.meaning.class(),
        packet.number,
        packet.number,
        packet.number,
        Escaped(&label)
    );
    if let Some(step) = &packet.step {
        let _ = write!(out, " ({})", Escaped(step));
    }
    for note in &packet.notes {
        let _ = write!(out, "\n{}", Escaped(note));
    }
    let _ = write!(out, "\n{}</title>", Escaped(&packet.sizes));
    // Stable mode shows no times.
    if scene.stable.is_none() {
        let _ = write!(
            out,
            r##"<text class="sl-mono sl-time" x="{}" y="{}" font-size="10" fill="#666">{}</text>"##,
            Num(MARGIN / 2.0),
            Num(y0 + 3.0),
            Escaped(&packet.time),
        );
    }
    let _ = write!(
        out,
        r##"<text class="sl-mono sl-number" x="{}" y="{}" font-size="10" fill="#999">#{}</text>"##,
        Num(MARGIN / 2.0),
        Num(y0 + 15.0),
        packet.number
    );

    let ends = lifelines.packet_ends(packet.flow, packet.from);
    let bottom = match ends {
        Some((from, to)) => {
            let (x0, x1) = (columns.x[from], columns.x[to]);
            let y1 = y0 + DROP;
            let (dx, dy) = (x1 - x0, y1 - y0);
            let length = (dx * dx + dy * dy).sqrt().max(1.0);
            let unit = (dx / length, dy / length);
            // The line stops where the head begins, so the tip stays sharp.
            let _ = write!(
                out,
                r#"<line class="sl-arrow" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="2"/><polygon class="sl-head" points="{}" fill="{color}"/>"#,
                Num(x0),
                Num(y0),
                Num(x1 - unit.0 * 9.0),
                Num(y1 - unit.1 * 9.0),
                head_points((x1, y1), unit)
            );
            // Labels follow the slope, read left to right.
            let (left, right) = if x0 < x1 {
                ((x0, y0), (x1, y1))
            } else {
                ((x1, y1), (x0, y0))
            };
            let angle = (right.1 - left.1).atan2(right.0 - left.0).to_degrees();
            let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let _ = write!(
                out,
                r#"<text class="sl-mono sl-label sl-halo" x="{}" y="{}" font-size="{}" font-weight="bold" text-anchor="middle" fill="{color}" transform="rotate({} {} {})">{}</text>"#,
                Num(mx),
                Num(my - 6.0),
                Num(LABEL_SIZE),
                Num(angle),
                Num(mx),
                Num(my),
                Escaped(&label)
            );
            let mut bottom = y1 + 8.0;
            if let Some(step) = &packet.step {
                let _ = write!(
                    out,
                    r#"<text class="sl-step sl-halo" x="{}" y="{}" font-size="{}" font-style="italic" text-anchor="middle" fill="{color}" transform="rotate({} {} {})">{}</text>"#,
                    Num(mx),
                    Num(my + 15.0),
                    Num(SMALL_SIZE),
                    Num(angle),
                    Num(mx),
                    Num(my),
                    Escaped(step)
                );
                bottom = bottom.max(my + 22.0);
            }
            // A wide transparent line makes the arrow easy to click.
            let _ = write!(
                out,
                r#"<line class="sl-hit" x1="{}" y1="{}" x2="{}" y2="{}" stroke="transparent" stroke-width="16"/>"#,
                Num(x0),
                Num(y0),
                Num(x1),
                Num(y1)
            );
            bottom
        }
        None => {
            // No known sender: a dotted line across the lifelines, without a head.
            let (x0, x1) = (columns.left(), columns.right());
            let _ = write!(
                out,
                r#"<line class="sl-arrow sl-unknown" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="1.5" stroke-dasharray="2 3"/><text class="sl-mono sl-label sl-halo" x="{}" y="{}" font-size="{}" text-anchor="middle" fill="{color}">{} {}</text>"#,
                Num(x0),
                Num(y0),
                Num(x1),
                Num(y0),
                Num((x0 + x1) / 2.0),
                Num(y0 - 6.0),
                Num(LABEL_SIZE),
                Escaped(&label),
                Escaped(&packet.addresses)
            );
            y0 + 10.0
        }
    };
    let _ = writeln!(out, "</g>");

    // State boxes where an endpoint's state changed, under the arrow.
    let mut bottom = bottom;
    if let (Some(states), Some(flow)) = (packet.states, packet.flow) {
        let state_y = y0 + DROP + 17.0;
        let mut drew = false;
        for (role, state) in both(states) {
            let Some(line) = lifelines.index_of(flow, role) else {
                continue;
            };
            let known = shown_states
                .iter_mut()
                .find(|(id, who, _)| *id == flow && *who == role);
            match known {
                Some((_, _, shown)) if *shown == state => continue,
                Some((_, _, shown)) => *shown = state,
                None => shown_states.push((flow, role, state)),
            }
            let x = columns.x[line];
            let width = text_width(state.name(), 10.0) + 12.0;
            let _ = write!(
                out,
                r##"<g class="sl-state" data-step="{step}" data-state="{}"><rect x="{}" y="{}" width="{}" height="15" rx="7.5" fill="{}" stroke="#8795a1"/><text class="sl-mono" x="{}" y="{}" font-size="10" text-anchor="middle" fill="#263238">{}</text></g>"##,
                state.name(),
                Num(x - width / 2.0),
                Num(state_y - 7.5),
                Num(width),
                state_fill(state),
                Num(x),
                Num(state_y + 3.5),
                state.name()
            );
            drew = true;
        }
        if drew {
            let _ = writeln!(out);
            bottom = bottom.max(state_y + 12.0);
        }
    }
    bottom + 8.0
}

fn both(states: EndpointStates) -> [(Role, TcpState); 2] {
    [(Role::Client, states.client), (Role::Server, states.server)]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::scene::test_scenes;
    use super::*;

    fn svg(scene: &Scene) -> String {
        let mut out = Vec::new();
        SvgDiagram.draw(scene, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn parse(text: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(text).unwrap_or_else(|error| panic!("{error}\n{text}"))
    }

    fn with_class<'a, 'i>(
        document: &'a roxmltree::Document<'i>,
        class: &str,
    ) -> Vec<roxmltree::Node<'a, 'i>> {
        document
            .descendants()
            .filter(|node| {
                node.attribute("class")
                    .is_some_and(|classes| classes.split(' ').any(|c| c == class))
            })
            .collect()
    }

    #[test]
    fn escaping_covers_the_five_xml_characters_and_control_bytes() {
        assert_eq!(
            Escaped("a<b & \"c\" 'd'>\u{1}").to_string(),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;\u{fffd}"
        );
        assert_eq!(Escaped("握手 1/3").to_string(), "握手 1/3");
    }

    #[test]
    fn the_echo_is_valid_xml_with_one_arrow_per_packet() {
        let text = svg(&test_scenes::echo(Lang::En, false));
        let document = parse(&text);
        assert_eq!(document.root_element().tag_name().name(), "svg");
        assert_eq!(with_class(&document, "sl-packet").len(), 10);
        assert_eq!(with_class(&document, "sl-arrow").len(), 10);
        assert_eq!(with_class(&document, "sl-head").len(), 10);
        assert_eq!(with_class(&document, "sl-call").len(), 7);
        assert_eq!(with_class(&document, "sl-lifeline").len(), 2);
        let steps: Vec<&str> = with_class(&document, "sl-step")
            .iter()
            .filter_map(|node| node.text())
            .collect();
        assert_eq!(
            steps,
            [
                "handshake 1/3",
                "handshake 2/3",
                "handshake 3/3",
                "teardown 1/4",
                "teardown 2+3/4",
                "teardown 4/4"
            ]
        );
    }

    #[test]
    fn arrows_fall_from_the_sender_to_the_receiver() {
        let text = svg(&test_scenes::echo(Lang::En, false));
        let document = parse(&text);
        let arrows = with_class(&document, "sl-arrow");
        let coordinate = |node: &roxmltree::Node, name: &str| -> f64 {
            node.attribute(name).unwrap().parse().unwrap()
        };
        let mut previous_y = 0.0;
        for (index, arrow) in arrows.iter().enumerate() {
            let (x1, y1, x2, y2) = (
                coordinate(arrow, "x1"),
                coordinate(arrow, "y1"),
                coordinate(arrow, "x2"),
                coordinate(arrow, "y2"),
            );
            assert!(y2 > y1, "arrow {index} falls");
            assert!(y1 > previous_y, "arrow {index} is below the previous one");
            previous_y = y1;
            // SYN goes right (client → server), SYN-ACK left.
            match index {
                0 => assert!(x2 > x1),
                1 => assert!(x2 < x1),
                _ => {}
            }
        }
    }

    #[test]
    fn states_appear_where_they_change_and_colours_follow_meaning() {
        let text = svg(&test_scenes::echo(Lang::En, false));
        let document = parse(&text);
        let states: Vec<&str> = with_class(&document, "sl-state")
            .iter()
            .filter_map(|node| node.attribute("data-state"))
            .collect();
        assert_eq!(
            states,
            [
                "SYN-SENT",
                "SYN-RECEIVED",
                "ESTABLISHED",
                "ESTABLISHED",
                "FIN-WAIT-1",
                "CLOSE-WAIT",
                "TIME-WAIT",
                "LAST-ACK",
                "CLOSED"
            ]
        );
        let packets = with_class(&document, "sl-packet");
        assert!(packets[0]
            .attribute("class")
            .unwrap()
            .contains("sl-handshake"));
        assert!(packets[3].attribute("class").unwrap().contains("sl-data"));
        assert!(packets[4].attribute("class").unwrap().contains("sl-ack"));
        assert!(packets[7]
            .attribute("class")
            .unwrap()
            .contains("sl-teardown"));
        assert!(text.contains(Meaning::Handshake.color()));
    }

    #[test]
    fn chinese_text_uses_a_cjk_font_stack() {
        let text = svg(&test_scenes::echo(Lang::ZhCn, false));
        parse(&text);
        assert!(text.contains("握手 1/3"));
        assert!(text.contains("客户端") && text.contains("服务器"));
        assert!(text.contains("Noto Sans CJK SC") && text.contains("Microsoft YaHei"));
        assert!(text.contains(r#"xml:lang="zh-CN""#));
    }

    #[test]
    fn titles_with_markup_characters_stay_valid_xml() {
        let text = svg(&test_scenes::udp_refused(Lang::En));
        let document = parse(&text);
        let title = with_class(&document, "sl-title")[0].text().unwrap();
        assert_eq!(title, "UDP <closed> & \"port\"");
        let packets = with_class(&document, "sl-packet");
        assert_eq!(packets.len(), 2);
        assert!(packets[0].attribute("class").unwrap().contains("sl-udp"));
        assert!(packets[1].attribute("class").unwrap().contains("sl-icmp"));
    }

    #[test]
    fn calls_and_states_step_with_the_packet_they_precede() {
        let scene = test_scenes::echo(Lang::En, false);
        let steps = step_numbers(&scene);
        // listen, connect, SYN(1), SYN-ACK(2), ACK(3), connect returns, accept, send, data(4) ...
        assert_eq!(&steps[..9], &[1, 1, 1, 2, 3, 4, 4, 4, 4]);
        assert_eq!(*steps.last().unwrap(), 10);
    }

    /// The fixtures' echo with every packet's time multiplied by `slower`, optionally in stable mode.
    fn echo_slowed(slower: i64, stable: bool) -> String {
        use super::super::fixtures::{self, Step};
        use super::super::stable::StableNames;
        let mut scene = Scene::new(false);
        if stable {
            let mut names = StableNames::new();
            names.insert(fixtures::CLIENT, "client:ephemeral");
            names.insert(fixtures::SERVER, "server:echo");
            scene.stable = Some(names);
        }
        scene.record_begin(&fixtures::run_info(Lang::En));
        let steps = fixtures::echo_timeline()
            .into_iter()
            .map(|step| match step {
                Step::Packet(mut packet, verdict) => {
                    packet.timestamp.0 = packet.timestamp.0.wrapping_mul(slower);
                    Step::Packet(packet, verdict)
                }
                call => call,
            })
            .collect();
        test_scenes::record(&mut scene, steps, &fixtures::tcp_flow());
        svg(&scene)
    }

    #[test]
    fn stable_mode_names_endpoints_hides_times_and_spaces_arrows_evenly() {
        let stable = echo_slowed(1, true);
        let document = parse(&stable);
        assert!(with_class(&document, "sl-time").is_empty(), "{stable}");
        assert!(
            !stable.contains("43210") && !stable.contains(":5000"),
            "{stable}"
        );
        assert!(stable.contains(">client:ephemeral</text>"), "{stable}");
        assert!(stable.contains(">server:echo</text>"), "{stable}");
        assert_eq!(with_class(&document, "sl-arrow").len(), 10);
        // The geometry does not depend on the packets' times...
        assert_eq!(stable, echo_slowed(1000, true));
        // ...which it does without names, where the times are shown too.
        let timed = echo_slowed(1, false);
        assert_ne!(timed, echo_slowed(1000, false));
        assert!(!with_class(&parse(&timed), "sl-time").is_empty());
        assert!(timed.contains("127.0.0.1:43210"));
    }

    #[test]
    fn long_pauses_are_compressed_but_keep_their_order() {
        assert_eq!(pause_height(0), 0.0);
        assert!(pause_height(20_000) < pause_height(1_000_000));
        assert!(pause_height(1_000_000) < pause_height(40_000_000));
        assert_eq!(pause_height(60_000_000_000), MAX_PAUSE);
        assert_eq!(pause_height(-5), 0.0);
    }

    #[test]
    fn long_calls_are_cut_with_an_ellipsis() {
        assert_eq!(cut("short", 10), "short");
        let long = cut(&"x".repeat(100), 10);
        assert_eq!(long, format!("{}…", "x".repeat(9)));
        let chinese = cut("客户端客户端客户端", 7);
        assert!(columns(&chinese) <= 7, "{chinese}");
    }

    #[test]
    fn packets_outside_any_conversation_cross_every_lifeline_without_a_head() {
        let mut scene = test_scenes::echo(Lang::En, false);
        let syn = fixtures::tcp(11, 300_000, Role::Client, crate::decode::TcpFlags::SYN, b"");
        scene.record_packet(&syn, &crate::analysis::Verdict::default(), None);
        let text = svg(&scene);
        let document = parse(&text);
        assert_eq!(with_class(&document, "sl-unknown").len(), 1);
        assert_eq!(with_class(&document, "sl-head").len(), 10);
        assert!(text.contains("127.0.0.1:43210 → 127.0.0.1:5000"));
    }

    #[test]
    fn numbers_print_without_noise() {
        assert_eq!(Num(3.0).to_string(), "3");
        assert_eq!(Num(3.04).to_string(), "3");
        assert_eq!(Num(-0.01).to_string(), "0");
        assert_eq!(Num(12.25).to_string(), "12.3");
    }
}
