//! Every capture in fixtures/ (recorded by `socklab run ... --write`) replays to a reviewed walkthrough,
//! as a ladder (colour off) and as JSON, and replaying twice gives the same bytes.

mod common;

use common::{repo_path, Socklab};

fn fixture_captures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_path("fixtures"))
        .expect("read fixtures/")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".pcapng") || name.ends_with(".pcap"))
        .collect();
    names.sort();
    names
}

fn replay(socklab: &Socklab, capture: &str, format: &str) -> String {
    let path = repo_path("fixtures").join(capture);
    let outcome = socklab.run(&[
        "replay",
        path.to_str().expect("utf-8 path"),
        "--format",
        format,
        "--lang",
        "en",
        "--color",
        "never",
        "--width",
        "100",
    ]);
    outcome.assert_code(0);
    assert!(outcome.stderr.is_empty(), "{capture}: {}", outcome.stderr);
    // The source line names the absolute path, which differs between checkouts.
    outcome.stdout.replace(
        path.to_str().unwrap_or_default(),
        &format!("fixtures/{capture}"),
    )
}

#[test]
fn every_scenario_capture_has_one_for_each_family() {
    let captures = fixture_captures();
    let socklab = Socklab::new();
    let listing = socklab.run(&["scenarios"]);
    for line in listing
        .stdout
        .lines()
        .filter(|line| line.starts_with("tcp-") || line.starts_with("udp-"))
    {
        let name = line.split_whitespace().next().unwrap_or_default();
        for family in ["ipv4", "ipv6"] {
            let expected = format!("{name}-{family}.pcapng");
            assert!(
                captures.contains(&expected),
                "fixtures/{expected} is missing: run fixtures/record.sh"
            );
        }
    }
}

#[test]
fn replayed_ladders_match_their_snapshots() {
    let socklab = Socklab::new();
    for capture in fixture_captures() {
        let first = replay(&socklab, &capture, "text");
        let second = replay(&socklab, &capture, "text");
        assert_eq!(first, second, "{capture}: two replays differ");
        insta::assert_snapshot!(format!("ladder-{capture}"), first);
    }
}

#[test]
fn replayed_json_matches_its_snapshots() {
    let socklab = Socklab::new();
    for capture in fixture_captures() {
        let first = replay(&socklab, &capture, "json");
        let second = replay(&socklab, &capture, "json");
        assert_eq!(first, second, "{capture}: two replays differ");
        for line in first.lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|error| panic!("{capture}: not JSON ({error}): {line}"));
        }
        insta::assert_snapshot!(format!("json-{capture}"), first);
    }
}
