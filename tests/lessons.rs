//! Every lesson, run for real by the built binary (each run in its own private network): its walkthrough
//! in English, in Chinese and as JSON is snapshot-tested, and every run is done twice and must come out
//! the same. `--step` and `--quiz` are driven through piped standard input.
//!
//! Where this machine cannot give a run its private network (no user namespaces and not root), the
//! tests say so LOUDLY on stderr and return.

mod common;

use common::lessons::{lesson_ids, skipped};
use common::{Outcome, Socklab};
use std::io::Write;
use std::process::Stdio;
use std::sync::Mutex;

/// Runs socklab with `args`, feeding `stdin` when given.
fn socklab(fixture: &Socklab, args: &[&str], stdin: Option<&str>) -> Outcome {
    let mut command = fixture.command();
    command
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start socklab");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    Outcome::from(child.wait_with_output().expect("wait for socklab"))
}

/// The three renderings every lesson is snapshot-tested in.
const VARIANTS: [(&str, &[&str]); 3] = [
    ("en", &[]),
    ("zh-CN", &["--lang", "zh-CN"]),
    ("json", &["--format", "json"]),
];

#[test]
fn every_walkthrough_is_the_same_twice_and_matches_its_snapshots() {
    let ids = lesson_ids();
    assert_eq!(ids.len(), 16, "{ids:?}");
    // (lesson, variant, attempt) jobs, run by a few threads: runs mostly wait on the kernel.
    let jobs: Vec<(usize, usize, usize)> = (0..ids.len())
        .flat_map(|lesson| {
            (0..VARIANTS.len())
                .flat_map(move |variant| (0..2).map(move |run| (lesson, variant, run)))
        })
        .collect();
    let results: Vec<Mutex<Option<Outcome>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let fixture = Socklab::new();
                loop {
                    let index = {
                        let mut next = next.lock().unwrap();
                        let index = *next;
                        *next += 1;
                        index
                    };
                    let Some(&(lesson, variant, _)) = jobs.get(index) else {
                        break;
                    };
                    let mut args = vec!["lesson", ids[lesson].as_str()];
                    args.extend_from_slice(VARIANTS[variant].1);
                    let outcome = socklab(&fixture, &args, None);
                    *results[index].lock().unwrap() = Some(outcome);
                }
            });
        }
    });
    let outcome = |lesson: usize, variant: usize, run: usize| -> Outcome {
        let index = jobs
            .iter()
            .position(|job| *job == (lesson, variant, run))
            .unwrap();
        results[index].lock().unwrap().take().unwrap()
    };
    for (lesson, id) in ids.iter().enumerate() {
        for (variant, (name, _)) in VARIANTS.iter().enumerate() {
            let first = outcome(lesson, variant, 0);
            if skipped(&first, &format!("lesson {id} ({name})")) {
                return;
            }
            first.assert_code(0);
            let second = outcome(lesson, variant, 1);
            second.assert_code(0);
            assert_eq!(
                first.stdout, second.stdout,
                "lesson {id} ({name}) came out differently on its second run"
            );
            if *name == "json" {
                for line in first.stdout.lines() {
                    let record: serde_json::Value = serde_json::from_str(line)
                        .unwrap_or_else(|error| panic!("{id}: not JSON ({error}): {line}"));
                    assert!(
                        record["schema"].is_string() && record["type"].is_string(),
                        "{line}"
                    );
                }
            }
            insta::assert_snapshot!(format!("{id}-{name}"), first.stdout);
        }
    }
}

