//! Every built-in scenario, run for real over IPv4 and IPv6 on `lo`, checked packet by packet.
//!
//! Needs CAP_NET_RAW (root). Without it each test says so LOUDLY on stderr and returns. The tests run in
//! parallel: every run filters the shared `lo` traffic on its own ephemeral ports.

use socklab::decode::{self, IcmpKind, Packet, Transport};
use socklab::scenario::{self, Family, ScenarioRun};
use socklab::timeline::{CallOutcome, TimelineEntry};

/// Runs a scenario, or returns None after a loud notice when this process may not capture.
fn run_or_skip(name: &str, family: Family) -> Option<ScenarioRun> {
    match scenario::run(name, family) {
        Ok(run) => {
            eprintln!(
                "{name} over {family}: {} frames, {} tries, {:?} elapsed, notes: {:?}",
                run.frames.len(),
                run.tries,
                run.elapsed,
                run.notes
            );
            Some(run)
        }
        Err(error) if error.is_permission_denied() => {
            {
                // Straight to stderr, past the test harness's capture: a skip must be seen.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED (needs CAP_NET_RAW): {name} over {family}: {error}"
                );
            }
            None
        }
        Err(error) => panic!("{name} over {family} failed: {error}"),
    }
}

fn decoded(run: &ScenarioRun) -> Vec<Packet<'_>> {
    run.frames
        .iter()
        .map(|frame| {
            decode::decode(&frame.as_frame())
                .unwrap_or_else(|error| panic!("frame {} does not decode: {error}", frame.number))
        })
        .collect()
}

/// The run's frames in tcpdump's shorthand, prefixed by sender: "C S", "S S.", "C P. 5", "C udp 4",
/// "S icmp port-unreachable".
fn wire(run: &ScenarioRun) -> Vec<String> {
    let server_port = |protocol: u8, port: u16| {
        run.endpoints.iter().any(|endpoint| {
            endpoint.role == "server"
                && endpoint.protocol == protocol
                && endpoint.address.port() == port
        })
    };
    decoded(run)
        .iter()
        .map(|packet| {
            let version_ok = matches!(
                (run.family, packet.ip.map(|ip| ip.version)),
                (Family::V4, Some(decode::IpVersion::V4))
                    | (Family::V6, Some(decode::IpVersion::V6))
            );
            assert!(
                version_ok,
                "frame {} has the wrong IP version",
                packet.number
            );
            match &packet.transport {
                Transport::Tcp(segment) => {
                    let sender = if server_port(6, segment.src_port) {
                        "S"
                    } else {
                        "C"
                    };
                    let flags = segment.flags;
                    let mut text = String::new();
                    for (set, letter) in [
                        (flags.syn(), 'S'),
                        (flags.fin(), 'F'),
                        (flags.rst(), 'R'),
                        (flags.psh(), 'P'),
                        (flags.ack(), '.'),
                    ] {
                        if set {
                            text.push(letter);
                        }
                    }
                    if segment.payload_len > 0 {
                        format!("{sender} {text} {}", segment.payload_len)
                    } else {
                        format!("{sender} {text}")
                    }
                }
                Transport::Udp(datagram) => {
                    let sender = if server_port(17, datagram.src_port) {
                        "S"
                    } else {
                        "C"
                    };
                    format!("{sender} udp {}", datagram.payload_len)
                }
                Transport::Icmp(message) => match message.kind {
                    IcmpKind::DestinationUnreachable {
                        port_unreachable: true,
                    } => {
                        let quoted = message.quoted.expect("an ICMP error quotes the datagram");
                        assert!(server_port(17, quoted.dst_port.expect("quoted UDP port")));
                        "S icmp port-unreachable".to_string()
                    }
                    other => format!("? icmp {other:?}"),
                },
                other => format!("? {other:?}"),
            }
        })
        .collect()
}

/// Does `actual` match `pattern`, where a pattern item ending in '?' may be absent?
fn matches(actual: &[String], pattern: &[&str]) -> bool {
    match (actual.first(), pattern.first()) {
        (_, None) => actual.is_empty(),
        (first, Some(item)) => {
            let (token, optional) = match item.strip_suffix('?') {
                Some(token) => (token, true),
                None => (*item, false),
            };
            (first.is_some_and(|first| first == token) && matches(&actual[1..], &pattern[1..]))
                || (optional && matches(actual, &pattern[1..]))
        }
    }
}

fn assert_wire(run: &ScenarioRun, pattern: &[&str]) {
    let actual = wire(run);
    assert!(
        matches(&actual, pattern),
        "{} over {}: the wire was\n  {actual:?}\nbut the pattern is\n  {pattern:?}",
        run.name,
        run.family
    );
}

/// "actor call => outcome" for every call, in timeline order.
fn calls(run: &ScenarioRun) -> Vec<String> {
    run.timeline
        .iter()
        .filter_map(|entry| match entry {
            TimelineEntry::Call(call) => Some(format!(
                "{} {} => {}",
                call.actor,
                call.call,
                match &call.outcome {
                    CallOutcome::Called => "called".to_string(),
                    CallOutcome::Returned { value } => value.clone(),
                    CallOutcome::Failed { errno, .. } => errno.clone(),
                }
            )),
            TimelineEntry::Frame(_) => None,
        })
        .collect()
}

