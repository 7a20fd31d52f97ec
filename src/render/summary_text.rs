//! The end of a ladder: bytes per protocol (headers against payload), each conversation's story in brief,
//! and whether the capture is complete.

use super::color::{Palette, Tone};
use super::describe::{overhead_tenths, FlowName};
use super::labels::Labels;
use super::text::{self, push_decimal, spaces, wrap};
use crate::analysis::{
    FlowProtocol, FlowSummary, ProtocolTotals, Role, Summary, TcpState, UnlistedFlows,
};
use crate::capture::CaptureStats;
use crate::lang::Lang;
use std::fmt::{self, Write as _};
use std::io::{self, Write};

const INDENT: usize = 2;
/// The protocol names' column.
const NAME_COLUMN: usize = 10;
/// Numeric columns are at least this wide, plus a gap.
const NUMBER_COLUMN: usize = 7;
const GAP: usize = 2;

pub(crate) fn write_summary<W: Write + ?Sized>(
    out: &mut W,
    palette: Palette,
    labels: &Labels,
    width: usize,
    summary: &Summary,
    stats: &CaptureStats,
    scratch: &mut String,
) -> io::Result<()> {
    let mut section = Section {
        out,
        palette,
        labels,
        width,
        scratch,
        key_width: key_column(),
    };
    section.protocols(summary)?;
    section.flows(&summary.flows)?;
    if !summary.unlisted.is_empty() {
        section.unlisted(&summary.unlisted)?;
    }
    section.capture(stats, summary.protocols.undecodable)
}

struct Section<'a, W: Write + ?Sized> {
    out: &'a mut W,
    palette: Palette,
    labels: &'a Labels,
    width: usize,
    scratch: &'a mut String,
    /// The keys' column of a conversation's lines, measured once: one line per field of every flow.
    key_width: usize,
}

/// Column headings of the protocol table, as a function so widths can be measured in every language.
fn headings(labels: &Labels) -> [&'static str; 6] {
    [
        labels.packets,
        labels.link_header,
        labels.ip_header,
        labels.transport_header,
        labels.payload,
        labels.header_overhead,
    ]
}

/// Widths of the numeric columns: the same in every language, so tables line up when switching.
fn number_widths() -> [usize; 6] {
    let english = headings(Labels::get(Lang::En));
    let chinese = headings(Labels::get(Lang::ZhCn));
    let mut widths = [0; 6];
    for (index, width) in widths.iter_mut().enumerate() {
        *width = text::width(english[index])
            .max(text::width(chinese[index]))
            .max(NUMBER_COLUMN)
            + GAP;
    }
    widths
}

/// Headers as a share of all bytes, "97.1%", or "-" when nothing was counted.
struct Overhead<'a>(&'a ProtocolTotals);

impl fmt::Display for Overhead<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match overhead_tenths(self.0) {
            Some(tenths) => write!(f, "{}.{}%", tenths / 10, tenths % 10),
            None => f.write_str("-"),
        }
    }
}

fn add(sum: &mut ProtocolTotals, totals: &ProtocolTotals) {
    sum.packets = sum.packets.saturating_add(totals.packets);
    sum.link_header_bytes = sum
        .link_header_bytes
        .saturating_add(totals.link_header_bytes);
    sum.ip_header_bytes = sum.ip_header_bytes.saturating_add(totals.ip_header_bytes);
    sum.transport_header_bytes = sum
        .transport_header_bytes
        .saturating_add(totals.transport_header_bytes);
    sum.payload_bytes = sum.payload_bytes.saturating_add(totals.payload_bytes);
}

