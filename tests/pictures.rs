//! Pictures end to end: captures are built here with `CaptureWriter`, replayed by the real binary with
//! `--format svg|mermaid|html|stevens`, checked with an XML parser and as snapshots, and the HTML walkthrough
//! is opened in headless Chromium (when installed) to see that its script runs and that it draws something.
//!
//! Every lesson's pictures (stable mode) are snapshot-tested in tests/lesson_pictures.rs.

mod common;

use common::{repo_path, Socklab};
use etherparse::{icmpv4::DestUnreachableHeader, Icmpv4Type, PacketBuilder};
use socklab::capture::{CaptureWriter, Frame, LinkType, Timestamp};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CLIENT: ([u8; 4], u16) = ([127, 0, 0, 1], 43210);
const SERVER: ([u8; 4], u16) = ([127, 0, 0, 1], 5000);
const CLOSED_PORT: u16 = 5001;
/// 2023-11-14, so times are far from zero (nothing may depend on absolute time).
const BASE_NS: i64 = 1_700_000_000_000_000_000;

/// A capture being built: frames with their times.
#[derive(Default)]
struct Capture {
    frames: Vec<(i64, Vec<u8>)>,
    now_ns: i64,
}

impl Capture {
    /// Advances the clock by `micros` and adds a frame.
    fn push(&mut self, micros: i64, frame: Vec<u8>) {
        self.now_ns += micros * 1000;
        self.frames.push((self.now_ns, frame));
    }

    /// Writes the capture as pcapng into `dir` and returns the file name.
    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let mut writer = CaptureWriter::new_pcapng(Vec::new(), Some("socklab pictures test"))
            .expect("start a pcapng");
        for (index, (nanos, data)) in self.frames.iter().enumerate() {
            let frame = Frame {
                number: index as u64 + 1,
                timestamp: Timestamp(BASE_NS + nanos),
                link_type: LinkType::Ethernet,
                data,
                original_len: data.len() as u32,
            };
            writer.write_frame(&frame, None).expect("write a frame");
        }
        let bytes = writer.finish().expect("finish the pcapng");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write the capture file");
        path
    }
}

/// One TCP connection between CLIENT and SERVER, keeping both sides' sequence numbers.
struct Tcp {
    client_next: u32,
    server_next: u32,
}

impl Tcp {
    fn new() -> Tcp {
        // ISNs near the wrap, as real ones can be.
        Tcp {
            client_next: 0xffff_fff0,
            server_next: 0x2000_0000,
        }
    }

