//! From a capture (live or from a file) to a [`GradeReport`]: analyse, evaluate every criterion, diagnose,
//! and draw the ladder of the run with socklab's own calls in place.

use super::diagnosis::diagnose;
use super::evaluate::evaluate;
use super::exercise::Exercise;
use super::live_run::RunFacts;
use super::peer::TimedCall;
use super::report::{CriterionResult, GradeReport};
use super::subject::Subject;
use super::wire::Wire;
use crate::capture::{CaptureStats, CaptureWriter, OwnedFrame};
use crate::lang::Lang;
use crate::pipeline::Pipeline;
use crate::render::{LadderOptions, LadderRenderer, RunInfo, Sink};
use std::io::{self, Write};
use std::net::SocketAddr;

pub struct GradeInput<'a> {
    pub exercise: &'a Exercise,
    pub frames: &'a [OwnedFrame],
    /// socklab's own socket calls (live runs), placed in the ladder by time.
    pub calls: &'a [TimedCall],
    pub run: Option<RunFacts>,
    pub prepared_clients: &'a [SocketAddr],
    /// socklab's UDP ports, when known.
    pub udp_ports: Option<Vec<u16>>,
    /// The exercise's port as used in this capture.
    pub port: u16,
    pub source: String,
    pub lang: Lang,
    pub ladder: LadderOptions,
    pub stats: CaptureStats,
}

/// Grades the capture; also writes it (with each packet's explanation) to `capture_file` when given.
pub fn grade<W: Write>(
    input: GradeInput<'_>,
    capture_file: Option<&mut CaptureWriter<W>>,
) -> io::Result<GradeReport> {
    let exercise = input.exercise;
    let lang = input.lang;
    let wire = Wire::analyse(input.frames.iter().map(OwnedFrame::as_frame));
    let subject = Subject::new(
        &wire,
        input.port,
        exercise.submission.role,
        input.prepared_clients,
        input.udp_ports.clone(),
    );
    let criteria: Vec<CriterionResult> = exercise
        .criteria
        .iter()
        .map(|criterion| {
            let outcome = evaluate(&criterion.check, &subject, lang);
            let name = match &criterion.name {
                Some(name) => name.get(lang).to_string(),
                None => criterion.check.default_title(lang, input.port),
            };
            let hint = (!outcome.passed).then(|| match &criterion.hint {
                Some(hint) => hint.get(lang).to_string(),
                None => criterion.check.default_hint(lang, input.port),
            });
            CriterionResult {
                name,
                check: criterion.check.name(),
                passed: outcome.passed,
                points: if outcome.passed { criterion.points } else { 0 },
                max_points: criterion.points,
                expected: outcome.expected,
                got: outcome.got,
                packets: outcome.packets,
                hint,
            }
        })
        .collect();
    let stderr = input.run.as_ref().map(|run| run.stderr.as_str());
    let diagnoses = diagnose(&subject, stderr, lang);
    let ladder = render_ladder(&input, capture_file)?;
    Ok(GradeReport {
        exercise: exercise.id.clone(),
        title: exercise.title.get(lang).to_string(),
        lang,
        source: input.source.clone(),
        score: criteria.iter().map(|c| c.points).sum(),
        max_score: exercise.max_points(),
        criteria,
        diagnoses,
        run: input.run,
        packets: input.frames.len() as u64,
        ladder,
    })
}

/// The ladder of the run: frames and socklab's calls merged by time (kernel timestamps and call times
/// share the realtime clock).
fn render_ladder<W: Write>(
    input: &GradeInput<'_>,
    capture_file: Option<&mut CaptureWriter<W>>,
) -> io::Result<String> {
    let mut renderer = LadderRenderer::new(Vec::new(), input.ladder);
    {
        let sink: &mut dyn Sink = &mut renderer;
        sink.begin(&RunInfo {
            title: input.exercise.title.get(input.lang).to_string(),
            description: None,
            lang: input.lang,
            source: input.source.clone(),
        })?;
        let mut pipeline = Pipeline::new(sink, capture_file, input.lang);
        let mut calls = input.calls.iter().peekable();
        for frame in input.frames {
            while let Some(call) = calls.next_if(|call| call.at <= frame.timestamp) {
                pipeline.call(&call.call)?;
            }
            pipeline.frame(&frame.as_frame())?;
        }
        for call in calls {
            pipeline.call(&call.call)?;
        }
        pipeline.finish(&input.stats)?;
    }
    Ok(String::from_utf8_lossy(&renderer.into_inner()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Role;
    use crate::grade::test_frames::{Capture, Tcp};
    use crate::timeline::{CallOutcome, SocketCall};

    #[test]
    fn a_capture_is_graded_and_calls_join_the_ladder_in_time_order() {
        let exercise = Exercise::find("tcp-client").unwrap();
        let mut capture = Capture::default();
        let mut tcp = Tcp::new(40000, 5000);
        tcp.handshake(&mut capture);
        tcp.exchange(&mut capture, Role::Client, b"helo\n");
        tcp.exchange(&mut capture, Role::Server, b"hello, client\n");
        tcp.close(&mut capture, Role::Client);
        let frames = capture.frames();
        let call = TimedCall {
            // Between frame 3 (3000 ns) and frame 4 (4000 ns).
            at: crate::capture::Timestamp(3500),
            call: SocketCall {
                actor: "server".into(),
                call: "recv() until \\n".into(),
                outcome: CallOutcome::Called,
            },
        };
        let report = grade(
            GradeInput {
                exercise: &exercise,
                frames: &frames,
                calls: &[call],
                run: None,
                prepared_clients: &[],
                udp_ports: None,
                port: 5000,
                source: "test".into(),
                lang: Lang::En,
                ladder: LadderOptions::default(),
                stats: CaptureStats::default(),
            },
            None::<&mut CaptureWriter<io::Sink>>,
        )
        .unwrap();
        assert_eq!((report.score, report.max_score), (7, 10));
        let failed: Vec<&str> = report
            .criteria
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.check)
            .collect();
        assert_eq!(failed, ["payload"]);
        assert_eq!(
            report.criteria[2].hint.as_deref(),
            Some("Send exactly b\"hello\\n\": six bytes, lower case, ending in a newline.")
        );
        let call_at = report
            .ladder
            .find("server: recv() until \\n called")
            .unwrap();
        let third = report.ladder.find(" #3 ").unwrap();
        let fourth = report.ladder.find(" #4 ").unwrap();
        assert!(third < call_at && call_at < fourth, "{}", report.ladder);
    }
}
