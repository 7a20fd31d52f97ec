//! The time-sequence graph (`--format stevens`), as W. Richard Stevens drew it and tcptrace/xplot plot it:
//! relative sequence number against time for one TCP connection, so a learner sees slow start (the bars
//! climb faster and faster), the receiver's acknowledgements following the data, and the receive window
//! the sender may not cross.
//!
//! The graph shows the busiest TCP connection of the run (the most payload bytes), in its data direction
//! (the side that sent more bytes; the client on a tie):
//! - each data segment is a vertical bar from its first to its last byte, with short caps (an I-beam);
//!   bytes sent again are red;
//! - the ACK line (green) steps up to each acknowledgement the other side sends;
//! - the window line (gold) is acknowledgement + advertised window: the edge of what the receiver can take;
//! - SYN, FIN and RST are marked with a letter.
//!
//! Loopback windows are often megabytes while the transfer is small; when the window line would squash the
//! data, the graph is scaled to the data and says how far above the window edge lies. Segments that share a
//! pixel column are merged into one bar, so a million-segment transfer is still a small file.

use super::scene::{Drawing, Scene, Segment};
use super::svg::{text_width, Escaped, Num, FONT_MONO, FONT_SANS};
use super::text::wrap;
use crate::analysis::{FlowInfo, Role};
use crate::lang::Lang;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 590.0;
const PLOT_LEFT: f64 = 92.0;
const PLOT_RIGHT: f64 = WIDTH - 28.0;
const PLOT_TOP: f64 = 104.0;
const PLOT_BOTTOM: f64 = HEIGHT - 86.0;
/// The window line is drawn to scale only if its top is within this factor of the data's.
const WINDOW_SCALE_LIMIT: f64 = 2.5;

const DATA_COLOR: &str = "#1a1a1a";
const RETRANSMISSION_COLOR: &str = "#c62828";
const ACK_COLOR: &str = "#1b7f3b";
const WINDOW_COLOR: &str = "#c79100";

/// `--format stevens`.
#[derive(Clone, Copy, Debug, Default)]
pub struct StevensGraph;

impl Drawing for StevensGraph {
    fn wants_segments(&self) -> bool {
        true
    }
    fn draw(&self, scene: &Scene, out: &mut dyn Write) -> io::Result<()> {
        let mut svg = String::with_capacity(32 * 1024);
        write_stevens(&mut svg, scene);
        out.write_all(svg.as_bytes())
    }
}

