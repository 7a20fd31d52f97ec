//! The private network, for real: socklab run by an unprivileged user captures and explains a
//! handshake with no privileges, and parallel runs each see exactly their own packets.

mod common;
mod live_support;

use live_support::{userns_blocked, Unprivileged};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_unprivileged_user_sees_the_annotated_handshake() {
    let test = "an_unprivileged_user_sees_the_annotated_handshake";
    let Some(user) = Unprivileged::new(test) else {
        return;
    };
    let output = user
        .command(&["run", "tcp-handshake"])
        .output()
        .expect("start socklab");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    if userns_blocked(output.status.code(), &stderr, test) {
        return;
    }
    assert_eq!(
        output.status.code(),
        Some(0),
        "socklab run as {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        user.who()
    );
    for wanted in [
        "handshake 1/3",
        "handshake 2/3",
        "handshake 3/3",
        "teardown 4/4",
        "private user + network namespace",
        "the kernel dropped none",
    ] {
        assert!(
            stdout.contains(wanted),
            "as {}, no {wanted:?} in\n{stdout}",
            user.who()
        );
    }
}

#[test]
fn an_unprivileged_capture_is_complete() {
    // SO_RCVBUFFORCE is refused inside a user namespace (it checks CAP_NET_ADMIN in the initial one),
    // so the capture buffer is the smaller rmem_max-bound one; a run must still lose nothing.
    let test = "an_unprivileged_capture_is_complete";
    let Some(user) = Unprivileged::new(test) else {
        return;
    };
    let output = user
        .command(&["run", "tcp-handshake", "--format", "json"])
        .output()
        .expect("start socklab");
    let stderr = text(&output.stderr);
    if userns_blocked(output.status.code(), &stderr, test) {
        return;
    }
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let records = records(&output);
    let summary = records.last().expect("a summary record");
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["capture"]["complete"], true, "{summary}");
    assert_eq!(summary["capture"]["kernel_drops"], 0, "{summary}");
}

fn records(output: &Output) -> Vec<Value> {
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Keeps TCP connections going on the host's lo until told to stop, so that a run that leaked onto
/// the host's network would capture foreign packets.
fn host_noise() -> (Arc<AtomicBool>, std::thread::JoinHandle<u32>) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let handle = std::thread::spawn(move || {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a noise listener");
        let address = listener.local_addr().expect("its address");
        let mut connections = 0;
        while !flag.load(Ordering::SeqCst) {
            let client = TcpStream::connect(address).expect("connect on the host's lo");
            let (server, _) = listener.accept().expect("accept");
            drop((client, server));
            connections += 1;
        }
        connections
    });
    (stop, handle)
}

#[test]
fn parallel_runs_each_see_exactly_their_own_packets() {
    let test = "parallel_runs_each_see_exactly_their_own_packets";
    let (stop_noise, noise) = host_noise();
    let fixture = common::Socklab::new();
    let start = || {
        fixture
            .command()
            .args(["run", "tcp-handshake", "--format", "json"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start socklab")
    };
    // Both start before either is waited for, so they overlap (and overlap the noise).
    let (first, second) = (start(), start());
    let outputs = [first, second].map(|child| child.wait_with_output().expect("wait"));
    stop_noise.store(true, Ordering::SeqCst);
    let noise_connections = noise.join().expect("the noise thread");
    assert!(noise_connections > 0, "the host's lo carried no noise");

    for output in &outputs {
        let stderr = text(&output.stderr);
        if userns_blocked(output.status.code(), &stderr, test) {
            return;
        }
        assert_eq!(output.status.code(), Some(0), "{stderr}");
    }
    for output in &outputs {
        let records = records(output);
        assert!(
            records[0]["source"]
                .as_str()
                .is_some_and(|source| source.contains("private")),
            "{}",
            records[0]
        );
        let packets: Vec<&Value> = records.iter().filter(|r| r["type"] == "packet").collect();
        let summary = records.last().expect("a summary");
        let flows = summary["flows"].as_array().expect("flows");
        assert_eq!(flows.len(), 1, "exactly one connection: {summary}");
        let port = |endpoint: &Value| -> u64 {
            let text = endpoint.as_str().expect("an endpoint");
            text.rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .expect("a port")
        };
        let ports = [
            port(&flows[0]["info"]["client"]),
            port(&flows[0]["info"]["server"]),
        ];
        for packet in &packets {
            let pair = [
                packet["transport"]["src_port"].as_u64().expect("src_port"),
                packet["transport"]["dst_port"].as_u64().expect("dst_port"),
            ];
            assert!(
                pair == ports || pair == [ports[1], ports[0]],
                "a packet of another conversation {pair:?} in the run of {ports:?}"
            );
        }
        // tcp-handshake is 10 packets, or 11 when the server's ACK of the first FIN goes out alone.
        assert!(
            (10..=11).contains(&packets.len()),
            "{} packets",
            packets.len()
        );
        // Every frame the capture saw on its lo is one of the run's: nothing else lives there.
        assert_eq!(
            summary["capture"]["frames"].as_u64(),
            Some(packets.len() as u64),
            "{summary}"
        );
        assert_eq!(flows[0]["packets"].as_u64(), Some(packets.len() as u64));
    }
}
