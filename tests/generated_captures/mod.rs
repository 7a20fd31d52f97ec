//! The captures the tshark differential test generates itself: every TCP flag combination, every
//! common TCP option, IPv4 options, IPv6 extension headers, TCP stories (zero window,
//! retransmissions, out-of-order segments, keep-alives, resets, port reuse), UDP with and without
//! checksums, ICMP errors quoting TCP and UDP, and all of it framed in every link type socklab reads
//! and stored in every capture format variant it reads.
//!
//! Deterministic: the same bytes on every run, so a disagreement can be reproduced from the file name.

// Several test binaries include this module, each using a part of it (the flag table is complete on purpose).
#![allow(dead_code)]

pub mod container;
mod conversation;
mod link;
mod wire;

use container::{Interface, Record};
use conversation::{Conversation, Dir};
pub use link::Link;
use socklab::capture::{CaptureWriter, Frame, LinkType, Timestamp};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use wire::{flags::*, option, Extension, Ip, Tcp};

/// One generated capture file.
pub struct Generated {
    pub name: String,
    pub bytes: Vec<u8>,
    pub frames: usize,
}

/// A short exchange as Ethernet frames (handshake with options, data both ways, teardown, a UDP
/// datagram and the ICMP port unreachable answering it), for tests that need a small valid capture.
pub fn small_exchange_frames() -> Vec<Vec<u8>> {
    let ip = client_ip(false);
    let mut c = Conversation::new(ip.clone(), (40000, 7), (100, 200));
    c.handshake(option::mss(1460), option::mss(1460));
    c.send(Dir::C, PSH | ACK, 5)
        .send(Dir::S, PSH | ACK, 5)
        .teardown(Dir::C);
    let udp = wire::udp_packet(&ip, 40001, 9, b"ping", false);
    let icmp = wire::icmp_packet(&ip.reversed(), 3, 3, [0; 4], &udp);
    c.packets
        .iter()
        .chain([&udp, &icmp])
        .map(|packet| Link::Ethernet.frame(packet))
        .collect()
}

/// Where a scenario's packets go: framing, then the file format.
#[derive(Clone, Copy, Debug)]
enum Format {
    Pcap {
        big_endian: bool,
        nanosecond: bool,
    },
    /// Written by socklab's own `CaptureWriter`.
    SocklabPcapng,
}

const START_NS: u64 = 1_700_000_000_000_000_000;
/// One millisecond between packets, so every timestamp resolution tells them apart.
const STEP_NS: u64 = 1_000_000;

const V4_CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const V4_SERVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 20);
const V6_CLIENT: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 0x10);
const V6_SERVER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 0x20);

fn client_ip(v6: bool) -> Ip {
    if v6 {
        Ip::new(IpAddr::V6(V6_CLIENT), IpAddr::V6(V6_SERVER))
    } else {
        Ip::new(IpAddr::V4(V4_CLIENT), IpAddr::V4(V4_SERVER))
    }
}

