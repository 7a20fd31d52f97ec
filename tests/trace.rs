//! `socklab trace`: a learner's own program, run in a private network, explained after it ends;
//! its exit status reported; and nothing it started left running.

mod common;
mod live_support;

use live_support::{group_members, start_time, userns_blocked, Lines, Unprivileged};
use std::process::Stdio;
use std::time::Duration;

/// In the style of the tutorials (../shared/seeds): a TCP server thread that accepts, receives, sends
/// the text back in upper case and closes; a client that connects, sends, receives and closes.
const ECHO_PAIR: &str = r#"
import socket
import sys
import threading

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(128)
port = server.getsockname()[1]

def serve():
    new_socket, client_address = server.accept()
    data = new_socket.recv(1024)
    new_socket.send(data.upper())
    new_socket.close()

thread = threading.Thread(target=serve)
thread.start()

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", port))
client.send(b"hello, socklab")
reply = client.recv(1024)
client.close()
thread.join()
server.close()
print("client received:", reply.decode())
sys.exit(3)
"#;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_python_client_and_server_are_explained_with_their_exit_status() {
    let test = "a_python_client_and_server_are_explained_with_their_exit_status";
    if !common::have_tool("python3") {
        return;
    }
    // trace needs no privileges: run it as an unprivileged user (nobody, when the tests run as root).
    let Some(user) = Unprivileged::new(test) else {
        return;
    };
    user.write("echo_pair.py", ECHO_PAIR);
    let output = user
        .command(&["trace", "--", "python3", "echo_pair.py"])
        .output()
        .expect("start socklab");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    if userns_blocked(output.status.code(), &stderr, test) {
        return;
    }
    let context = format!(
        "as {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        user.who()
    );
    assert_eq!(output.status.code(), Some(3), "exit status: {context}");

    // The program's own output first, then socklab's explanation.
    let program = stdout
        .find("client received: HELLO, SOCKLAB")
        .unwrap_or_else(|| panic!("no program output: {context}"));
    let ladder = stdout
        .find("trace: python3 echo_pair.py")
        .unwrap_or_else(|| panic!("no ladder: {context}"));
    assert!(program < ladder, "the ladder came first: {context}");
    for wanted in [
        "handshake 1/3",
        "handshake 2/3",
        "handshake 3/3",
        "data: 14 bytes client → server",
        "data: 14 bytes server → client",
        "teardown 1/4: FIN",
        "teardown 4/4: ACK",
        "handshake      complete",
        "close          clean",
        "the kernel dropped none",
        "command: python3 echo_pair.py returned exit status 3",
        "`python3 echo_pair.py` exited with status 3",
    ] {
        assert!(stdout.contains(wanted), "no {wanted:?}: {context}");
    }
    assert!(
        stdout
            .lines()
            .any(|line| line.trim_start().starts_with("history")),
        "no history line: {context}"
    );
}

#[test]
fn json_output_carries_the_exit_status_in_the_last_call() {
    let test = "json_output_carries_the_exit_status_in_the_last_call";
    if !common::have_tool("python3") {
        return;
    }
    let fixture = common::Socklab::new();
    std::fs::write(fixture.temp().join("echo_pair.py"), ECHO_PAIR).unwrap();
    let output = fixture.run(&["trace", "--format", "json", "--", "python3", "echo_pair.py"]);
    if userns_blocked(output.code, &output.stderr, test) {
        return;
    }
    output.assert_code(3);
    // The program's own output goes to stderr, so that stdout is nothing but JSON Lines.
    assert!(
        output.stderr.contains("client received: HELLO, SOCKLAB"),
        "{}",
        output.stderr
    );
    let records: Vec<serde_json::Value> = output
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let last_call = records
        .iter()
        .rev()
        .find(|record| record["type"] == "call")
        .expect("a call record");
    assert_eq!(last_call["actor"], "command");
    assert_eq!(last_call["outcome"]["value"], "exit status 3");
    let summary = records.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["flows"][0]["closed_cleanly"], true, "{summary}");
    assert_eq!(summary["flows"][0]["handshake_complete"], true, "{summary}");
}

#[test]
fn the_capture_can_be_saved_and_replayed() {
    let test = "the_capture_can_be_saved_and_replayed";
    if !common::have_tool("python3") {
        return;
    }
    let fixture = common::Socklab::new();
    std::fs::write(fixture.temp().join("echo_pair.py"), ECHO_PAIR).unwrap();
    let traced = fixture.run(&[
        "trace",
        "--write",
        "echo.pcapng",
        "--",
        "python3",
        "echo_pair.py",
    ]);
    if userns_blocked(traced.code, &traced.stderr, test) {
        return;
    }
    traced.assert_code(3);
    let replayed = fixture.run(&["replay", "echo.pcapng"]);
    replayed.assert_code(0);
    assert!(
        replayed.stdout.contains("handshake 3/3"),
        "{}",
        replayed.stdout
    );
    let history = |stdout: &str| {
        stdout
            .lines()
            .find(|line| line.trim_start().starts_with("history"))
            .map(str::to_string)
    };
    assert!(history(&traced.stdout).is_some(), "{}", traced.stdout);
    assert_eq!(history(&replayed.stdout), history(&traced.stdout));
}

