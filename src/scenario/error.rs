//! Why a scenario could not be run, in sentences that name the scenario, the step and what was missing.

use super::Family;
use crate::capture::CaptureError;
use std::io;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("there is no scenario named {name:?}; the scenarios are: {available}")]
    UnknownScenario { name: String, available: String },

    /// The capture on `lo` could not be opened; `PermissionDenied` says how to get CAP_NET_RAW.
    #[error("{0}")]
    Capture(#[from] CaptureError),

    #[error("{scenario} over {family}, step {step:?}: {missing} never arrived within {timeout_ms} ms (expected {expected}; saw {seen})")]
    MissingPackets {
        scenario: Box<str>,
        family: Family,
        step: String,
        /// The required packets that did not come.
        missing: String,
        /// Everything the step expected.
        expected: String,
        /// This run's packets that did come while waiting.
        seen: String,
        timeout_ms: u64,
    },

    #[error("{scenario} over {family}: the {actor}'s {call} failed: {source}")]
    Socket {
        scenario: Box<str>,
        family: Family,
        actor: String,
        call: String,
        #[source]
        source: io::Error,
    },

    #[error("{scenario} over {family}: {detail}")]
    Unexpected {
        scenario: Box<str>,
        family: Family,
        detail: String,
    },

    #[error("{scenario} over {family}: gave up after {tries} tries; the last one: {last}")]
    GaveUp {
        scenario: Box<str>,
        family: Family,
        tries: u32,
        last: String,
    },
}

impl ScenarioError {
    /// True when the run failed only because this process may not capture (no root, no CAP_NET_RAW).
    pub fn is_permission_denied(&self) -> bool {
        matches!(
            self,
            ScenarioError::Capture(CaptureError::PermissionDenied { .. })
        )
    }
}