/// Every capture, in a fixed order.
pub fn all() -> Vec<Generated> {
    let mut out = Vec::new();
    let pcap = |big_endian, nanosecond| Format::Pcap {
        big_endian,
        nanosecond,
    };
    let mut add = |name: &str, link: Link, format: Format, packets: Vec<Vec<u8>>| {
        out.push(write(name, &link, format, &packets, None));
    };
    add(
        "flags_ipv4_ethernet.pcap",
        Link::Ethernet,
        pcap(false, false),
        every_flag_combination(false),
    );
    add(
        "flags_ipv6_raw_be_ns.pcap",
        Link::RawIp,
        pcap(true, true),
        every_flag_combination(true),
    );
    add(
        "options_ipv4_socklab_writer.pcapng",
        Link::Ethernet,
        Format::SocklabPcapng,
        option_combinations(false),
    );
    add(
        "options_ipv6_vlan_ns.pcap",
        Link::Vlan(vec![100]),
        pcap(false, true),
        option_combinations(true),
    );
    add(
        "stories_ipv4_sll.pcap",
        Link::Sll,
        pcap(false, false),
        stories(false),
    );
    add(
        "stories_ipv6_sll2_be.pcap",
        Link::Sll2,
        pcap(true, false),
        stories(true),
    );
    add(
        "stories_ipv4_qinq_be_ns.pcap",
        Link::Vlan(vec![10, 20]),
        pcap(true, true),
        stories(false),
    );
    add(
        "stories_ipv6_null.pcap",
        Link::Null,
        pcap(false, false),
        stories(true),
    );
    add(
        "stories_ipv4_loop.pcapng",
        Link::Loop,
        Format::SocklabPcapng,
        stories(false),
    );
    add(
        "udp_ipv4_raw228.pcap",
        Link::RawIpv4,
        pcap(false, true),
        udp_flows(false),
    );
    add(
        "udp_ipv6_raw229.pcap",
        Link::RawIpv6,
        pcap(true, false),
        udp_flows(true),
    );
    add(
        "icmp_errors_ipv4_ethernet.pcap",
        Link::Ethernet,
        pcap(false, false),
        icmp_errors(false),
    );
    add(
        "icmp_errors_ipv6_sll.pcapng",
        Link::Sll,
        Format::SocklabPcapng,
        icmp_errors(true),
    );
    add(
        "ipv4_options_raw.pcap",
        Link::RawIp,
        pcap(false, false),
        ipv4_options(),
    );
    add(
        "ipv6_extensions_ethernet.pcap",
        Link::Ethernet,
        pcap(false, true),
        ipv6_extensions(),
    );
    out.push(write(
        "fragments_ipv4_ethernet.pcap",
        &Link::Ethernet,
        pcap(false, false),
        &fragments_and_lengths(false),
        None,
    ));
    out.push(write(
        "fragments_ipv6_sll.pcap",
        &Link::Sll,
        pcap(false, true),
        &fragments_and_lengths(true),
        None,
    ));
    out.push(write(
        "stories_ipv4_snaplen_96.pcap",
        &Link::Ethernet,
        pcap(false, false),
        &stories(false),
        Some(96),
    ));
    out.push(multi_interface_pcapng(false));
    out.push(multi_interface_pcapng(true));
    out
}

/// Frames `packets` with `link`, one millisecond apart, and stores them in `format`;
/// `snaplen` cuts each frame to that many bytes (the wire length stays whole).
fn write(
    name: &str,
    link: &Link,
    format: Format,
    packets: &[Vec<u8>],
    snaplen: Option<usize>,
) -> Generated {
    // Where the link can carry it, an ARP request after the first packet: a frame without IP.
    let arp = link.arp();
    let frames: Vec<Vec<u8>> = packets
        .iter()
        .enumerate()
        .flat_map(|(index, packet)| {
            let arp = arp.clone().filter(|_| index == 0);
            std::iter::once(link.frame(packet)).chain(arp)
        })
        .collect();
    let records: Vec<Record> = frames
        .into_iter()
        .enumerate()
        .map(|(index, frame)| {
            let original_len = frame.len() as u32;
            let mut data = frame;
            if let Some(snaplen) = snaplen {
                data.truncate(snaplen);
            }
            Record {
                interface: 0,
                time_ns: START_NS + index as u64 * STEP_NS,
                data,
                original_len,
            }
        })
        .collect();
    let bytes = match format {
        Format::Pcap {
            big_endian,
            nanosecond,
        } => container::pcap(
            link.linktype(),
            big_endian,
            nanosecond,
            snaplen.map_or(262_144, |len| len as u32),
            &records,
        ),
        Format::SocklabPcapng => {
            let link_type = LinkType::from_linktype(link.linktype());
            let mut writer =
                CaptureWriter::new_pcapng(Vec::new(), Some(name)).expect("write to memory");
            for (index, record) in records.iter().enumerate() {
                let frame = Frame {
                    number: index as u64 + 1,
                    timestamp: Timestamp(record.time_ns as i64),
                    link_type,
                    data: &record.data,
                    original_len: record.original_len,
                };
                writer
                    .write_frame(&frame, Some("generated by the differential test"))
                    .expect("write to memory");
            }
            writer.finish().expect("write to memory")
        }
    };
    Generated {
        name: name.to_string(),
        bytes,
        frames: records.len(),
    }
}

/// All 512 combinations of the nine flag bits, each on its own connection (its own client port),
/// with and without payload, ACK numbers and urgent pointers that the flags may or may not validate.
fn every_flag_combination(v6: bool) -> Vec<Vec<u8>> {
    let ip = client_ip(v6);
    (0u16..512)
        .map(|flags| {
            let mut segment = Tcp::new(
                20000 + flags,
                80,
                0x1000_0000u32
                    .wrapping_mul(u32::from(flags))
                    .wrapping_add(12345),
                0x8000_0000 + u32::from(flags),
                flags,
            );
            segment.window = 1024 + flags;
            segment.urgent = if flags % 5 == 0 { 3 } else { 0 };
            if flags % 3 != 0 {
                segment.payload = vec![b'x'; usize::from(flags % 7) * 10];
            }
            segment.packet(&ip)
        })
        .collect()
}

