//! Grading student socket programs on what actually crossed the wire.
//!
//! An [`Exercise`] (lessons/exercises/*.toml) names the role socklab plays, how the submission learns its
//! port, and the criteria. A live run starts the submission in a private network namespace as an
//! unprivileged user, plays the peer, and captures `lo`; the capture (live or a student's own file) is
//! analysed by the same pipeline as `run` and `replay`, and every criterion is a check on that analysis.

mod batch;
mod batch_summary;
mod bytes_text;
mod catalog;
mod criterion;
mod diagnosis;
mod evaluate;
mod exercise;
mod exit_watch;
mod gradescope;
mod grading;
mod in_order;
mod junit;
mod limits;
mod live_capture;
mod live_run;
mod localized;
mod location;
mod output_cap;
mod peer;
mod proc_net;
mod reaper;
mod report;
mod report_text;
mod step;
mod stream;
mod subject;
mod submission;
mod tcp_info;
#[cfg(test)]
mod test_frames;
mod wire;
mod workdir;

pub use batch::{batch, default_jobs};
pub use criterion::{Check, CountRange, Criterion, Matcher, Side};
pub use diagnosis::{diagnose, Diagnosis};
pub use evaluate::{evaluate, CheckOutcome};
pub use exercise::{
    Exercise, ExerciseError, PeerKind, PeerSpec, PortPassing, Prepare, SubmissionSpec,
};
pub use gradescope::{results as gradescope_results, to_json as gradescope_json};
pub use grading::{grade, GradeInput};
pub use junit::to_xml as junit_xml;
pub use live_run::{run_live, Ending, Files, LiveInput, LiveRun, RunError, RunFacts, NOBODY};
pub use localized::Localized;
pub use location::FileError;
pub use peer::{StepRecord, TimedCall};
pub use reaper::become_subreaper;
pub use report::{CriterionResult, GradeReport};
pub use report_text::write_text;
pub use step::{RecvUntil, Step};
pub use subject::Subject;
pub use wire::{Wire, WireKind, WirePacket};

/// The names of the exercises built into socklab.
pub fn builtin_exercises() -> Vec<&'static str> {
    catalog::names()
}
