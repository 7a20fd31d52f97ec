//! Decodes every frame of tcpdump's own test captures (../shared/pcaps) and compares with tcpdump's output.
//!
//! The captures are read in memory with pcap-parser here, not with the capture layer, so that the decoder
//! is tested on its own. Where the folder is absent the tests say loudly that they were skipped.

use super::*;
use crate::capture::{LinkType, Timestamp};
use pcap_parser::pcap::parse_pcap;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/pcaps");
    if dir.is_dir() {
        Some(dir)
    } else {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ =
                writeln!(std::io::stderr(),
            "SKIPPED: the tcpdump capture corpus is not at {}; its decode tests did not run",
            dir.display()
        );
        }
        None
    }
}

/// One record of a capture, owned so the frames can be decoded after parsing.
struct Record {
    number: u64,
    timestamp: Timestamp,
    original_len: u32,
    data: Vec<u8>,
}

struct Capture {
    link_type: LinkType,
    records: Vec<Record>,
}

impl Capture {
    fn read(path: &Path) -> Capture {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (rest, capture) =
            parse_pcap(&bytes).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert!(
            rest.is_empty(),
            "{}: {} bytes left unparsed",
            path.display(),
            rest.len()
        );
        let nanos = capture.header.is_nanosecond_precision();
        // libpcap keeps the link type in the low 16 bits; the rest may carry FCS information.
        let link_type = LinkType::from_linktype((capture.header.network.0 as u32) & 0xffff);
        let records = capture
            .blocks
            .iter()
            .enumerate()
            .map(|(index, block)| Record {
                number: index as u64 + 1,
                timestamp: Timestamp::from_parts(
                    i64::from(block.ts_sec),
                    if nanos {
                        block.ts_usec
                    } else {
                        block.ts_usec.saturating_mul(1000)
                    },
                ),
                original_len: block.origlen,
                data: block.data.to_vec(),
            })
            .collect();
        Capture { link_type, records }
    }

    fn frame(&self, index: usize) -> Frame<'_> {
        let record = &self.records[index];
        Frame {
            number: record.number,
            timestamp: record.timestamp,
            link_type: self.link_type,
            data: &record.data,
            original_len: record.original_len,
        }
    }

    fn decode(&self, index: usize) -> Result<Packet<'_>, DecodeError> {
        decode(&self.frame(index))
    }
}

fn capture(dir: &Path, name: &str) -> Capture {
    Capture::read(&dir.join(name))
}

/// tcpdump's text for each packet, continuation lines (of `-v` output) joined to their packet's line.
fn tcpdump_packets(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut packets: Vec<String> = Vec::new();
    for line in text.lines() {
        let starts_packet = line
            .split_whitespace()
            .next()
            .is_some_and(|word| word.parse::<u64>().is_ok())
            && line.starts_with(' ');
        match packets.last_mut() {
            Some(packet) if !starts_packet => {
                packet.push(' ');
                packet.push_str(line.trim());
            }
            _ => packets.push(line.trim().to_string()),
        }
    }
    packets
}

/// The number after `key` in `text` ("seq 1:59" gives 1), searching from `from`.
fn number_after(text: &str, key: &str, from: usize) -> Option<u64> {
    let start = text.get(from..)?.find(key)? + from + key.len();
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// tcpdump's flag letters as our flag bits.
fn tcpdump_flags(text: &str) -> Option<TcpFlags> {
    let start = text.find("Flags [")? + "Flags [".len();
    let end = start + text[start..].find(']')?;
    let bits = text[start..end].chars().fold(0, |bits, letter| {
        bits | match letter {
            'F' => TcpFlags::FIN,
            'S' => TcpFlags::SYN,
            'R' => TcpFlags::RST,
            'P' => TcpFlags::PSH,
            '.' => TcpFlags::ACK,
            'U' => TcpFlags::URG,
            'E' => TcpFlags::ECE,
            'W' => TcpFlags::CWR,
            'e' => TcpFlags::NS,
            other => panic!("unknown tcpdump flag {other:?} in {text}"),
        }
    });
    Some(TcpFlags(bits))
}

/// (pcap, tcpdump output) pairs listed in INDEX.tsv.
fn index(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("INDEX.tsv")).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            Some((fields.next()?.to_string(), fields.next()?.to_string()))
        })
        .collect()
}

