//! Hostile submissions: a fork bomb, endless output, sleeping for ever, reaching outside the machine,
//! writing outside the working folder, overwriting the results file, and asking who it runs as. Each time
//! the grader stays in control, reports, and leaves no process behind.
//!
//! These tests run one at a time: a fork bomb fills its user's process limit, which other submissions
//! (running as the same unprivileged user) would feel.

mod common;

use common::grading::{grade_as, processes_mentioning, submission, Graded};
use common::Socklab;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Grades a hostile program (under a name unique to this test) against the TCP client exercise.
fn hostile(
    lab: &Socklab,
    variant: &str,
    args: &[&str],
    options: &[&str],
) -> Option<(Graded, String, Duration)> {
    let marker = format!("hostile_{variant}_{}.py", std::process::id());
    let started = Instant::now();
    let graded = grade_as(
        lab,
        "tcp-client",
        &submission("hostile", variant),
        &marker,
        args,
        options,
    )?;
    let elapsed = started.elapsed();
    // Every process of the submission is gone once socklab has exited.
    let left = processes_mentioning(&marker);
    assert!(
        left.is_empty(),
        "{variant} left processes behind: {left:#?}"
    );
    assert_eq!(graded.run()["processes_left"], 0);
    // The grader reported, with its usual exit code for lost points.
    assert_eq!(
        graded.outcome.code,
        Some(1),
        "{variant}: {}",
        graded.outcome.stderr
    );
    assert!(
        graded.outcome.stdout.contains("Score: 0/10"),
        "{variant}:\n{}",
        graded.outcome.stdout
    );
    Some((graded, marker, elapsed))
}

#[test]
fn a_fork_bomb_is_contained_and_cleaned_up() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Socklab::new();
    let Some((graded, _, elapsed)) = hostile(&lab, "fork_bomb", &[], &[]) else {
        return;
    };
    eprintln!("fork bomb graded in {elapsed:?}");
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
    assert_eq!(graded.diagnoses(), ["silent"]);
}

#[test]
fn endless_output_is_capped() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Socklab::new();
    let Some((graded, _, _)) = hostile(&lab, "endless_output", &[], &[]) else {
        return;
    };
    let run = graded.run();
    let kept = run["stdout"].as_str().unwrap().len();
    let total = run["stdout_bytes"].as_u64().unwrap();
    assert!(kept <= 64 * 1024, "kept {kept} bytes");
    assert!(total > 1024 * 1024, "only {total} bytes were written");
    assert!(
        graded.outcome.stdout.contains("| … (cut)"),
        "{}",
        graded.outcome.stdout
    );
    assert!(
        graded.outcome.stdout.len() < 64 * 1024,
        "the terminal report is {} bytes",
        graded.outcome.stdout.len()
    );
}

#[test]
fn sleeping_forever_is_stopped() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Socklab::new();
    let Some((graded, _, elapsed)) = hostile(&lab, "sleep_forever", &[], &[]) else {
        return;
    };
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_eq!(graded.run()["ending"]["kind"], "stopped_after_exercise");
    assert!(
        graded
            .outcome
            .stdout
            .contains("stopped at step `accept`: no connection came within 2000 ms"),
        "{}",
        graded.outcome.stdout
    );
    assert_eq!(graded.diagnoses(), ["silent"]);
}

#[test]
fn the_outside_world_is_unreachable() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Socklab::new();
    let Some((graded, _, _)) = hostile(&lab, "reach_internet", &[], &[]) else {
        return;
    };
    let stdout = graded.run()["stdout"].as_str().unwrap().to_string();
    assert!(
        stdout.contains("could not reach 192.0.2.1: [Errno 101] Network is unreachable"),
        "{stdout}"
    );
    // Nothing left the namespace's lo: the capture holds no packet at all.
    assert_eq!(graded.report["packets"], 0);
}

#[test]
fn writing_outside_the_working_folder_fails() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Socklab::new();
    let outside = lab.temp().display().to_string();
    let Some((graded, _, _)) = hostile(&lab, "write_outside", &[&outside], &[]) else {
        return;
    };
    let stdout = graded.run()["stdout"].as_str().unwrap().to_string();
    assert!(!stdout.contains("WROTE"), "{stdout}");
    for target in [
        "/etc/socklab-pwned",
        "/root/socklab-pwned",
        "../socklab-pwned",
        "/usr/socklab-pwned",
    ] {
        assert!(
            stdout.contains(&format!("refused {target}")),
            "{target}: {stdout}"
        );
        assert!(
            !std::path::Path::new(target).exists() || target.starts_with(".."),
            "{target} exists"
        );
    }
    assert!(!std::path::Path::new("/socklab-pwned").exists());
    assert!(!lab.temp().join("pwned.txt").exists());
    assert!(stdout.contains("wrote inside.txt"), "{stdout}");
}

#[test]
fn the_results_file_cannot_be_overwritten() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Socklab::new();
    let results = lab.temp().join("results.json");
    let results_arg = results.display().to_string();
    let Some((graded, _, _)) = hostile(
        &lab,
        "overwrite_results",
        &[&results_arg],
        &["--gradescope", &results_arg],
    ) else {
        return;
    };
    let stdout = graded.run()["stdout"].as_str().unwrap().to_string();
    assert!(
        stdout.contains(&format!("refused {results_arg}")),
        "{stdout}"
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(written["score"], 0);
    assert_eq!(written["tests"].as_array().unwrap().len(), 7);
}

#[test]
fn the_submission_is_never_root_and_has_no_capabilities() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Socklab::new();
    let Some((graded, _, _)) = hostile(&lab, "whoami", &[], &[]) else {
        return;
    };
    let stdout = graded.run()["stdout"].as_str().unwrap().to_string();
    assert!(!stdout.contains("uid 0 "), "{stdout}");
    assert!(stdout.contains("CapEff:\t0000000000000000"), "{stdout}");
    assert!(
        stdout.contains("raw socket: Operation not permitted"),
        "{stdout}"
    );
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        assert!(stdout.contains("uid 65534 euid 65534"), "{stdout}");
    }
}

#[test]
fn the_submission_cannot_reach_the_grader() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Socklab::new();
    let Some((graded, _, _)) = hostile(&lab, "kill_the_grader", &[], &[]) else {
        return;
    };
    let stdout = graded.run()["stdout"].as_str().unwrap().to_string();
    // pid 1 of its own pid namespace: no parent it can name, and socklab's pid means nothing there.
    assert!(stdout.contains("ppid 0 pid 1"), "{stdout}");
    assert!(!stdout.contains("KILLED"), "{stdout}");
}
