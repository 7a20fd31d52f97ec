//! socklab reads tcpdump's own test captures (../shared/pcaps) the way tcpdump does: for every packet
//! tcpdump printed, the addresses, ports, flags, sequence and acknowledgement numbers and lengths agree.
//!
//! The corpus is read from beside the repository, never copied in; without it the test says SKIPPED.

mod common;

use common::{shared_pcaps, Socklab};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

/// What tcpdump printed for one packet, with the fields this test checks.
#[derive(Debug, Default)]
struct TcpdumpLine {
    number: u64,
    text: String,
    src: Option<String>,
    dst: Option<String>,
    flags: Option<String>,
    seq: Option<(u64, Option<u64>)>,
    ack: Option<u64>,
    length: Option<u64>,
}

fn parse_out(path: &Path) -> Vec<TcpdumpLine> {
    let text = std::fs::read_to_string(path).expect("read .out");
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let starts_packet = trimmed
            .split_whitespace()
            .next()
            .is_some_and(|word| word.chars().all(|c| c.is_ascii_digit()))
            && line.starts_with(' ')
            && line.len() - trimmed.len() <= 5;
        if starts_packet {
            blocks.push(line.to_string());
        } else if let Some(last) = blocks.last_mut() {
            last.push(' ');
            last.push_str(trimmed);
        }
    }
    blocks
        .into_iter()
        .map(|block| parse_block(&block))
        .collect()
}

fn parse_block(block: &str) -> TcpdumpLine {
    let mut parsed = TcpdumpLine {
        number: block
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        text: block.to_string(),
        ..Default::default()
    };
    let words: Vec<&str> = block.split_whitespace().collect();
    if let Some(arrow) = words.iter().position(|word| *word == ">") {
        if arrow > 0 && arrow + 1 < words.len() && words[arrow + 1].ends_with(':') {
            parsed.src = Some(words[arrow - 1].to_string());
            parsed.dst = Some(words[arrow + 1].trim_end_matches(':').to_string());
        }
    }
    let after = |key: &str| block.find(key).map(|at| &block[at + key.len()..]);
    parsed.flags = after("Flags [")
        .and_then(|rest| rest.split(']').next())
        .map(str::to_string);
    parsed.seq = after(", seq ").map(|rest| {
        let number = rest.split([',', ' ']).next().unwrap_or_default();
        match number.split_once(':') {
            Some((start, end)) => (start.parse().unwrap_or(0), end.parse().ok()),
            None => (number.parse().unwrap_or(0), None),
        }
    });
    parsed.ack = after(", ack ").and_then(|rest| rest.split([',', ' ']).next()?.parse().ok());
    if parsed.flags.is_some() {
        parsed.length =
            after(", length ").and_then(|rest| rest.split([',', ' ', ':']).next()?.parse().ok());
    }
    parsed
}

/// tcpdump's flag letters → TCP flag bits (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128).
fn flag_bits(letters: &str) -> u64 {
    letters
        .chars()
        .map(|letter| match letter {
            'F' => 0x01,
            'S' => 0x02,
            'R' => 0x04,
            'P' => 0x08,
            '.' => 0x10,
            'U' => 0x20,
            'E' => 0x40,
            'W' => 0x80,
            _ => 0,
        })
        .sum()
}

/// "a.b.c.d.port" or "v6addr.port", as tcpdump prints an endpoint.
fn endpoint(ip: &Value, transport: &Value, side: &str) -> String {
    format!(
        "{}.{}",
        ip[side].as_str().unwrap_or_default(),
        transport[format!("{side}_port")]
            .as_u64()
            .unwrap_or_default()
    )
}

