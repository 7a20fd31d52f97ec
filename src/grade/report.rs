//! The result of grading one submission, as data: what every renderer (terminal, JSON, Gradescope, JUnit)
//! is written from.

use super::diagnosis::Diagnosis;
use super::live_run::RunFacts;
use crate::lang::Lang;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct GradeReport {
    /// The exercise's name ("tcp-client").
    pub exercise: String,
    pub title: String,
    pub lang: Lang,
    /// Where the packets came from: a live run, or a capture file.
    pub source: String,
    pub score: u32,
    pub max_score: u32,
    pub criteria: Vec<CriterionResult>,
    /// Common bugs recognised on the wire.
    pub diagnoses: Vec<Diagnosis>,
    /// Present for live runs.
    pub run: Option<RunFacts>,
    /// Frames analysed.
    pub packets: u64,
    /// The ladder diagram of the run, as the terminal report shows it (not serialized).
    #[serde(skip)]
    pub ladder: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CriterionResult {
    pub name: String,
    /// The check's name in the exercise file ("payload").
    pub check: &'static str,
    pub passed: bool,
    pub points: u32,
    pub max_points: u32,
    pub expected: String,
    pub got: String,
    /// Frame numbers that show the result.
    pub packets: Vec<u64>,
    /// The fix to try; only for a failed criterion.
    pub hint: Option<String>,
}

impl GradeReport {
    pub fn full_marks(&self) -> bool {
        self.score == self.max_score
    }

    /// The diagnoses that share a packet with a criterion, to show next to it.
    pub fn diagnoses_for<'a>(
        &'a self,
        criterion: &'a CriterionResult,
    ) -> impl Iterator<Item = &'a Diagnosis> {
        self.diagnoses.iter().filter(move |diagnosis| {
            diagnosis
                .packets
                .iter()
                .any(|packet| criterion.packets.contains(packet))
        })
    }
}