/// Option lists as real stacks and odd ones send them.
fn option_lists() -> Vec<Vec<u8>> {
    use option::*;
    vec![
        vec![],
        mss(1460),
        // Linux
        concat(&[
            mss(65495),
            sack_permitted(),
            timestamps(1000, 0),
            vec![NOP],
            wscale(7),
        ]),
        // macOS / BSD order, EOL-terminated
        concat(&[
            mss(1460),
            vec![NOP],
            wscale(6),
            vec![NOP, NOP],
            timestamps(77, 0),
            sack_permitted(),
            vec![EOL, EOL],
        ]),
        // Windows
        concat(&[
            mss(1460),
            vec![NOP],
            wscale(8),
            vec![NOP, NOP],
            sack_permitted(),
        ]),
        concat(&[wscale(0)]),
        concat(&[vec![NOP], wscale(14)]),
        // A shift above 14, which RFC 7323 says to treat as 14.
        concat(&[vec![NOP], wscale(15)]),
        concat(&[timestamps(0xffff_fff0, 0)]),
        // MPTCP MP_CAPABLE (kind 30), then a known option after it.
        concat(&[
            unknown(30, &[0x10, 0x81, 1, 2, 3, 4, 5, 6, 7, 8]),
            mss(1400),
        ]),
        // TCP Fast Open cookie request (kind 34), an experimental option (kind 254), kind 99.
        concat(&[unknown(34, &[]), mss(1200)]),
        concat(&[
            unknown(254, &[0xf9, 0x89, 1, 2]),
            vec![NOP, NOP],
            unknown(99, &[7]),
        ]),
        // EOL first: nothing after it counts.
        concat(&[vec![EOL], mss(999)]),
        // 20 NOPs.
        vec![NOP; 20],
        // Malformed: an option whose length byte is 0, and an MSS whose length is wrong.
        concat(&[mss(1300), vec![NOP, 77, 0, 0, 0]]),
        concat(&[vec![2, 3, 5], vec![NOP]]),
        // An option that runs past the end of the header.
        concat(&[vec![NOP, NOP, NOP], vec![30, 12, 0, 0, 0]]),
    ]
}

/// One connection per option list: the list on the SYN and SYN-ACK, then data, a gap the
/// receiver reports with SACK blocks (1 to 4 of them), the retransmission, and a teardown.
fn option_combinations(v6: bool) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    for (index, options) in option_lists().into_iter().enumerate() {
        let index = index as u32;
        let mut c = Conversation::new(
            client_ip(v6),
            (30000 + index as u16, 443),
            (index.wrapping_mul(0x3000_0001), 0xffff_0000 + index),
        );
        c.handshake(options.clone(), options);
        c.send(Dir::C, PSH | ACK, 100);
        // Four segments after a 100-byte hole: the server SACKs each one it has.
        let hole_start = c.next(Dir::C);
        c.skip(Dir::C, 100);
        let mut blocks = Vec::new();
        for segment in 0..4u32 {
            let start = c.next(Dir::C);
            c.send(Dir::C, ACK, 50);
            if segment % 2 == 0 {
                // Leave a hole after every other segment, so blocks stay separate.
                c.skip(Dir::C, 10);
            }
            blocks.insert(0, (c.raw(Dir::C, start), c.raw(Dir::C, start + 50)));
            let ack = c.raw(Dir::C, hole_start);
            let mut sack = Tcp::new(443, 30000 + index as u16, c.raw(Dir::S, 1), ack, ACK);
            sack.options = option::sack(&blocks);
            sack.window = 4000;
            packets.append(&mut c.packets);
            packets.push(sack.packet(&client_ip(v6).reversed()));
        }
        // The missing bytes arrive; the server acknowledges everything so far.
        let resume = c.next(Dir::C);
        c.send_at(Dir::C, hole_start, ACK, 100, Vec::new());
        c.send_at(Dir::C, resume, ACK, 0, Vec::new());
        c.teardown(Dir::S);
        packets.append(&mut c.packets);
    }
    packets
}

