//! Retrying scenarios whose outcome depends on timing, and saying honestly how many tries it took.

use super::engine::Engine;
use super::{Family, ScenarioError, ScenarioRun};

/// What one attempt of a timing-dependent scenario gave.
#[allow(clippy::large_enum_variant)] // one value per attempt, moved once: boxing would buy nothing
pub(crate) enum Attempt {
    /// The wire showed what the scenario is about; finish this engine's run.
    Done(Engine),
    /// The wire showed something else (a legal but different outcome); try again on a new connection.
    Retry { reason: String },
}

/// Runs `attempt` until it is `Done`, at most `max_tries` times; each attempt opens its own engine, so
/// the returned run holds only the successful attempt's frames.
pub(crate) fn with_retries(
    scenario: &'static str,
    family: Family,
    max_tries: u32,
    mut attempt: impl FnMut() -> Result<Attempt, ScenarioError>,
) -> Result<ScenarioRun, ScenarioError> {
    let mut reasons: Vec<(String, u32)> = Vec::new();
    for tries in 1..=max_tries {
        match attempt()? {
            Attempt::Done(engine) => {
                let mut run = engine.finish(tries)?;
                if tries > 1 {
                    run.notes.insert(0, retry_note(tries, &reasons));
                }
                return Ok(run);
            }
            Attempt::Retry { reason } => match reasons.iter_mut().find(|(text, _)| *text == reason)
            {
                Some((_, count)) => *count += 1,
                None => reasons.push((reason, 1)),
            },
        }
    }
    Err(ScenarioError::GaveUp {
        scenario,
        family,
        tries: max_tries,
        last: summary(&reasons),
    })
}

fn retry_note(tries: u32, reasons: &[(String, u32)]) -> String {
    format!(
        "this needed {tries} tries; the earlier ones were discarded because {}",
        summary(reasons)
    )
}

/// "reason A (3 times); reason B (once)".
fn summary(reasons: &[(String, u32)]) -> String {
    reasons
        .iter()
        .map(|(reason, count)| match count {
            1 => format!("{reason} (once)"),
            _ => format!("{reason} ({count} times)"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_up_after_the_bound_and_counts_the_reasons() {
        let mut calls = 0;
        let error = with_retries("demo", Family::V4, 3, || {
            calls += 1;
            Ok(Attempt::Retry {
                reason: "the FINs did not cross".to_string(),
            })
        })
        .unwrap_err();
        assert_eq!(calls, 3);
        let text = error.to_string();
        assert!(text.contains("gave up after 3 tries"), "{text}");
        assert!(text.contains("the FINs did not cross (3 times)"), "{text}");
    }

    #[test]
    fn errors_stop_the_retries_at_once() {
        let mut calls = 0;
        let error = with_retries("demo", Family::V6, 5, || {
            calls += 1;
            Err(ScenarioError::Unexpected {
                scenario: "demo",
                family: Family::V6,
                detail: "broken".to_string(),
            })
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(error.to_string().contains("broken"));
    }
}