struct Words {
    title: &'static str,
    x_axis: &'static str,
    y_axis: &'static str,
    data: &'static str,
    retransmission: &'static str,
    ack: &'static str,
    window: &'static str,
    no_data: &'static str,
    window_above: &'static str,
    how_to_read: &'static str,
    segments_left_out: &'static str,
    stream: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    static EN: Words = Words {
        title: "Time-sequence graph",
        x_axis: "time since the connection's first packet",
        y_axis: "relative sequence number (bytes)",
        data: "data segment",
        retransmission: "sent again",
        ack: "ACK",
        window: "ACK + window",
        no_data: "No TCP connection carried data in this run, so there is nothing to plot.",
        window_above: "the receive window's edge is off the top: up to {bytes} above the ACK line",
        how_to_read: "Each bar is one segment's bytes; the green line is what the receiver has acknowledged; the gold line is the edge of its receive window, which the sender may not cross.",
        segments_left_out: "segments after the first {count} are not plotted",
        stream: "TCP stream",
    };
    static ZH_CN: Words = Words {
        title: "时间-序号图",
        x_axis: "从连接的第一个包起的时间",
        y_axis: "相对序号（字节）",
        data: "数据段",
        retransmission: "重传",
        ack: "ACK",
        window: "ACK + 窗口",
        no_data: "本次运行中没有 TCP 连接传输数据，所以没有可画的内容。",
        window_above: "接收窗口的边缘在图的上方：比 ACK 线最多高 {bytes}",
        how_to_read: "每根竖条是一个段的字节；绿线是接收方已确认的位置；金色线是它的接收窗口边缘，发送方不能越过。",
        segments_left_out: "第 {count} 个之后的段没有画出",
        stream: "TCP 流",
    };
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

/// The connection to plot: the one with the most payload bytes, and the direction that carried more.
fn busiest(segments: &[Segment]) -> Option<(u32, Role)> {
    // Payload bytes (client, server) per flow index; ordered, so a tie goes to the first connection.
    let mut totals: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for segment in segments {
        let entry = totals.entry(segment.flow).or_default();
        let bytes = u64::from(segment.len);
        match segment.from {
            Role::Client => entry.0 = entry.0.saturating_add(bytes),
            Role::Server => entry.1 = entry.1.saturating_add(bytes),
        }
    }
    let mut best: Option<(u32, u64, u64)> = None;
    for (flow, (client, server)) in totals {
        let total = client.saturating_add(server);
        if best.is_none_or(|(_, c, s)| total > c.saturating_add(s)) {
            best = Some((flow, client, server));
        }
    }
    let (flow, client, server) = best?;
    if client.saturating_add(server) == 0 {
        return None;
    }
    Some((
        flow,
        if server > client {
            Role::Server
        } else {
            Role::Client
        },
    ))
}

/// Relative sequence numbers as 64-bit, so a transfer past 4 GiB keeps climbing instead of wrapping.
#[derive(Default)]
struct Unwrap {
    last: Option<u64>,
}

impl Unwrap {
    fn next(&mut self, value: u32) -> u64 {
        let unwrapped = match self.last {
            None => u64::from(value),
            Some(last) => {
                let delta = value.wrapping_sub(last as u32) as i32;
                last.saturating_add_signed(i64::from(delta))
            }
        };
        self.last = Some(unwrapped);
        unwrapped
    }
}

/// One segment of the plotted direction.
struct DataPoint {
    time: i64,
    start: u64,
    end: u64,
    syn: bool,
    fin: bool,
    rst: bool,
    again: bool,
}

/// One acknowledgement from the other side.
struct AckPoint {
    time: i64,
    ack: u64,
    edge: u64,
}

/// A tick spacing of 1, 2 or 5 × 10ⁿ giving about `target` ticks over `span`.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = (span / target).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Bytes for an axis: "0", "1500", "64 kB", "1.5 MB".
fn bytes_label(value: f64) -> String {
    if value >= 1e6 {
        format!("{} MB", trim(value / 1e6))
    } else if value >= 1e4 {
        format!("{} kB", trim(value / 1e3))
    } else {
        format!("{}", value.round() as i64)
    }
}

fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// (unit name, nanoseconds per unit) for a time span.
fn time_unit(span_ns: f64) -> (&'static str, f64) {
    if span_ns < 2e6 {
        ("µs", 1e3)
    } else if span_ns < 2e9 {
        ("ms", 1e6)
    } else {
        ("s", 1e9)
    }
}

/// Writes the graph.
pub fn write_stevens(svg: &mut String, scene: &Scene) {
    let lang = scene.lang;
    let words = words(lang);
    let labels = scene.labels();
    let mut body = String::with_capacity(16 * 1024);
    let out = &mut body;

    let plotted = busiest(&scene.segments);
    let flow_info: Option<&FlowInfo> =
        plotted.and_then(|(flow, _)| scene.tcp_flows.iter().find(|info| info.id.index == flow));
    let heading = match (plotted, flow_info) {
        (Some((flow, direction)), Some(info)) => {
            let (sender, receiver) = (info.endpoint(direction), info.endpoint(direction.peer()));
            let (sender_role, receiver_role) = match direction {
                Role::Client => (labels.client, labels.server),
                Role::Server => (labels.server, labels.client),
            };
            format!(
                "{}{}{sender_role} {sender} → {receiver_role} {receiver}{}{} {flow}{}",
                words.title, labels.colon, labels.paren_open, words.stream, labels.paren_close
            )
        }
        (Some((flow, _)), None) => {
            format!("{}{}{} {flow}", words.title, labels.colon, words.stream)
        }
        (None, _) => words.title.to_string(),
    };
    let _ = writeln!(
        out,
        r#"<text class="sl-title" x="16" y="28" font-size="16" font-weight="bold">{}</text>"#,
        Escaped(&heading)
    );
    let _ = writeln!(
        out,
        r##"<text class="sl-subtitle" x="16" y="48" font-size="11.5" fill="#444">{}</text>"##,
        Escaped(scene.title())
    );

    let Some((flow, direction)) = plotted else {
        let _ = writeln!(
            out,
            r##"<text class="sl-empty" x="{}" y="{}" font-size="14" text-anchor="middle" fill="#555">{}</text>"##,
            Num(WIDTH / 2.0),
            Num(HEIGHT / 2.0),
            Escaped(words.no_data)
        );
        finish(svg, scene, &body);
        return;
    };

    // The plotted direction's segments and the other side's acknowledgements.
    let mut data = Vec::new();
    let mut acks = Vec::new();
    let mut data_seq = Unwrap::default();
    let mut ack_seq = Unwrap::default();
    let mut origin: Option<i64> = None;
    let mut highest_end = 0u64;
    for segment in scene.segments.iter().filter(|segment| segment.flow == flow) {
        let time = segment
            .time_ns
            .saturating_sub(*origin.get_or_insert(segment.time_ns));
        if segment.from == direction {
            let start = data_seq.next(segment.seq);
            let end = start.saturating_add(u64::from(segment.len));
            let again = segment.len > 0 && end <= highest_end;
            highest_end = highest_end.max(end);
            if segment.len > 0 || segment.syn || segment.fin || segment.rst {
                data.push(DataPoint {
                    time,
                    start,
                    end,
                    syn: segment.syn,
                    fin: segment.fin,
                    rst: segment.rst,
                    again,
                });
            }
        } else if let Some(ack) = segment.ack {
            let ack = ack_seq.next(ack);
            acks.push(AckPoint {
                time,
                ack,
                edge: ack.saturating_add(u64::from(segment.window.unwrap_or(0))),
            });
        }
    }

    // Scales.
    let last_time = data
        .iter()
        .map(|point| point.time)
        .chain(acks.iter().map(|point| point.time))
        .max()
        .unwrap_or(0)
        .max(1);
    let data_top = data
        .iter()
        .map(|point| point.end)
        .chain(acks.iter().map(|point| point.ack))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let edge_top = acks.iter().map(|point| point.edge).max().unwrap_or(0) as f64;
    let window_fits = edge_top <= data_top * WINDOW_SCALE_LIMIT;
    let y_top = if window_fits {
        data_top.max(edge_top)
    } else {
        data_top
    } * 1.06;
    let x_of = |time: i64| PLOT_LEFT + time as f64 / last_time as f64 * (PLOT_RIGHT - PLOT_LEFT);
    let y_of = |seq: u64| PLOT_BOTTOM - (seq as f64 / y_top).min(1.0) * (PLOT_BOTTOM - PLOT_TOP);

    // Grid, ticks and axis names.
    let (unit, per_unit) = time_unit(last_time as f64);
    let time_step = nice_step(last_time as f64 / per_unit, 8.0);
    let mut tick = 0.0;
    while tick * per_unit <= last_time as f64 * 1.0001 {
        let x = x_of((tick * per_unit) as i64);
        let _ = writeln!(
            out,
            r##"<line class="sl-grid" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#e6e6e6"/><text class="sl-tick" x="{x}" y="{}" font-size="10.5" text-anchor="middle" fill="#555">{}</text>"##,
            Num(PLOT_TOP),
            Num(PLOT_BOTTOM),
            Num(PLOT_BOTTOM + 16.0),
            trim(tick),
            x = Num(x),
        );
        tick += time_step;
    }
    let seq_step = nice_step(y_top, 8.0);
    let mut tick = 0.0;
    while tick <= y_top {
        let y = y_of(tick as u64);
        let _ = writeln!(
            out,
            r##"<line class="sl-grid" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#e6e6e6"/><text class="sl-tick" x="{}" y="{}" font-size="10.5" text-anchor="end" fill="#555">{}</text>"##,
            Num(PLOT_LEFT),
            Num(PLOT_RIGHT),
            Num(PLOT_LEFT - 6.0),
            Num(y_of(tick as u64) + 3.5),
            Escaped(&bytes_label(tick)),
            y = Num(y),
        );
        tick += seq_step;
    }
    let _ = writeln!(
        out,
        r##"<rect class="sl-plot" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888"/>"##,
        Num(PLOT_LEFT),
        Num(PLOT_TOP),
        Num(PLOT_RIGHT - PLOT_LEFT),
        Num(PLOT_BOTTOM - PLOT_TOP)
    );
    let _ = writeln!(
        out,
        r##"<text class="sl-axis" x="{}" y="{}" font-size="11.5" text-anchor="middle" fill="#333">{} ({unit})</text>"##,
        Num((PLOT_LEFT + PLOT_RIGHT) / 2.0),
        Num(PLOT_BOTTOM + 38.0),
        Escaped(words.x_axis)
    );
    let _ = writeln!(
        out,
        r##"<text class="sl-axis" x="18" y="{}" font-size="11.5" text-anchor="middle" fill="#333" transform="rotate(-90 18 {})">{}</text>"##,
        Num((PLOT_TOP + PLOT_BOTTOM) / 2.0),
        Num((PLOT_TOP + PLOT_BOTTOM) / 2.0),
        Escaped(words.y_axis)
    );

    // The window line, then the ACK line, then the data on top.
    if !acks.is_empty() {
        let edge_at = |point: &AckPoint| {
            if window_fits {
                y_of(point.edge)
            } else {
                // Off the scale: pinned to the top, where the note explains it.
                y_of(point.edge).max(PLOT_TOP)
            }
        };
        let window = step_path(&acks, x_of, edge_at, x_of(last_time));
        let _ = writeln!(
            out,
            r#"<path class="sl-window" d="{window}" fill="none" stroke="{WINDOW_COLOR}" stroke-width="1.6"/>"#
        );
        let ack = step_path(&acks, x_of, |point| y_of(point.ack), x_of(last_time));
        let _ = writeln!(
            out,
            r#"<path class="sl-ack" d="{ack}" fill="none" stroke="{ACK_COLOR}" stroke-width="1.6"/>"#
        );
    }
    draw_segments(out, &data, x_of, y_of);
    if !window_fits {
        let above = edge_top - data_top;
        let note = words.window_above.replace("{bytes}", &bytes_label(above));
        let _ = writeln!(
            out,
            r#"<text class="sl-window-note" x="{}" y="{}" font-size="10.5" text-anchor="end" fill="{WINDOW_COLOR}">↑ {}</text>"#,
            Num(PLOT_RIGHT - 4.0),
            Num(PLOT_TOP + 13.0),
            Escaped(&note)
        );
    }

    // Legend and how to read it.
    let mut x = 16.0;
    let legend_y = 74.0;
    let _ = write!(out, r#"<g class="sl-legend">"#);
    for (color, name, kind) in [
        (DATA_COLOR, words.data, "bar"),
        (RETRANSMISSION_COLOR, words.retransmission, "bar"),
        (ACK_COLOR, words.ack, "line"),
        (WINDOW_COLOR, words.window, "line"),
    ] {
        if kind == "bar" {
            let _ = write!(
                out,
                r#"<path d="M{} {}v-12m-3 0h6m-6 12h6" stroke="{color}" stroke-width="1.5"/>"#,
                Num(x + 3.0),
                Num(legend_y + 2.0)
            );
        } else {
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="2"/>"#,
                Num(x - 2.0),
                Num(legend_y - 4.0),
                Num(x + 14.0),
                Num(legend_y - 4.0)
            );
        }
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="11" fill="{color}">{}</text>"#,
            Num(x + 18.0),
            Num(legend_y),
            Escaped(name)
        );
        x += 34.0 + text_width(name, 11.0);
    }
    let _ = writeln!(out, "</g>");
    let columns = ((WIDTH - 32.0) / (10.5 * 0.6)) as usize;
    for (index, line) in wrap(words.how_to_read, columns).enumerate() {
        let _ = writeln!(
            out,
            r##"<text class="sl-how-to-read" x="16" y="{}" font-size="10.5" fill="#555">{}</text>"##,
            Num(PLOT_BOTTOM + 62.0 + 14.0 * index as f64),
            Escaped(line)
        );
    }
    if scene.segments_left_out > 0 {
        let note = words
            .segments_left_out
            .replace("{count}", &super::scene::MAX_SEGMENTS.to_string());
        let _ = writeln!(
            out,
            r##"<text class="sl-left-out" x="{}" y="28" font-size="10.5" text-anchor="end" fill="#b71c1c">{} {}</text>"##,
            Num(PLOT_RIGHT),
            scene.segments_left_out,
            Escaped(&note)
        );
    }
    finish(svg, scene, &body);
}

