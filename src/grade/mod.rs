//! Grading student socket programs on what actually crossed the wire.
//!
//! An [`Exercise`] (lessons/exercises/*.toml) names the role socklab plays, how the submission learns its
//! port, and the criteria. A live run starts the submission in a private network namespace as an
//! unprivileged user, plays the peer, and captures `lo`; the capture (live or a student's own file) is
//! analysed by the same pipeline as `run` and `replay`, and every criterion is a check on that analysis.

mod bytes_text;
mod catalog;
mod criterion;
mod evaluate;
mod exercise;
mod localized;
mod location;
mod step;
mod stream;
mod subject;
#[cfg(test)]
mod test_frames;
mod wire;

pub use criterion::{Check, CountRange, Criterion, Matcher, Side};
pub use evaluate::{evaluate, CheckOutcome};
pub use exercise::{
    Exercise, ExerciseError, PeerKind, PeerSpec, PortPassing, Prepare, SubmissionSpec,
};
pub use localized::Localized;
pub use location::FileError;
pub use step::{RecvUntil, Step};
pub use subject::Subject;
pub use wire::{Wire, WireKind, WirePacket};

/// The names of the exercises built into socklab.
pub fn builtin_exercises() -> Vec<&'static str> {
    catalog::names()
}
