//! Network and transport bytes built by hand, so that every field (odd flags, unknown options, IPv4
//! options, IPv6 extension headers, a zero UDP checksum) is exactly what the test asks for.
//! Checksums are computed properly: tshark does not verify them by default, but a learner's Wireshark might.

use std::net::IpAddr;

pub const TCP: u8 = 6;
pub const UDP: u8 = 17;
pub const ICMP: u8 = 1;
pub const ICMPV6: u8 = 58;

/// IPv6 extension header numbers.
pub const HOP_BY_HOP: u8 = 0;
pub const ROUTING: u8 = 43;
pub const FRAGMENT: u8 = 44;
pub const DESTINATION_OPTIONS: u8 = 60;

/// One IPv6 extension header: its number and its bytes after the next-header byte
/// (for option headers and routing, the length byte comes first).
#[derive(Clone, Debug)]
pub struct Extension {
    pub kind: u8,
    pub body: Vec<u8>,
}

impl Extension {
    /// Hop-by-hop or destination options padded with PadN to `units` × 8 bytes (units ≥ 1).
    pub fn options(kind: u8, units: u8, first_option: &[u8]) -> Extension {
        let total = usize::from(units) * 8;
        let mut body = vec![units - 1];
        body.extend_from_slice(first_option);
        let pad = total - 1 - body.len();
        match pad {
            0 => {}
            1 => body.push(0),
            _ => {
                body.push(1);
                body.push((pad - 2) as u8);
                body.resize(total - 1, 0);
            }
        }
        Extension { kind, body }
    }

    /// A routing header of `routing_type` listing `addresses` (type 0/2 layout), segments left `left`.
    pub fn routing(routing_type: u8, left: u8, addresses: &[[u8; 16]]) -> Extension {
        let mut body = vec![(addresses.len() * 2) as u8, routing_type, left, 0, 0, 0, 0];
        for address in addresses {
            body.extend_from_slice(address);
        }
        Extension {
            kind: ROUTING,
            body,
        }
    }

    /// A fragment header: offset in 8-byte units, the more-fragments flag, an identification.
    pub fn fragment(offset_units: u16, more: bool, identification: u32) -> Extension {
        let field = (offset_units << 3) | u16::from(more);
        let mut body = vec![0];
        body.extend_from_slice(&field.to_be_bytes());
        body.extend_from_slice(&identification.to_be_bytes());
        Extension {
            kind: FRAGMENT,
            body,
        }
    }

    fn len(&self) -> usize {
        1 + self.body.len()
    }
}

/// The IP layer of one packet.
#[derive(Clone, Debug)]
pub struct Ip {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub identification: u16,
    pub dont_fragment: bool,
    /// IPv4 fragmentation: the more-fragments flag and the offset in 8-byte units.
    pub more_fragments: bool,
    pub fragment_offset: u16,
    /// IPv4 options (padded to a multiple of 4 with EOL here).
    pub v4_options: Vec<u8>,
    pub v6_extensions: Vec<Extension>,
}

impl Ip {
    pub fn new(src: IpAddr, dst: IpAddr) -> Ip {
        Ip {
            src,
            dst,
            ttl: 64,
            identification: 0x1234,
            dont_fragment: true,
            more_fragments: false,
            fragment_offset: 0,
            v4_options: Vec::new(),
            v6_extensions: Vec::new(),
        }
    }

    pub fn is_v6(&self) -> bool {
        self.src.is_ipv6()
    }

    /// The same path in the other direction.
    pub fn reversed(&self) -> Ip {
        Ip {
            src: self.dst,
            dst: self.src,
            ..self.clone()
        }
    }