/// A step line through the points: flat until the next point's time, then up (or down) to its value.
/// Points in the same pixel column collapse into one vertical move.
fn step_path(
    points: &[AckPoint],
    x_of: impl Fn(i64) -> f64,
    y_of: impl Fn(&AckPoint) -> f64,
    end_x: f64,
) -> String {
    let mut path = String::new();
    let mut column = f64::NAN;
    let mut pending: Option<f64> = None;
    for point in points {
        let (x, y) = (x_of(point.time), y_of(point));
        if path.is_empty() {
            let _ = write!(path, "M{} {}", Num(x), Num(y));
            column = x.round();
        } else if x.round() != column {
            if let Some(y) = pending.take() {
                let _ = write!(path, "V{}", Num(y));
            }
            let _ = write!(path, "H{}", Num(x));
            column = x.round();
            pending = Some(y);
        } else {
            pending = Some(y);
        }
    }
    if let Some(y) = pending {
        let _ = write!(path, "V{}", Num(y));
    }
    let _ = write!(path, "H{}", Num(end_x));
    path
}

/// The data bars (I-beams), merged per pixel column and colour, and the SYN/FIN/RST letters.
fn draw_segments(
    out: &mut String,
    data: &[DataPoint],
    x_of: impl Fn(i64) -> f64,
    y_of: impl Fn(u64) -> f64,
) {
    let mut bars = [String::new(), String::new()];
    // (column, retransmission?, lowest start, highest end) of the bar being merged.
    let mut current: Option<(f64, bool, u64, u64)> = None;
    let flush = |bars: &mut [String; 2], (x, again, start, end): (f64, bool, u64, u64)| {
        let (top, bottom) = (y_of(end), y_of(start));
        let _ = write!(
            bars[again as usize],
            "M{x} {b}V{t}M{l} {t}H{r}M{l} {b}H{r}",
            x = Num(x),
            t = Num(top),
            b = Num(bottom),
            l = Num(x - 2.5),
            r = Num(x + 2.5)
        );
    };
    for point in data.iter().filter(|point| point.end > point.start) {
        let x = x_of(point.time).round();
        match current {
            Some((column, again, start, end)) if column == x && again == point.again => {
                current = Some((column, again, start.min(point.start), end.max(point.end)));
            }
            _ => {
                if let Some(bar) = current {
                    flush(&mut bars, bar);
                }
                current = Some((x, point.again, point.start, point.end));
            }
        }
    }
    if let Some(bar) = current {
        flush(&mut bars, bar);
    }
    for (path, color, class) in [
        (&bars[0], DATA_COLOR, "sl-data"),
        (&bars[1], RETRANSMISSION_COLOR, "sl-retransmission"),
    ] {
        if !path.is_empty() {
            let _ = writeln!(
                out,
                r#"<path class="{class}" d="{path}" fill="none" stroke="{color}" stroke-width="1.3"/>"#
            );
        }
    }
    for point in data {
        let letter = if point.syn {
            "SYN"
        } else if point.fin {
            "FIN"
        } else if point.rst {
            "RST"
        } else {
            continue;
        };
        let (x, y) = (x_of(point.time), y_of(point.start));
        let _ = writeln!(
            out,
            r##"<g class="sl-flag"><circle cx="{}" cy="{}" r="2.5" fill="#333"/><text x="{}" y="{}" font-size="10" fill="#333">{letter}</text></g>"##,
            Num(x),
            Num(y),
            Num(x + 4.0),
            Num(y - 4.0)
        );
    }
}