impl<W: Write + ?Sized> Section<'_, W> {
    fn fill(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
        self.scratch.clear();
        self.scratch
            .write_fmt(args)
            .map_err(|_| io::Error::other("a value could not be formatted"))
    }

    fn heading(&mut self, title: &str) -> io::Result<()> {
        self.out.write_all(b"\n")?;
        self.palette.paint(self.out, Tone::Heading, title)?;
        self.out.write_all(b"\n")
    }

    /// Writes the scratch text wrapped, the first line at `first_indent` and the rest at `indent`.
    fn wrapped(&mut self, tone: Tone, first_indent: usize, indent: usize) -> io::Result<()> {
        let mut lines = wrap(self.scratch, self.width.saturating_sub(indent));
        if let Some(first) = lines.next() {
            spaces(self.out, first_indent)?;
            self.palette.paint(self.out, tone, first)?;
            self.out.write_all(b"\n")?;
        }
        for line in lines {
            spaces(self.out, indent)?;
            self.palette.paint(self.out, tone, line)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Writes the scratch text right-aligned in a column `width` wide.
    fn right_aligned(&mut self, width: usize) -> io::Result<()> {
        spaces(self.out, width.saturating_sub(text::width(self.scratch)))?;
        self.out.write_all(self.scratch.as_bytes())
    }

    fn protocols(&mut self, summary: &Summary) -> io::Result<()> {
        let labels = self.labels;
        self.heading(labels.summary)?;
        let widths = number_widths();

        spaces(self.out, INDENT)?;
        self.palette.start(self.out, Tone::Detail)?;
        self.out.write_all(labels.protocol.as_bytes())?;
        spaces(
            self.out,
            NAME_COLUMN.saturating_sub(text::width(labels.protocol)),
        )?;
        for (heading, width) in headings(labels).into_iter().zip(widths) {
            spaces(self.out, width.saturating_sub(text::width(heading)))?;
            self.out.write_all(heading.as_bytes())?;
        }
        self.palette.end(self.out, Tone::Detail)?;
        self.out.write_all(b"\n")?;

        let protocols = &summary.protocols;
        let rows = [
            ("TCP", &protocols.tcp),
            ("UDP", &protocols.udp),
            ("ICMP", &protocols.icmp),
            (labels.other, &protocols.other),
        ];
        let mut total = ProtocolTotals::default();
        for (name, totals) in rows {
            if totals.packets > 0 {
                self.protocol_row(name, totals, &widths)?;
                add(&mut total, totals);
            }
        }
        self.protocol_row(labels.total, &total, &widths)?;
        self.fill(format_args!("{}", labels.bytes_note))?;
        self.wrapped(Tone::Detail, INDENT, INDENT)
    }

    fn protocol_row(
        &mut self,
        name: &str,
        totals: &ProtocolTotals,
        widths: &[usize; 6],
    ) -> io::Result<()> {
        spaces(self.out, INDENT)?;
        self.out.write_all(name.as_bytes())?;
        spaces(self.out, NAME_COLUMN.saturating_sub(text::width(name)))?;
        let numbers = [
            totals.packets,
            totals.link_header_bytes,
            totals.ip_header_bytes,
            totals.transport_header_bytes,
            totals.payload_bytes,
        ];
        for (number, width) in numbers.into_iter().zip(widths) {
            self.fill(format_args!("{number}"))?;
            self.right_aligned(*width)?;
        }
        self.fill(format_args!("{}", Overhead(totals)))?;
        self.right_aligned(widths[5])?;
        self.out.write_all(b"\n")
    }

    fn flows(&mut self, flows: &[FlowSummary]) -> io::Result<()> {
        let labels = self.labels;
        self.heading(labels.flows)?;
        if flows.is_empty() {
            self.fill(format_args!("{}", labels.no_flows))?;
            return self.wrapped(Tone::Plain, INDENT, INDENT);
        }
        for flow in flows {
            self.fill(format_args!(
                "{}",
                FlowName {
                    id: flow.info.id,
                    labels
                }
            ))?;
            self.wrapped(Tone::Heading, INDENT, INDENT)?;
            self.flow(flow)?;
        }
        Ok(())
    }

    /// The conversations beyond the listed ones, in one block of totals.
    fn unlisted(&mut self, unlisted: &UnlistedFlows) -> io::Result<()> {
        let labels = self.labels;
        self.fill(format_args!(
            "{} {}{}TCP {}{}UDP {}{}",
            unlisted.flows(),
            labels.unlisted_flows,
            labels.paren_open,
            unlisted.tcp,
            labels.list_sep,
            unlisted.udp,
            labels.paren_close
        ))?;
        self.wrapped(Tone::Heading, INDENT, INDENT)?;
        self.field(labels.packets, format_args!("{}", unlisted.packets))?;
        if unlisted.tcp > 0 {
            self.field(
                labels.handshake,
                format_args!("{} {}", unlisted.handshakes_complete, labels.complete),
            )?;
            self.field(
                labels.close,
                format_args!("{} {}", unlisted.closed_cleanly, labels.closed_cleanly),
            )?;
        }
        self.field(
            labels.bytes,
            format_args!(
                "{client} → {server} {} B{}{server} → {client} {} B",
                unlisted.client_payload_bytes,
                labels.list_sep,
                unlisted.server_payload_bytes,
                client = labels.client,
                server = labels.server,
            ),
        )
    }

    /// One "key  value" line of a conversation, the value wrapped under itself.
    fn field(&mut self, key: &str, args: fmt::Arguments<'_>) -> io::Result<()> {
        self.fill(args)?;
        self.field_from_scratch(key)
    }

    /// [`Section::field`] with the value already in the scratch text.
    fn field_from_scratch(&mut self, key: &str) -> io::Result<()> {
        spaces(self.out, 2 * INDENT)?;
        self.palette.paint(self.out, Tone::Detail, key)?;
        spaces(self.out, self.key_width.saturating_sub(text::width(key)))?;
        self.wrapped(Tone::Plain, 0, 2 * INDENT + self.key_width)
    }

    /// Replaces the scratch text with `pieces` in order.
    fn fill_pieces(&mut self, pieces: &[&str]) {
        self.scratch.clear();
        for piece in pieces {
            self.scratch.push_str(piece);
        }
    }

    /// A conversation's lines. One is written per listed flow (up to 10,000), so the values are put
    /// together piece by piece rather than through `core::fmt`.
    fn flow(&mut self, flow: &FlowSummary) -> io::Result<()> {
        let labels = self.labels;
        if !flow.history.is_empty() {
            self.fill_pieces(&[
                &flow.history,
                labels.paren_open,
                labels.history_note,
                labels.paren_close,
            ]);
            self.field_from_scratch(labels.history)?;
        }
        self.scratch.clear();
        push_decimal(self.scratch, flow.packets);
        self.field_from_scratch(labels.packets)?;
        if flow.info.id.protocol == FlowProtocol::Tcp {
            self.scratch.clear();
            push_state_chain(self.scratch, &flow.client_states);
            self.field_from_scratch(labels.client_states)?;
            self.scratch.clear();
            push_state_chain(self.scratch, &flow.server_states);
            self.field_from_scratch(labels.server_states)?;
            let handshake = if flow.handshake_complete {
                labels.complete
            } else {
                labels.incomplete
            };
            self.fill_pieces(&[handshake]);
            self.field_from_scratch(labels.handshake)?;
            let clean = if flow.closed_cleanly {
                labels.closed_cleanly
            } else {
                labels.not_closed_cleanly
            };
            let closer = match flow.active_closer {
                Some(Role::Client) => Some(labels.client_closed_first),
                Some(Role::Server) => Some(labels.server_closed_first),
                None => None,
            };
            match closer {
                Some(closer) => self.fill_pieces(&[clean, labels.clause_sep, closer]),
                None => self.fill_pieces(&[clean]),
            }
            self.field_from_scratch(labels.close)?;
        }
        // "client → server 5 B, server → client 7 B"
        self.fill_pieces(&[labels.client, " → ", labels.server, " "]);
        push_decimal(self.scratch, flow.client_payload_bytes);
        for piece in [
            " B",
            labels.list_sep,
            labels.server,
            " → ",
            labels.client,
            " ",
        ] {
            self.scratch.push_str(piece);
        }
        push_decimal(self.scratch, flow.server_payload_bytes);
        self.scratch.push_str(" B");
        self.field_from_scratch(labels.bytes)
    }

    fn capture(&mut self, stats: &CaptureStats, undecodable: u64) -> io::Result<()> {
        let labels = self.labels;
        self.heading(labels.capture)?;
        if stats.is_complete() {
            self.fill(format_args!(
                "{}{}{} {}{}{}",
                labels.capture_complete,
                labels.colon,
                stats.frames,
                labels.frames,
                labels.list_sep,
                labels.kernel_drops_none
            ))?;
            self.wrapped(Tone::Plain, INDENT, INDENT)?;
        } else {
            // Loud on purpose: everything above silently lacks the dropped packets.
            self.fill(format_args!("!! {}", labels.incomplete_warning))?;
            self.wrapped(Tone::Warning, INDENT, INDENT + 3)?;
            self.fill(format_args!(
                "!! {} {}{}{} {}{}",
                stats.kernel_drops,
                labels.kernel_dropped,
                labels.paren_open,
                stats.frames,
                labels.frames,
                labels.paren_close
            ))?;
            self.wrapped(Tone::Warning, INDENT, INDENT + 3)?;
            self.fill(format_args!("!! {}", labels.facts_missing))?;
            self.wrapped(Tone::Warning, INDENT, INDENT + 3)?;
        }
        if undecodable > 0 {
            self.fill(format_args!("{undecodable} {}", labels.undecodable_count))?;
            self.wrapped(Tone::Warning, INDENT, INDENT)?;
        }
        Ok(())
    }
}

/// The keys' column in a conversation: the widest key in any language, plus a gap.
fn key_column() -> usize {
    [Lang::En, Lang::ZhCn]
        .into_iter()
        .map(Labels::get)
        .flat_map(|labels| {
            [
                labels.history,
                labels.packets,
                labels.client_states,
                labels.server_states,
                labels.handshake,
                labels.close,
                labels.bytes,
            ]
        })
        .map(text::width)
        .max()
        .unwrap_or(0)
        + GAP
}

/// "CLOSED → SYN-SENT → ESTABLISHED", or "-" when there are none.
fn push_state_chain(text: &mut String, states: &[TcpState]) {
    for (index, state) in states.iter().enumerate() {
        if index > 0 {
            text.push_str(" → ");
        }
        text.push_str(state.name());
    }
    if states.is_empty() {
        text.push('-');
    }
}
