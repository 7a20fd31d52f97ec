//! Retrying scenarios whose outcome depends on timing, and saying honestly how many tries it took.

use super::engine::Engine;
use super::{Family, ScenarioError, ScenarioRun};

/// What one attempt of a timing-dependent scenario gave.
pub(crate) enum Attempt {
    /// The wire showed what the scenario is about; finish this engine's run.
    Done(Engine),
    /// The wire showed something else (a legal but different outcome); try again on a new connection.
    Retry { reason: String, engine: Engine },
}

/// Runs `attempt` until it is `Done`, at most `max_tries` times. Each attempt gets a fresh engine (on the
/// same capture), so the returned run holds only the successful attempt's calls and frames.
pub(crate) fn with_retries(
    scenario: &'static str,
    family: Family,
    max_tries: u32,
    mut attempt: impl FnMut(Engine) -> Result<Attempt, ScenarioError>,
) -> Result<ScenarioRun, ScenarioError> {
    let mut engine = Engine::open(scenario, family)?;
    let mut reasons = Reasons::default();
    for tries in 1..=max_tries {
        match attempt(engine)? {
            Attempt::Done(engine) => {
                let mut run = engine.finish(tries)?;
                if tries > 1 {
                    run.notes.insert(
                        0,
                        format!(
                            "this needed {tries} tries; the earlier ones were discarded because {}",
                            reasons.summary()
                        ),
                    );
                }
                return Ok(run);
            }
            Attempt::Retry {
                reason,
                engine: used,
            } => {
                reasons.add(reason);
                engine = used.restart();
            }
        }
    }
    Err(ScenarioError::GaveUp {
        scenario: scenario.into(),
        family,
        tries: max_tries,
        last: reasons.summary(),
    })
}

/// Why earlier attempts were discarded, each distinct reason once with its count.
#[derive(Debug, Default)]
struct Reasons(Vec<(String, u32)>);

impl Reasons {
    fn add(&mut self, reason: String) {
        match self.0.iter_mut().find(|(text, _)| *text == reason) {
            Some((_, count)) => *count += 1,
            None => self.0.push((reason, 1)),
        }
    }

    /// "reason A (3 times); reason B (once)".
    fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(reason, count)| match count {
                1 => format!("{reason} (once)"),
                _ => format!("{reason} ({count} times)"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_counted_once_each_in_first_seen_order() {
        let mut reasons = Reasons::default();
        reasons.add("the FINs did not cross".to_string());
        reasons.add("the delayed ACK fired".to_string());
        reasons.add("the FINs did not cross".to_string());
        assert_eq!(
            reasons.summary(),
            "the FINs did not cross (2 times); the delayed ACK fired (once)"
        );
    }
}