fn finish(svg: &mut String, scene: &Scene, body: &str) {
    svg.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="socklab-stevens" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{}" xml:lang="{}" role="img">"#,
        Escaped(FONT_SANS),
        scene.lang.code(),
        w = Num(WIDTH),
        h = Num(HEIGHT),
    );
    let _ = writeln!(svg, "<title>{}</title>", Escaped(scene.title()));
    let _ = writeln!(
        svg,
        "<style>.socklab-stevens .sl-tick{{font-family:{FONT_MONO}}}</style>"
    );
    let _ = writeln!(
        svg,
        r##"<rect class="sl-background" width="100%" height="100%" fill="#ffffff"/>"##
    );
    svg.push_str(body);
    svg.push_str("</svg>\n");
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::scene::test_scenes;
    use super::*;
    use crate::capture::CaptureStats;
    use crate::decode::TcpFlags;
    use crate::render::RunInfo;

    fn graph(scene: &Scene) -> String {
        let mut out = Vec::new();
        StevensGraph.draw(scene, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A bulk transfer in slow start: rounds of 1, 2, 4, 8 segments of 1000 B, each round acknowledged,
    /// with a receive window of 16 kB, and one segment sent twice.
    fn bulk() -> Scene {
        let mut scene = Scene::new(true);
        scene.record_begin(&RunInfo {
            title: "bulk".to_string(),
            description: None,
            lang: Lang::En,
            source: "test".to_string(),
        });
        let flow = fixtures::tcp_flow();
        let payload: &'static [u8] = &[b'x'; 1000];
        let mut number = 0;
        let mut time = 0;
        let mut seq = 1u32;
        let mut send = |scene: &mut Scene, from: Role, seq: u32, ack: u32, len: bool, time: i64| {
            number += 1;
            let packet = fixtures::tcp(
                number,
                time,
                from,
                TcpFlags::ACK,
                if len { payload } else { b"" },
            );
            let mut verdict = fixtures::verdict(from, seq, Some(ack), seq);
            verdict.scaled_window = Some(16_000);
            verdict.new_flow = number == 1;
            scene.record_packet(&packet, &verdict, Some(&flow));
        };
        for round in 0..4 {
            for _ in 0..(1 << round) {
                time += 10_000;
                send(&mut scene, Role::Client, seq, 1, true, time);
                seq += 1000;
            }
            time += 200_000;
            send(&mut scene, Role::Server, 1, seq, false, time);
        }
        // The third segment again.
        time += 50_000;
        send(&mut scene, Role::Client, 2001, 1, true, time);
        scene.record_finish(&Default::default(), &CaptureStats::default());
        scene
    }

    fn parse(text: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(text).unwrap_or_else(|error| panic!("{error}\n{text}"))
    }

    fn class<'a, 'i>(
        document: &'a roxmltree::Document<'i>,
        name: &str,
    ) -> Vec<roxmltree::Node<'a, 'i>> {
        document
            .descendants()
            .filter(|node| node.attribute("class") == Some(name))
            .collect()
    }

    #[test]
    fn a_bulk_transfer_plots_bars_an_ack_line_and_a_window_line() {
        let text = graph(&bulk());
        let document = parse(&text);
        let data = class(&document, "sl-data")[0].attribute("d").unwrap();
        // One bar (one "V") per original segment: 1 + 2 + 4 + 8.
        assert_eq!(data.matches('V').count(), 15, "{data}");
        let again = class(&document, "sl-retransmission")[0]
            .attribute("d")
            .unwrap();
        assert_eq!(again.matches('V').count(), 1);
        let ack = class(&document, "sl-ack")[0].attribute("d").unwrap();
        // The first acknowledgement starts the line, each later one steps it up.
        assert!(ack.starts_with('M'), "{ack}");
        assert_eq!(ack.matches('V').count(), 3, "{ack}");
        assert_eq!(class(&document, "sl-window").len(), 1);
        // The window (16 kB ahead of 15 kB acknowledged) is drawn to scale.
        assert!(class(&document, "sl-window-note").is_empty());
        assert!(text.contains("client 127.0.0.1:43210 → server 127.0.0.1:5000"));
    }

    #[test]
    fn a_window_far_above_the_data_is_pinned_to_the_top_and_explained() {
        let scene = test_scenes::echo(Lang::En, true);
        let text = graph(&scene);
        let document = parse(&text);
        let note = class(&document, "sl-window-note");
        assert_eq!(note.len(), 1, "{text}");
        assert!(note[0].text().unwrap().contains("off the top"));
        // The echo's two directions carry 5 bytes each: the client's is plotted.
        assert!(text.contains("client 127.0.0.1:43210 → server"));
        assert_eq!(class(&document, "sl-flag").len(), 2, "SYN and FIN");
    }

    #[test]
    fn without_tcp_data_the_graph_says_so() {
        let text = graph(&test_scenes::udp_refused(Lang::ZhCn));
        let document = parse(&text);
        assert_eq!(
            class(&document, "sl-empty")[0].text().unwrap(),
            words(Lang::ZhCn).no_data
        );
    }

    #[test]
    fn the_busiest_connection_and_its_sending_side_are_chosen() {
        let segment = |flow, from, len| Segment {
            flow,
            time_ns: 0,
            from,
            seq: 1,
            len,
            syn: false,
            fin: false,
            rst: false,
            ack: None,
            window: None,
        };
        let segments = [
            segment(0, Role::Client, 100),
            segment(1, Role::Client, 10),
            segment(1, Role::Server, 500),
        ];
        assert_eq!(busiest(&segments), Some((1, Role::Server)));
        assert_eq!(busiest(&[segment(0, Role::Client, 0)]), None);
        assert_eq!(busiest(&[]), None);
    }

    #[test]
    fn sequence_numbers_past_four_gigabytes_keep_climbing() {
        let mut unwrap = Unwrap::default();
        assert_eq!(unwrap.next(4_294_967_000), 4_294_967_000);
        assert_eq!(unwrap.next(200), 4_294_967_496);
        // A late segment from just before the wrap stays before it.
        assert_eq!(unwrap.next(4_294_967_100), 4_294_967_100);
    }

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(nice_step(100.0, 10.0), 10.0);
        assert_eq!(nice_step(73.0, 8.0), 10.0);
        assert_eq!(nice_step(15.0, 8.0), 2.0);
        assert_eq!(bytes_label(1500.0), "1500");
        assert_eq!(bytes_label(64_000.0), "64 kB");
        assert_eq!(bytes_label(1_500_000.0), "1.5 MB");
        assert_eq!(time_unit(500_000.0).0, "µs");
        assert_eq!(time_unit(50_000_000.0).0, "ms");
        assert_eq!(time_unit(5e9).0, "s");
    }
}
