//! Gradescope's autograder results.json: `score`, and `tests[]` with `name`, `score`, `max_score`,
//! `status`, `output`, `visibility` (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

use super::localized::pick;
use super::report::GradeReport;
use super::report_text::describe_ending;
use super::subject::frame_list;
use serde::Serialize;

#[derive(Serialize)]
pub struct Results {
    pub score: u32,
    pub max_score: u32,
    pub execution_time: f64,
    pub output: String,
    pub visibility: &'static str,
    pub stdout_visibility: &'static str,
    pub tests: Vec<Test>,
}

#[derive(Serialize)]
pub struct Test {
    pub name: String,
    pub score: u32,
    pub max_score: u32,
    pub status: &'static str,
    pub output: String,
    pub visibility: &'static str,
}

pub fn results(report: &GradeReport) -> Results {
    let lang = report.lang;
    let tests = report
        .criteria
        .iter()
        .map(|criterion| {
            let mut output = if criterion.passed {
                criterion.got.clone()
            } else {
                let mut text = format!(
                    "{} {}\n{} {}",
                    pick(lang, "Expected:", "应为:"),
                    criterion.expected,
                    pick(lang, "Got:     ", "实际:"),
                    criterion.got
                );
                if !criterion.packets.is_empty() {
                    text.push_str(&format!(
                        "\n{} {}",
                        pick(lang, "Packets: ", "数据包:"),
                        frame_list(&criterion.packets)
                    ));
                }
                if let Some(hint) = &criterion.hint {
                    text.push_str(&format!("\n{} {hint}", pick(lang, "Fix:     ", "改进:")));
                }
                text
            };
            for diagnosis in report
                .diagnoses_for(criterion)
                .filter(|_| !criterion.passed)
            {
                output.push_str(&format!(
                    "\n\n{} {}\n{} {}",
                    pick(lang, "Why:", "原因:"),
                    diagnosis.explanation,
                    pick(lang, "Fix:", "改进:"),
                    diagnosis.fix
                ));
            }
            Test {
                name: criterion.name.clone(),
                score: criterion.points,
                max_score: criterion.max_points,
                status: if criterion.passed { "passed" } else { "failed" },
                output,
                visibility: "visible",
            }
        })
        .collect();
    let mut output = format!(
        "socklab grade {} — {}: {}/{}",
        report.exercise, report.title, report.score, report.max_score
    );
    if let Some(run) = &report.run {
        output.push_str(&format!(
            "\n{} {}",
            pick(lang, "The program", "程序"),
            describe_ending(run, lang)
        ));
        if !run.stderr.trim().is_empty() {
            let tail: Vec<&str> = run.stderr.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            output.push_str(&format!("\nstderr:\n{}", tail.join("\n")));
        }
    }
    for diagnosis in &report.diagnoses {
        output.push_str(&format!(
            "\n\n[{}] {}\n{} {}",
            diagnosis.kind,
            diagnosis.explanation,
            pick(lang, "Fix:", "改进:"),
            diagnosis.fix
        ));
    }
    Results {
        score: report.score,
        max_score: report.max_score,
        execution_time: report
            .run
            .as_ref()
            .map_or(0.0, |run| run.elapsed_ms as f64 / 1000.0),
        output,
        visibility: "visible",
        stdout_visibility: "hidden",
        tests,
    }
}

pub fn to_json(report: &GradeReport) -> String {
    serde_json::to_string_pretty(&results(report)).unwrap_or_else(|_| "{}".to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::grade::diagnosis::Diagnosis;
    use crate::grade::report::CriterionResult;
    use crate::lang::Lang;

    pub fn sample() -> GradeReport {
        GradeReport {
            exercise: "tcp-client".into(),
            title: "TCP client".into(),
            lang: Lang::En,
            source: "test".into(),
            score: 1,
            max_score: 4,
            criteria: vec![
                CriterionResult {
                    name: "Handshake".into(),
                    check: "handshake",
                    passed: true,
                    points: 1,
                    max_points: 1,
                    expected: "e".into(),
                    got: "handshake #1, #2, #3".into(),
                    packets: vec![1, 2, 3],
                    hint: None,
                },
                CriterionResult {
                    name: "Payload".into(),
                    check: "payload",
                    passed: false,
                    points: 0,
                    max_points: 3,
                    expected: "\"hello\\n\"".into(),
                    got: "\"helo\\n\"".into(),
                    packets: vec![4],
                    hint: Some("send hello".into()),
                },
            ],
            diagnoses: vec![Diagnosis {
                kind: "abortive-close",
                explanation: "RST #4".into(),
                fix: "close()".into(),
                packets: vec![4],
            }],
            run: None,
            packets: 4,
            ladder: String::new(),
        }
    }

    #[test]
    fn every_test_has_the_fields_gradescope_reads() {
        let results = results(&sample());
        assert_eq!(results.score, 1);
        assert_eq!(results.tests.len(), 2);
        assert_eq!(results.tests[0].status, "passed");
        let failed = &results.tests[1];
        assert_eq!(
            (failed.score, failed.max_score, failed.status),
            (0, 3, "failed")
        );
        assert_eq!(failed.output, "Expected: \"hello\\n\"\nGot:      \"helo\\n\"\nPackets:  #4\nFix:      send hello\n\nWhy: RST #4\nFix: close()");
        let json: serde_json::Value = serde_json::from_str(&to_json(&sample())).unwrap();
        assert_eq!(json["tests"][1]["visibility"], "visible");
    }
}