    /// A segment from the client (`to_server`) or the server, with flags from "SAFPR" (SYN, ACK, FIN,
    /// PSH, RST), carrying `payload`.
    fn segment(&mut self, to_server: bool, flags: &str, payload: &[u8]) -> Vec<u8> {
        let ((src, src_port), (dst, dst_port)) = if to_server {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        let (seq, ack) = if to_server {
            (self.client_next, self.server_next)
        } else {
            (self.server_next, self.client_next)
        };
        let mut builder = PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(src, dst, 64)
            .tcp(src_port, dst_port, seq, 65483);
        for flag in flags.chars() {
            builder = match flag {
                'S' => builder.syn(),
                'A' => builder.ack(ack),
                'F' => builder.fin(),
                'P' => builder.psh(),
                'R' => builder.rst(),
                other => panic!("unknown flag {other}"),
            };
        }
        let mut frame = Vec::new();
        builder.write(&mut frame, payload).expect("build a segment");
        let used = payload.len() as u32 + flags.contains('S') as u32 + flags.contains('F') as u32;
        if to_server {
            self.client_next = self.client_next.wrapping_add(used);
        } else {
            self.server_next = self.server_next.wrapping_add(used);
        }
        frame
    }
}

/// Handshake, "hello" and "world" both ways, and the four-segment teardown: 11 packets.
fn handshake_data_teardown() -> Capture {
    let mut capture = Capture::default();
    let mut tcp = Tcp::new();
    capture.push(0, tcp.segment(true, "S", b""));
    capture.push(21, tcp.segment(false, "SA", b""));
    capture.push(14, tcp.segment(true, "A", b""));
    capture.push(120, tcp.segment(true, "PA", b"hello"));
    capture.push(8, tcp.segment(false, "A", b""));
    capture.push(60, tcp.segment(false, "PA", b"world"));
    capture.push(9, tcp.segment(true, "A", b""));
    capture.push(300, tcp.segment(true, "FA", b""));
    capture.push(40_000, tcp.segment(false, "A", b""));
    capture.push(2_000, tcp.segment(false, "FA", b""));
    capture.push(12, tcp.segment(true, "A", b""));
    capture
}

/// Handshake, then FIN, FIN-ACK, ACK: the three-segment teardown. 6 packets.
fn three_segment_teardown() -> Capture {
    let mut capture = Capture::default();
    let mut tcp = Tcp::new();
    capture.push(0, tcp.segment(true, "S", b""));
    capture.push(20, tcp.segment(false, "SA", b""));
    capture.push(15, tcp.segment(true, "A", b""));
    capture.push(500, tcp.segment(true, "FA", b""));
    capture.push(25, tcp.segment(false, "FA", b""));
    capture.push(10, tcp.segment(true, "A", b""));
    capture
}

/// A UDP datagram to a closed port and the ICMP port unreachable that quotes it. 2 packets.
fn udp_to_closed_port() -> Capture {
    let mut capture = Capture::default();
    let ((client, client_port), (server, _)) = (CLIENT, SERVER);
    let mut datagram = Vec::new();
    PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(client, server, 64)
        .udp(client_port, CLOSED_PORT)
        .write(&mut datagram, b"ping")
        .expect("build a datagram");
    // ICMP quotes the datagram's IP header and the first 8 bytes after it (here, all of it).
    let quoted = datagram[14..].to_vec();
    let mut icmp = Vec::new();
    PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(server, client, 64)
        .icmpv4(Icmpv4Type::DestinationUnreachable(
            DestUnreachableHeader::Port,
        ))
        .write(&mut icmp, &quoted)
        .expect("build an ICMP error");
    capture.push(0, datagram);
    capture.push(35, icmp);
    capture
}

/// Replays `capture` (written as `name` in the fixture's folder) with `args` after the file name.
fn replay(socklab: &Socklab, capture: &Capture, name: &str, args: &[&str]) -> String {
    capture.write(socklab.temp(), name);
    let mut all = vec!["replay", name];
    all.extend_from_slice(args);
    let outcome = socklab.run(&all);
    outcome.assert_code(0);
    assert!(outcome.stderr.is_empty(), "{}", outcome.stderr);
    outcome.stdout
}

fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|error| panic!("not well-formed XML: {error}\n{text}"))
}

fn with_class<'a, 'i>(
    document: &'a roxmltree::Document<'i>,
    class: &str,
) -> Vec<roxmltree::Node<'a, 'i>> {
    document
        .descendants()
        .filter(|node| {
            node.attribute("class")
                .is_some_and(|classes| classes.split(' ').any(|c| c == class))
        })
        .collect()
}

/// The step labels under the arrows, in order.
fn step_labels(document: &roxmltree::Document) -> Vec<String> {
    with_class(document, "sl-step")
        .iter()
        .filter_map(|node| node.text().map(str::to_string))
        .collect()
}

// ---- SVG ----------------------------------------------------------------------------------------------

#[test]
fn svg_of_handshake_data_and_four_segment_teardown() {
    let socklab = Socklab::new();
    let svg = replay(
        &socklab,
        &handshake_data_teardown(),
        "echo.pcapng",
        &["--format", "svg"],
    );
    let document = parse_xml(&svg);
    assert_eq!(document.root_element().tag_name().name(), "svg");
    assert_eq!(with_class(&document, "sl-packet").len(), 11);
    assert_eq!(with_class(&document, "sl-arrow").len(), 11);
    assert_eq!(with_class(&document, "sl-lifeline").len(), 2);
    assert_eq!(
        step_labels(&document),
        [
            "handshake 1/3",
            "handshake 2/3",
            "handshake 3/3",
            "teardown 1/4",
            "teardown 2/4",
            "teardown 3/4",
            "teardown 4/4"
        ]
    );
    insta::assert_snapshot!("svg_echo_four_segment_teardown", svg);
}