fn assert_call(run: &ScenarioRun, wanted: &str) {
    let calls = calls(run);
    assert!(
        calls.iter().any(|call| call.contains(wanted)),
        "{} over {}: no call like {wanted:?} in\n{calls:#?}",
        run.name,
        run.family
    );
}

/// Invariants of every run: each frame on the timeline exactly once and in order, a complete capture.
fn assert_well_formed(run: &ScenarioRun) {
    let indexes: Vec<usize> = run
        .timeline
        .iter()
        .filter_map(|entry| match entry {
            TimelineEntry::Frame(index) => Some(*index),
            TimelineEntry::Call(_) => None,
        })
        .collect();
    assert_eq!(
        indexes,
        (0..run.frames.len()).collect::<Vec<_>>(),
        "{}",
        run.name
    );
    for (i, frame) in run.frames.iter().enumerate() {
        assert_eq!(frame.number, i as u64 + 1);
    }
    for pair in run.frames.windows(2) {
        let backwards_ns = pair[0].timestamp.since(pair[1].timestamp);
        if backwards_ns <= 0 {
            continue;
        }
        // Only packets sent at the same moment from two CPUs may be stamped out of capture order, and the
        // engine must say so in the notes.
        assert_eq!(
            run.name, "tcp-simultaneous-close",
            "kernel timestamps go backwards at frame {}",
            pair[1].number
        );
        assert!(backwards_ns < 1_000_000, "{backwards_ns} ns backwards");
        let numbers = format!("frames {} and {}", pair[0].number, pair[1].number);
        assert!(
            run.notes.iter().any(|note| note.contains(&numbers)),
            "{:?}",
            run.notes
        );
    }
    assert_eq!(
        run.stats.kernel_drops, 0,
        "{}: the kernel dropped frames",
        run.name
    );
    assert!(run.stats.is_complete());
    assert!(run.tries >= 1);
}

const HANDSHAKE: [&str; 3] = ["C S", "S S.", "C ."];

macro_rules! both_families {
    ($name:ident, $check:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn ipv4() {
                ($check)(Family::V4);
            }
            #[test]
            fn ipv6() {
                ($check)(Family::V6);
            }
        }
    };
}

both_families!(tcp_handshake, |family| {
    let Some(run) = run_or_skip("tcp-handshake", family) else {
        return;
    };
    assert_well_formed(&run);
    let mut pattern = HANDSHAKE.to_vec();
    pattern.extend([
        "C P. 5", "S .?", "S P. 5", "C .?", "C F.", "S .?", "S F.", "C .",
    ]);
    assert_wire(&run, &pattern);
    assert_call(&run, "server recv(1024) => 5 B: \"hello\"");
    assert_call(&run, "client recv(1024) => 5 B: \"world\"");
    assert_call(&run, "server recv(1024) => 0 B: end of stream");
    // connect() is recorded as called before the handshake and returned after it.
    let connect_entries: Vec<usize> = run
        .timeline
        .iter()
        .enumerate()
        .filter(|(_, entry)| matches!(entry, TimelineEntry::Call(call) if call.call.starts_with("connect(")))
        .map(|(position, _)| position)
        .collect();
    assert_eq!(connect_entries.len(), 2);
    let between: Vec<&TimelineEntry> = run.timeline[connect_entries[0] + 1..connect_entries[1]]
        .iter()
        .collect();
    assert!(matches!(
        between[..],
        [
            TimelineEntry::Frame(0),
            TimelineEntry::Frame(1),
            TimelineEntry::Frame(2)
        ]
    ));
    assert_eq!(run.tries, 1);
});

both_families!(tcp_teardown_4, |family| {
    let Some(run) = run_or_skip("tcp-teardown-4", family) else {
        return;
    };
    assert_well_formed(&run);
    let mut pattern = HANDSHAKE.to_vec();
    pattern.extend(["C F.", "S .", "S F.", "C ."]);
    assert_wire(&run, &pattern);
    assert_call(&run, "server setsockopt(IPPROTO_TCP, TCP_QUICKACK, 1) => 0");
});

both_families!(tcp_teardown_3, |family| {
    let Some(run) = run_or_skip("tcp-teardown-3", family) else {
        return;
    };
    assert_well_formed(&run);
    let mut pattern = HANDSHAKE.to_vec();
    pattern.extend(["C F.", "S F.", "C ."]);
    assert_wire(&run, &pattern);
});

both_families!(tcp_half_close, |family| {
    let Some(run) = run_or_skip("tcp-half-close", family) else {
        return;
    };
    assert_well_formed(&run);
    let mut pattern = HANDSHAKE.to_vec();
    pattern.extend([
        "C F.", "S .?", "S P. 10", "C .?", "S P. 3", "C .?", "S F.", "C .",
    ]);
    assert_wire(&run, &pattern);
    assert_call(&run, "client shutdown(SHUT_WR) => 0");
    assert_call(&run, "client recv(1024) => 10 B: \"still here\"");
    assert_call(&run, "client recv(1024) => 3 B: \"bye\"");
    assert_call(&run, "client recv(1024) => 0 B: end of stream");
});