    /// The whole IP packet around `transport` (whose checksum, if any, is already filled in).
    pub fn packet(&self, protocol: u8, transport: &[u8]) -> Vec<u8> {
        match (self.src, self.dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                let mut options = self.v4_options.clone();
                options.resize(options.len().div_ceil(4) * 4, 0);
                let header_len = 20 + options.len();
                let total = header_len + transport.len();
                let mut out = vec![0x40 | (header_len / 4) as u8, 0];
                out.extend_from_slice(&(total as u16).to_be_bytes());
                out.extend_from_slice(&self.identification.to_be_bytes());
                let flags = (u16::from(self.dont_fragment) << 14)
                    | (u16::from(self.more_fragments) << 13)
                    | (self.fragment_offset & 0x1fff);
                out.extend_from_slice(&flags.to_be_bytes());
                out.extend_from_slice(&[self.ttl, protocol, 0, 0]);
                out.extend_from_slice(&src.octets());
                out.extend_from_slice(&dst.octets());
                out.extend_from_slice(&options);
                let sum = ones_complement(0, &out);
                out[10..12].copy_from_slice(&sum.to_be_bytes());
                out.extend_from_slice(transport);
                out
            }
            (IpAddr::V6(src), IpAddr::V6(dst)) => {
                let extensions: usize = self.v6_extensions.iter().map(Extension::len).sum();
                let payload_len = extensions + transport.len();
                let first = self.v6_extensions.first().map_or(protocol, |ext| ext.kind);
                let mut out = vec![0x60, 0, 0, 0];
                out.extend_from_slice(&(payload_len as u16).to_be_bytes());
                out.extend_from_slice(&[first, self.ttl]);
                out.extend_from_slice(&src.octets());
                out.extend_from_slice(&dst.octets());
                for (index, ext) in self.v6_extensions.iter().enumerate() {
                    let next = self
                        .v6_extensions
                        .get(index + 1)
                        .map_or(protocol, |next| next.kind);
                    out.push(next);
                    out.extend_from_slice(&ext.body);
                }
                out.extend_from_slice(transport);
                out
            }
            _ => panic!("mixed IPv4/IPv6 addresses"),
        }
    }

    /// The transport checksum over the pseudo-header and `transport` (with its checksum field zero).
    pub fn transport_checksum(&self, protocol: u8, transport: &[u8]) -> u16 {
        let mut pseudo = Vec::with_capacity(40);
        match (self.src, self.dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                pseudo.extend_from_slice(&src.octets());
                pseudo.extend_from_slice(&dst.octets());
                pseudo.extend_from_slice(&[0, protocol]);
                pseudo.extend_from_slice(&(transport.len() as u16).to_be_bytes());
            }
            (IpAddr::V6(src), IpAddr::V6(dst)) => {
                pseudo.extend_from_slice(&src.octets());
                pseudo.extend_from_slice(&dst.octets());
                pseudo.extend_from_slice(&(transport.len() as u32).to_be_bytes());
                pseudo.extend_from_slice(&[0, 0, 0, protocol]);
            }
            _ => panic!("mixed IPv4/IPv6 addresses"),
        }
        let partial = sum_words(0, &pseudo);
        ones_complement(partial, transport)
    }
}

fn sum_words(mut sum: u32, bytes: &[u8]) -> u32 {
    for pair in bytes.chunks(2) {
        let word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
        sum += u32::from(word);
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum
}

fn ones_complement(partial: u32, bytes: &[u8]) -> u16 {
    !(sum_words(partial, bytes) as u16)
}

/// TCP flag bits (NS is the ninth).
pub mod flags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const NS: u16 = 0x100;
}

/// A TCP segment.
#[derive(Clone, Debug)]
pub struct Tcp {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u16,
    pub window: u16,
    pub urgent: u16,
    /// Option bytes; padded with EOL to a multiple of 4.
    pub options: Vec<u8>,
    pub payload: Vec<u8>,
}

impl Tcp {
    pub fn new(src_port: u16, dst_port: u16, seq: u32, ack: u32, flags: u16) -> Tcp {
        Tcp {
            src_port,
            dst_port,
            seq,
            ack,
            flags,
            window: 65535,
            urgent: 0,
            options: Vec::new(),
            payload: Vec::new(),
        }
    }