#[test]
fn svg_of_the_three_segment_teardown_labels_its_three_arrows() {
    let socklab = Socklab::new();
    let svg = replay(
        &socklab,
        &three_segment_teardown(),
        "teardown-3.pcapng",
        &["--format", "svg"],
    );
    let document = parse_xml(&svg);
    let packets = with_class(&document, "sl-packet");
    assert_eq!(packets.len(), 6);
    let teardown: Vec<_> = packets
        .iter()
        .filter(|node| node.attribute("class").unwrap().contains("sl-teardown"))
        .collect();
    assert_eq!(teardown.len(), 3, "three teardown arrows");
    assert_eq!(
        &step_labels(&document)[3..],
        ["teardown 1/4", "teardown 2+3/4", "teardown 4/4"]
    );
    insta::assert_snapshot!("svg_three_segment_teardown", svg);
}

#[test]
fn svg_of_udp_and_icmp() {
    let socklab = Socklab::new();
    let svg = replay(
        &socklab,
        &udp_to_closed_port(),
        "udp-closed.pcapng",
        &["--format", "svg"],
    );
    let document = parse_xml(&svg);
    let packets = with_class(&document, "sl-packet");
    assert_eq!(packets.len(), 2);
    assert!(packets[0].attribute("class").unwrap().contains("sl-udp"));
    assert!(packets[1].attribute("class").unwrap().contains("sl-icmp"));
    assert!(svg.contains("ICMP port unreachable (quotes packet #1)"));
    insta::assert_snapshot!("svg_udp_closed_port", svg);
}

#[test]
fn svg_in_chinese_uses_chinese_labels_and_a_cjk_font_stack() {
    let socklab = Socklab::new();
    let svg = replay(
        &socklab,
        &three_segment_teardown(),
        "teardown-3.pcapng",
        &["--format", "svg", "--lang", "zh-CN"],
    );
    let document = parse_xml(&svg);
    assert_eq!(
        &step_labels(&document)[3..],
        ["挥手 1/4", "挥手 2+3/4", "挥手 4/4"]
    );
    assert!(svg.contains("客户端") && svg.contains("服务器"));
    for font in [
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "PingFang SC",
        "Microsoft YaHei",
    ] {
        assert!(svg.contains(font), "{font}");
    }
}

// ---- Mermaid ------------------------------------------------------------------------------------------

/// Message lines: "L0->>L1: SYN seq=0".
fn mermaid_messages(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|line| line.starts_with('L') && line.contains(": "))
        .collect()
}

#[test]
fn mermaid_of_handshake_data_and_four_segment_teardown() {
    let socklab = Socklab::new();
    let text = replay(
        &socklab,
        &handshake_data_teardown(),
        "echo.pcapng",
        &["--format", "mermaid"],
    );
    assert!(text.starts_with("sequenceDiagram\n"));
    assert_eq!(mermaid_messages(&text).len(), 11);
    for step in 1..=4 {
        assert!(
            text.contains(&format!("Note over L0,L1: teardown {step}/4\n")),
            "{text}"
        );
    }
    insta::assert_snapshot!("mermaid_echo_four_segment_teardown", text);
}

#[test]
fn mermaid_of_the_three_segment_teardown() {
    let socklab = Socklab::new();
    let text = replay(
        &socklab,
        &three_segment_teardown(),
        "teardown-3.pcapng",
        &["--format", "mermaid"],
    );
    assert_eq!(mermaid_messages(&text).len(), 6);
    assert!(text.contains("Note over L0,L1: teardown 2+3/4\n"));
    insta::assert_snapshot!("mermaid_three_segment_teardown", text);
}