#[test]
fn step_mode_follows_piped_commands_and_explains_a_packet_layer_by_layer() {
    let fixture = Socklab::new();
    // Nine Enters reach the SYN (event 10); `?` explains it, `b` goes back to connect(), `q` quits.
    let input = format!("{}?\nb\nq\nnever read\n", "\n".repeat(9));
    let outcome = socklab(&fixture, &["lesson", "handshake", "--step"], Some(&input));
    if skipped(&outcome, "--step") {
        return;
    }
    outcome.assert_code(0);
    let text = &outcome.stdout;
    for wanted in [
        "[10/27] Enter: next · b: back · ?: explain the packet · q: quit > ?\nPacket #1, layer by layer (74 bytes on the wire):\n",
        "Ethernet header: 14 bytes",
        "IPv4 header: 20 bytes",
        "TCP header: 40 bytes (20 fixed + 20 of options)",
        "client:ephemeral",
        "server:echo",
        "Payload: 0 bytes",
        "◀ back to event 9/27:",
        "(quit)",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing in\n{text}");
    }
    assert!(
        !text.contains("Check yourself"),
        "q must stop before the end:\n{text}"
    );
    insta::assert_snapshot!("handshake-step", text);
}

#[test]
fn step_mode_explains_udp_in_chinese_and_shows_the_rest_when_input_ends() {
    let fixture = Socklab::new();
    let input = format!("{}?\n", "\n".repeat(7));
    let outcome = socklab(
        &fixture,
        &["lesson", "udp", "--step", "--lang", "zh-CN"],
        Some(&input),
    );
    if skipped(&outcome, "--step") {
        return;
    }
    outcome.assert_code(0);
    let text = &outcome.stdout;
    for wanted in [
        "以太网首部：14 字节",
        "IPv4 首部：20 字节",
        "UDP 首部：8 字节",
        "数据（载荷）：4 字节  \"ping\"",
        "✓ 全部 7 步都已运行",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing in\n{text}");
    }
    insta::assert_snapshot!("udp-step-zh-CN", text);
}

#[test]
fn the_quiz_checks_piped_answers_and_gives_a_score() {
    let fixture = Socklab::new();
    let right = socklab(
        &fixture,
        &["lesson", "handshake", "--quiz"],
        Some("1\n40 bytes\n65495\n3\n"),
    );
    if skipped(&right, "--quiz") {
        return;
    }
    right.assert_code(0);
    assert!(right.stdout.ends_with("\nScore: 4/4\n"), "{}", right.stdout);
    assert!(
        !right.stdout.contains("Check yourself"),
        "the quiz asks instead of telling"
    );

    let mixed = socklab(
        &fixture,
        &["lesson", "handshake", "--quiz"],
        Some("2\n40\n"),
    );
    mixed.assert_code(0);
    let quiz = &mixed.stdout[mixed.stdout.find("\nQuiz:").expect("the quiz starts")..];
    assert!(
        quiz.contains("> 2\n✗ Not quite: the answer is 1.\n"),
        "{quiz}"
    );
    assert!(quiz.contains("> 40\n✓ Right.\n"), "{quiz}");
    assert!(quiz.contains("– No answer. The answer is 65495."), "{quiz}");
    assert!(quiz.ends_with("\nScore: 1/4\n"), "{quiz}");
    insta::assert_snapshot!("handshake-quiz", quiz);

    let chinese = socklab(
        &fixture,
        &["lesson", "refused", "--quiz", "--lang", "zh-CN"],
        Some("服务器\neconnrefused\n"),
    );
    chinese.assert_code(0);
    assert!(
        chinese.stdout.ends_with("\n得分：2/2\n"),
        "{}",
        chinese.stdout
    );
}

#[test]
fn step_and_quiz_together_share_the_input() {
    let fixture = Socklab::new();
    // Enter through the 25 events of `refused`'s walkthrough is not needed: the input ends the stepping
    // early only if it runs dry, so step with two Enters, then answer both questions.
    let outcome = socklab(
        &fixture,
        &["lesson", "refused", "--step", "--quiz"],
        Some("\n\nq\n"),
    );
    if skipped(&outcome, "--step --quiz") {
        return;
    }
    outcome.assert_code(0);
    assert!(outcome.stdout.contains("(quit)"), "{}", outcome.stdout);
    assert!(!outcome.stdout.contains("Quiz:"), "q quits the quiz too");
}