/// TCP stories, one connection each, so stream grouping and relative numbers are checked along
/// with what each packet means.
fn stories(v6: bool) -> Vec<Vec<u8>> {
    let ip = client_ip(v6);
    let linux = || {
        option::concat(&[
            option::mss(1460),
            option::sack_permitted(),
            vec![option::NOP],
            option::wscale(7),
        ])
    };
    let mut packets = Vec::new();
    let mut port = 40000u16;
    // Every other connection carries timestamps on every segment, as Linux sends them.
    let mut next_conversation = |isns: (u32, u32)| {
        port += 1;
        let conversation = Conversation::new(ip.clone(), (port, 8080), isns);
        if port % 2 == 0 {
            conversation.with_timestamps(u32::from(port) * 1000, 0xffff_fff0)
        } else {
            conversation
        }
    };

    // Echo with window scaling on both sides and timestamps.
    let mut c = next_conversation((1000, 2000)).with_timestamps(100, 5000);
    c.handshake(linux(), linux());
    c.send(Dir::C, PSH | ACK, 5)
        .send(Dir::S, ACK, 0)
        .send(Dir::S, PSH | ACK, 5)
        .send(Dir::C, ACK, 0)
        .teardown(Dir::C);
    packets.append(&mut c.packets);

    // Bulk transfer across the sequence-number wrap, an ACK every other segment.
    let mut c = next_conversation((0xffff_f000, 0x7fff_ffff));
    c.handshake(linux(), linux());
    for segment in 0..60 {
        c.send(Dir::C, ACK, 1448);
        if segment % 2 == 1 {
            c.set_window(Dir::S, 500 + segment as u16);
            c.send(Dir::S, ACK, 0);
        }
    }
    c.teardown(Dir::S);
    packets.append(&mut c.packets);

    // Window scale from the client only: nobody scales.
    let mut c = next_conversation((5, 6));
    c.handshake(linux(), option::mss(1460));
    c.set_window(Dir::S, 300)
        .send(Dir::C, PSH | ACK, 10)
        .send(Dir::S, ACK, 0)
        .teardown(Dir::C);
    packets.append(&mut c.packets);

    // Zero window: the server's buffer fills, the client probes, the server opens again.
    let mut c = next_conversation((77777, 88888));
    c.handshake(linux(), linux());
    c.send(Dir::C, PSH | ACK, 1000)
        .set_window(Dir::S, 0)
        .send(Dir::S, ACK, 0);
    let probe_at = c.next(Dir::C);
    c.send_at(Dir::C, probe_at, ACK, 1, Vec::new());
    c.send(Dir::S, ACK, 0);
    c.set_window(Dir::S, 200).send(Dir::S, ACK, 0);
    c.send(Dir::C, PSH | ACK, 100)
        .send(Dir::S, ACK, 0)
        .teardown(Dir::S);
    packets.append(&mut c.packets);

    // A retransmission (same bytes again), then a partial one.
    let mut c = next_conversation((3_000_000_000, 12));
    c.handshake(linux(), linux());
    let first = c.next(Dir::C);
    c.send(Dir::C, PSH | ACK, 300);
    c.send_at(Dir::C, first, PSH | ACK, 300, Vec::new());
    c.send(Dir::S, ACK, 0);
    let second = c.next(Dir::C);
    c.send(Dir::C, PSH | ACK, 200);
    c.send_at(Dir::C, second + 100, PSH | ACK, 100, Vec::new());
    c.send(Dir::S, ACK, 0).teardown(Dir::C);
    packets.append(&mut c.packets);

    // Out of order: segments 1, 3, 2.
    let mut c = next_conversation((400, 900));
    c.handshake(linux(), linux());
    let one = c.next(Dir::C);
    c.send_at(Dir::C, one, ACK, 100, Vec::new());
    c.send_at(Dir::C, one + 200, ACK, 100, Vec::new());
    c.send_at(Dir::C, one + 100, ACK, 100, Vec::new());
    c.send(Dir::S, ACK, 0).teardown(Dir::C);
    packets.append(&mut c.packets);

    // Keep-alives: one byte (and zero bytes) below the next sequence number, and their ACKs.
    let mut c = next_conversation((123, 456));
    c.handshake(linux(), linux());
    c.send(Dir::C, PSH | ACK, 10).send(Dir::S, ACK, 0);
    let next = c.next(Dir::C);
    c.send_at(Dir::C, next - 1, ACK, 1, Vec::new());
    c.send(Dir::S, ACK, 0);
    c.send_at(Dir::C, next - 1, ACK, 0, Vec::new());
    c.send(Dir::S, ACK, 0).teardown(Dir::S);
    packets.append(&mut c.packets);

    // A reset in the middle, and a refused connection.
    let mut c = next_conversation((999, 111));
    c.handshake(linux(), linux());
    c.send(Dir::C, PSH | ACK, 20).send(Dir::S, RST | ACK, 0);
    packets.append(&mut c.packets);
    let mut c = next_conversation((31337, 0));
    c.send_with(Dir::C, SYN, 0, linux());
    c.send(Dir::S, RST | ACK, 0);
    packets.append(&mut c.packets);

    // SYN retransmitted, then answered.
    let mut c = next_conversation((5555, 6666));
    c.send_with(Dir::C, SYN, 0, linux());
    c.send_at(Dir::C, 0, SYN, 0, linux());
    c.send_with(Dir::S, SYN | ACK, 0, linux())
        .send(Dir::C, ACK, 0)
        .send(Dir::C, PSH | ACK, 1)
        .send(Dir::S, ACK, 0)
        .teardown(Dir::C);
    packets.append(&mut c.packets);

    // Simultaneous close, and a FIN that carries data.
    let mut c = next_conversation((70, 80));
    c.handshake(linux(), linux());
    c.send(Dir::C, PSH | ACK, 4)
        .send(Dir::S, ACK, 0)
        .send(Dir::C, FIN | ACK, 0)
        .send_at(Dir::S, 1, FIN | ACK, 0, Vec::new());
    c.send(Dir::C, ACK, 0).send(Dir::S, ACK, 0);
    packets.append(&mut c.packets);
    let mut c = next_conversation((71, 81));
    c.handshake(linux(), linux());
    c.send(Dir::C, FIN | PSH | ACK, 12)
        .send(Dir::S, FIN | ACK, 0)
        .send(Dir::C, ACK, 0);
    packets.append(&mut c.packets);

    // A capture that starts mid-connection (no handshake), data both ways.
    let mut c = next_conversation((0x1234_5678, 0x9abc_def0));
    c.skip(Dir::C, 1).skip(Dir::S, 1);
    for _ in 0..5 {
        c.send(Dir::C, PSH | ACK, 30).send(Dir::S, PSH | ACK, 60);
    }
    c.teardown(Dir::C);
    packets.append(&mut c.packets);

    // Port reuse: the same 4-tuple connects again after a clean close.
    let reuse_port = port + 1;
    for round in 0..3u32 {
        let mut c = Conversation::new(
            ip.clone(),
            (reuse_port, 8080),
            (round * 1_000_000 + 17, round * 7_000_000 + 23),
        );
        c.handshake(linux(), linux());
        c.send(Dir::C, PSH | ACK, 8)
            .send(Dir::S, PSH | ACK, 8)
            .teardown(Dir::C);
        packets.append(&mut c.packets);
    }

    // Simultaneous open: both sides send a SYN, then both acknowledge.
    let mut c = Conversation::new(ip.clone(), (reuse_port + 3, 9001), (500, 600));
    c.send_with(Dir::C, SYN, 0, linux())
        .send_with(Dir::S, SYN, 0, linux());
    c.send_at(Dir::C, 0, SYN | ACK, 0, linux());
    c.send_at(Dir::S, 0, SYN | ACK, 0, linux());
    c.send(Dir::C, PSH | ACK, 3)
        .send(Dir::S, ACK, 0)
        .teardown(Dir::C);
    packets.append(&mut c.packets);

    // Reset, then the same ports connect again with a new ISN.
    for round in 0..2u32 {
        let mut c = Conversation::new(
            ip.clone(),
            (reuse_port + 4, 9002),
            (10_000 + round * 99_999, 20_000 + round),
        );
        c.handshake(linux(), linux());
        c.send(Dir::C, PSH | ACK, 5).send(Dir::C, RST | ACK, 0);
        packets.append(&mut c.packets);
    }

    // Mid-stream, and the first packet the capture sees comes from the server.
    let mut c = Conversation::new(
        ip.clone(),
        (reuse_port + 5, 9003),
        (0xdead_0000, 0xbeef_0000),
    );
    c.skip(Dir::C, 1).skip(Dir::S, 1);
    c.send(Dir::S, PSH | ACK, 40)
        .send(Dir::C, ACK, 0)
        .send(Dir::C, PSH | ACK, 4);
    c.send(Dir::S, ACK, 0);
    packets.append(&mut c.packets);

    // A client that gives up on its SYN and tries again with a new ISN.
    let mut c = Conversation::new(ip.clone(), (reuse_port + 6, 9004), (1_111, 2_222));
    c.send_with(Dir::C, SYN, 0, linux());
    packets.append(&mut c.packets);
    let mut c = Conversation::new(ip.clone(), (reuse_port + 6, 9004), (3_333_333, 2_222));
    c.handshake(linux(), linux());
    c.send(Dir::C, PSH | ACK, 2).teardown(Dir::S);
    packets.append(&mut c.packets);

    // A lost segment, three duplicate ACKs, a fast retransmission; then a spurious one.
    let mut c = Conversation::new(ip.clone(), (reuse_port + 7, 9005), (42, 4242));
    c.handshake(linux(), linux());
    let lost = c.next(Dir::C);
    c.skip(Dir::C, 1000);
    for _ in 0..3 {
        c.send(Dir::C, ACK, 1000);
        let ack = c.raw(Dir::C, lost);
        let mut dup = Tcp::new(9005, reuse_port + 7, c.raw(Dir::S, 1), ack, ACK);
        dup.options = option::sack(&[(c.raw(Dir::C, lost + 1000), c.raw(Dir::C, c.next(Dir::C)))]);
        packets.append(&mut c.packets);
        packets.push(dup.packet(&ip.reversed()));
    }
    c.send_at(Dir::C, lost, ACK, 1000, Vec::new());
    c.send(Dir::S, ACK, 0);
    c.send_at(Dir::C, lost, ACK, 1000, Vec::new());
    c.send(Dir::S, ACK, 0).teardown(Dir::C);
    packets.append(&mut c.packets);

    // TCP Fast Open: data on the SYN.
    let mut c = Conversation::new(ip.clone(), (reuse_port + 8, 9006), (77, 88));
    c.send_with(
        Dir::C,
        SYN,
        10,
        option::concat(&[
            option::mss(1460),
            option::unknown(34, &[1, 2, 3, 4, 5, 6, 7, 8]),
        ]),
    );
    c.send_with(Dir::S, SYN | ACK, 0, option::mss(1460))
        .send(Dir::C, ACK, 0)
        .teardown(Dir::S);
    packets.append(&mut c.packets);

    // Two connections interleaved packet by packet.
    let mut a = Conversation::new(ip.clone(), (reuse_port + 1, 9000), (1, 2));
    let mut b = Conversation::new(ip.clone(), (reuse_port + 2, 9000), (3, 4));
    for c in [&mut a, &mut b] {
        c.handshake(linux(), linux());
        for _ in 0..10 {
            c.send(Dir::C, PSH | ACK, 100).send(Dir::S, ACK, 0);
        }
        c.teardown(Dir::S);
    }
    for (x, y) in a.packets.drain(..).zip(b.packets.drain(..)) {
        packets.push(x);
        packets.push(y);
    }
    packets
}