#[test]
fn mermaid_of_udp_and_icmp() {
    let socklab = Socklab::new();
    let text = replay(
        &socklab,
        &udp_to_closed_port(),
        "udp-closed.pcapng",
        &["--format", "mermaid"],
    );
    let messages = mermaid_messages(&text);
    assert_eq!(messages.len(), 2);
    assert!(messages[0].starts_with("L0-)L1: "), "{text}");
    assert!(messages[1].starts_with("L1--)L0: "), "{text}");
    insta::assert_snapshot!("mermaid_udp_closed_port", text);
}

// ---- HTML and the time-sequence graph -----------------------------------------------------------------

#[test]
fn html_is_one_well_formed_page_with_diagram_table_and_data() {
    let socklab = Socklab::new();
    let html = replay(
        &socklab,
        &handshake_data_teardown(),
        "echo.pcapng",
        &["--format", "html"],
    );
    let document = parse_xml(&html);
    assert_eq!(document.root_element().tag_name().name(), "html");
    assert_eq!(with_class(&document, "sl-packet").len(), 11);
    assert_eq!(with_class(&document, "sl-row").len(), 11);
    for id in ["sl-step", "sl-back", "sl-all", "sl-details", "sl-data"] {
        assert!(
            document
                .descendants()
                .any(|node| node.attribute("id") == Some(id)),
            "no #{id}"
        );
    }
    // Self-contained: nothing to fetch.
    assert!(!html.contains(" src=") && !html.contains("<link") && !html.contains("https://"));
}

#[test]
fn stevens_graph_is_valid_svg_that_plots_the_data() {
    let socklab = Socklab::new();
    let svg = replay(
        &socklab,
        &handshake_data_teardown(),
        "echo.pcapng",
        &["--format", "stevens"],
    );
    let document = parse_xml(&svg);
    assert_eq!(with_class(&document, "sl-data").len(), 1);
    assert_eq!(with_class(&document, "sl-ack").len(), 1);
    assert_eq!(with_class(&document, "sl-window").len(), 1);
    assert!(svg.contains("client 127.0.0.1:43210 → server 127.0.0.1:5000"));
}

// ---- Every recorded scenario -------------------------------------------------------------------------

/// The scenario captures in fixtures/ (recorded by `socklab run ... --write`).
fn recorded_captures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_path("fixtures"))
        .expect("read fixtures/")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".pcapng"))
        .collect();
    names.sort();
    names
}

/// Replays a recorded capture; the absolute path in the output is replaced by `fixtures/NAME`.
fn replay_recorded(socklab: &Socklab, capture: &str, format: &str) -> String {
    let path = repo_path("fixtures").join(capture);
    let path = path.to_str().expect("a UTF-8 path");
    let outcome = socklab.run(&["replay", path, "--format", format, "--lang", "en"]);
    outcome.assert_code(0);
    assert!(outcome.stderr.is_empty(), "{capture}: {}", outcome.stderr);
    outcome.stdout.replace(path, &format!("fixtures/{capture}"))
}

