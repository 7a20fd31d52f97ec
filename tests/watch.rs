//! `socklab watch`: a live exchange on the host's lo, explained as it happens, summarised on Ctrl-C.
//! Other tests use lo at the same time; the watch is filtered to this test's own port.

mod common;
mod live_support;

use live_support::{is_root, Lines, Unprivileged};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"))
}

/// The packet that completes a teardown: "teardown 4/4", the ACK of the second FIN.
fn is_last_teardown_step(record: &Value) -> bool {
    record["type"] == "packet"
        && record["annotations"].as_array().is_some_and(|notes| {
            notes
                .iter()
                .any(|note| note["data"]["kind"] == "teardown_ack" && note["data"]["step"] == 4)
        })
}

#[test]
fn a_host_exchange_is_explained_live_and_summarised_on_ctrl_c() {
    if !is_root() {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "SKIPPED: a_host_exchange_is_explained_live_and_summarised_on_ctrl_c: watch captures the host's lo, which needs CAP_NET_RAW (run the tests as root)");
        }
        return;
    }
    // The port is reserved by listening on it before the watch starts.
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen on the host's lo");
    let port = listener.local_addr().unwrap().port();
    let fixture = common::Socklab::new();
    let mut watch = fixture
        .command()
        .args(["watch", "--port", &port.to_string(), "--format", "json"])
        .args(["--write", "watch.pcapng"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start socklab watch");
    let mut lines = Lines::new(watch.stdout.take().unwrap());

    // The first line is printed once the capture is open: from then on nothing is missed.
    let Some(first) = lines.wait_for(WAIT, |_| true) else {
        let status = watch.wait().unwrap();
        let mut stderr = String::new();
        watch
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        panic!("watch printed nothing; {status}\n{stderr}");
    };
    let run = parse(&first);
    assert_eq!(run["type"], "run");
    assert_eq!(run["source"], "live capture on the host's lo");

    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    client.write_all(b"hello").unwrap();
    let mut buffer = [0u8; 5];
    server.read_exact(&mut buffer).unwrap();
    server.write_all(b"HELLO").unwrap();
    client.read_exact(&mut buffer).unwrap();
    drop(client);
    let mut rest = Vec::new();
    server.read_to_end(&mut rest).unwrap();
    drop(server);

    // Streamed as it happens: the last step of the teardown arrives before socklab is stopped.
    let last_ack = lines.wait_for(WAIT, |line| is_last_teardown_step(&parse(line)));
    assert!(
        last_ack.is_some(),
        "no final ACK of the teardown:\n{}",
        lines.seen.join("\n")
    );
    // SAFETY: kill with the pid of our own child process.
    assert_eq!(unsafe { libc::kill(watch.id() as i32, libc::SIGINT) }, 0);
    let after = lines.rest(WAIT);
    let status = watch.wait().expect("wait for watch");
    assert_eq!(status.code(), Some(0), "{}", lines.seen.join("\n"));

    let records: Vec<Value> = lines.seen.iter().map(|line| parse(line)).collect();
    let summary = parse(after.last().expect("a summary after Ctrl-C"));
    assert_eq!(summary["type"], "summary", "{summary}");
    for packet in records.iter().filter(|record| record["type"] == "packet") {
        let ports = [
            packet["transport"]["src_port"].as_u64(),
            packet["transport"]["dst_port"].as_u64(),
        ];
        assert!(
            ports.contains(&Some(port as u64)),
            "a packet not to or from port {port}: {packet}"
        );
    }
    let flows = summary["flows"].as_array().expect("flows");
    assert_eq!(flows.len(), 1, "one connection: {summary}");
    let flow = &flows[0];
    // Client: SYN, handshake ACK, data, FIN; server: SYN-ACK, data, FIN (ACKs may ride along).
    let history = flow["history"].as_str().expect("a history string");
    assert!(history.starts_with("Sh"), "{history}");
    assert!(history.contains('D') && history.contains('d'), "{history}");
    assert!(history.contains('F') && history.contains('f'), "{history}");
    assert_eq!(flow["handshake_complete"], true, "{flow}");
    assert_eq!(flow["closed_cleanly"], true, "{flow}");
    assert_eq!(flow["active_closer"], "client", "{flow}");
    assert_eq!(flow["client_payload_bytes"], 5);
    assert_eq!(flow["server_payload_bytes"], 5);
    assert!(
        flow["client_states"]
            .as_array()
            .is_some_and(|states| states.contains(&Value::from("TIME-WAIT"))),
        "{flow}"
    );
    assert_eq!(summary["capture"]["complete"], true, "{summary}");
    assert_eq!(
        summary["capture"]["frames"].as_u64(),
        flow["packets"].as_u64(),
        "only this port's packets are counted"
    );

    // --write kept exactly the packets shown; replaying them tells the same story.
    let replayed = fixture.run(&["replay", "watch.pcapng", "--format", "json"]);
    replayed.assert_code(0);
    let replayed_summary = parse(replayed.stdout.lines().last().expect("a summary"));
    assert_eq!(replayed_summary["flows"][0]["history"], flow["history"]);
    assert_eq!(
        replayed_summary["capture"]["frames"],
        summary["capture"]["frames"]
    );
}

#[test]
fn without_cap_net_raw_watch_says_what_is_missing_and_offers_trace() {
    let test = "without_cap_net_raw_watch_says_what_is_missing_and_offers_trace";
    let Some(user) = Unprivileged::new(test) else {
        return;
    };
    let output = user
        .command(&["watch", "--port", "5000"])
        .stdin(Stdio::null())
        .output()
        .expect("start socklab");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test}: {} may capture on the host's lo here (setcap?)",
                user.who()
            );
        }
        return;
    }
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    for wanted in [
        "CAP_NET_RAW",
        "sudo",
        "setcap cap_net_raw+ep",
        "socklab trace -- CMD",
    ] {
        assert!(stderr.contains(wanted), "no {wanted:?} in\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}
