//! Capture file formats written by hand: legacy pcap in either byte order and timestamp precision,
//! and pcapng with any number of interfaces (each with its own link type and timestamp resolution).
//! (socklab's own `CaptureWriter` writes the little-endian nanosecond pcapng variant; see `mod.rs`.)

/// One packet record.
#[derive(Clone, Debug)]
pub struct Record {
    /// pcapng interface id (ignored by legacy pcap).
    pub interface: u32,
    /// Nanoseconds since the epoch.
    pub time_ns: u64,
    pub data: Vec<u8>,
    /// Length on the wire; at least `data.len()`.
    pub original_len: u32,
}

impl Record {
    pub fn new(interface: u32, time_ns: u64, data: Vec<u8>) -> Record {
        let original_len = data.len() as u32;
        Record {
            interface,
            time_ns,
            data,
            original_len,
        }
    }
}

/// Writes integers in the chosen byte order.
struct Out {
    bytes: Vec<u8>,
    big_endian: bool,
}

impl Out {
    fn u16(&mut self, value: u16) {
        let bytes = if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        };
        self.bytes.extend_from_slice(&bytes);
    }
    fn u32(&mut self, value: u32) {
        let bytes = if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        };
        self.bytes.extend_from_slice(&bytes);
    }
    fn pad4(&mut self) {
        while self.bytes.len() % 4 != 0 {
            self.bytes.push(0);
        }
    }
}

/// A legacy pcap file.
pub fn pcap(
    linktype: u32,
    big_endian: bool,
    nanosecond: bool,
    snaplen: u32,
    records: &[Record],
) -> Vec<u8> {
    let mut out = Out {
        bytes: Vec::new(),
        big_endian,
    };
    out.u32(if nanosecond { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
    out.u16(2);
    out.u16(4);
    out.u32(0); // thiszone
    out.u32(0); // sigfigs
    out.u32(snaplen);
    out.u32(linktype);
    for record in records {
        let secs = record.time_ns / 1_000_000_000;
        let nanos = record.time_ns % 1_000_000_000;
        out.u32(secs as u32);
        out.u32(if nanosecond { nanos } else { nanos / 1000 } as u32);
        out.u32(record.data.len() as u32);
        out.u32(record.original_len);
        out.bytes.extend_from_slice(&record.data);
    }
    out.bytes
}

/// A pcapng interface: link type and `if_tsresol` (6 = microseconds, 9 = nanoseconds,
/// 0x80 | n = 2^-n seconds).
#[derive(Clone, Copy, Debug)]
pub struct Interface {
    pub linktype: u16,
    pub tsresol: u8,
}

/// Converts nanoseconds to `tsresol` units.
fn units(time_ns: u64, tsresol: u8) -> u64 {
    let exponent = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 != 0 {
        ((u128::from(time_ns) << exponent) / 1_000_000_000) as u64
    } else if exponent <= 9 {
        time_ns / 10u64.pow(9 - exponent)
    } else {
        time_ns * 10u64.pow(exponent - 9)
    }
}

/// Appends one block: type, length, `body` (padded), length again.
fn block(out: &mut Out, block_type: u32, body: impl FnOnce(&mut Out)) {
    let start = out.bytes.len();
    out.u32(block_type);
    out.u32(0); // patched below
    body(out);
    out.pad4();
    let total = (out.bytes.len() - start + 4) as u32;
    out.u32(total);
    let patched = if out.big_endian {
        total.to_be_bytes()
    } else {
        total.to_le_bytes()
    };
    out.bytes[start + 4..start + 8].copy_from_slice(&patched);
}

fn option(out: &mut Out, code: u16, value: &[u8]) {
    out.u16(code);
    out.u16(value.len() as u16);
    out.bytes.extend_from_slice(value);
    out.pad4();
}

/// A pcapng file with one section, the given interfaces, and the records; `extra_blocks` are
/// (type, body) pairs written after the interfaces (for example statistics or custom blocks).
pub fn pcapng(
    big_endian: bool,
    interfaces: &[Interface],
    records: &[Record],
    extra_blocks: &[(u32, Vec<u8>)],
) -> Vec<u8> {
    let mut out = Out {
        bytes: Vec::new(),
        big_endian,
    };
    block(&mut out, 0x0A0D_0D0A, |out| {
        out.u32(0x1A2B_3C4D);
        out.u16(1);
        out.u16(0);
        out.u32(0xffff_ffff);
        out.u32(0xffff_ffff);
        option(out, 4, b"socklab differential test");
        option(out, 0, &[]);
    });
    for interface in interfaces {
        block(&mut out, 1, |out| {
            out.u16(interface.linktype);
            out.u16(0);
            out.u32(262_144);
            option(out, 9, &[interface.tsresol]);
            option(out, 0, &[]);
        });
    }
    for (block_type, body) in extra_blocks {
        block(&mut out, *block_type, |out| {
            out.bytes.extend_from_slice(body)
        });
    }
    for record in records {
        let tsresol = interfaces
            .get(record.interface as usize)
            .map_or(6, |interface| interface.tsresol);
        let stamp = units(record.time_ns, tsresol);
        block(&mut out, 6, |out| {
            out.u32(record.interface);
            out.u32((stamp >> 32) as u32);
            out.u32(stamp as u32);
            out.u32(record.data.len() as u32);
            out.u32(record.original_len);
            out.bytes.extend_from_slice(&record.data);
            out.pad4();
        });
    }
    out.bytes
}
