//! `socklab run SCENARIO`: perform a real exchange on loopback and explain it.

use super::output::{OutputTarget, Style};
use crate::app_error::AppError;
use crate::cli::RunArgs;
use crate::lang::Lang;
use crate::pipeline::Pipeline;
use crate::render::RunInfo;
use crate::sandbox;
use crate::scenario::{self, Family, ScenarioRun};
use crate::timeline::TimelineEntry;

pub fn run(args: &RunArgs, style: Style) -> Result<(), AppError> {
    // First, while the process is still single-threaded (CLONE_NEWUSER requires it).
    let network = if args.host_net {
        "the host's lo".to_string()
    } else {
        format!("lo in a {}", sandbox::enter_private_network()?)
    };
    let family = if args.ipv6 { Family::V6 } else { Family::V4 };
    let run = scenario::run(&args.scenario, family)?;
    let info = scenario::catalog()
        .iter()
        .find(|info| info.name == args.scenario)
        .map(|info| info.description.to_string());
    let title = format!("{} ({})", run.name, family);
    let mut target = OutputTarget::open(&args.output, style, &format!("socklab run {}", run.name))?;
    let mut description = info;
    if !run.notes.is_empty() {
        let notes = run.notes.join("\n");
        description = Some(match description {
            Some(text) => format!("{text}\n{notes}"),
            None => notes,
        });
    }
    target.sink.begin(&RunInfo {
        title,
        description,
        lang: style.lang,
        source: format!("live capture on {network}"),
    })?;

    render_timeline(&run, &mut target, style.lang)
}

/// Drives a performed run's calls and frames, in their order, through the pipeline into `target`,
/// then closes the capture file, if any.
pub(crate) fn render_timeline(
    run: &ScenarioRun,
    target: &mut OutputTarget,
    lang: Lang,
) -> Result<(), AppError> {
    let capture_writer = target.capture.as_mut().map(|(_, writer)| writer);
    let mut pipeline = Pipeline::new(target.sink.as_mut(), capture_writer, lang);
    for entry in &run.timeline {
        match entry {
            TimelineEntry::Call(call) => pipeline.call(call)?,
            TimelineEntry::Frame(index) => {
                if let Some(frame) = run.frames.get(*index) {
                    pipeline.frame(&frame.as_frame())?;
                }
            }
        }
    }
    pipeline.finish(&run.stats)?;
    if let Some((path, writer)) = target.capture.take() {
        writer
            .finish()
            .map_err(|source| AppError::WriteFile { path, source })?;
    }
    Ok(())
}
