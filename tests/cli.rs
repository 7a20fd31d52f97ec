//! The command line as a user meets it: help, listings, colour and language, and every kind of bad input.

mod common;
mod live_support;

use common::{repo_path, Socklab};

fn fixture(name: &str) -> String {
    repo_path("fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn help_teaches_the_commands_and_the_exit_codes() {
    let outcome = Socklab::new().run(&["--help"]);
    outcome.assert_code(0);
    for needle in [
        "run",
        "scenarios",
        "replay",
        "Exit codes:",
        "CAP_NET_RAW",
        "--color",
        "--lang",
    ] {
        assert!(
            outcome.stdout.contains(needle),
            "--help lacks {needle:?}:\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn scenarios_lists_every_required_exchange() {
    let outcome = Socklab::new().run(&["scenarios"]);
    outcome.assert_code(0);
    for name in [
        "tcp-handshake",
        "tcp-teardown-4",
        "tcp-teardown-3",
        "tcp-half-close",
        "tcp-simultaneous-close",
        "tcp-refused",
        "tcp-abort",
        "udp-echo",
        "udp-closed-port",
        "tcp-stream-vs-udp-datagrams",
    ] {
        assert!(
            outcome
                .stdout
                .lines()
                .any(|line| line.split_whitespace().next() == Some(name)),
            "{name} missing from:\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn unknown_subcommands_are_usage_errors() {
    let outcome = Socklab::new().run(&["frobnicate"]);
    outcome.assert_code(2);
    assert!(outcome.stderr.contains("frobnicate"), "{}", outcome.stderr);
}

#[test]
fn a_missing_file_names_the_file() {
    let outcome = Socklab::new().run(&["replay", "no-such-capture.pcapng"]);
    outcome.assert_code(4);
    assert!(
        outcome.stderr.contains("no-such-capture.pcapng"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stdout.is_empty());
}

#[test]
fn a_file_that_is_not_a_capture_says_so() {
    let socklab = Socklab::new();
    let path = socklab.temp().join("notes.txt");
    std::fs::write(&path, "these are my lecture notes, not packets\n").unwrap();
    let outcome = socklab.run(&["replay", path.to_str().unwrap()]);
    outcome.assert_code(1);
    assert!(outcome.stderr.contains("notes.txt"), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("not a pcap or pcapng"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_truncated_capture_shows_what_it_has_then_names_the_offset() {
    let socklab = Socklab::new();
    let whole = std::fs::read(fixture("tcp-handshake-ipv4.pcapng")).unwrap();
    let cut = &whole[..whole.len() - 40];
    let path = socklab.temp().join("cut.pcapng");
    std::fs::write(&path, cut).unwrap();
    let outcome = socklab.run(&["replay", path.to_str().unwrap(), "--format", "json"]);
    outcome.assert_code(1);
    let packets = outcome
        .stdout
        .lines()
        .filter(|line| line.contains("\"type\":\"packet\""))
        .count();
    assert_eq!(packets, 9, "the frames before the cut are all shown");
    assert!(outcome
        .stdout
        .lines()
        .last()
        .unwrap_or_default()
        .contains("\"type\":\"summary\""));
    assert!(outcome.stderr.contains("cut.pcapng"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("offset"), "{}", outcome.stderr);
}

#[test]
fn frames_cut_short_are_explained_per_packet() {
    let socklab = Socklab::new();
    // A pcap whose one record holds only 30 bytes of a TCP/IPv4 frame: the TCP header is cut.
    let mut pcap = Vec::new();
    pcap.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    pcap.extend_from_slice(&65535u32.to_le_bytes());
    pcap.extend_from_slice(&1u32.to_le_bytes());
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&[
        0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
    ]);
    frame.extend_from_slice(&[0x9c, 0x40, 0x13, 0x88]);
    for field in [0u32, 0, frame.len() as u32, 54] {
        pcap.extend_from_slice(&field.to_le_bytes());
    }
    pcap.extend_from_slice(&frame);
    let path = socklab.temp().join("short.pcap");
    std::fs::write(&path, pcap).unwrap();
    let outcome = socklab.run(&["replay", path.to_str().unwrap()]);
    outcome.assert_code(0);
    assert!(outcome.stdout.contains("#1"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("TCP header"), "{}", outcome.stdout);
    assert!(
        outcome.stdout.contains("could not be decoded"),
        "{}",
        outcome.stdout
    );
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let socklab = Socklab::new();
    let capture = fixture("tcp-handshake-ipv4.pcapng");
    let never = socklab.run(&["replay", &capture, "--color", "always"]);
    assert!(
        never.stdout.contains("\u{1b}["),
        "--color always must colour even into a pipe"
    );
    let auto = socklab.run(&["replay", &capture]);
    assert!(
        !auto.stdout.contains("\u{1b}["),
        "auto into a pipe with NO_COLOR set must not colour"
    );
}

#[test]
fn chinese_comes_from_the_flag_or_the_locale() {
    let socklab = Socklab::new();
    let capture = fixture("tcp-handshake-ipv4.pcapng");
    let flag = socklab.run(&["replay", &capture, "--lang", "zh-CN"]);
    assert!(flag.stdout.contains("三次握手 1/3"), "{}", flag.stdout);
    let locale = socklab
        .command()
        .env("LANG", "zh_CN.UTF-8")
        .args(["replay", &capture])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&locale.stdout).contains("三次握手 1/3"));
}

#[test]
fn standard_input_can_be_replayed() {
    let socklab = Socklab::new();
    let file = std::fs::File::open(fixture("udp-echo-ipv4.pcapng")).unwrap();
    let output = socklab
        .command()
        .args(["replay", "-", "--format", "json"])
        .stdin(file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        text.lines()
            .filter(|line| line.contains("\"type\":\"packet\""))
            .count(),
        2
    );
}

#[test]
fn replay_needs_no_privilege() {
    let Some(user) = live_support::Unprivileged::new("replay_needs_no_privilege") else {
        return;
    };
    let capture = std::fs::read(fixture("tcp-teardown-4-ipv4.pcapng")).unwrap();
    let path = user.dir().join("capture.pcapng");
    std::fs::write(&path, capture).unwrap();
    std::process::Command::new("chmod")
        .arg("a+r")
        .arg(&path)
        .status()
        .unwrap();
    let output = user
        .command(&["replay", "capture.pcapng", "--color", "never"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "as {}: {}",
        user.who(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("teardown 4/4"), "{stdout}");
}

#[test]
fn host_net_without_cap_net_raw_names_the_fix() {
    let Some(user) = live_support::Unprivileged::new("host_net_without_cap_net_raw_names_the_fix")
    else {
        return;
    };
    let output = user
        .command(&["run", "tcp-handshake", "--host-net"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(0) {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {} has CAP_NET_RAW, so the missing-privilege message cannot be shown",
                user.who()
            );
        }
        return;
    }
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("CAP_NET_RAW"), "{stderr}");
    assert!(stderr.contains("sudo"), "{stderr}");
    assert!(stderr.contains("setcap cap_net_raw+ep"), "{stderr}");
}
