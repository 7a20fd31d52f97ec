//! The one-way flow every command shares: frame → decode → analysis → renderer (and, optionally, a capture file).

use crate::analysis::{Analyzer, Summary, Verdict};
use crate::capture::{CaptureStats, CaptureWriter, Frame};
use crate::decode::{self, Packet};
use crate::lang::Lang;
use crate::render::Sink;
use crate::timeline::SocketCall;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Drives frames through decoding and analysis into a [`Sink`], and copies them to a capture file if asked.
pub struct Pipeline<'a, W: Write> {
    analyzer: Analyzer,
    sink: &'a mut dyn Sink,
    writer: Option<&'a mut CaptureWriter<W>>,
    lang: Lang,
    /// Reused for pcapng packet comments, so writing a file allocates once, not per packet.
    comment: String,
}

impl<'a, W: Write> Pipeline<'a, W> {
    pub fn new(
        sink: &'a mut dyn Sink,
        writer: Option<&'a mut CaptureWriter<W>>,
        lang: Lang,
    ) -> Self {
        Pipeline {
            analyzer: Analyzer::new(),
            sink,
            writer,
            lang,
            comment: String::new(),
        }
    }

    pub fn call(&mut self, call: &SocketCall) -> io::Result<()> {
        self.sink.call(call)
    }

    pub fn frame(&mut self, frame: &Frame<'_>) -> io::Result<()> {
        match decode::decode(frame) {
            Ok(packet) => {
                let verdict = self.analyzer.process(&packet);
                let flow = verdict.flow.and_then(|id| self.analyzer.flow(id));
                self.sink.packet(&packet, &verdict, flow)?;
                if let Some(writer) = self.writer.as_deref_mut() {
                    self.comment.clear();
                    describe(&mut self.comment, &packet, &verdict, self.lang);
                    writer.write_frame(frame, Some(&self.comment))?;
                }
            }
            Err(error) => {
                self.analyzer.note_undecodable();
                self.sink.undecodable(frame, &error)?;
                if let Some(writer) = self.writer.as_deref_mut() {
                    self.comment.clear();
                    let _ = write!(self.comment, "socklab could not decode this frame: {error}");
                    writer.write_frame(frame, Some(&self.comment))?;
                }
            }
        }
        Ok(())
    }

    /// Prints the summary and returns it, so callers can judge the run.
    pub fn finish(self, stats: &CaptureStats) -> io::Result<Summary> {
        let summary = self.analyzer.summary();
        self.sink.finish(&summary, stats)?;
        Ok(summary)
    }
}

/// The explanation stored as a pcapng packet comment: every note of the packet, one per line.
fn describe(out: &mut String, _packet: &Packet<'_>, verdict: &Verdict, lang: Lang) {
    for (index, note) in verdict.notes.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{}", note.text(lang));
    }
    if let Some(states) = verdict.states {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = write!(out, "client {} / server {}", states.client, states.server);
    }
}