both_families!(tcp_simultaneous_close, |family| {
    let Some(run) = run_or_skip("tcp-simultaneous-close", family) else {
        return;
    };
    assert_well_formed(&run);
    let actual = wire(&run);
    assert!(matches(&actual[..3], &HANDSHAKE), "{actual:?}");
    let mut teardown = actual[3..].to_vec();
    teardown.sort();
    assert_eq!(teardown, ["C .", "C F.", "S .", "S F."], "{actual:?}");
    // Both FINs came before either ACK, and neither acknowledges the other.
    assert!(
        actual[3].ends_with("F.") && actual[4].ends_with("F."),
        "{actual:?}"
    );
    let packets = decoded(&run);
    let first = packets[3].tcp().unwrap();
    let second = packets[4].tcp().unwrap();
    assert_eq!(
        second.ack, first.seq,
        "the second FIN must not acknowledge the first: {actual:?}"
    );
    assert_eq!(
        first.ack, second.seq,
        "nor the first the second: {actual:?}"
    );
    assert!(run.tries >= 1);
    eprintln!(
        "tcp-simultaneous-close over {family}: the FINs crossed on try {}",
        run.tries
    );
});

both_families!(tcp_refused, |family| {
    let Some(run) = run_or_skip("tcp-refused", family) else {
        return;
    };
    assert_well_formed(&run);
    assert_wire(&run, &["C S", "S R."]);
    assert_call(&run, "=> ECONNREFUSED");
    let calls = calls(&run);
    assert!(calls
        .iter()
        .any(|call| call.starts_with("client connect(") && call.ends_with("=> called")));
});

both_families!(tcp_abort, |family| {
    let Some(run) = run_or_skip("tcp-abort", family) else {
        return;
    };
    assert_well_formed(&run);
    let mut pattern = HANDSHAKE.to_vec();
    pattern.extend(["C P. 5", "S .?", "C R."]);
    assert_wire(&run, &pattern);
    assert_call(
        &run,
        "client setsockopt(SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}) => 0",
    );
    assert_call(&run, "server recv(1024) => ECONNRESET");
});

both_families!(udp_echo, |family| {
    let Some(run) = run_or_skip("udp-echo", family) else {
        return;
    };
    assert_well_formed(&run);
    assert_wire(&run, &["C udp 4", "S udp 4"]);
    assert_call(&run, "server recvfrom(1024) => 4 B: \"ping\" from");
    assert_call(&run, "client recvfrom(1024) => 4 B: \"pong\" from");
});

both_families!(udp_closed_port, |family| {
    let Some(run) = run_or_skip("udp-closed-port", family) else {
        return;
    };
    assert_well_formed(&run);
    assert_wire(
        &run,
        &[
            "C udp 4",
            "S icmp port-unreachable",
            "C udp 4",
            "S icmp port-unreachable",
        ],
    );
    assert_call(&run, "client recvfrom(1024, MSG_DONTWAIT) => EAGAIN");
    assert_call(&run, "client2 recv(1024) => ECONNREFUSED");
});

both_families!(tcp_stream_vs_udp_datagrams, |family| {
    let Some(run) = run_or_skip("tcp-stream-vs-udp-datagrams", family) else {
        return;
    };
    assert_well_formed(&run);
    let mut pattern = HANDSHAKE.to_vec();
    pattern.extend([
        "C P. 3", "S .?", "C P. 3", "S .?", "C P. 5", "S .?", "C F.", "S .?", "S F.", "C .",
    ]);
    pattern.extend(["C udp 3", "C udp 3", "C udp 5"]);
    assert_wire(&run, &pattern);
    assert_call(&run, "server recv(1024) => 11 B: \"onetwothree\"");
    assert_call(&run, "server recvfrom(1024) => 3 B: \"one\"");
    assert_call(&run, "server recvfrom(1024) => 3 B: \"two\"");
    assert_call(&run, "server recvfrom(1024) => 5 B: \"three\"");
});

#[test]
fn unknown_scenario_names_the_real_ones() {
    let error = scenario::run("tcp-nope", Family::V4)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tcp-handshake") && error.contains("udp-closed-port"),
        "{error}"
    );
}

#[test]
fn the_optional_pattern_matcher_backtracks() {
    let actual = |items: &[&str]| {
        items
            .iter()
            .map(|item| item.to_string())
            .collect::<Vec<_>>()
    };
    assert!(matches(&actual(&["S ."]), &["S .?", "S ."]));
    assert!(matches(&actual(&["S .", "S ."]), &["S .?", "S ."]));
    assert!(!matches(&actual(&["S .", "S .", "S ."]), &["S .?", "S ."]));
    assert!(!matches(&actual(&[]), &["S ."]));
}
