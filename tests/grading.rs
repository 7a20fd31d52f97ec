//! `socklab grade` on example submissions written the way students write them (tests/submissions): for each
//! exercise one correct program and the classic bugs, with their exact scores and diagnoses.
//!
//! Each run happens in its own private network namespace; where namespaces cannot be created the tests
//! say SKIPPED loudly and pass.

mod common;

use common::grading::{grade, grade_as, submission, Graded};
use common::Socklab;

/// (variant, score, max, failed checks, diagnosis kinds, phrases of the text report)
type Case = (
    &'static str,
    u64,
    u64,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

fn check(exercise: &str, cases: &[Case]) {
    for (variant, score, max, failed, diagnoses, phrases) in cases {
        let lab = Socklab::new();
        let Some(graded) = grade(&lab, exercise, variant) else {
            return;
        };
        let context = format!(
            "{exercise}/{variant}\n--- stdout\n{}\n--- stderr\n{}",
            graded.outcome.stdout, graded.outcome.stderr
        );
        assert_eq!(graded.score(), (*score, *max), "score of {context}");
        assert_eq!(graded.failed(), *failed, "failed checks of {context}");
        assert_eq!(graded.diagnoses(), *diagnoses, "diagnoses of {context}");
        let expected_code = if score == max { 0 } else { 1 };
        assert_eq!(
            graded.outcome.code,
            Some(expected_code),
            "exit code of {context}"
        );
        for phrase in *phrases {
            assert!(
                graded.outcome.stdout.contains(phrase),
                "{phrase:?} missing from {context}"
            );
        }
        assert_eq!(graded.run()["processes_left"], 0, "{context}");
    }
}

#[test]
fn tcp_client_submissions() {
    check("tcp-client", &[
        ("correct", 10, 10, &[], &[], &["✓  3/3  Sends exactly \"hello\\n\"", "Score: 10/10", "  | hello, client"]),
        ("wrong_payload", 7, 10, &["payload"], &[], &[
            "✗  0/3  Sends exactly \"hello\\n\"",
            "expected: \"hello\\n\" (6 bytes)",
            "got:      \"helo\\n\" (5 bytes); first difference at byte 3: expected \"l\" (0x6c), got \"o\" (0x6f) in #4",
            "packets:  #4",
            "fix:      Send exactly b\"hello\\n\"",
        ]),
        ("right_stdout_wrong_bytes", 7, 10, &["payload"], &[], &[
            "got:      \"hello\\r\\n\" (7 bytes); first difference at byte 5: expected \"\\n\" (0x0a), got \"\\r\" (0x0d) in #4",
            "  | hello, client",
        ]),
        ("never_closes", 5, 10, &["read-reply", "graceful-close", "active-closer", "no-half-open"], &["never-closed"], &[
            "the submission never closed its socket: no FIN by the end of the run (submission ESTABLISHED / socklab ESTABLISHED)",
            "Ended: still running when socklab's script ended",
        ]),
        ("rst_linger", 6, 10, &["read-reply", "graceful-close", "active-closer"], &["abortive-close"], &[
            "from the submission (an abortive close)",
            "SO_LINGER set to 0, or close() while received bytes were still unread",
        ]),
        ("wrong_port", 0, 10, &["handshake", "port", "payload", "read-reply", "graceful-close", "active-closer", "no-half-open"], &["wrong-port"], &[
            "got:      SYN #1 to port 8080 was answered by RST #2 (connection refused)",
            "The submission connected to port 8080 (SYN #1), where nothing listens: RST #2 refused it, and connect() failed with ECONNREFUSED. socklab was listening on port 5000.",
            "ConnectionRefusedError",
        ]),
    ]);
}

#[test]
fn tcp_server_submissions() {
    check("tcp-server", &[
        ("correct", 9, 9, &[], &[], &["Score: 9/9"]),
        ("wrong_payload", 6, 9, &["payload"], &[], &["got:      \"pong\\n\" (5 bytes); first difference at byte 0: expected \"P\" (0x50), got \"p\" (0x70)"]),
        ("right_stdout_wrong_bytes", 6, 9, &["payload"], &[], &["got:      \"PING\\r\\n\" (6 bytes)", "  | PING"]),
        ("never_closes", 6, 9, &["graceful-close", "no-half-open"], &["never-closed"], &[
            "socklab closed its side (FIN #8), but the submission never closed its socket: it is stuck in CLOSE-WAIT, and socklab waits in FIN-WAIT-2",
            "fix:      After recv() returns b'', call conn.close()",
        ]),
        ("no_listen", 0, 9, &["handshake", "port", "payload", "graceful-close", "no-half-open"], &["no-listen"], &[
            "Nothing listened on port 5000: SYN #1 was answered by RST #2 (connection refused). The server did not call listen()",
            "OSError: [Errno 22] Invalid argument",
        ]),
        ("rst_linger", 8, 9, &["graceful-close"], &["abortive-close"], &["RST #"]),
    ]);
}

#[test]
fn udp_sender_submissions() {
    check("udp-sender", &[
        ("correct", 8, 8, &[], &[], &["2 datagram(s) of 5, 5 bytes (#1, #2)"]),
        ("wrong_port", 6, 8, &["port", "delivered"], &["udp-port-unreachable", "udp-port-unreachable"], &[
            "got:      datagrams to port 5001 (#1, #3)",
            "The submission's datagram #1 went to port 5001, where nothing was bound: ICMP port unreachable #2.",
        ]),
        ("one_datagram", 2, 8, &["datagrams", "payload", "payload"], &[], &[
            "got:      1 datagram(s) of 10 bytes (#1)",
            "got:      datagram 1 (#1): \"helloworld\" (10 bytes); first difference at byte 5: expected end of data, got \"w\" (0x77)",
            "got:      no datagram 2 from the submission (only 1)",
        ]),
    ]);
}

#[test]
fn udp_receiver_submissions() {
    check("udp-receiver", &[
        ("correct", 8, 8, &[], &[], &["Score: 8/8"]),
        ("reply_to_fixed_port", 6, 8, &["delivered"], &["udp-port-unreachable"], &[
            "went to port 9999, where nothing was bound",
        ]),
        ("wrong_bind", 0, 8, &["port", "delivered", "datagrams", "payload"], &["udp-port-unreachable"], &[
            "socklab's datagram #1 to port 5000 was answered by ICMP port unreachable #2: the submission was not bound to that port",
        ]),
    ]);
}

#[test]
fn multi_client_submissions() {
    check("tcp-multi-client", &[
        ("correct", 10, 10, &[], &[], &["3 clients served"]),
        ("one_client", 4, 10, &["multi-client", "payload"], &["no-listen"], &[
            "got:      1 of 2 connection(s) served; connection 2: SYN #11 was refused by RST #12: the server had stopped listening",
            "After serving a client, the server stopped listening",
        ]),
    ]);
}

#[test]
fn half_close_submissions() {
    check("tcp-half-close", &[
        ("correct", 10, 10, &[], &[], &["ShAD"]),
        ("close_instead_of_shutdown", 5, 10, &["half-close", "read-reply"], &["closed-before-reply"], &[
            "the submission called close() instead of shutdown(SHUT_WR), so the reply was refused",
        ]),
        ("no_shutdown", 2, 10, &["half-close", "history", "read-reply", "no-half-open"], &["never-closed"], &[
            "no FIN from the submission: it never shut down its sending side",
            "stopped at step `recv eof`: no FIN (end of stream) after \"count these\\n\" within 2000 ms",
        ]),
    ]);
}

#[test]
fn restart_and_byte_stream_submissions() {
    check(
        "tcp-server-restart",
        &[
            ("correct", 7, 7, &[], &[], &["Score: 7/7"]),
            (
                "no_reuseaddr",
                0,
                7,
                &["handshake", "payload", "no-half-open"],
                &["address-in-use"],
                &[
                    "Port 6000 was still in TIME-WAIT",
                    "Its stderr confirms: \"Address already in use\".",
                    "SO_REUSEADDR",
                ],
            ),
        ],
    );
    check("tcp-byte-stream", &[
        ("correct", 9, 9, &[], &[], &["Score: 9/9"]),
        ("single_recv", 3, 9, &["read-reply", "graceful-close"], &["closed-before-reply", "message-boundaries"], &[
            "socklab sent its reply in 2 pieces (#6: 3 B, #10: 3 B), and the submission closed (#8) after the first: it treated one recv() as one whole message",
        ]),
    ]);
}

fn graded_or_skip(
    lab: &Socklab,
    exercise: &str,
    variant: &str,
    options: &[&str],
) -> Option<Graded> {
    let file = submission(exercise, variant);
    grade_as(lab, exercise, &file, &format!("{variant}.py"), &[], options)
}

#[test]
fn gradescope_and_junit_reports_carry_expected_and_got() {
    let lab = Socklab::new();
    let results = lab.temp().join("results.json");
    let junit = lab.temp().join("junit.xml");
    let options = [
        "--gradescope",
        results.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ];
    let Some(graded) = graded_or_skip(&lab, "tcp-client", "wrong_payload", &options) else {
        return;
    };
    assert_eq!(graded.outcome.code, Some(1));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(results["score"], 7);
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 7);
    for test in tests {
        for field in [
            "name",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
        ] {
            assert!(!test[field].is_null(), "{field} missing in {test}");
        }
    }
    let payload = tests.iter().find(|t| t["status"] == "failed").unwrap();
    assert_eq!(payload["name"], "Sends exactly \"hello\\n\"");
    assert_eq!(payload["max_score"], 3);
    assert_eq!(payload["score"], 0);
    let output = payload["output"].as_str().unwrap();
    assert!(
        output.contains("Expected: \"hello\\n\" (6 bytes)\nGot:      \"helo\\n\" (5 bytes)"),
        "{output}"
    );
    assert!(output.contains("Packets:  #4"), "{output}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{xml}"
    );
    assert!(xml.contains("tests=\"7\" failures=\"1\""), "{xml}");
    assert!(
        xml.contains(
            "<failure message=\"expected &quot;hello\\n&quot; (6 bytes), got &quot;helo\\n&quot;"
        ),
        "{xml}"
    );
}

