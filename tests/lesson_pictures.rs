//! Every lesson drawn as an SVG diagram and as Mermaid text by the built binary (each run in its own
//! private network): each drawing is made twice and must come out the same (stable mode: named endpoints,
//! no times, even spacing), the SVG is well-formed XML with an arrow for every captured packet, and both
//! are snapshot-tested. The teardown lessons must show their four steps as the lessons teach them.
//!
//! Where this machine cannot give a run its private network (no user namespaces and not root), the
//! tests say so LOUDLY on stderr and return.

mod common;

use common::lessons::{lesson_ids, skipped};
use common::{Outcome, Socklab};
use std::sync::Mutex;

const FORMATS: [&str; 2] = ["svg", "mermaid"];

/// One drawing: its output, and (SVG only) the capture the same run saved.
struct Drawn {
    outcome: Outcome,
    capture: Option<std::path::PathBuf>,
}

/// Draws every (lesson, format, attempt) on a few threads: runs mostly wait on the kernel.
fn draw_all(fixture: &Socklab, ids: &[String]) -> Vec<Vec<[Drawn; 2]>> {
    let jobs: Vec<(usize, usize, usize)> = (0..ids.len())
        .flat_map(|lesson| {
            (0..FORMATS.len()).flat_map(move |format| (0..2).map(move |run| (lesson, format, run)))
        })
        .collect();
    let results: Vec<Mutex<Option<Drawn>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| loop {
                let index = {
                    let mut next = next.lock().unwrap();
                    *next += 1;
                    *next - 1
                };
                let Some(&(lesson, format, run)) = jobs.get(index) else {
                    break;
                };
                let id = ids[lesson].as_str();
                let mut args = vec!["lesson", id, "--format", FORMATS[format]];
                let capture = (FORMATS[format] == "svg")
                    .then(|| fixture.temp().join(format!("{id}-{run}.pcapng")));
                let capture_arg = capture
                    .as_ref()
                    .map(|path| path.to_string_lossy().into_owned());
                if let Some(path) = &capture_arg {
                    args.extend(["--write", path.as_str()]);
                }
                let outcome = fixture.run(&args);
                *results[index].lock().unwrap() = Some(Drawn { outcome, capture });
            });
        }
    });
    let mut results = results
        .into_iter()
        .map(|slot| slot.into_inner().unwrap().expect("every job ran"));
    ids.iter()
        .map(|_| {
            FORMATS
                .iter()
                .map(|_| [results.next().unwrap(), results.next().unwrap()])
                .collect()
        })
        .collect()
}

/// Packets in a saved capture, counted by replaying it as JSON.
fn captured_packets(fixture: &Socklab, capture: &std::path::Path) -> usize {
    let replay = fixture.run(&["replay", &capture.to_string_lossy(), "--format", "json"]);
    replay.assert_code(0);
    replay
        .stdout
        .lines()
        .filter(|line| line.contains(r#""type":"packet""#))
        .count()
}

/// The first loopback address in `text` with a port the kernel could have picked (`:0` in `bind()` is fine).
fn ephemeral_port(text: &str) -> Option<String> {
    ["127.0.0.1:", "[::1]:"].iter().find_map(|prefix| {
        text.match_indices(prefix).find_map(|(at, _)| {
            let after = &text[at + prefix.len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            (digits.parse::<u16>().is_ok_and(|port| port >= 1024))
                .then(|| format!("{prefix}{digits}"))
        })
    })
}

fn has_class(node: &roxmltree::Node, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|classes| classes.split_whitespace().any(|c| c == class))
}

/// The texts of every element of `class`, in document order.
fn texts_of_class(document: &roxmltree::Document, class: &str) -> Vec<String> {
    document
        .descendants()
        .filter(|node| node.is_element() && has_class(node, class))
        .map(|node| node.text().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn every_lesson_draws_the_same_svg_and_mermaid_twice_and_matches_its_snapshots() {
    let ids = lesson_ids();
    assert_eq!(ids.len(), 16, "{ids:?}");
    let fixture = Socklab::new();
    let drawn = draw_all(&fixture, &ids);
    for (lesson, id) in ids.iter().enumerate() {
        for (format_index, format) in FORMATS.iter().enumerate() {
            let [first, second] = &drawn[lesson][format_index];
            let what = format!("lesson {id} --format {format}");
            if skipped(&first.outcome, &what) {
                return;
            }
            first.outcome.assert_code(0);
            second.outcome.assert_code(0);
            assert_eq!(
                first.outcome.stdout, second.outcome.stdout,
                "{what} came out differently on its second run"
            );
            let text = &first.outcome.stdout;
            // Stable mode: no ephemeral port or time is left in the picture.
            assert_eq!(ephemeral_port(text), None, "{what}:\n{text}");
            if *format == "svg" {
                let document = roxmltree::Document::parse(text)
                    .unwrap_or_else(|error| panic!("{what} is not XML ({error}):\n{text}"));
                assert_eq!(document.root_element().tag_name().name(), "svg");
                assert!(texts_of_class(&document, "sl-time").is_empty(), "{what}");
                let arrows = document
                    .descendants()
                    .filter(|node| node.is_element() && has_class(node, "sl-arrow"))
                    .count();
                let capture = first.capture.as_deref().expect("svg runs save a capture");
                let packets = captured_packets(&fixture, capture);
                assert!(
                    arrows >= packets,
                    "{what}: {arrows} arrows for {packets} captured packets"
                );
                if id != "unix" {
                    assert!(packets > 0, "{what}: nothing was captured");
                }
                check_teardown_steps(id, &document);
            } else {
                assert!(text.starts_with("sequenceDiagram\n"), "{what}:\n{text}");
            }
            insta::assert_snapshot!(format!("{id}-{format}"), text);
        }
    }
}

/// teardown-4 shows four teardown arrows 1/4..4/4; teardown-3 merges the middle two (Linux's FIN-ACK).
fn check_teardown_steps(id: &str, document: &roxmltree::Document) {
    let expected: &[&str] = match id {
        "teardown-4" => &[
            "teardown 1/4",
            "teardown 2/4",
            "teardown 3/4",
            "teardown 4/4",
        ],
        "teardown-3" => &["teardown 1/4", "teardown 2+3/4", "teardown 4/4"],
        _ => return,
    };
    // The step texts of the packets drawn as arrows, in order.
    let steps: Vec<String> = document
        .descendants()
        .filter(|node| node.is_element() && has_class(node, "sl-packet"))
        .filter(|packet| packet.children().any(|node| has_class(&node, "sl-arrow")))
        .filter_map(|packet| {
            packet
                .children()
                .find(|node| has_class(node, "sl-step"))
                .and_then(|node| node.text())
                .filter(|step| step.starts_with("teardown"))
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        steps, expected,
        "lesson {id}: teardown arrows and their steps"
    );
}
