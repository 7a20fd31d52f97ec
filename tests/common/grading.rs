//! Running `socklab grade` on the example submissions of tests/submissions, and reading its JSON report.

#![allow(dead_code)]

use super::{repo_path, Outcome, Socklab};
use serde_json::Value;
use std::path::PathBuf;

pub struct Graded {
    pub outcome: Outcome,
    pub report: Value,
}

impl Graded {
    pub fn score(&self) -> (u64, u64) {
        (
            self.report["score"].as_u64().unwrap_or(u64::MAX),
            self.report["max_score"].as_u64().unwrap_or(u64::MAX),
        )
    }

    /// The checks of the failed criteria, in the exercise's order.
    pub fn failed(&self) -> Vec<String> {
        self.report["criteria"]
            .as_array()
            .map(|criteria| {
                criteria
                    .iter()
                    .filter(|c| c["passed"] == false)
                    .map(|c| c["check"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn diagnoses(&self) -> Vec<String> {
        self.report["diagnoses"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|d| d["kind"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn run(&self) -> &Value {
        &self.report["run"]
    }
}

pub fn submission(exercise: &str, name: &str) -> PathBuf {
    repo_path(&format!("tests/submissions/{exercise}/{name}.py"))
}

/// True when grading cannot run here (no namespaces); says so LOUDLY.
pub fn skipped(outcome: &Outcome, what: &str) -> bool {
    let blocked = outcome.code == Some(2)
        && (outcome.stderr.contains("private network")
            || outcome.stderr.contains("CAP_NET_RAW")
            || outcome.stderr.contains("namespace"));
    if blocked {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "\n!!!!! SKIPPED: {what}: this machine cannot create the private network namespaces grading needs:\n{}\n", outcome.stderr);
        }
    }
    let no_python = outcome.code == Some(2) && outcome.stderr.contains("cannot start `python3");
    if no_python {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "\n!!!!! SKIPPED: {what}: python3 is not installed in /usr/local/bin, /usr/bin or /bin:\n{}\n", outcome.stderr);
        }
    }
    blocked || no_python
}

/// Copies `file` into the fixture's folder as `name` and grades `python3 name ARGS` against `exercise`.
/// None (after a loud notice) when namespaces are unavailable.
pub fn grade_as(
    lab: &Socklab,
    exercise: &str,
    file: &PathBuf,
    name: &str,
    args: &[&str],
    options: &[&str],
) -> Option<Graded> {
    std::fs::copy(file, lab.temp().join(name)).expect("copy the submission");
    let report = lab.temp().join(format!("{name}.report.json"));
    let mut command: Vec<String> = vec![
        "grade".into(),
        exercise.into(),
        "--no-ladder".into(),
        "--json".into(),
        report.display().to_string(),
    ];
    command.extend(options.iter().map(|s| s.to_string()));
    command.push("--".into());
    command.push("python3".into());
    command.push(name.into());
    command.extend(args.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = command.iter().map(String::as_str).collect();
    let outcome = lab.run(&refs);
    if skipped(&outcome, &format!("grade {exercise} {name}")) {
        return None;
    }
    let text = std::fs::read_to_string(&report).unwrap_or_else(|error| {
        panic!(
            "no report ({error}); exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            outcome.code, outcome.stdout, outcome.stderr
        )
    });
    let report = serde_json::from_str(&text).expect("the JSON report parses");
    Some(Graded { outcome, report })
}

pub fn grade(lab: &Socklab, exercise: &str, variant: &str) -> Option<Graded> {
    grade_as(
        lab,
        exercise,
        &submission(exercise, variant),
        &format!("{variant}.py"),
        &[],
        &[],
    )
}

/// Processes whose command line mentions `marker` (a file name unique to one test).
pub fn processes_mentioning(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if pid == std::process::id().to_string() {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains(marker) {
                found.push(format!("{pid}: {text}"));
            }
        }
    }
    found
}