#[test]
fn socklab_agrees_with_tcpdump_on_its_own_test_captures() {
    let Some(dir) = shared_pcaps() else { return };
    let index = std::fs::read_to_string(dir.join("INDEX.tsv")).expect("INDEX.tsv");
    let socklab = Socklab::new();
    let (mut packets, mut fields) = (0usize, 0usize);

    for entry in index.lines().filter(|line| !line.trim().is_empty()) {
        let columns: Vec<&str> = entry.split('\t').collect();
        let (pcap, out) = (columns[0], columns[1]);
        let replay = socklab.run(&[
            "replay",
            dir.join(pcap).to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(
            matches!(replay.code, Some(0) | Some(1)),
            "{pcap}: exit {:?}\n{}",
            replay.code,
            replay.stderr
        );
        let records: HashMap<u64, Value> = replay
            .stdout
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).expect("JSON line"))
            .filter(|record| record["type"] == "packet" || record["type"] == "undecodable")
            .map(|record| (record["frame"].as_u64().unwrap_or(0), record))
            .collect();
        // tcpdump prints numbers relative to the first sequence number it saw in each direction.
        let mut first_seq: HashMap<(String, String), u64> = HashMap::new();

        for line in parse_out(&dir.join(out)) {
            let record = records.get(&line.number).unwrap_or_else(|| {
                panic!("{pcap}: socklab printed nothing for packet {}", line.number)
            });
            if record["type"] == "undecodable" {
                // tcpdump marks the damage with "[|tcp]" or similar; socklab must explain it, not guess.
                assert!(
                    record["message"].as_str().is_some_and(|m| m.len() > 20),
                    "{pcap} #{}",
                    line.number
                );
                continue;
            }
            let (ip, transport) = (&record["ip"], &record["transport"]);
            let context = format!("{pcap} packet {}: tcpdump says {}", line.number, line.text);
            packets += 1;
            if let (Some(src), Some(dst)) = (&line.src, &line.dst) {
                if transport["src_port"].is_u64() {
                    assert_eq!(&endpoint(ip, transport, "src"), src, "{context}");
                    assert_eq!(&endpoint(ip, transport, "dst"), dst, "{context}");
                    fields += 2;
                }
            }
            let Some(flags) = &line.flags else { continue };
            assert_eq!(transport["protocol"], "tcp", "{context}");
            assert_eq!(
                transport["flags"]["bits"].as_u64().unwrap_or(0) & 0xff,
                flag_bits(flags),
                "{context}"
            );
            fields += 1;
            if let Some(length) = line.length {
                assert_eq!(transport["payload_len"].as_u64(), Some(length), "{context}");
                fields += 1;
            }
            let raw_seq = transport["seq"].as_u64().unwrap_or(0);
            let raw_ack = transport["ack"].as_u64().unwrap_or(0);
            let direction = (
                line.src.clone().unwrap_or_default(),
                line.dst.clone().unwrap_or_default(),
            );
            let reverse = (direction.1.clone(), direction.0.clone());
            let first_in_direction = !first_seq.contains_key(&direction);
            let base = *first_seq.entry(direction).or_insert(raw_seq);
            if let Some((start, end)) = line.seq {
                let expected_start = if first_in_direction {
                    raw_seq
                } else {
                    raw_seq.wrapping_sub(base) & 0xffff_ffff
                };
                assert_eq!(start, expected_start, "seq: {context}");
                fields += 1;
                if let Some(end) = end {
                    let payload = transport["payload_len"].as_u64().unwrap_or(0);
                    assert_eq!(end, expected_start + payload, "seq end: {context}");
                }
                // Where the SYN was captured, socklab's relative numbers are tcpdump's.
                if !first_in_direction
                    && transport["relative_seq"].is_u64()
                    && syn_seen(&records, record)
                {
                    assert_eq!(
                        transport["relative_seq"].as_u64(),
                        Some(start),
                        "relative seq: {context}"
                    );
                    fields += 1;
                }
            }
            if let Some(ack) = line.ack {
                let expected = match first_seq.get(&reverse) {
                    Some(peer_base) if !first_in_direction => {
                        raw_ack.wrapping_sub(*peer_base) & 0xffff_ffff
                    }
                    _ => raw_ack,
                };
                assert_eq!(ack, expected, "ack: {context}");
                fields += 1;
            }
        }
    }
    // The count is the test's report, so it goes past the harness's capture.
    let _ = writeln!(
        std::io::stderr(),
        "tcpdump corpus: {packets} packets, {fields} fields agreed with tcpdump's expected output"
    );
    assert!(packets >= 90, "only {packets} packets compared");
}

/// True when the packet's flow began with a captured SYN from each side that has spoken.
fn syn_seen(records: &HashMap<u64, Value>, record: &Value) -> bool {
    let flow = &record["flow"];
    let mut frames: Vec<&Value> = records
        .values()
        .filter(|other| &other["flow"] == flow)
        .collect();
    frames.sort_by_key(|other| other["frame"].as_u64());
    let sender = &record["from"];
    frames
        .iter()
        .find(|other| &other["from"] == sender)
        .is_some_and(|first| first["transport"]["flags"]["bits"].as_u64().unwrap_or(0) & 0x02 != 0)
}