#[test]
fn every_frame_of_every_capture_decodes_or_explains_itself() {
    let Some(dir) = corpus_dir() else { return };
    let mut pcaps: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "pcap"))
        .collect();
    pcaps.sort();
    assert!(
        pcaps.len() >= 16,
        "expected the whole corpus, found {pcaps:?}"
    );
    let mut frames = 0;
    for path in &pcaps {
        let capture = Capture::read(path);
        for index in 0..capture.records.len() {
            frames += 1;
            if let Err(error) = capture.decode(index) {
                let frame_len = capture.records[index].data.len();
                assert!(error.offset <= frame_len, "{}: {error}", path.display());
                assert!(error.message.len() > 20, "{}: {error}", path.display());
            }
        }
    }
    assert!(frames > 100, "only {frames} frames in the corpus");
}

#[test]
fn the_common_case_path_agrees_with_the_general_decoder_on_every_frame() {
    let Some(dir) = corpus_dir() else { return };
    let mut accepted = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "pcap") {
            continue;
        }
        let capture = Capture::read(&path);
        for index in 0..capture.records.len() {
            if common_case::agrees_with_the_general_decoder(&capture.frame(index)) {
                accepted += 1;
            }
        }
    }
    assert!(accepted > 50, "only {accepted} frames took the common path");
}

#[test]
fn tcp_flags_and_lengths_agree_with_tcpdump() {
    let Some(dir) = corpus_dir() else { return };
    let mut compared = 0;
    for (pcap, out) in index(&dir) {
        let capture = capture(&dir, &pcap);
        let lines = tcpdump_packets(&dir.join(&out));
        assert_eq!(
            lines.len(),
            capture.records.len(),
            "{pcap}: packets vs lines of {out}"
        );
        for (index, line) in lines.iter().enumerate() {
            let (Some(flags), Ok(packet)) = (tcpdump_flags(line), capture.decode(index)) else {
                continue;
            };
            let tcp = packet
                .tcp()
                .unwrap_or_else(|| panic!("{pcap} #{}: tcpdump saw TCP", index + 1));
            assert_eq!(tcp.flags, flags, "{pcap} #{}: {line}", index + 1);
            let flags_at = line.find("Flags [").unwrap_or(0);
            let length = number_after(line, "length ", flags_at);
            assert_eq!(
                Some(u64::from(tcp.payload_len)),
                length,
                "{pcap} #{}: {line}",
                index + 1
            );
            compared += 1;
        }
    }
    assert!(compared > 50, "compared only {compared} TCP packets");
}

#[test]
fn dns_tcp_seq_ack_flags_and_lengths_match_tcpdump() {
    let Some(dir) = corpus_dir() else { return };
    let capture = capture(&dir, "dns_tcp.pcap");
    let lines = tcpdump_packets(&dir.join("dns_tcp.out"));
    assert_eq!(lines.len(), 11);
    // tcpdump prints absolute numbers on SYNs, then numbers relative to each side's initial sequence number.
    let mut initial_seq = std::collections::HashMap::new();
    for (index, line) in lines.iter().enumerate() {
        let packet = capture.decode(index).unwrap();
        let tcp = packet.tcp().unwrap();
        let ip = packet.ip.unwrap();
        assert_eq!(
            tcp.flags,
            tcpdump_flags(line).unwrap(),
            "#{}: {line}",
            index + 1
        );
        assert_eq!(
            Some(u64::from(tcp.payload_len)),
            number_after(line, "length ", 0),
            "#{}: {line}",
            index + 1
        );
        assert_eq!(
            Some(u64::from(tcp.window)),
            number_after(line, "win ", 0),
            "#{}",
            index + 1
        );
        if tcp.flags.syn() {
            initial_seq.insert(ip.src, tcp.seq);
        }
        let own_base = if tcp.flags.syn() {
            0
        } else {
            initial_seq[&ip.src]
        };
        if let Some(seq) = number_after(line, "seq ", 0) {
            assert_eq!(
                tcp.seq.wrapping_sub(own_base),
                seq as u32,
                "#{}: {line}",
                index + 1
            );
        }
        if let Some(ack) = number_after(line, "ack ", 0) {
            let peer_base = if tcp.flags.syn() {
                0
            } else {
                initial_seq[&ip.dst]
            };
            assert_eq!(
                tcp.ack.wrapping_sub(peer_base),
                ack as u32,
                "#{}: {line}",
                index + 1
            );
        }
    }
    // The first three, spelled out.
    let syn = capture.decode(0).unwrap();
    let syn = syn.tcp().unwrap();
    assert_eq!(
        (syn.seq, syn.ack, syn.flags),
        (603899916, 0, TcpFlags(TcpFlags::SYN))
    );
    assert_eq!(syn.options.mss, Some(1460));
    assert!(syn.options.sack_permitted);
    assert_eq!(syn.options.timestamps, Some((2044906138, 0)));
    assert_eq!(syn.options.nop_count, 1);
    assert_eq!(syn.options.window_scale, Some(7));
    let syn_ack = capture.decode(1).unwrap();
    let syn_ack = syn_ack.tcp().unwrap();
    assert_eq!(
        (syn_ack.seq, syn_ack.ack, syn_ack.flags),
        (
            2043824403,
            603899917,
            TcpFlags(TcpFlags::SYN | TcpFlags::ACK)
        )
    );
    let ack = capture.decode(2).unwrap();
    let ack = ack.tcp().unwrap();
    assert_eq!(
        (ack.seq, ack.ack, ack.flags, ack.payload_len),
        (603899917, 2043824404, TcpFlags(TcpFlags::ACK), 0)
    );
}