/// UDP: flows both ways, empty and large datagrams, a zero checksum (IPv4 only: IPv6 forbids it).
fn udp_flows(v6: bool) -> Vec<Vec<u8>> {
    let ip = client_ip(v6);
    let mut packets = Vec::new();
    for flow in 0..40u16 {
        let client_port = 50000 + flow;
        let server_port = 7000 + flow % 4;
        for exchange in 0..4usize {
            let zero = !v6 && flow % 3 == 0;
            let size = (exchange * 37 + usize::from(flow) * 11) % 1400;
            packets.push(wire::udp_packet(
                &ip,
                client_port,
                server_port,
                &vec![b'q'; size],
                zero,
            ));
            packets.push(wire::udp_packet(
                &ip.reversed(),
                server_port,
                client_port,
                &vec![b'r'; size / 2],
                zero,
            ));
        }
    }
    packets
}

/// ICMP errors quoting UDP and TCP (port unreachable, administratively prohibited, time exceeded),
/// quotes cut before the ports, and echo request/reply.
fn icmp_errors(v6: bool) -> Vec<Vec<u8>> {
    let ip = client_ip(v6);
    let back = ip.reversed();
    let (unreachable, port_code, prohibited, time_exceeded, echo, echo_reply) = if v6 {
        (1, 4, 1, 3, 128, 129)
    } else {
        (3, 3, 13, 11, 8, 0)
    };
    let mut packets = Vec::new();
    for round in 0..10u16 {
        let udp = wire::udp_packet(&ip, 41000 + round, 9 + round, b"hello?", false);
        let ip_header_len = if v6 { 40 } else { 20 };
        packets.push(udp.clone());
        // Linux quotes the whole datagram; routers may quote only the header and 8 bytes.
        let quote = if round % 2 == 0 {
            &udp[..]
        } else {
            &udp[..ip_header_len + 8]
        };
        packets.push(wire::icmp_packet(
            &back,
            unreachable,
            port_code,
            [0; 4],
            quote,
        ));

        let syn = Tcp::new(42000 + round, 80, 1_000_000 * u32::from(round), 0, SYN).packet(&ip);
        packets.push(syn.clone());
        packets.push(wire::icmp_packet(
            &back,
            unreachable,
            prohibited,
            [0; 4],
            &syn[..ip_header_len + 8],
        ));

        let udp = wire::udp_packet(&ip, 43000 + round, 33434, b"trace", false);
        packets.push(udp.clone());
        let mut router = back.clone();
        router.src = if v6 {
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 9, 0, 0, 0, 1))
        } else {
            IpAddr::V4(Ipv4Addr::new(203, 0, 113, 1))
        };
        packets.push(wire::icmp_packet(&router, time_exceeded, 0, [0; 4], &udp));
        // A quote cut inside the UDP header: no ports to read.
        packets.push(wire::icmp_packet(
            &back,
            unreachable,
            port_code,
            [0; 4],
            &udp[..ip_header_len + 2],
        ));

        let id_seq = [0, 7, 0, round as u8];
        packets.push(wire::icmp_packet(&ip, echo, 0, id_seq, b"ping"));
        packets.push(wire::icmp_packet(&back, echo_reply, 0, id_seq, b"ping"));
    }
    packets
}