#[test]
fn every_recorded_scenario_draws_one_arrow_per_packet_in_every_picture() {
    let captures = recorded_captures();
    assert!(captures.len() >= 20, "{captures:?}");
    let socklab = Socklab::new();
    for capture in &captures {
        let json = replay_recorded(&socklab, capture, "json");
        let packets = json
            .lines()
            .filter(|line| line.contains(r#""type":"packet""#))
            .count();
        assert!(packets > 0, "{capture}");

        let svg = replay_recorded(&socklab, capture, "svg");
        let document = parse_xml(&svg);
        assert_eq!(
            with_class(&document, "sl-packet").len(),
            packets,
            "{capture}"
        );
        let steps = step_labels(&document);
        let teardown: Vec<&str> = steps
            .iter()
            .map(String::as_str)
            .filter(|step| step.starts_with("teardown"))
            .collect();
        if capture.starts_with("tcp-teardown-4") {
            assert_eq!(
                teardown,
                [
                    "teardown 1/4",
                    "teardown 2/4",
                    "teardown 3/4",
                    "teardown 4/4"
                ],
                "{capture}"
            );
        } else if capture.starts_with("tcp-teardown-3") {
            assert_eq!(
                teardown,
                ["teardown 1/4", "teardown 2+3/4", "teardown 4/4"],
                "{capture}"
            );
        }

        let html = replay_recorded(&socklab, capture, "html");
        let page = parse_xml(&html);
        assert_eq!(with_class(&page, "sl-packet").len(), packets, "{capture}");
        assert_eq!(with_class(&page, "sl-row").len(), packets, "{capture}");

        parse_xml(&replay_recorded(&socklab, capture, "stevens"));

        let mermaid = replay_recorded(&socklab, capture, "mermaid");
        let messages = mermaid_messages(&mermaid);
        assert_eq!(messages.len(), packets, "{capture}: {mermaid}");
        insta::assert_snapshot!(format!("mermaid-{capture}"), mermaid);
    }
}

// ---- Live runs ----------------------------------------------------------------------------------------

/// Runs a scenario for real; `None` (and a loud note) where this machine forbids live capture.
fn live_svg(scenario: &str) -> Option<String> {
    let socklab = Socklab::new();
    let outcome = socklab.run(&["run", scenario, "--format", "svg"]);
    if outcome.code == Some(3) {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(),
            "SKIPPED: `socklab run {scenario}` is not permitted here, so its live SVG was not checked:\n{}",
            outcome.stderr
        );
        }
        return None;
    }
    outcome.assert_code(0);
    Some(outcome.stdout)
}

#[test]
fn a_live_four_segment_teardown_shows_its_four_steps() {
    let Some(svg) = live_svg("tcp-teardown-4") else {
        return;
    };
    let document = parse_xml(&svg);
    let steps = step_labels(&document);
    let teardown: Vec<&str> = steps
        .iter()
        .map(String::as_str)
        .filter(|step| step.starts_with("teardown"))
        .collect();
    assert_eq!(
        teardown,
        [
            "teardown 1/4",
            "teardown 2/4",
            "teardown 3/4",
            "teardown 4/4"
        ]
    );
    assert!(
        !with_class(&document, "sl-call").is_empty(),
        "socket calls are marked"
    );
}

#[test]
fn a_live_three_segment_teardown_shows_its_three_steps() {
    let Some(svg) = live_svg("tcp-teardown-3") else {
        return;
    };
    let document = parse_xml(&svg);
    let steps = step_labels(&document);
    let teardown: Vec<&str> = steps
        .iter()
        .map(String::as_str)
        .filter(|step| step.starts_with("teardown"))
        .collect();
    assert_eq!(teardown, ["teardown 1/4", "teardown 2+3/4", "teardown 4/4"]);
}

// ---- A real browser -----------------------------------------------------------------------------------

/// The Chromium binary, or `None` with a loud note.
fn chromium() -> Option<&'static str> {
    let found = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n==================== SKIPPED ====================\n\
             chromium is not installed, so the HTML walkthrough was NOT opened in a real browser.\n\
             Install it (Debian: apt-get install chromium) to run this test; .ci/run does.\n\
             =================================================\n"
            );
        }
        return None;
    }
    Some("chromium")
}

/// Runs headless Chromium with a fresh empty profile, waiting at most a minute; returns its stdout.
fn run_chromium(binary: &str, profile: &Path, args: &[&str]) -> Vec<u8> {
    let mut child = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .env("HOME", profile)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("chromium's stdout");
    let mut stderr = child.stderr.take().expect("chromium's stderr");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = reader.join().expect("read chromium's output");
    let errors = errors.join().unwrap_or_default();
    assert!(status.success(), "chromium failed: {status}\n{errors}");
    output
}

/// The values of every `class` attribute that starts with `prefix` in serialized HTML.
fn classes_starting_with<'a>(html: &'a str, prefix: &str) -> Vec<&'a str> {
    let needle = format!("class=\"{prefix}");
    html.match_indices(&needle)
        .filter_map(|(index, _)| {
            let value = &html[index + "class=\"".len()..];
            value.find('"').map(|end| &value[..end])
        })
        .collect()
}