#[test]
fn malformed_captures_give_precise_errors() {
    let Some(dir) = corpus_dir() else { return };
    let cases = [
        (
            "tcp_header_heapoverflow.pcap",
            Layer::Tcp,
            34,
            "a TCP header is at least 20 bytes long, but the frame ends 12 bytes into it",
        ),
        (
            "heapoverflow-tcp_print.pcap",
            Layer::Tcp,
            34,
            "the TCP header says it is 60 bytes long (data offset 15), but the frame ends 30 bytes into it",
        ),
        (
            "udp-length-heapoverflow.pcap",
            Layer::Udp,
            34,
            "a UDP header is 8 bytes long, but the frame ends 4 bytes into it",
        ),
        (
            "ipv6_invalid_length.pcap",
            Layer::Ip,
            14,
            "an IPv6 header is always 40 bytes long, but the frame ends 39 bytes into it",
        ),
    ];
    for (name, layer, offset, message) in cases {
        let error = capture(&dir, name).decode(0).unwrap_err();
        assert_eq!(
            (error.layer, error.offset, error.message.as_str()),
            (layer, offset, message),
            "{name}"
        );
    }
    // PPP (link type 9) is not a link type socklab reads.
    let error = capture(&dir, "truncated-aack.pcap").decode(0).unwrap_err();
    assert_eq!((error.layer, error.offset), (Layer::Link, 0));
    assert!(error.message.contains("link type 9"), "{error}");
}

#[test]
fn snap_length_cut_in_the_payload_decodes() {
    let Some(dir) = corpus_dir() else { return };
    let whole = capture(&dir, "tcp_rst_data.pcap");
    let cut = capture(&dir, "tcp_rst_data-trunc.pcap");
    let whole = whole.decode(0).unwrap();
    let cut = cut.decode(0).unwrap();
    let (whole, cut) = (whole.tcp().unwrap(), cut.tcp().unwrap());
    assert_eq!(whole.flags, TcpFlags(TcpFlags::RST | TcpFlags::ACK));
    assert_eq!((whole.payload_len, whole.payload.len()), (58, 58));
    assert_eq!((cut.payload_len, cut.payload.len()), (58, 57));
    assert_eq!(
        (cut.seq, cut.ack, cut.window),
        (1617159969, 1936660873, 5785)
    );
    assert_eq!(cut.payload, &whole.payload[..57]);
}