/// Fragments (first and later, IPv4 and IPv6), UDP length fields that disagree with IP's, and
/// non-first fragments whose bytes look like a transport header but are not one.
fn fragments_and_lengths(v6: bool) -> Vec<Vec<u8>> {
    let ip = client_ip(v6);
    let mut packets = Vec::new();
    for round in 0..6u16 {
        // A 64-byte UDP datagram (8 + 56) split after 24 payload bytes: 32 bytes, then 32.
        let datagram_ip = Ip { ..ip.clone() };
        let whole = wire::udp_packet(&datagram_ip, 46000 + round, 53, &[b'f'; 56], false);
        let header_len = if v6 { 40 } else { 20 };
        let transport = &whole[header_len..];
        let identification = 0x4000 + u32::from(round);
        let mut first = ip.clone();
        let mut second = ip.clone();
        if v6 {
            first.v6_extensions = vec![Extension::fragment(0, true, identification)];
            second.v6_extensions = vec![Extension::fragment(4, false, identification)];
        } else {
            first.identification = identification as u16;
            first.dont_fragment = false;
            first.more_fragments = true;
            second.identification = identification as u16;
            second.dont_fragment = false;
            second.fragment_offset = 4;
        }
        packets.push(first.packet(wire::UDP, &transport[..32]));
        packets.push(second.packet(wire::UDP, &transport[32..]));

        // A TCP segment split likewise (its 20-byte header in the first fragment).
        let mut segment = Tcp::new(47000 + round, 80, 1000, 0, SYN);
        segment.payload = vec![b't'; 44];
        let whole = segment.packet(&ip);
        let transport = &whole[header_len..];
        packets.push(first.packet(wire::TCP, &transport[..24]));
        packets.push(second.packet(wire::TCP, &transport[24..]));

        // UDP length shorter than IP says (trailing bytes), and longer (a lie).
        packets.push(wire::udp_packet_claiming(
            &ip,
            48000 + round,
            9,
            &[b'u'; 20],
            8 + 12,
        ));
        packets.push(wire::udp_packet_claiming(
            &ip,
            48100 + round,
            9,
            &[b'u'; 20],
            8 + 20,
        ));
    }
    packets
}