#[test]
fn the_walkthrough_runs_and_steps_in_headless_chromium() {
    let Some(binary) = chromium() else {
        return;
    };
    let socklab = Socklab::new();
    let html = replay(
        &socklab,
        &handshake_data_teardown(),
        "echo.pcapng",
        &["--format", "html"],
    );
    let page = socklab.temp().join("walkthrough.html");
    std::fs::write(&page, &html).expect("write the page");
    let url = format!("file://{}", page.display());

    // The DOM after the script ran: every arrow and row is there, and the details panel was filled.
    let profile = tempfile::tempdir().expect("an empty profile folder");
    let dom = run_chromium(binary, profile.path(), &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom);
    assert!(
        dom.contains("data-ready=\"11\""),
        "the script did not run:\n{dom}"
    );
    let packets = classes_starting_with(&dom, "sl-packet ");
    assert_eq!(packets.len(), 11, "arrows");
    assert_eq!(
        classes_starting_with(&dom, "sl-row ").len(),
        11,
        "table rows"
    );
    assert!(packets.iter().all(|class| !class.contains("sl-later")));
    assert!(
        dom.contains("Ethernet · 14 B") && dom.contains("TCP · 20 B"),
        "details"
    );

    // Opened at step 3, eight arrows and their rows are still hidden, and packet 3 is selected.
    let profile = tempfile::tempdir().expect("an empty profile folder");
    let stepped = run_chromium(
        binary,
        profile.path(),
        &["--dump-dom", &format!("{url}#step=3")],
    );
    let stepped = String::from_utf8_lossy(&stepped);
    let packets = classes_starting_with(&stepped, "sl-packet ");
    let hidden = packets
        .iter()
        .filter(|class| class.contains("sl-later"))
        .count();
    assert_eq!(hidden, 8, "{packets:?}");
    let rows = classes_starting_with(&stepped, "sl-row ");
    assert_eq!(
        rows.iter()
            .filter(|class| class.contains("sl-later"))
            .count(),
        8
    );
    assert!(rows[2].contains("sl-selected"), "{rows:?}");
    assert!(stepped.contains("3 / 11"), "counter");

    // A screenshot that is not blank: a blank page is one colour.
    let profile = tempfile::tempdir().expect("an empty profile folder");
    let png_path = socklab.temp().join("walkthrough.png");
    run_chromium(
        binary,
        profile.path(),
        &[
            &format!("--screenshot={}", png_path.display()),
            "--window-size=1200,900",
            &url,
        ],
    );
    let png = std::fs::read(&png_path).expect("chromium wrote the screenshot");
    let (width, height, colours, inked) = picture_stats(&png);
    assert_eq!((width, height), (1200, 900));
    assert!(colours > 50, "only {colours} colours: a blank page?");
    let share = inked as f64 / (width as f64 * height as f64);
    assert!(
        share > 0.02,
        "only {:.1}% of the page is not white",
        share * 100.0
    );
    if let Ok(dir) = std::env::var("SOCKLAB_KEEP_SCREENSHOT") {
        let _ = std::fs::copy(&png_path, Path::new(&dir).join("walkthrough.png"));
    }
}

/// (width, height, distinct colours, pixels that are not white) of a PNG.
fn picture_stats(png: &[u8]) -> (u32, u32, usize, usize) {
    let decoder = png::Decoder::new(Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a PNG of sane size")];
    let info = reader.next_frame(&mut buffer).expect("decode the PNG");
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0;
    for row in buffer[..info.buffer_size()].chunks(info.line_size) {
        for pixel in row.chunks(channels).take(info.width as usize) {
            let rgb = [
                pixel[0],
                pixel.get(1).copied().unwrap_or(pixel[0]),
                pixel.get(2).copied().unwrap_or(pixel[0]),
            ];
            if rgb != [255, 255, 255] {
                inked += 1;
            }
            colours.insert(rgb);
        }
    }
    (info.width, info.height, colours.len(), inked)
}