#[test]
fn a_failed_expectation_names_the_file_line_step_and_both_packets() {
    let fixture = Socklab::new();
    let source = std::fs::read_to_string(common::repo_path("lessons/02-handshake.toml")).unwrap();
    let wrong = source.replace(
        "\"server > client S. seq 0 ack 1\"",
        "\"server > client S. seq 0 ack 2\"",
    );
    assert_ne!(wrong, source);
    std::fs::write(fixture.temp().join("wrong-ack.toml"), wrong).unwrap();
    let outcome = socklab(&fixture, &["lesson", "wrong-ack.toml"], None);
    if skipped(&outcome, "a failed expectation") {
        return;
    }
    outcome.assert_code(1);
    let text = outcome.stderr.trim_start_matches("socklab: ");
    for wanted in [
        "wrong-ack.toml:50:4: Step 3 (client: connect(server)): packet #2 does not match the expected packet.",
        "expected: server > client S. seq 0 ack 2",
        "actual:   server > client S. seq 0 ack 1 (packet #2)",
        "ack differs: expected 2, actual 1",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing in\n{text}");
    }
    insta::assert_snapshot!("wrong-ack", text);
}

#[test]
fn a_call_that_returns_something_else_is_named_with_its_step() {
    let fixture = Socklab::new();
    let source = std::fs::read_to_string(common::repo_path("lessons/09-refused.toml")).unwrap();
    let wrong = source.replace("result = \"ECONNREFUSED\"", "result = 0");
    std::fs::write(fixture.temp().join("refused-ok.toml"), wrong).unwrap();
    let outcome = socklab(&fixture, &["lesson", "refused-ok.toml"], None);
    if skipped(&outcome, "a wrong result") {
        return;
    }
    outcome.assert_code(1);
    assert!(
        outcome.stderr.contains("refused-ok.toml:35:9: Step 2 (client: connect(server:closed)) failed with ECONNREFUSED (Connection refused), but the lesson expects it to return 0."),
        "{}",
        outcome.stderr
    );
}

#[test]
fn write_saves_the_capture_for_replay() {
    let fixture = Socklab::new();
    let outcome = socklab(
        &fixture,
        &["lesson", "data", "--write", "data.pcapng"],
        None,
    );
    if skipped(&outcome, "--write") {
        return;
    }
    outcome.assert_code(0);
    let replay = fixture.run(&["replay", "data.pcapng"]);
    replay.assert_code(0);
    assert!(
        replay.stdout.contains("PSH,ACK seq=1 ack=1 len=5"),
        "{}",
        replay.stdout
    );
    let arrows = |text: &str| {
        text.lines()
            .filter(|line| line.contains('▶') || line.contains('◀'))
            .count()
    };
    assert_eq!(arrows(&replay.stdout), 12);
    assert_eq!(arrows(&outcome.stdout), 12);
}

#[test]
fn the_catalogue_lists_every_lesson_in_each_language() {
    let fixture = Socklab::new();
    let english = fixture.run(&["lessons"]);
    english.assert_code(0);
    let chinese = fixture.run(&["lessons", "--lang", "zh-CN"]);
    chinese.assert_code(0);
    for id in lesson_ids() {
        assert!(english.stdout.contains(&format!(" {id} ")), "{id}");
        assert!(chinese.stdout.contains(&format!(" {id} ")), "{id}");
    }
    insta::assert_snapshot!("catalogue-en", english.stdout);
    insta::assert_snapshot!("catalogue-zh-CN", chinese.stdout);
}

#[test]
fn interactive_options_need_text_and_unknown_lessons_are_named() {
    let fixture = Socklab::new();
    let json_step = fixture.run(&["lesson", "handshake", "--format", "json", "--step"]);
    if skipped(&json_step, "usage errors") {
        return;
    }
    json_step.assert_code(2);
    assert!(
        json_step.stderr.contains("--step and --quiz"),
        "{}",
        json_step.stderr
    );
    let unknown = fixture.run(&["lesson", "handshak"]);
    unknown.assert_code(1);
    assert!(
        unknown.stderr.contains(
            "there is no lesson named \"handshak\". The lessons are: addresses, handshake,"
        ),
        "{}",
        unknown.stderr
    );
}
