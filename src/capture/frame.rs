//! The unit every capture source yields: one link-layer frame, borrowed from the source's buffer.

use serde::Serialize;
use std::fmt;

/// A capture timestamp as nanoseconds since the Unix epoch.
///
/// Nanoseconds are kept because pcap files may carry them and kernel stamps (SIOCGSTAMPNS) have them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_parts(secs: i64, nanos: u32) -> Self {
        Timestamp(
            secs.saturating_mul(1_000_000_000)
                .saturating_add(nanos as i64),
        )
    }
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }
    pub fn subsec_nanos(self) -> u32 {
        self.0.rem_euclid(1_000_000_000) as u32
    }
    /// Nanoseconds elapsed since `earlier` (negative if the capture went backwards in time).
    pub fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Link-layer framing, named after the tcpdump.org LINKTYPE_* registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum LinkType {
    /// LINKTYPE_NULL (0): BSD loopback, a 4-byte address family in host byte order.
    Null,
    /// LINKTYPE_ETHERNET (1).
    Ethernet,
    /// LINKTYPE_RAW (101): a bare IPv4 or IPv6 packet.
    RawIp,
    /// LINKTYPE_LOOP (108): OpenBSD loopback, address family in network byte order.
    Loop,
    /// LINKTYPE_LINUX_SLL (113): Linux "cooked" capture, version 1.
    LinuxSll,
    /// LINKTYPE_IPV4 (228).
    Ipv4,
    /// LINKTYPE_IPV6 (229).
    Ipv6,
    /// LINKTYPE_LINUX_SLL2 (276): Linux "cooked" capture, version 2.
    LinuxSll2,
    /// Anything else; kept so the decoder can say which link type it cannot read.
    Other(u32),
}

impl LinkType {
    pub fn from_linktype(value: u32) -> Self {
        match value {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            101 | 12 | 14 => LinkType::RawIp,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            other => LinkType::Other(other),
        }
    }

    pub fn to_linktype(self) -> u32 {
        match self {
            LinkType::Null => 0,
            LinkType::Ethernet => 1,
            LinkType::RawIp => 101,
            LinkType::Loop => 108,
            LinkType::LinuxSll => 113,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll2 => 276,
            LinkType::Other(value) => value,
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkType::Null => f.write_str("BSD loopback (NULL)"),
            LinkType::Ethernet => f.write_str("Ethernet"),
            LinkType::RawIp => f.write_str("raw IP"),
            LinkType::Loop => f.write_str("OpenBSD loopback (LOOP)"),
            LinkType::LinuxSll => f.write_str("Linux cooked (SLL)"),
            LinkType::Ipv4 => f.write_str("raw IPv4"),
            LinkType::Ipv6 => f.write_str("raw IPv6"),
            LinkType::LinuxSll2 => f.write_str("Linux cooked v2 (SLL2)"),
            LinkType::Other(value) => write!(f, "link type {value}"),
        }
    }
}

/// One captured frame. `data` borrows the source's buffer and is valid until the next call.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// 1-based position in the capture, as Wireshark numbers frames.
    pub number: u64,
    pub timestamp: Timestamp,
    pub link_type: LinkType,
    /// The bytes that were captured (possibly cut short by the snap length).
    pub data: &'a [u8],
    /// The frame's length on the wire, which may exceed `data.len()`.
    pub original_len: u32,
}