/// IPv4 headers with options, TCP and UDP inside.
fn ipv4_options() -> Vec<Vec<u8>> {
    let lists: Vec<Vec<u8>> = vec![
        vec![1, 1, 1, 1],
        // Record route with room for 9 addresses (39 bytes): the largest header, IHL 15.
        {
            let mut rr = vec![7, 39, 4];
            rr.resize(39, 0);
            rr
        },
        // Router alert.
        vec![148, 4, 0, 0],
        // Timestamp option with two slots.
        vec![68, 12, 5, 0, 0, 0, 0, 1, 0, 0, 0, 2],
        // EOL straight away, then padding.
        vec![0, 0, 0, 0, 0, 0, 0, 0],
        // An unknown option (kind 0x9e, length 6).
        vec![0x9e, 6, 1, 2, 3, 4],
        // Loose source route with one address.
        vec![131, 7, 4, 10, 0, 0, 1],
    ];
    let mut packets = Vec::new();
    for (index, options) in lists.into_iter().enumerate() {
        for v in 0..4u16 {
            let mut ip = client_ip(false);
            ip.v4_options = options.clone();
            ip.identification = 100 * index as u16 + v;
            ip.dont_fragment = v % 2 == 0;
            ip.ttl = 1 + 60 * (v as u8);
            let port = 44000 + 10 * index as u16 + v;
            packets.push(if v < 2 {
                Tcp::new(port, 25, 42 + u32::from(v), 0, SYN).packet(&ip)
            } else {
                wire::udp_packet(&ip, port, 53, b"query", false)
            });
        }
    }
    packets
}

