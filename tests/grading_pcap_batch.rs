//! Grading captures instead of programs (`--pcap`), and grading a whole class at once (`--batch`).

mod common;

use common::grading::{grade_as, skipped, submission};
use common::Socklab;
use std::time::Instant;

/// A live run saves its capture with --write; grading that file gives the same verdicts.
#[test]
fn captures_of_example_submissions_grade_like_the_live_runs() {
    for (exercise, variant) in [
        ("tcp-client", "correct"),
        ("tcp-client", "wrong_payload"),
        ("tcp-client", "never_closes"),
        ("tcp-server", "never_closes"),
        ("tcp-server", "no_listen"),
        ("udp-sender", "wrong_port"),
        ("udp-receiver", "correct"),
        ("tcp-half-close", "close_instead_of_shutdown"),
        ("tcp-byte-stream", "single_recv"),
        ("tcp-multi-client", "one_client"),
    ] {
        let lab = Socklab::new();
        let capture = lab.temp().join("run.pcapng");
        let capture_arg = capture.display().to_string();
        let Some(live) = grade_as(
            &lab,
            exercise,
            &submission(exercise, variant),
            "s.py",
            &[],
            &["--write", &capture_arg],
        ) else {
            return;
        };
        let replay = lab.run(&[
            "grade",
            exercise,
            "--pcap",
            &capture_arg,
            "--no-ladder",
            "--json",
            "pcap.json",
        ]);
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(lab.temp().join("pcap.json")).unwrap())
                .unwrap();
        let context = format!(
            "{exercise}/{variant}:\n{}\n{}",
            replay.stdout, replay.stderr
        );
        assert_eq!(replay.code, live.outcome.code, "{context}");
        assert_eq!(report["score"], live.report["score"], "{context}");
        assert_eq!(report["criteria"], live.report["criteria"], "{context}");
        assert_eq!(report["diagnoses"], live.report["diagnoses"], "{context}");
        assert!(report["run"].is_null());
        assert!(
            replay
                .stdout
                .contains(&format!("Packets from: capture file {capture_arg}")),
            "{context}"
        );
    }
}

#[test]
fn a_capture_on_another_port_is_graded_with_port() {
    let lab = Socklab::new();
    let capture = lab.temp().join("run.pcapng");
    let capture_arg = capture.display().to_string();
    let Some(_) = grade_as(
        &lab,
        "tcp-client",
        &submission("tcp-client", "correct"),
        "s.py",
        &[],
        &["--write", &capture_arg],
    ) else {
        return;
    };
    // Claiming the exercise ran on port 7000 makes the port criterion fail, and only that one.
    let outcome = lab.run(&[
        "grade",
        "tcp-client",
        "--pcap",
        &capture_arg,
        "--port",
        "7000",
        "--no-ladder",
    ]);
    outcome.assert_code(1);
    assert!(
        outcome.stdout.contains("✗  0/1  Uses port 7000"),
        "{}",
        outcome.stdout
    );
    assert!(outcome.stdout.contains("Score: 9/10"), "{}", outcome.stdout);
}

#[test]
fn a_class_of_twenty_is_graded_in_one_batch() {
    let lab = Socklab::new();
    // Twenty students: correct programs and the classic bugs, one folder each, the program always client.py.
    let variants = [
        "correct",
        "wrong_payload",
        "correct",
        "right_stdout_wrong_bytes",
        "rst_linger",
        "correct",
        "wrong_port",
        "correct",
        "wrong_payload",
        "correct",
        "rst_linger",
        "correct",
        "never_closes",
        "correct",
        "wrong_port",
        "correct",
        "right_stdout_wrong_bytes",
        "correct",
        "wrong_payload",
    ];
    let expected_scores = |variant: &str| match variant {
        "correct" => 10,
        "wrong_payload" | "right_stdout_wrong_bytes" => 7,
        "rst_linger" => 6,
        "never_closes" => 5,
        "wrong_port" => 0,
        other => panic!("{other}"),
    };
    let class = lab.temp().join("submissions");
    for (index, variant) in variants.iter().enumerate() {
        let folder = class.join(format!("student{:02}", index + 1));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(submission("tcp-client", variant), folder.join("client.py")).unwrap();
    }
    // The twentieth hands in far too many files: its grading fails, and the batch goes on.
    let broken = class.join("student20");
    std::fs::create_dir_all(&broken).unwrap();
    for index in 0..501 {
        std::fs::write(broken.join(format!("f{index}.py")), "").unwrap();
    }
    let started = Instant::now();
    let outcome = lab.run(&[
        "grade",
        "tcp-client",
        "--batch",
        "submissions",
        "--out",
        "grades",
        "--",
        "python3",
        "client.py",
    ]);
    let wall = started.elapsed();
    eprintln!("batch of 20 submissions graded in {wall:?} (default --jobs)");
    if skipped(&outcome, "batch") {
        return;
    }
    let grades = lab.temp().join("grades");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(grades.join("summary.json")).unwrap())
            .unwrap();
    let rows = summary["rows"].as_array().unwrap();
    if rows.iter().all(|row| row["status"] == "error")
        && rows[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("private network")
    {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!!!! SKIPPED: batch: no private network namespaces here\n"
            );
        }
        return;
    }
    outcome.assert_code(2);
    assert_eq!(rows.len(), 20, "{}", outcome.stdout);
    for (index, variant) in variants.iter().enumerate() {
        let row = &rows[index];
        assert_eq!(row["student"], format!("student{:02}", index + 1));
        assert_eq!(row["score"], expected_scores(variant), "{variant}: {row}");
        assert_eq!(row["max_score"], 10);
        let student = grades.join(format!("student{:02}", index + 1));
        for file in ["report.txt", "report.json", "results.json", "junit.xml"] {
            assert!(student.join(file).is_file(), "{file} missing for {variant}");
        }
    }
    assert_eq!(rows[19]["status"], "error");
    assert!(
        rows[19]["message"]
            .as_str()
            .unwrap()
            .contains("too large to copy"),
        "{}",
        rows[19]
    );
    let csv = std::fs::read_to_string(grades.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 21, "{csv}");
    assert!(
        csv.starts_with("student,score,max_score,status,failed,diagnoses,message,seconds,report\n"),
        "{csv}"
    );
    assert!(csv.contains("\nstudent07,0,10,points_lost,"), "{csv}");
    assert!(
        outcome.stdout.contains("20 submissions graded in"),
        "{}",
        outcome.stdout
    );
}
