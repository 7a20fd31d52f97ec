//! Turning a run into something a person or a program reads: a ladder diagram in the terminal, JSON Lines,
//! or a picture (SVG sequence diagram, HTML walkthrough, Mermaid, time-sequence graph).
//!
//! Every renderer is a [`Sink`]: the pipeline hands it socket calls, analysed packets and undecodable frames
//! in the order they happened, then the summary. Renderers write to any `io::Write` (wrap files and stdout in
//! a `BufWriter`: renderers issue many small writes and allocate nothing per packet) and take colour as a
//! parameter, never from global state.
//!
//! Pictures need the whole run before they can lay it out: [`PictureRenderer`] records it into a [`Scene`]
//! and hands that to a [`Drawing`] ([`SvgDiagram`], [`HtmlWalkthrough`], [`MermaidDiagram`],
//! [`StevensGraph`]) when the run finishes.

pub(crate) mod color;
mod describe;
#[cfg(test)]
mod fixtures;
mod html;
mod json;
mod json_writer;
mod labels;
mod ladder;
mod layers;
mod lifelines;
mod mermaid;
mod scene;
mod stable;
mod stevens;
mod summary_text;
mod svg;
pub(crate) mod text;

pub use color::ColorChoice;
pub use html::HtmlWalkthrough;
pub use json::{JsonRenderer, SCHEMA};
pub use ladder::{LadderOptions, LadderRenderer, DEFAULT_WIDTH, MIN_WIDTH};
pub use layers::LayerView;
pub use lifelines::{Lifeline, Lifelines};
pub use mermaid::MermaidDiagram;
pub use scene::{
    Drawing, Meaning, PictureRenderer, Scene, SceneEvent, ScenePacket, Segment, MAX_FLOWS,
    MAX_PACKETS, MAX_SEGMENTS,
};
pub use stable::StableNames;
pub use stevens::StevensGraph;
pub use svg::SvgDiagram;

use crate::analysis::{FlowInfo, Summary, Verdict};
use crate::capture::{CaptureStats, Frame};
use crate::decode::{DecodeError, Packet};
use crate::lang::Lang;
use crate::timeline::SocketCall;
use std::io;

/// What a run is, said once before anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunInfo {
    /// "TCP echo", "UDP to a closed port", or the capture file's name.
    pub title: String,
    /// What the scenario does, in the chosen language.
    pub description: Option<String>,
    pub lang: Lang,
    /// Where the packets come from: "live capture on lo", or a file path.
    pub source: String,
}

/// Something that consumes a run's timeline, in order: `begin`, then any mix of `call`, `packet` and
/// `undecodable`, then `finish`.
pub trait Sink {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()>;
    /// A socket call, at its place in the timeline.
    fn call(&mut self, call: &SocketCall) -> io::Result<()>;
    /// A decoded packet and what analysis made of it; `flow` describes the conversation it belongs to.
    fn packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
    ) -> io::Result<()>;
    /// A frame that could not be decoded, shown where it appeared.
    fn undecodable(&mut self, frame: &Frame<'_>, error: &DecodeError) -> io::Result<()>;
    /// Totals, completeness, and a flush of the output.
    fn finish(&mut self, summary: &Summary, stats: &CaptureStats) -> io::Result<()>;
}

/// Lets callers hand out `&mut dyn Sink` (or `&mut LadderRenderer`) where a `Sink` is expected.
impl<S: Sink + ?Sized> Sink for &mut S {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()> {
        (**self).begin(info)
    }
    fn call(&mut self, call: &SocketCall) -> io::Result<()> {
        (**self).call(call)
    }
    fn packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
    ) -> io::Result<()> {
        (**self).packet(packet, verdict, flow)
    }
    fn undecodable(&mut self, frame: &Frame<'_>, error: &DecodeError) -> io::Result<()> {
        (**self).undecodable(frame, error)
    }
    fn finish(&mut self, summary: &Summary, stats: &CaptureStats) -> io::Result<()> {
        (**self).finish(summary, stats)
    }
}

impl<S: Sink + ?Sized> Sink for Box<S> {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()> {
        (**self).begin(info)
    }
    fn call(&mut self, call: &SocketCall) -> io::Result<()> {
        (**self).call(call)
    }
    fn packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
    ) -> io::Result<()> {
        (**self).packet(packet, verdict, flow)
    }
    fn undecodable(&mut self, frame: &Frame<'_>, error: &DecodeError) -> io::Result<()> {
        (**self).undecodable(frame, error)
    }
    fn finish(&mut self, summary: &Summary, stats: &CaptureStats) -> io::Result<()> {
        (**self).finish(summary, stats)
    }
}