#[test]
fn reports_speak_chinese() {
    let lab = Socklab::new();
    let file = submission("tcp-client", "wrong_payload");
    std::fs::copy(&file, lab.temp().join("c.py")).unwrap();
    let outcome = lab.run(&[
        "--lang",
        "zh-CN",
        "grade",
        "tcp-client",
        "--no-ladder",
        "--",
        "python3",
        "c.py",
    ]);
    if common::grading::skipped(&outcome, "reports_speak_chinese") {
        return;
    }
    assert_eq!(outcome.code, Some(1));
    for phrase in ["评分项", "得分: 7/10", "第 3 个字节起不同", "改进:"] {
        assert!(
            outcome.stdout.contains(phrase),
            "{phrase} missing:\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn the_terminal_report_shows_the_ladder_with_socklabs_calls() {
    let lab = Socklab::new();
    std::fs::copy(submission("tcp-client", "correct"), lab.temp().join("c.py")).unwrap();
    let outcome = lab.run(&["grade", "tcp-client", "--", "python3", "c.py"]);
    if common::grading::skipped(&outcome, "ladder") {
        return;
    }
    outcome.assert_code(0);
    for phrase in [
        "server: accept() called",
        "handshake 1/3: SYN",
        "teardown",
        "✓  1/1  Three-way handshake completed",
    ] {
        assert!(
            outcome.stdout.contains(phrase),
            "{phrase} missing:\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn grading_cannot_run_without_a_command_or_with_a_bad_exercise() {
    let lab = Socklab::new();
    let outcome = lab.run(&["grade", "no-such-exercise", "--pcap", "x.pcapng"]);
    outcome.assert_code(2);
    assert!(
        outcome
            .stderr
            .contains("no built-in exercise named \"no-such-exercise\""),
        "{}",
        outcome.stderr
    );
    std::fs::write(lab.temp().join("bad.toml"), "title.en = \"x\"\nstatement.en = \"y\"\ntime_limit = 5\n[submission]\nrole = \"client\"\n[peer]\nkind = \"tcp-server\"\nsteps = [\"accept\", 'send \"x']\n[[criteria]]\ncheck = \"handshake\"\npoints = 1\n").unwrap();
    let outcome = lab.run(&["grade", "bad.toml", "--pcap", "x.pcapng"]);
    outcome.assert_code(2);
    assert!(outcome.stderr.contains("bad.toml:8:"), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("no closing quote"),
        "{}",
        outcome.stderr
    );
    let outcome = lab.run(&["grade", "--list"]);
    outcome.assert_code(0);
    for name in [
        "tcp-client",
        "tcp-server",
        "udp-sender",
        "udp-receiver",
        "tcp-multi-client",
        "tcp-half-close",
    ] {
        assert!(outcome.stdout.contains(name), "{}", outcome.stdout);
    }
}

/// A teacher's own exercise file: the port as an argument, answers on standard input (as the seed
/// tutorials' clients ask for the server's address with input()), and a history criterion.
#[test]
fn a_teachers_exercise_file_with_the_port_as_argument_and_stdin() {
    let lab = Socklab::new();
    std::fs::write(
        lab.temp().join("echo.toml"),
        r#"
title.en = "Echo client"
statement.en = "Ask for the server's address on stdin, send one line, read the echo."
time_limit = 4

[submission]
role = "client"
port = "arg"
port_number = 7000
stdin = "127.0.0.1\n{port}\n"

[peer]
kind = "tcp-server"
steps = ["accept", "recv line", 'send "echo\n"', "recv eof", "close"]

[[criteria]]
check = "history"
pattern = "^ShADadFf$"
points = 2

[[criteria]]
check = "payload"
from = "socklab"
contains = "echo"
points = 1
"#,
    )
    .unwrap();
    std::fs::write(
        lab.temp().join("seed_client.py"),
        "import socket, sys\n\
         assert sys.argv[1] == '7000', sys.argv\n\
         ip = input('server ip: ')\n\
         port = int(input('server port: '))\n\
         s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n\
         s.connect((ip, port))\n\
         s.send('echo\\n'.encode('gbk'))\n\
         print(s.recv(1024).decode('gbk'))\n\
         s.close()\n",
    )
    .unwrap();
    let outcome = lab.run(&[
        "grade",
        "echo.toml",
        "--no-ladder",
        "--",
        "python3",
        "seed_client.py",
        "{port}",
    ]);
    if common::grading::skipped(&outcome, "teacher's exercise") {
        return;
    }
    outcome.assert_code(0);
    assert!(
        outcome
            .stdout
            .contains("✓  2/2  Connection history matches ^ShADadFf$"),
        "{}",
        outcome.stdout
    );
    assert!(outcome.stdout.contains("Score: 3/3"), "{}", outcome.stdout);
    // Without {port} in the command, the grading cannot run.
    let outcome = lab.run(&["grade", "echo.toml", "--", "python3", "seed_client.py"]);
    outcome.assert_code(2);
    assert!(
        outcome.stderr.contains("put {port} in the command"),
        "{}",
        outcome.stderr
    );
}
