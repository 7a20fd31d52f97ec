//! What the lesson tests share: the built-in lesson ids, and the loud skip when a run cannot get its
//! private network or capture.

use super::Outcome;

/// Exit code of `socklab` when live capture or the private network is not permitted.
pub const EXIT_NO_PERMISSION: i32 = 3;

/// True (after a LOUD notice) when the run could not get its private network or capture.
pub fn skipped(outcome: &Outcome, what: &str) -> bool {
    if outcome.code == Some(EXIT_NO_PERMISSION) {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(),
            "\n!!!!!!!! SKIPPED: {what}: this machine cannot give socklab a private network or a live capture:\n{}\n",
            outcome.stderr
        );
        }
        return true;
    }
    false
}

pub fn lesson_ids() -> Vec<String> {
    socklab::lesson::catalogue()
        .expect("the built-in lessons load")
        .into_iter()
        .map(|lesson| lesson.id)
        .collect()
}