/// IPv6 extension header chains, carrying TCP, UDP and ICMPv6.
fn ipv6_extensions() -> Vec<Vec<u8>> {
    use wire::{DESTINATION_OPTIONS, HOP_BY_HOP};
    let router_alert = [5, 2, 0, 0];
    let via = V6_SERVER.octets();
    let chains: Vec<Vec<Extension>> = vec![
        vec![Extension::options(HOP_BY_HOP, 1, &router_alert)],
        vec![Extension::options(DESTINATION_OPTIONS, 1, &[])],
        vec![Extension::options(DESTINATION_OPTIONS, 3, &[0x1e, 2, 0, 0])],
        vec![Extension::routing(0, 0, &[via])],
        vec![Extension::routing(2, 0, &[via])],
        // An atomic fragment (offset 0, no more fragments): the whole datagram in one packet.
        vec![Extension::fragment(0, false, 0xdead_beef)],
        vec![
            Extension::options(HOP_BY_HOP, 1, &router_alert),
            Extension::options(DESTINATION_OPTIONS, 1, &[]),
            Extension::routing(0, 0, &[via, via]),
            Extension::fragment(0, false, 7),
            Extension::options(DESTINATION_OPTIONS, 2, &[]),
        ],
    ];
    let mut packets = Vec::new();
    for (index, chain) in chains.into_iter().enumerate() {
        let mut ip = client_ip(true);
        ip.v6_extensions = chain;
        let port = 45000 + 10 * index as u16;
        packets.push(Tcp::new(port, 443, 1, 0, SYN).packet(&ip));
        packets.push(Tcp::new(443, port, 2, 2, SYN | ACK).packet(&ip.reversed()));
        packets.push(wire::udp_packet(&ip, port + 1, 53, b"query", false));
        packets.push(wire::icmp_packet(&ip, 128, 0, [0, 1, 0, 1], b"ping"));
    }
    packets
}

/// A pcapng file with several interfaces of different link types and timestamp resolutions,
/// in either byte order, with a statistics block and a custom block in the middle.
fn multi_interface_pcapng(big_endian: bool) -> Generated {
    let interfaces = [
        Interface {
            linktype: 1,
            tsresol: 6,
        },
        Interface {
            linktype: 101,
            tsresol: 9,
        },
        Interface {
            linktype: 276,
            tsresol: 0x80 | 20,
        },
        Interface {
            linktype: 113,
            tsresol: 3,
        },
    ];
    let links = [Link::Ethernet, Link::RawIp, Link::Sll2, Link::Sll];
    let sources = [
        stories(false),
        udp_flows(true),
        icmp_errors(false),
        stories(true),
    ];
    // Interleave: one packet from each interface in turn, while any remain.
    let mut records = Vec::new();
    let mut cursors = [0usize; 4];
    let mut time = START_NS;
    loop {
        let mut any = false;
        for (interface, source) in sources.iter().enumerate() {
            if let Some(packet) = source.get(cursors[interface]) {
                cursors[interface] += 1;
                any = true;
                time += STEP_NS;
                records.push(Record::new(
                    interface as u32,
                    time,
                    links[interface].frame(packet),
                ));
            }
        }
        if !any {
            break;
        }
    }
    // An interface statistics block (type 5) for interface 0, and a block of a type nobody defined (0x4242), which readers skip.
    let mut statistics = vec![0u8; 12];
    statistics[..4].copy_from_slice(&if big_endian {
        0u32.to_be_bytes()
    } else {
        0u32.to_le_bytes()
    });
    let custom = vec![0, 0, 0x7e, 0x7e, 1, 2, 3, 4];
    let bytes = container::pcapng(
        big_endian,
        &interfaces,
        &records,
        &[(5, statistics), (0x0000_4242, custom)],
    );
    let name = if big_endian {
        "multi_interface_be.pcapng"
    } else {
        "multi_interface_le.pcapng"
    };
    Generated {
        name: name.to_string(),
        bytes,
        frames: records.len(),
    }
}