    /// The IP packet carrying this segment.
    pub fn packet(&self, ip: &Ip) -> Vec<u8> {
        let mut options = self.options.clone();
        options.resize(options.len().div_ceil(4) * 4, 0);
        assert!(options.len() <= 40, "TCP options longer than 40 bytes");
        let header_len = 20 + options.len();
        let mut out = Vec::with_capacity(header_len + self.payload.len());
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.ack.to_be_bytes());
        let offset_and_flags = ((header_len as u16 / 4) << 12) | (self.flags & 0x1ff);
        out.extend_from_slice(&offset_and_flags.to_be_bytes());
        out.extend_from_slice(&self.window.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.urgent.to_be_bytes());
        out.extend_from_slice(&options);
        out.extend_from_slice(&self.payload);
        let sum = ip.transport_checksum(TCP, &out);
        out[16..18].copy_from_slice(&sum.to_be_bytes());
        ip.packet(TCP, &out)
    }
}

/// TCP option encoders.
pub mod option {
    pub const EOL: u8 = 0;
    pub const NOP: u8 = 1;

    pub fn mss(value: u16) -> Vec<u8> {
        let [high, low] = value.to_be_bytes();
        vec![2, 4, high, low]
    }
    pub fn wscale(shift: u8) -> Vec<u8> {
        vec![3, 3, shift]
    }
    pub fn sack_permitted() -> Vec<u8> {
        vec![4, 2]
    }
    pub fn sack(blocks: &[(u32, u32)]) -> Vec<u8> {
        let mut out = vec![5, (2 + 8 * blocks.len()) as u8];
        for (left, right) in blocks {
            out.extend_from_slice(&left.to_be_bytes());
            out.extend_from_slice(&right.to_be_bytes());
        }
        out
    }
    pub fn timestamps(value: u32, echo: u32) -> Vec<u8> {
        let mut out = vec![8, 10];
        out.extend_from_slice(&value.to_be_bytes());
        out.extend_from_slice(&echo.to_be_bytes());
        out
    }
    /// An option of a kind socklab does not name, with `data` after kind and length.
    pub fn unknown(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![kind, (2 + data.len()) as u8];
        out.extend_from_slice(data);
        out
    }
    pub fn concat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }
}

/// A UDP datagram whose length field says `length` whatever the payload (a lie, or trailing bytes).
pub fn udp_packet_claiming(
    ip: &Ip,
    src_port: u16,
    dst_port: u16,
    payload: &[u8],
    length: u16,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&src_port.to_be_bytes());
    out.extend_from_slice(&dst_port.to_be_bytes());
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload);
    ip.packet(UDP, &out)
}

/// A UDP datagram's IP packet; `zero_checksum` sends checksum 0 ("none", legal only over IPv4).
pub fn udp_packet(
    ip: &Ip,
    src_port: u16,
    dst_port: u16,
    payload: &[u8],
    zero_checksum: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&src_port.to_be_bytes());
    out.extend_from_slice(&dst_port.to_be_bytes());
    out.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload);
    if !zero_checksum {
        let mut sum = ip.transport_checksum(UDP, &out);
        if sum == 0 {
            sum = 0xffff;
        }
        out[6..8].copy_from_slice(&sum.to_be_bytes());
    }
    ip.packet(UDP, &out)
}

/// An ICMP (IPv4) or ICMPv6 message: type, code, the 4 type-specific bytes, and the body
/// (for errors, the start of the offending IP packet).
pub fn icmp_packet(ip: &Ip, icmp_type: u8, code: u8, rest: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = vec![icmp_type, code, 0, 0];
    out.extend_from_slice(&rest);
    out.extend_from_slice(body);
    let protocol = if ip.is_v6() { ICMPV6 } else { ICMP };
    let sum = if ip.is_v6() {
        ip.transport_checksum(ICMPV6, &out)
    } else {
        ones_complement(0, &out)
    };
    out[2..4].copy_from_slice(&sum.to_be_bytes());
    ip.packet(protocol, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_a_known_ipv4_header() {
        // The example header from RFC 1071's discussion (Wikipedia's worked example): checksum 0xb861.
        let header = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(ones_complement(0, &header), 0xb861);
    }
}