/// Forks a child that stays in the group and one that leaves it (setsid), prints the three pids and
/// the process group, then sleeps forever.
const NEVER_ENDS: &str = r#"
import os
import sys
import time

stays = os.fork()
if stays == 0:
    time.sleep(1000)
    os._exit(0)
leaves = os.fork()
if leaves == 0:
    os.setsid()
    time.sleep(1000)
    os._exit(0)
time.sleep(0.05)
print("pids", os.getpid(), stays, leaves, "group", os.getpgrp(), flush=True)
time.sleep(1000)
"#;

/// Starts `socklab trace ... -- python3 never_ends.py`, returns it with the pids line parsed.
fn start_never_ending(
    fixture: &common::Socklab,
    socklab_args: &[&str],
) -> Option<(std::process::Child, Lines, Vec<i32>, i32)> {
    std::fs::write(fixture.temp().join("never_ends.py"), NEVER_ENDS).unwrap();
    let mut child = fixture
        .command()
        .args(socklab_args)
        .args(["--", "python3", "never_ends.py"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start socklab");
    let mut lines = Lines::new(child.stdout.take().unwrap());
    let Some(line) = lines.wait_for(Duration::from_secs(20), |line| line.starts_with("pids "))
    else {
        let status = child.wait().expect("wait");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        if userns_blocked(status.code(), &stderr, "start_never_ending") {
            return None;
        }
        panic!("no pids line; {status}\n{:?}\n{stderr}", lines.seen);
    };
    let numbers: Vec<i32> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    let (pids, group) = (numbers[..3].to_vec(), numbers[3]);
    assert_eq!(group, pids[0], "the command leads its own process group");
    Some((child, lines, pids, group))
}

/// Every process the command started is gone: not alive, not a zombie (a reused pid would have
/// another start time), and nothing is left in its process group.
fn assert_all_gone(started: &[(i32, Option<u64>)], group: i32) {
    for (pid, start) in started {
        assert!(start.is_some(), "process {pid} was not alive before");
        assert_ne!(
            start_time(*pid),
            *start,
            "process {pid} (started by the command) is still there"
        );
    }
    assert_eq!(
        group_members(group),
        Vec::<i32>::new(),
        "group {group} still has members"
    );
}

#[test]
fn a_timeout_kills_the_whole_command_and_says_so() {
    if !common::have_tool("python3") {
        return;
    }
    let fixture = common::Socklab::new();
    let Some((mut child, mut lines, pids, group)) =
        start_never_ending(&fixture, &["trace", "--timeout", "1"])
    else {
        return;
    };
    let started: Vec<(i32, Option<u64>)> = pids.iter().map(|&pid| (pid, start_time(pid))).collect();
    let rest = lines.rest(Duration::from_secs(20)).join("\n");
    let status = child.wait().expect("wait for socklab");
    assert_eq!(status.code(), Some(124), "{rest}");
    assert!(
        rest.contains("was still running when the --timeout of 1 s ran out"),
        "{rest}"
    );
    assert!(
        rest.contains(
            "1 process(es) it started had left its process group; socklab killed them too"
        ),
        "{rest}"
    );
    assert!(
        rest.contains("command: python3 never_ends.py failed: SIGKILL (killed by socklab"),
        "{rest}"
    );
    // socklab reaped them all before it exited, so they are gone by now, with no waiting.
    assert_all_gone(&started, group);
}

#[test]
fn sigint_to_socklab_kills_the_command_and_reports_130() {
    if !common::have_tool("python3") {
        return;
    }
    let fixture = common::Socklab::new();
    let Some((mut child, mut lines, pids, group)) = start_never_ending(&fixture, &["trace"]) else {
        return;
    };
    let started: Vec<(i32, Option<u64>)> = pids.iter().map(|&pid| (pid, start_time(pid))).collect();
    // SAFETY: kill with the pid of our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let rest = lines.rest(Duration::from_secs(20)).join("\n");
    let status = child.wait().expect("wait for socklab");
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(
        rest.contains("socklab received SIGINT and killed `python3 never_ends.py`"),
        "{rest}"
    );
    assert_all_gone(&started, group);
}

#[test]
fn a_missing_program_is_reported_with_status_127() {
    let test = "a_missing_program_is_reported_with_status_127";
    let fixture = common::Socklab::new();
    let output = fixture.run(&["trace", "--", "./no-such-program"]);
    if userns_blocked(output.code, &output.stderr, test) {
        return;
    }
    output.assert_code(127);
    assert!(
        output.stderr.contains("cannot start `./no-such-program`"),
        "{}",
        output.stderr
    );
}