#[test]
fn udp_captures_agree_with_tcpdump() {
    let Some(dir) = corpus_dir() else { return };
    for (name, version, src_port, dst_port, payload_len) in [
        ("LINKTYPE_RAW_ipv4.pcap", IpVersion::V4, 12345, 53, 29),
        ("LINKTYPE_RAW_ipv6.pcap", IpVersion::V6, 12345, 53, 29),
        ("dns_udp.pcap", IpVersion::V4, 43966, 53, 56),
    ] {
        let capture = capture(&dir, name);
        let packet = capture.decode(0).unwrap();
        assert_eq!(packet.ip.unwrap().version, version, "{name}");
        let udp = packet.udp().unwrap();
        assert_eq!(
            (udp.src_port, udp.dst_port, udp.payload_len),
            (src_port, dst_port, payload_len),
            "{name}"
        );
    }
    let syslog = capture(&dir, "syslog_udp.pcap");
    let lengths: Vec<u32> = (0..4)
        .map(|index| syslog.decode(index).unwrap().udp().unwrap().payload_len)
        .collect();
    assert_eq!(lengths, [51, 51, 79, 78]);
    let first = syslog.decode(0).unwrap().ip.unwrap();
    assert_eq!(
        (first.ttl, first.identification, first.total_len),
        (64, 30929, 79)
    );
    assert!(first.dont_fragment);
}

#[test]
fn tcp_options_agree_with_tcpdump() {
    let Some(dir) = corpus_dir() else { return };
    // mptcp-v1 #1 (Linux cooked): mss 1460,sackOK,TS val 464494241 ecr 0,nop,wscale 8,mptcp 4 capable
    let mptcp = capture(&dir, "mptcp-v1.pcap");
    let packet = mptcp.decode(0).unwrap();
    assert_eq!(packet.link.link_type, LinkType::LinuxSll);
    assert_eq!(packet.link.header_len, 16);
    assert_eq!(
        packet.tcp().unwrap().options,
        TcpOptions {
            mss: Some(1460),
            window_scale: Some(8),
            sack_permitted: true,
            timestamps: Some((464494241, 0)),
            nop_count: 1,
            unknown_count: 1,
            first_unknown_kind: Some(30),
            ..TcpOptions::default()
        }
    );
    // #4: nop,nop,TS val 464494241 ecr 3275212179,mptcp 22 ...,nop,nop
    let packet = mptcp.decode(3).unwrap();
    let options = packet.tcp().unwrap().options;
    assert_eq!(options.nop_count, 4);
    assert_eq!(options.timestamps, Some((464494241, 3275212179)));
    assert_eq!((options.unknown_count, options.malformed_at), (1, None));

    // ssh #1: mss 1460,nop,wscale 6,nop,nop,TS val 1948436430 ecr 0,sackOK,eol
    let ssh = capture(&dir, "ssh.pcap");
    let packet = ssh.decode(0).unwrap();
    assert_eq!(
        packet.tcp().unwrap().options,
        TcpOptions {
            mss: Some(1460),
            window_scale: Some(6),
            sack_permitted: true,
            timestamps: Some((1948436430, 0)),
            nop_count: 3,
            ..TcpOptions::default()
        }
    );

    // ipv4_tcp_http_xml -v: ttl 128, id 23023, DF, length 645, cksum 0xbdc4, seq 908588050, win 63750
    let http = capture(&dir, "ipv4_tcp_http_xml.pcap");
    let packet = http.decode(0).unwrap();
    let ip = packet.ip.unwrap();
    assert_eq!((ip.ttl, ip.identification, ip.total_len), (128, 23023, 645));
    assert!(ip.dont_fragment);
    let tcp = packet.tcp().unwrap();
    assert_eq!(
        (tcp.checksum, tcp.seq, tcp.window),
        (0xbdc4, 908588050, 63750)
    );
    assert!(tcp.payload.starts_with(b"HTTP/1.1 200 OK"));
}

#[test]
fn nanosecond_linux_cooked_handshake() {
    let Some(dir) = corpus_dir() else { return };
    let handshake = capture(&dir, "tcp-handshake-nano.pcap");
    let flags: HashSet<String> = (0..3)
        .map(|index| {
            let packet = handshake.decode(index).unwrap();
            packet.tcp().unwrap().flags.names().to_string()
        })
        .collect();
    assert_eq!(
        flags,
        HashSet::from(["SYN".to_string(), "SYN,ACK".to_string(), "ACK".to_string()])
    );
    assert_eq!(handshake.frame(0).timestamp.subsec_nanos(), 924505488);
}
