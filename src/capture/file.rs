//! Reads pcap and pcapng captures as a stream, one record in memory at a time.
//!
//! pcap-parser's streaming readers ([`LegacyPcapReader`], [`PcapNGReader`]) own the circular buffer.
//! Before anything is parsed, this file checks each record's declared length and makes sure the whole
//! record is in the buffer, so that:
//! - memory is bounded by [`MAX_RECORD_LEN`], whatever a hostile header declares;
//! - "the file ends inside this record" (truncated) and "this record contradicts itself" (malformed)
//!   are told apart, each with the byte offset where the record starts.
//!
//! Section and interface blocks and legacy records are parsed by pcap-parser. The pcapng packet blocks
//! (EPB, SPB, obsolete PB) are read by hand: their layout is five integers, and pcap-parser's EPB parser
//! would allocate an options `Vec` per packet and call a caplen that overruns its block "incomplete".
//!
//! Decisions worth knowing:
//! - An empty (0-byte) file is an error ([`CaptureError::Empty`]): it is not a capture of anything.
//!   A file with a header and no packets is a valid capture of 0 frames.
//! - A Simple Packet Block carries no timestamp; its frame gets the previous frame's timestamp (0 if none).
//! - Unknown or uninteresting pcapng blocks (name resolution, statistics, custom...) are skipped and
//!   counted in [`FileSource::skipped_blocks`].
//! - After an error, `next_frame` returns that error once and `Next::End` afterwards.

use super::{CaptureError, CaptureStats, Frame, FrameSource, LinkType, Next, Timestamp};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{
    parse_interfacedescriptionblock_be, parse_interfacedescriptionblock_le, parse_pcap_frame,
    parse_pcap_frame_be, parse_pcap_frame_modified, parse_sectionheaderblock, LegacyPcapBlock,
    LegacyPcapReader, OptionCode, PcapBlockOwned, PcapError, PcapNGReader,
};
use std::cell::Cell;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;
use std::rc::Rc;

/// The largest record (pcap record header + data) or pcapng block accepted, in bytes.
///
/// Loopback frames are at most 64 KiB plus headers and libpcap never writes more than 256 KiB of
/// packet data, so anything bigger is a corrupt length; refusing it keeps memory bounded.
pub const MAX_RECORD_LEN: usize = 1 << 20;

/// libpcap's MAXIMUM_SNAPLEN: no capture tool stores more packet data than this per record.
const LIBPCAP_MAX_SNAPLEN: usize = 262_144;
/// Starting size of the read buffer; it grows (up to [`MAX_RECORD_LEN`]) only for a larger record.
const INITIAL_BUFFER_LEN: usize = 256 * 1024;
/// A section describing more interfaces than this is treated as corrupt, so the table stays small.
const MAX_INTERFACES: usize = 1 << 16;

const PCAP_HEADER_LEN: usize = 24;

const SHB_BYTES: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const SHB_TYPE: u32 = 0x0A0D_0D0A;
const IDB_TYPE: u32 = 0x0000_0001;
const PB_TYPE: u32 = 0x0000_0002;
const SPB_TYPE: u32 = 0x0000_0003;
const EPB_TYPE: u32 = 0x0000_0006;

/// Which on-disk format a [`FileSource`] is reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    /// Legacy libpcap format.
    Pcap {
        big_endian: bool,
        /// Nanosecond timestamps (magic 0xa1b23c4d) rather than microseconds.
        nanosecond: bool,
    },
    PcapNg,
}

/// A [`FrameSource`] over a pcap or pcapng file (or any byte stream, such as stdin).
pub struct FileSource {
    path: String,
    format: CaptureFormat,
    reader: Box<dyn PcapReaderIterator>,
    /// The buffer's size; pcap-parser does not expose it, and growing needs it.
    capacity: usize,
    /// Where the input reader leaves the `io::Error` that pcap-parser reduces to `ReadError`.
    read_error: Rc<Cell<Option<io::Error>>>,
    layout: Layout,
    /// The current pcapng section's interfaces, indexed by interface id; empty for legacy pcap.
    interfaces: Vec<Interface>,
    /// Bytes of the frame handed out last; consumed on the next call, once the caller's borrow is over.
    pending_consume: usize,
    frames: u64,
    skipped_blocks: u64,
    last_timestamp: Timestamp,
    finished: bool,
}

#[derive(Clone, Copy)]
enum Layout {
    Legacy(LegacyLayout),
    Ng(NgSection),
}

type LegacyParser =
    fn(&[u8]) -> pcap_parser::nom::IResult<&[u8], LegacyPcapBlock<'_>, PcapError<&[u8]>>;

#[derive(Clone, Copy)]
struct LegacyLayout {
    big_endian: bool,
    /// Multiplier from the record's fractional field to nanoseconds (1000 for µs, 1 for ns).
    nanos_per_tick: i64,
    /// 16, or 24 for the "modified" (Kuznetzov) format.
    record_header_len: usize,
    link_type: LinkType,
    snaplen: u32,
    parse: LegacyParser,
}

/// The byte order of the current pcapng section (its interfaces are in `FileSource::interfaces`).
#[derive(Clone, Copy)]
struct NgSection {
    big_endian: bool,
}

/// What an Interface Description Block says that packets need.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Interface {
    link_type: LinkType,
    snaplen: u32,
    /// `if_tsresol`: bit 7 clear → 10^-n s per unit, set → 2^-n s per unit.
    tsresol: u8,
    /// `if_tsoffset`, seconds added to every timestamp.
    tsoffset: i64,
}

impl Interface {
    fn timestamp(&self, high: u32, low: u32) -> Timestamp {
        let units = (u64::from(high) << 32) | u64::from(low);
        let nanos = units_to_nanos(units, self.tsresol) + i128::from(self.tsoffset) * 1_000_000_000;
        Timestamp(nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }
}

/// Converts a pcapng timestamp in `if_tsresol` units to nanoseconds (rounding down).
fn units_to_nanos(units: u64, tsresol: u8) -> i128 {
    let exponent = u32::from(tsresol & 0x7f);
    let units = u128::from(units);
    let nanos = if tsresol & 0x80 != 0 {
        // 2^-exponent seconds per unit; exponent < 128 so the shift is defined.
        (units * 1_000_000_000) >> exponent
    } else if exponent <= 9 {
        units * 10u128.pow(9 - exponent)
    } else {
        // Finer than a nanosecond; 10^exponent beyond u128 means every timestamp rounds to 0.
        10u128
            .checked_pow(exponent - 9)
            .map_or(0, |divisor| units / divisor)
    };
    // units < 2^64 and the factor ≤ 10^9 < 2^30, so `nanos` < 2^94 and fits i128.
    nanos as i128
}

/// Where the next frame sits in the buffer, and what to consume once the caller is done with it.
struct Located {
    record_len: usize,
    data_start: usize,
    data_len: usize,
    timestamp: Timestamp,
    link_type: LinkType,
    original_len: u32,
}

/// What one pcapng block means for the reader.
enum BlockAction {
    NewSection { big_endian: bool },
    Interface(Interface),
    Frame(Located),
    Skip,
}

impl FileSource {
    /// Opens a capture file; pcap or pcapng is told by its first bytes, not by its name.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| CaptureError::Io {
            path: name.clone(),
            source,
        })?;
        Self::from_reader(&name, file)
    }

    /// Reads a capture from any byte stream (stdin, a socket, a test's bytes); `name` appears in errors.
    pub fn from_reader(name: &str, reader: impl Read + 'static) -> Result<Self, CaptureError> {
        let read_error = Rc::new(Cell::new(None));
        let mut input = RecordingReader {
            inner: Box::new(reader),
            error: Rc::clone(&read_error),
        };
        let io_error = |source| CaptureError::Io {
            path: name.to_owned(),
            source,
        };
        let mut prefix = Vec::with_capacity(64);
        read_up_to(&mut input, &mut prefix, 4).map_err(io_error)?;
        let magic = match identify(&prefix) {
            Some(magic) => magic,
            None if prefix.is_empty() => {
                return Err(CaptureError::Empty {
                    path: name.to_owned(),
                })
            }
            None if prefix.len() < 4 && is_start_of_a_magic(&prefix) => {
                return Err(truncated(
                    name,
                    0,
                    format!(
                        "the file is only {} bytes long, shorter than any capture file header",
                        prefix.len()
                    ),
                ))
            }
            None => {
                read_up_to(&mut input, &mut prefix, 8).map_err(io_error)?;
                return Err(CaptureError::NotACapture {
                    path: name.to_owned(),
                    magic: describe_bytes(&prefix),
                });
            }
        };
        match magic {
            Magic::Pcap => Self::open_legacy(name, prefix, input, read_error),
            Magic::PcapNg => Self::open_ng(name, prefix, input, read_error),
        }
    }

    fn open_legacy(
        name: &str,
        mut prefix: Vec<u8>,
        mut input: RecordingReader,
        read_error: Rc<Cell<Option<io::Error>>>,
    ) -> Result<Self, CaptureError> {
        read_up_to(&mut input, &mut prefix, PCAP_HEADER_LEN).map_err(|source| {
            CaptureError::Io {
                path: name.to_owned(),
                source,
            }
        })?;
        if prefix.len() < PCAP_HEADER_LEN {
            return Err(truncated(
                name,
                0,
                format!(
                    "the {PCAP_HEADER_LEN}-byte pcap file header is cut short after {} bytes",
                    prefix.len()
                ),
            ));
        }
        // The whole header is in `prefix`, which the reader's first read returns in one piece.
        let stream = Cursor::new(prefix).chain(input);
        let mut reader = LegacyPcapReader::new(INITIAL_BUFFER_LEN, stream).map_err(|e| {
            malformed(
                name,
                0,
                format!("the pcap file header does not parse ({e})"),
            )
        })?;
        let header = match reader.next() {
            Ok((_, PcapBlockOwned::LegacyHeader(header))) => header,
            _ => {
                return Err(malformed(
                    name,
                    0,
                    "the pcap file header does not parse".into(),
                ))
            }
        };
        if header.version_major != 2 {
            return Err(malformed(
                name,
                4,
                format!(
                    "pcap format version {}.{} is not 2.x, the only version in use",
                    header.version_major, header.version_minor
                ),
            ));
        }
        reader.consume(PCAP_HEADER_LEN);
        let big_endian = header.is_bigendian();
        let nanosecond = header.is_nanosecond_precision();
        let modified = header.is_modified_format();
        let layout = LegacyLayout {
            big_endian,
            nanos_per_tick: if nanosecond { 1 } else { 1000 },
            record_header_len: if modified { 24 } else { 16 },
            // The upper 16 bits hold FCS information, not the link type (as libpcap's LT_LINKTYPE).
            link_type: LinkType::from_linktype((header.network.0 as u32) & 0xffff),
            snaplen: header.snaplen,
            parse: if modified {
                parse_pcap_frame_modified
            } else if big_endian {
                parse_pcap_frame_be
            } else {
                parse_pcap_frame
            },
        };
        Ok(FileSource {
            path: name.to_owned(),
            format: CaptureFormat::Pcap {
                big_endian,
                nanosecond,
            },
            reader: Box::new(reader),
            capacity: INITIAL_BUFFER_LEN,
            read_error,
            layout: Layout::Legacy(layout),
            interfaces: Vec::new(),
            pending_consume: 0,
            frames: 0,
            skipped_blocks: 0,
            last_timestamp: Timestamp(0),
            finished: false,
        })
    }

    fn open_ng(
        name: &str,
        mut prefix: Vec<u8>,
        mut input: RecordingReader,
        read_error: Rc<Cell<Option<io::Error>>>,
    ) -> Result<Self, CaptureError> {
        let io_error = |source| CaptureError::Io {
            path: name.to_owned(),
            source,
        };
        read_up_to(&mut input, &mut prefix, 12).map_err(io_error)?;
        if prefix.len() < 12 {
            return Err(truncated(
                name,
                0,
                format!(
                    "the pcapng section header block is cut short after {} bytes",
                    prefix.len()
                ),
            ));
        }
        let big_endian =
            byte_order(&prefix[8..12]).ok_or_else(|| bad_byte_order(name, 0, &prefix))?;
        let block_len = read_u32(&prefix, 4, big_endian) as usize;
        check_block_len(name, 0, SHB_TYPE, block_len)?;
        // PcapNGReader insists on the whole section header in its first read, so fetch all of it now.
        read_up_to(&mut input, &mut prefix, block_len).map_err(io_error)?;
        if prefix.len() < block_len {
            return Err(truncated(
                name,
                0,
                format!(
                    "the section header block declares {block_len} bytes but the file ends after {}",
                    prefix.len()
                ),
            ));
        }
        let capacity = INITIAL_BUFFER_LEN.max(block_len + 1);
        let stream = Cursor::new(prefix).chain(input);
        let reader = PcapNGReader::new(capacity, stream).map_err(|e| {
            malformed(
                name,
                0,
                format!("the section header block does not parse ({e})"),
            )
        })?;
        Ok(FileSource {
            path: name.to_owned(),
            format: CaptureFormat::PcapNg,
            reader: Box::new(reader),
            capacity,
            read_error,
            // The section header is read again by `next_ng`, like any later one.
            layout: Layout::Ng(NgSection { big_endian }),
            interfaces: Vec::new(),
            pending_consume: 0,
            frames: 0,
            skipped_blocks: 0,
            last_timestamp: Timestamp(0),
            finished: false,
        })
    }

    /// The name given at open, as it appears in errors.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// pcapng blocks that hold no packet and were passed over (statistics, name resolution, unknown types...).
    pub fn skipped_blocks(&self) -> u64 {
        self.skipped_blocks
    }

    /// Makes sure `need` bytes are buffered; `false` if the input ends first.
    fn fill_to(&mut self, need: usize) -> Result<bool, CaptureError> {
        loop {
            if self.reader.data().len() >= need {
                return Ok(true);
            }
            if self.reader.reader_exhausted() {
                return Ok(false);
            }
            if need > self.capacity {
                // Callers have checked `need` against MAX_RECORD_LEN, so this growth is bounded.
                self.reader.grow(need);
                self.capacity = need;
            }
            // The buffer holds fewer than `need` ≤ capacity bytes, so refill has room to read into.
            if self.reader.refill().is_err() {
                let source = self
                    .read_error
                    .take()
                    .unwrap_or_else(|| io::Error::other("the capture reader failed"));
                return Err(CaptureError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        }
    }

    fn offset(&self) -> u64 {
        self.reader.consumed() as u64
    }

    fn next_legacy(&mut self, layout: LegacyLayout) -> Result<Option<Located>, CaptureError> {
        let offset = self.offset();
        let header_len = layout.record_header_len;
        if !self.fill_to(header_len)? {
            let got = self.reader.data().len();
            if got == 0 {
                return Ok(None);
            }
            return Err(truncated(
                &self.path,
                offset,
                format!("the {header_len}-byte record header is cut short after {got} bytes"),
            ));
        }
        let caplen = read_u32(self.reader.data(), 8, layout.big_endian) as usize;
        let limit = (layout.snaplen as usize)
            .max(LIBPCAP_MAX_SNAPLEN)
            .min(MAX_RECORD_LEN - header_len);
        if caplen > limit {
            return Err(malformed(
                &self.path,
                offset,
                format!(
                    "the record declares {caplen} captured bytes, more than the file's snap length \
                     ({}) and more than the {limit} bytes a record may hold",
                    layout.snaplen
                ),
            ));
        }
        let record_len = header_len + caplen;
        if !self.fill_to(record_len)? {
            let got = self.reader.data().len().saturating_sub(header_len);
            return Err(truncated(
                &self.path,
                offset,
                format!("the record declares {caplen} bytes of packet data but the file ends after {got} of them"),
            ));
        }
        let record = self.reader.data().get(..record_len).unwrap_or_default();
        let block = match (layout.parse)(record) {
            Ok((_, block)) => block,
            Err(e) => {
                return Err(malformed(
                    &self.path,
                    offset,
                    format!("the record does not parse ({e})"),
                ))
            }
        };
        // `thiszone` in the file header is ignored, as libpcap does: record times are UTC.
        let nanos = i64::from(block.ts_sec) * 1_000_000_000
            + i64::from(block.ts_usec) * layout.nanos_per_tick;
        Ok(Some(Located {
            record_len,
            data_start: header_len,
            data_len: caplen,
            timestamp: Timestamp(nanos),
            link_type: layout.link_type,
            original_len: block.origlen,
        }))
    }

    fn next_ng(&mut self) -> Result<Option<Located>, CaptureError> {
        loop {
            let Layout::Ng(section) = self.layout else {
                return Ok(None);
            };
            let offset = self.offset();
            if !self.fill_to(8)? {
                let got = self.reader.data().len();
                if got == 0 {
                    return Ok(None);
                }
                return Err(truncated(
                    &self.path,
                    offset,
                    format!("the 8-byte block header is cut short after {got} bytes"),
                ));
            }
            let is_section_header = self.reader.data().get(..4) == Some(&SHB_BYTES[..]);
            let big_endian = if is_section_header {
                // A new section may switch byte order; its byte-order magic says which, before its length.
                if !self.fill_to(12)? {
                    return Err(truncated(
                        &self.path,
                        offset,
                        "the section header block is cut short before its byte-order magic".into(),
                    ));
                }
                let data = self.reader.data();
                byte_order(data.get(8..12).unwrap_or_default())
                    .ok_or_else(|| bad_byte_order(&self.path, offset, data))?
            } else {
                section.big_endian
            };
            let data = self.reader.data();
            let block_type = read_u32(data, 0, big_endian);
            let block_len = read_u32(data, 4, big_endian) as usize;
            check_block_len(&self.path, offset, block_type, block_len)?;
            if !self.fill_to(block_len)? {
                let got = self.reader.data().len();
                return Err(truncated(
                    &self.path,
                    offset,
                    format!(
                        "{} declares {block_len} bytes but the file ends after {got} of them",
                        block_name(block_type)
                    ),
                ));
            }
            let block = self.reader.data().get(..block_len).unwrap_or_default();
            let trailer = read_u32(block, block_len - 4, big_endian) as usize;
            if trailer != block_len {
                return Err(malformed(
                    &self.path,
                    offset + block_len as u64 - 4,
                    format!(
                        "{} says it is {block_len} bytes long at its start but {trailer} at its end",
                        block_name(block_type)
                    ),
                ));
            }
            let action = ng_block_action(
                &self.path,
                offset,
                block_type,
                block,
                big_endian,
                &self.interfaces,
                self.last_timestamp,
            )?;
            match action {
                BlockAction::Frame(located) => return Ok(Some(located)),
                BlockAction::NewSection { big_endian } => {
                    self.layout = Layout::Ng(NgSection { big_endian });
                    self.interfaces.clear();
                }
                BlockAction::Interface(interface) => {
                    if self.interfaces.len() >= MAX_INTERFACES {
                        return Err(malformed(
                            &self.path,
                            offset,
                            format!("the section describes more than {MAX_INTERFACES} interfaces"),
                        ));
                    }
                    self.interfaces.push(interface);
                }
                BlockAction::Skip => self.skipped_blocks += 1,
            }
            self.reader.consume(block_len);
        }
    }
}

/// What a pcapng block means, given the current section; all checks that need only the block itself.
fn ng_block_action(
    path: &str,
    offset: u64,
    block_type: u32,
    block: &[u8],
    big_endian: bool,
    interfaces: &[Interface],
    last_timestamp: Timestamp,
) -> Result<BlockAction, CaptureError> {
    let block_len = block.len();
    let field = |at: usize| read_u32(block, at, big_endian);
    match block_type {
        SHB_TYPE => {
            let shb = match parse_sectionheaderblock(block) {
                Ok((_, shb)) => shb,
                Err(e) => {
                    return Err(malformed(
                        path,
                        offset,
                        format!("the section header block does not parse ({e})"),
                    ))
                }
            };
            if shb.major_version != 1 {
                return Err(malformed(
                    path,
                    offset + 12,
                    format!(
                        "pcapng version {}.{} is not 1.x, the only version defined",
                        shb.major_version, shb.minor_version
                    ),
                ));
            }
            Ok(BlockAction::NewSection { big_endian })
        }
        IDB_TYPE => {
            let parsed = if big_endian {
                parse_interfacedescriptionblock_be(block)
            } else {
                parse_interfacedescriptionblock_le(block)
            };
            let idb = match parsed {
                Ok((_, idb)) => idb,
                Err(e) => {
                    return Err(malformed(
                        path,
                        offset,
                        format!("the interface description block does not parse ({e})"),
                    ))
                }
            };
            let mut interface = Interface {
                link_type: LinkType::from_linktype(u32::from(idb.linktype.0 as u16)),
                snaplen: idb.snaplen,
                tsresol: 6,
                tsoffset: 0,
            };
            for option in &idb.options {
                let Ok(value) = option.as_bytes() else {
                    continue;
                };
                match option.code {
                    OptionCode::EndOfOpt => break,
                    OptionCode::IfTsresol => {
                        if let Some(&resolution) = value.first() {
                            interface.tsresol = resolution;
                        }
                    }
                    OptionCode::IfTsoffset => {
                        if let Ok(bytes) = <[u8; 8]>::try_from(value) {
                            // pcap-parser reads this as little-endian whatever the section's order.
                            interface.tsoffset = if big_endian {
                                i64::from_be_bytes(bytes)
                            } else {
                                i64::from_le_bytes(bytes)
                            };
                        }
                    }
                    _ => {}
                }
            }
            Ok(BlockAction::Interface(interface))
        }
        EPB_TYPE | PB_TYPE => {
            // EPB: interface u32 | ts high | ts low | caplen | origlen | data...
            // PB (obsolete): interface u16, drops u16 | ts high | ts low | caplen | origlen | data...
            let interface_id = if block_type == EPB_TYPE {
                field(8)
            } else if big_endian {
                field(8) >> 16
            } else {
                field(8) & 0xffff
            };
            let caplen = field(20) as usize;
            // 28 bytes of header and 4 of trailing length surround the data (block_len ≥ 32 was checked).
            let room = block_len - 32;
            if caplen > room {
                return Err(malformed(
                    path,
                    offset + 20,
                    format!(
                        "the packet's captured length {caplen} does not fit in its {block_len}-byte {}",
                        block_name(block_type)
                    ),
                ));
            }
            let interface = lookup_interface(path, offset + 8, interfaces, interface_id)?;
            Ok(BlockAction::Frame(Located {
                record_len: block_len,
                data_start: 28,
                data_len: caplen,
                timestamp: interface.timestamp(field(12), field(16)),
                link_type: interface.link_type,
                original_len: field(24),
            }))
        }
        SPB_TYPE => {
            // SPB: original length | data... ; it always belongs to interface 0 and has no timestamp.
            let interface = lookup_interface(path, offset, interfaces, 0)?;
            let original_len = field(8);
            let room = block_len - 16;
            let mut caplen = (original_len as usize).min(room);
            if interface.snaplen != 0 {
                caplen = caplen.min(interface.snaplen as usize);
            }
            Ok(BlockAction::Frame(Located {
                record_len: block_len,
                data_start: 12,
                data_len: caplen,
                timestamp: last_timestamp,
                link_type: interface.link_type,
                original_len,
            }))
        }
        _ => Ok(BlockAction::Skip),
    }
}

fn lookup_interface(
    path: &str,
    offset: u64,
    interfaces: &[Interface],
    interface_id: u32,
) -> Result<Interface, CaptureError> {
    interfaces
        .get(interface_id as usize)
        .copied()
        .ok_or_else(|| {
            malformed(
                path,
                offset,
                format!(
                    "the packet belongs to interface {interface_id}, but the section so far describes {} interface(s)",
                    interfaces.len()
                ),
            )
        })
}

impl FrameSource for FileSource {
    fn next_frame(&mut self) -> Result<Next<'_>, CaptureError> {
        if self.finished {
            return Ok(Next::End);
        }
        if self.pending_consume > 0 {
            self.reader.consume(self.pending_consume);
            self.pending_consume = 0;
        }
        let found = match self.layout {
            Layout::Legacy(layout) => self.next_legacy(layout),
            Layout::Ng(_) => self.next_ng(),
        };
        let located = match found {
            Ok(Some(located)) => located,
            Ok(None) => {
                self.finished = true;
                return Ok(Next::End);
            }
            Err(error) => {
                self.finished = true;
                return Err(error);
            }
        };
        self.pending_consume = located.record_len;
        self.frames += 1;
        self.last_timestamp = located.timestamp;
        let end = located.data_start + located.data_len;
        let data = self
            .reader
            .data()
            .get(located.data_start..end)
            .unwrap_or_default();
        Ok(Next::Frame(Frame {
            number: self.frames,
            timestamp: located.timestamp,
            link_type: located.link_type,
            data,
            original_len: located.original_len,
        }))
    }

    fn stats(&self) -> CaptureStats {
        CaptureStats {
            frames: self.frames,
            kernel_drops: 0,
        }
    }
}

/// Passes reads through, retrying interrupted ones, and keeps the `io::Error` that pcap-parser would
/// otherwise reduce to a bare `ReadError`.
struct RecordingReader {
    inner: Box<dyn Read>,
    error: Rc<Cell<Option<io::Error>>>,
}

impl Read for RecordingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let stand_in = io::Error::new(e.kind(), e.to_string());
                    self.error.set(Some(e));
                    return Err(stand_in);
                }
                ok => return ok,
            }
        }
    }
}

/// Reads until `buf` holds `len` bytes or the input ends.
fn read_up_to(input: &mut impl Read, buf: &mut Vec<u8>, len: usize) -> io::Result<()> {
    let missing = len.saturating_sub(buf.len());
    input.take(missing as u64).read_to_end(buf)?;
    Ok(())
}

enum Magic {
    Pcap,
    PcapNg,
}

/// The first four bytes of every format we read: pcap µs/ns in both byte orders, "modified" pcap, pcapng.
const MAGICS: [([u8; 4], bool); 6] = [
    ([0xd4, 0xc3, 0xb2, 0xa1], false),
    ([0xa1, 0xb2, 0xc3, 0xd4], false),
    ([0x4d, 0x3c, 0xb2, 0xa1], false),
    ([0xa1, 0xb2, 0x3c, 0x4d], false),
    ([0x34, 0xcd, 0xb2, 0xa1], false),
    (SHB_BYTES, true),
];

fn identify(prefix: &[u8]) -> Option<Magic> {
    let first = prefix.get(..4)?;
    MAGICS
        .iter()
        .find(|(magic, _)| magic == first)
        .map(|&(_, ng)| if ng { Magic::PcapNg } else { Magic::Pcap })
}

fn is_start_of_a_magic(prefix: &[u8]) -> bool {
    MAGICS.iter().any(|(magic, _)| magic.starts_with(prefix))
}

/// `3c 21 44 4f 43 54 59 50 ("<!DOCTYP")`: hex for the format, text so a learner sees what the file is.
fn describe_bytes(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(8)];
    let hex: Vec<String> = shown.iter().map(|b| format!("{b:02x}")).collect();
    let text: String = shown
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("{} (\"{text}\")", hex.join(" "))
}

/// The byte order a pcapng byte-order magic announces, if it is one.
fn byte_order(magic: &[u8]) -> Option<bool> {
    match magic {
        [0x4d, 0x3c, 0x2b, 0x1a] => Some(false),
        [0x1a, 0x2b, 0x3c, 0x4d] => Some(true),
        _ => None,
    }
}

fn bad_byte_order(path: &str, offset: u64, block: &[u8]) -> CaptureError {
    let magic = block.get(8..12).unwrap_or_default();
    malformed(
        path,
        offset + 8,
        format!(
            "the section header's byte-order magic is {}, neither 1a2b3c4d nor 4d3c2b1a",
            magic.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ),
    )
}

/// The u32 at `at`, or 0 if `bytes` is too short (callers check lengths first; this just cannot panic).
fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let mut word = [0u8; 4];
    if let Some(src) = bytes.get(at..at.saturating_add(4)) {
        word.copy_from_slice(src);
    }
    if big_endian {
        u32::from_be_bytes(word)
    } else {
        u32::from_le_bytes(word)
    }
}

/// Checks a pcapng block's declared length before any of it is read: large enough for the block's fixed
/// fields, a multiple of 4, and within [`MAX_RECORD_LEN`].
fn check_block_len(
    path: &str,
    offset: u64,
    block_type: u32,
    block_len: usize,
) -> Result<(), CaptureError> {
    let minimum = match block_type {
        SHB_TYPE => 28,
        EPB_TYPE | PB_TYPE => 32,
        IDB_TYPE => 20,
        SPB_TYPE => 16,
        _ => 12,
    };
    let problem = if block_len < minimum {
        format!("less than the {minimum} bytes its fixed fields take")
    } else if block_len % 4 != 0 {
        "which is not a multiple of 4".to_owned()
    } else if block_len > MAX_RECORD_LEN {
        format!("more than the {MAX_RECORD_LEN} bytes a block may hold")
    } else {
        return Ok(());
    };
    Err(malformed(
        path,
        offset + 4,
        format!(
            "{} declares a length of {block_len} bytes, {problem}",
            block_name(block_type)
        ),
    ))
}

fn block_name(block_type: u32) -> String {
    match block_type {
        SHB_TYPE => "the section header block".to_owned(),
        IDB_TYPE => "the interface description block".to_owned(),
        EPB_TYPE => "the enhanced packet block".to_owned(),
        SPB_TYPE => "the simple packet block".to_owned(),
        PB_TYPE => "the (obsolete) packet block".to_owned(),
        other => format!("a block of type {other:#010x}"),
    }
}

fn malformed(path: &str, offset: u64, reason: String) -> CaptureError {
    CaptureError::Malformed {
        path: path.to_owned(),
        offset,
        reason,
    }
}

fn truncated(path: &str, offset: u64, reason: String) -> CaptureError {
    CaptureError::Truncated {
        path: path.to_owned(),
        offset,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{CaptureWriter, OwnedFrame};
    use std::io::Read;

    // ---- fixture builders -------------------------------------------------------------------

    fn u16_bytes(value: u16, big_endian: bool) -> [u8; 2] {
        if big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    fn u32_bytes(value: u32, big_endian: bool) -> [u8; 4] {
        if big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    struct PcapRecord<'a> {
        secs: u32,
        frac: u32,
        data: &'a [u8],
        original_len: u32,
    }

    fn record(secs: u32, frac: u32, data: &[u8]) -> PcapRecord<'_> {
        PcapRecord {
            secs,
            frac,
            data,
            original_len: data.len() as u32,
        }
    }

    fn pcap_header(big_endian: bool, nanosecond: bool, snaplen: u32, link: u32) -> Vec<u8> {
        let magic: u32 = if nanosecond { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut out = Vec::new();
        out.extend(u32_bytes(magic, big_endian));
        out.extend(u16_bytes(2, big_endian));
        out.extend(u16_bytes(4, big_endian));
        out.extend(u32_bytes(0, big_endian));
        out.extend(u32_bytes(0, big_endian));
        out.extend(u32_bytes(snaplen, big_endian));
        out.extend(u32_bytes(link, big_endian));
        out
    }

    fn pcap_record(out: &mut Vec<u8>, big_endian: bool, r: &PcapRecord<'_>) {
        out.extend(u32_bytes(r.secs, big_endian));
        out.extend(u32_bytes(r.frac, big_endian));
        out.extend(u32_bytes(r.data.len() as u32, big_endian));
        out.extend(u32_bytes(r.original_len, big_endian));
        out.extend_from_slice(r.data);
    }

    fn pcap_file(
        big_endian: bool,
        nanosecond: bool,
        link: u32,
        records: &[PcapRecord<'_>],
    ) -> Vec<u8> {
        let mut out = pcap_header(big_endian, nanosecond, 65535, link);
        for r in records {
            pcap_record(&mut out, big_endian, r);
        }
        out
    }

    fn pad4(out: &mut Vec<u8>) {
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }

    /// A pcapng block: type, length, body (padded), length.
    fn ng_block(big_endian: bool, block_type: u32, body: &[u8]) -> Vec<u8> {
        let mut padded = body.to_vec();
        pad4(&mut padded);
        let total = (padded.len() + 12) as u32;
        let mut out = Vec::new();
        out.extend(u32_bytes(block_type, big_endian));
        out.extend(u32_bytes(total, big_endian));
        out.extend(padded);
        out.extend(u32_bytes(total, big_endian));
        out
    }

    fn ng_option(out: &mut Vec<u8>, big_endian: bool, code: u16, value: &[u8]) {
        out.extend(u16_bytes(code, big_endian));
        out.extend(u16_bytes(value.len() as u16, big_endian));
        out.extend_from_slice(value);
        pad4(out);
    }

    fn shb(big_endian: bool) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(u32_bytes(0x1a2b_3c4d, big_endian));
        body.extend(u16_bytes(1, big_endian));
        body.extend(u16_bytes(0, big_endian));
        body.extend((-1i64).to_le_bytes());
        ng_option(&mut body, big_endian, 4, b"fixture");
        ng_option(&mut body, big_endian, 0, &[]);
        ng_block(big_endian, SHB_TYPE, &body)
    }

    fn idb(
        big_endian: bool,
        link: u16,
        snaplen: u32,
        tsresol: Option<u8>,
        tsoffset: Option<i64>,
    ) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(u16_bytes(link, big_endian));
        body.extend(u16_bytes(0, big_endian));
        body.extend(u32_bytes(snaplen, big_endian));
        if let Some(resolution) = tsresol {
            ng_option(&mut body, big_endian, 9, &[resolution]);
        }
        if let Some(offset) = tsoffset {
            let bytes = if big_endian {
                offset.to_be_bytes()
            } else {
                offset.to_le_bytes()
            };
            ng_option(&mut body, big_endian, 14, &bytes);
        }
        if tsresol.is_some() || tsoffset.is_some() {
            ng_option(&mut body, big_endian, 0, &[]);
        }
        ng_block(big_endian, IDB_TYPE, &body)
    }

    fn epb(
        big_endian: bool,
        interface: u32,
        units: u64,
        data: &[u8],
        original_len: u32,
    ) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(u32_bytes(interface, big_endian));
        body.extend(u32_bytes((units >> 32) as u32, big_endian));
        body.extend(u32_bytes(units as u32, big_endian));
        body.extend(u32_bytes(data.len() as u32, big_endian));
        body.extend(u32_bytes(original_len, big_endian));
        body.extend_from_slice(data);
        ng_block(big_endian, EPB_TYPE, &body)
    }

    fn spb(big_endian: bool, data: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(u32_bytes(data.len() as u32, big_endian));
        body.extend_from_slice(data);
        ng_block(big_endian, SPB_TYPE, &body)
    }

    fn obsolete_pb(big_endian: bool, interface: u16, units: u64, data: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(u16_bytes(interface, big_endian));
        body.extend(u16_bytes(0, big_endian)); // drops
        body.extend(u32_bytes((units >> 32) as u32, big_endian));
        body.extend(u32_bytes(units as u32, big_endian));
        body.extend(u32_bytes(data.len() as u32, big_endian));
        body.extend(u32_bytes(data.len() as u32, big_endian));
        body.extend_from_slice(data);
        ng_block(big_endian, PB_TYPE, &body)
    }

    fn concat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    // ---- reading helpers ----------------------------------------------------------------------

    /// Every frame until the end or the first error.
    fn drain(source: &mut FileSource) -> (Vec<OwnedFrame>, Option<CaptureError>) {
        let mut frames = Vec::new();
        loop {
            match source.next_frame() {
                Ok(Next::Frame(frame)) => frames.push(OwnedFrame::from(frame)),
                Ok(Next::Idle) => panic!("a file source is never idle"),
                Ok(Next::End) => return (frames, None),
                Err(error) => {
                    assert!(
                        matches!(source.next_frame(), Ok(Next::End)),
                        "after an error the source must end"
                    );
                    return (frames, Some(error));
                }
            }
        }
    }

    fn read_bytes(bytes: &[u8]) -> Result<(Vec<OwnedFrame>, Option<CaptureError>), CaptureError> {
        let mut source = FileSource::from_reader("test.cap", Cursor::new(bytes.to_vec()))?;
        Ok(drain(&mut source))
    }

    fn read_ok(bytes: &[u8]) -> Vec<OwnedFrame> {
        match read_bytes(bytes) {
            Ok((frames, None)) => frames,
            Ok((_, Some(error))) => panic!("read failed: {error}"),
            Err(error) => panic!("open failed: {error}"),
        }
    }

    /// Hands out at most one byte per read, like a slow pipe.
    struct Trickle(Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let len = buf.len().min(1);
            self.0.read(&mut buf[..len])
        }
    }

    // ---- legacy pcap --------------------------------------------------------------------------

    #[test]
    fn little_endian_microsecond_pcap() {
        let bytes = pcap_file(
            false,
            false,
            1,
            &[
                record(1_600_000_000, 123_456, &[1, 2, 3]),
                record(1_600_000_001, 999_999, &[4; 60]),
            ],
        );
        let frames = read_ok(&bytes);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].number, 1);
        assert_eq!(frames[0].timestamp, Timestamp(1_600_000_000_123_456_000));
        assert_eq!(frames[0].link_type, LinkType::Ethernet);
        assert_eq!(frames[0].data, vec![1, 2, 3]);
        assert_eq!(frames[1].number, 2);
        assert_eq!(frames[1].timestamp, Timestamp(1_600_000_001_999_999_000));
        assert_eq!(frames[1].data.len(), 60);
        let source = FileSource::from_reader("x", Cursor::new(bytes)).unwrap();
        assert_eq!(
            source.format(),
            CaptureFormat::Pcap {
                big_endian: false,
                nanosecond: false
            }
        );
    }

    #[test]
    fn big_endian_pcap_both_resolutions() {
        for nanosecond in [false, true] {
            let mut truncated = record(7, 5, &[0x45, 0, 0, 20]);
            truncated.original_len = 1500;
            let bytes = pcap_file(true, nanosecond, 101, &[truncated, record(8, 0, &[])]);
            let frames = read_ok(&bytes);
            let tick = if nanosecond { 1 } else { 1000 };
            assert_eq!(frames.len(), 2);
            assert_eq!(frames[0].timestamp, Timestamp(7_000_000_000 + 5 * tick));
            assert_eq!(frames[0].link_type, LinkType::RawIp);
            assert_eq!(frames[0].data, vec![0x45, 0, 0, 20]);
            assert_eq!(frames[0].original_len, 1500);
            assert_eq!(frames[1].timestamp, Timestamp(8_000_000_000));
            assert!(
                frames[1].data.is_empty(),
                "a zero-length packet is a frame too"
            );
            let source = FileSource::from_reader("x", Cursor::new(bytes)).unwrap();
            assert_eq!(
                source.format(),
                CaptureFormat::Pcap {
                    big_endian: true,
                    nanosecond
                }
            );
        }
    }

    #[test]
    fn little_endian_nanosecond_pcap() {
        let bytes = pcap_file(false, true, 0, &[record(1, 999_999_999, &[2, 0, 0, 0])]);
        let frames = read_ok(&bytes);
        assert_eq!(frames[0].timestamp, Timestamp(1_999_999_999));
        assert_eq!(frames[0].link_type, LinkType::Null);
    }

    #[test]
    fn link_type_ignores_the_fcs_bits_like_libpcap() {
        // tcpdump's heapoverflow captures store 0x30000001: FCS length 3, link type 1 (Ethernet).
        let bytes = pcap_file(false, false, 0x3000_0001, &[record(0, 0, &[0; 14])]);
        assert_eq!(read_ok(&bytes)[0].link_type, LinkType::Ethernet);
    }

    #[test]
    fn modified_pcap_with_its_longer_record_headers() {
        // Kuznetzov's patched libpcap: magic a1b2cd34, 8 more bytes (ifindex, protocol, type) per record.
        let mut bytes = pcap_header(false, false, 65535, 1);
        bytes[..4].copy_from_slice(&0xa1b2_cd34u32.to_le_bytes());
        for (secs, data) in [(1u32, &[1u8, 2][..]), (2, &[3u8][..])] {
            bytes.extend(secs.to_le_bytes());
            bytes.extend(10u32.to_le_bytes());
            bytes.extend((data.len() as u32).to_le_bytes());
            bytes.extend((data.len() as u32).to_le_bytes());
            bytes.extend([0; 8]);
            bytes.extend_from_slice(data);
        }
        let frames = read_ok(&bytes);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].timestamp, Timestamp(1_000_010_000));
        assert_eq!(frames[0].data, vec![1, 2]);
        assert_eq!(frames[1].data, vec![3]);
    }

    #[test]
    fn header_only_pcap_has_no_frames() {
        assert!(read_ok(&pcap_header(false, false, 65535, 1)).is_empty());
    }

    #[test]
    fn slow_pipe_gives_the_same_frames() {
        let big = vec![0x5a; 70_000];
        let bytes = pcap_file(
            false,
            false,
            1,
            &[record(1, 2, &[9; 10]), record(3, 4, &big)],
        );
        let mut source =
            FileSource::from_reader("pipe", Trickle(Cursor::new(bytes.clone()))).unwrap();
        let (frames, error) = drain(&mut source);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(frames, read_ok(&bytes));
        assert_eq!(frames[1].data, big);
    }

    #[test]
    fn records_larger_than_the_initial_buffer_are_read() {
        let big: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
        let mut bytes = pcap_header(false, false, 400_000, 1);
        pcap_record(&mut bytes, false, &record(1, 0, &big));
        pcap_record(&mut bytes, false, &record(2, 0, &[1]));
        let mut source = FileSource::from_reader("big", Cursor::new(bytes)).unwrap();
        let (frames, error) = drain(&mut source);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].data, big);
        assert!(source.capacity <= MAX_RECORD_LEN);
    }

    #[test]
    fn stats_count_frames_and_never_drops() {
        let bytes = pcap_file(false, false, 1, &[record(1, 0, &[1]), record(2, 0, &[2])]);
        let mut source = FileSource::from_reader("x", Cursor::new(bytes)).unwrap();
        assert_eq!(source.stats().frames, 0);
        drain(&mut source);
        assert_eq!(
            source.stats(),
            CaptureStats {
                frames: 2,
                kernel_drops: 0
            }
        );
    }

    // ---- pcapng -------------------------------------------------------------------------------

    #[test]
    fn pcapng_interfaces_with_their_own_link_types_and_resolutions() {
        let base: u64 = 1_700_000_000;
        let bytes = concat(&[
            shb(false),
            idb(false, 1, 0, None, None), // Ethernet, default µs
            idb(false, 101, 0, Some(9), Some(-100)), // raw IP, ns, offset -100 s
            idb(false, 113, 0, Some(0x80 | 20), None), // SLL, 2^-20 s
            ng_block(false, 0x0bad_f00d, b"ignore me"), // unknown: skipped, not numbered
            epb(false, 0, base * 1_000_000 + 250_000, &[0xee; 14], 14),
            epb(false, 1, base * 1_000_000_000 + 7, &[0x45, 0, 0, 20, 0], 5),
            epb(false, 2, (base << 20) | (1 << 19), &[0; 16], 16),
            epb(false, 0, base * 1_000_000, &[], 0), // zero-length packet
            ng_block(false, 5, &[0; 8]),             // an interface statistics block
        ]);
        let mut source = FileSource::from_reader("ng", Cursor::new(bytes)).unwrap();
        let (frames, error) = drain(&mut source);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(source.format(), CaptureFormat::PcapNg);
        assert_eq!(source.skipped_blocks(), 2);
        let numbers: Vec<u64> = frames.iter().map(|f| f.number).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4]);

        assert_eq!(frames[0].link_type, LinkType::Ethernet);
        assert_eq!(
            frames[0].timestamp,
            Timestamp((base as i64) * 1_000_000_000 + 250_000_000)
        );
        assert_eq!(frames[1].link_type, LinkType::RawIp);
        assert_eq!(
            frames[1].timestamp,
            Timestamp((base as i64 - 100) * 1_000_000_000 + 7)
        );
        assert_eq!(frames[1].data, vec![0x45, 0, 0, 20, 0]);
        assert_eq!(frames[2].link_type, LinkType::LinuxSll);
        assert_eq!(
            frames[2].timestamp,
            Timestamp((base as i64) * 1_000_000_000 + 500_000_000)
        );
        assert!(frames[3].data.is_empty());
        assert_eq!(frames[3].original_len, 0);
    }

    #[test]
    fn pcapng_simple_and_obsolete_packet_blocks() {
        let bytes = concat(&[
            shb(false),
            idb(false, 1, 0, Some(9), None),
            idb(false, 0, 0, Some(9), None),
            spb(false, &[1, 2, 3]), // no timestamp: 0, as no frame came before
            obsolete_pb(false, 1, 42, &[2, 0, 0, 0, 0x45]),
            spb(false, &[4, 5]), // takes the previous frame's timestamp
        ]);
        let frames = read_ok(&bytes);
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].data, vec![1, 2, 3]);
        assert_eq!(frames[0].timestamp, Timestamp(0));
        assert_eq!(frames[0].link_type, LinkType::Ethernet);
        assert_eq!(frames[1].link_type, LinkType::Null);
        assert_eq!(frames[1].timestamp, Timestamp(42));
        assert_eq!(frames[1].data, vec![2, 0, 0, 0, 0x45]);
        assert_eq!(frames[2].data, vec![4, 5]);
        assert_eq!(frames[2].timestamp, Timestamp(42));
    }

    #[test]
    fn simple_packet_block_is_cut_to_the_interface_snaplen() {
        let bytes = concat(&[
            shb(false),
            idb(false, 1, 4, None, None),
            spb(false, &[1, 2, 3, 4, 5, 6]),
        ]);
        let frames = read_ok(&bytes);
        assert_eq!(frames[0].data, vec![1, 2, 3, 4]);
        assert_eq!(frames[0].original_len, 6);
    }

    #[test]
    fn pcapng_sections_may_change_byte_order_and_interfaces() {
        let bytes = concat(&[
            shb(false),
            idb(false, 1, 0, Some(9), None),
            epb(false, 0, 10, &[1], 1),
            shb(true),
            idb(true, 101, 0, Some(6), Some(2)),
            epb(true, 0, 3, &[2, 2], 2),
        ]);
        let frames = read_ok(&bytes);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].link_type, LinkType::Ethernet);
        assert_eq!(frames[0].timestamp, Timestamp(10));
        assert_eq!(frames[1].number, 2);
        assert_eq!(frames[1].link_type, LinkType::RawIp);
        assert_eq!(frames[1].timestamp, Timestamp(2_000_003_000));
        assert_eq!(frames[1].data, vec![2, 2]);
    }

    #[test]
    fn a_new_section_forgets_the_old_interfaces() {
        let bytes = concat(&[
            shb(false),
            idb(false, 1, 0, None, None),
            idb(false, 1, 0, None, None),
            shb(false),
            idb(false, 1, 0, None, None),
            epb(false, 1, 0, &[1], 1),
        ]);
        let (frames, error) = read_bytes(&bytes).unwrap();
        assert!(frames.is_empty());
        let offset = (shb(false).len() * 2 + idb(false, 1, 0, None, None).len() * 3) as u64;
        match error {
            Some(CaptureError::Malformed {
                offset: at, reason, ..
            }) => {
                assert_eq!(at, offset + 8, "{reason}");
                assert!(reason.contains("interface 1"), "{reason}");
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn section_header_only_pcapng_has_no_frames() {
        assert!(read_ok(&shb(true)).is_empty());
    }

    #[test]
    fn timestamp_resolutions() {
        assert_eq!(units_to_nanos(1, 6), 1_000);
        assert_eq!(units_to_nanos(1, 9), 1);
        assert_eq!(units_to_nanos(1_000, 12), 1);
        assert_eq!(units_to_nanos(u64::MAX, 127), 0);
        assert_eq!(units_to_nanos(3, 0), 3_000_000_000);
        assert_eq!(units_to_nanos(1 << 30, 0x80 | 30), 1_000_000_000);
        assert_eq!(units_to_nanos(1, 0x80 | 1), 500_000_000);
        assert_eq!(units_to_nanos(u64::MAX, 0xff), 0);
        assert_eq!(
            units_to_nanos(u64::MAX, 0),
            u64::MAX as i128 * 1_000_000_000
        );
        let far = Interface {
            link_type: LinkType::Ethernet,
            snaplen: 0,
            tsresol: 0,
            tsoffset: i64::MAX,
        };
        assert_eq!(far.timestamp(u32::MAX, u32::MAX), Timestamp(i64::MAX));
    }

    // ---- malformed and hostile input ------------------------------------------------------------

    fn expect_malformed(bytes: &[u8], offset: u64, words: &str) {
        let error = match read_bytes(bytes) {
            Ok((_, Some(error))) | Err(error) => error,
            Ok((frames, None)) => panic!("expected an error, read {} frames", frames.len()),
        };
        match &error {
            CaptureError::Malformed {
                offset: at,
                reason,
                path,
            } => {
                assert_eq!(*at, offset, "{error}");
                assert!(reason.contains(words), "{error}");
                assert_eq!(path, "test.cap");
            }
            other => panic!("expected Malformed, got {other}"),
        }
        let message = error.to_string();
        assert!(
            message.contains("test.cap") && message.contains(&format!("offset {offset}")),
            "{message}"
        );
    }

    #[test]
    fn pcapng_block_inconsistencies_are_malformed_with_offsets() {
        let head = concat(&[shb(false), idb(false, 1, 0, None, None)]);
        let at = head.len() as u64;

        let mut odd_length = epb(false, 0, 0, &[1, 2, 3, 4], 4);
        odd_length[4..8].copy_from_slice(&37u32.to_le_bytes());
        expect_malformed(
            &concat(&[head.clone(), odd_length]),
            at + 4,
            "not a multiple of 4",
        );

        let mut short = epb(false, 0, 0, &[], 0);
        short[4..8].copy_from_slice(&16u32.to_le_bytes());
        expect_malformed(
            &concat(&[head.clone(), short]),
            at + 4,
            "less than the 32 bytes",
        );

        let mut trailer = epb(false, 0, 0, &[1, 2, 3, 4], 4);
        let end = trailer.len();
        trailer[end - 4..].copy_from_slice(&999u32.to_le_bytes());
        expect_malformed(
            &concat(&[head.clone(), trailer]),
            at + end as u64 - 4,
            "999 at its end",
        );

        let mut overrun = epb(false, 0, 0, &[1, 2, 3, 4], 4);
        overrun[20..24].copy_from_slice(&400u32.to_le_bytes());
        expect_malformed(
            &concat(&[head.clone(), overrun]),
            at + 20,
            "captured length 400",
        );

        expect_malformed(
            &concat(&[shb(false), spb(false, &[1])]),
            shb(false).len() as u64,
            "interface 0",
        );

        let mut bad_bom = shb(false);
        bad_bom[8..12].copy_from_slice(&[1, 2, 3, 4]);
        expect_malformed(&bad_bom, 8, "byte-order magic");
        expect_malformed(
            &concat(&[shb(false), bad_bom]),
            shb(false).len() as u64 + 8,
            "byte-order magic",
        );

        let mut version = shb(false);
        version[12..14].copy_from_slice(&2u16.to_le_bytes());
        expect_malformed(&version, 12, "version 2.0");
    }

    #[test]
    fn frames_before_an_error_are_yielded() {
        let mut bad = epb(false, 0, 0, &[1], 1);
        bad[4..8].copy_from_slice(&8u32.to_le_bytes());
        let bytes = concat(&[
            shb(false),
            idb(false, 1, 0, None, None),
            epb(false, 0, 0, &[7], 1),
            bad,
            epb(false, 0, 0, &[8], 1),
        ]);
        let (frames, error) = read_bytes(&bytes).unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].data, vec![7]);
        assert!(matches!(error, Some(CaptureError::Malformed { .. })));
    }

    #[test]
    fn enormous_declared_lengths_fail_without_allocating_them() {
        // Followed by endless bytes: a reader that trusted the length would read (and buffer) forever.
        let mut pcap = pcap_header(false, false, u32::MAX, 1);
        pcap.extend(0u32.to_le_bytes());
        pcap.extend(0u32.to_le_bytes());
        pcap.extend(0xffff_fff0u32.to_le_bytes());
        pcap.extend(0xffff_fff0u32.to_le_bytes());
        let endless = Cursor::new(pcap).chain(io::repeat(0x30));
        let mut source = FileSource::from_reader("huge.pcap", endless).unwrap();
        match source.next_frame() {
            Err(CaptureError::Malformed { offset, reason, .. }) => {
                assert_eq!(offset, 24);
                assert!(reason.contains("4294967280"), "{reason}");
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
        assert!(source.capacity <= MAX_RECORD_LEN);

        let mut ng = concat(&[shb(false), idb(false, 1, 0, None, None)]);
        let at = ng.len() as u64;
        ng.extend(EPB_TYPE.to_le_bytes());
        ng.extend(0xffff_fff0u32.to_le_bytes());
        let endless = Cursor::new(ng).chain(io::repeat(0));
        let mut source = FileSource::from_reader("huge.pcapng", endless).unwrap();
        match source.next_frame() {
            Err(CaptureError::Malformed { offset, .. }) => assert_eq!(offset, at + 4),
            other => panic!("expected Malformed, got {other:?}"),
        }
        assert!(source.capacity <= MAX_RECORD_LEN);

        let mut huge_shb = shb(false);
        huge_shb[4..8].copy_from_slice(&0x7fff_fffcu32.to_le_bytes());
        let endless = Cursor::new(huge_shb).chain(io::repeat(0));
        match FileSource::from_reader("huge-shb.pcapng", endless) {
            Err(CaptureError::Malformed { offset: 4, .. }) => {}
            Err(other) => panic!("expected Malformed at 4, got {other}"),
            Ok(_) => panic!("expected Malformed at 4, got a source"),
        }
    }

    #[test]
    fn caplen_beyond_any_snaplen_is_malformed() {
        let mut bytes = pcap_header(false, false, 65535, 1);
        pcap_record(&mut bytes, false, &record(0, 0, &[1]));
        let second = bytes.len() as u64;
        bytes.extend([0; 8]);
        bytes.extend(300_000u32.to_le_bytes());
        bytes.extend(300_000u32.to_le_bytes());
        bytes.extend(vec![0; 300_000]);
        let (frames, error) = read_bytes(&bytes).unwrap();
        assert_eq!(frames.len(), 1);
        match error {
            Some(CaptureError::Malformed { offset, reason, .. }) => {
                assert_eq!(offset, second);
                assert!(reason.contains("snap length (65535)"), "{reason}");
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn caplen_above_a_small_snaplen_is_tolerated_like_libpcap() {
        // Writers that lower the snap length after the fact exist; libpcap reads up to 256 KiB anyway.
        let mut bytes = pcap_header(false, false, 64, 1);
        pcap_record(&mut bytes, false, &record(0, 0, &[3; 1500]));
        assert_eq!(read_ok(&bytes)[0].data.len(), 1500);
    }

    #[test]
    fn not_a_capture_shows_the_first_bytes() {
        for (bytes, shown) in [
            (
                &b"hello world, this is text\n"[..],
                "68 65 6c 6c 6f 20 77 6f (\"hello wo\")",
            ),
            (
                &b"<!DOCTYPE html>"[..],
                "3c 21 44 4f 43 54 59 50 (\"<!DOCTYP\")",
            ),
            (
                &[0x1f, 0x8b, 0x08, 0x00, 0xff][..],
                "1f 8b 08 00 ff (\".....\")",
            ),
            (&[0x00][..], "00 (\".\")"),
        ] {
            match FileSource::from_reader("notes.txt", Cursor::new(bytes.to_vec())) {
                Err(CaptureError::NotACapture { path, magic }) => {
                    assert_eq!(path, "notes.txt");
                    assert_eq!(magic, shown);
                }
                Err(other) => panic!("expected NotACapture, got {other}"),
                Ok(_) => panic!("{bytes:?} opened as a capture"),
            }
        }
    }

    #[test]
    fn empty_input_is_its_own_error() {
        match FileSource::from_reader("empty.pcap", Cursor::new(Vec::new())) {
            Err(error @ CaptureError::Empty { .. }) => {
                assert!(error.to_string().contains("empty.pcap"), "{error}");
            }
            Err(other) => panic!("expected Empty, got {other}"),
            Ok(_) => panic!("an empty file opened"),
        }
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        match FileSource::open(Path::new("/nonexistent/socklab/missing.pcap")) {
            Err(CaptureError::Io { path, source }) => {
                assert_eq!(path, "/nonexistent/socklab/missing.pcap");
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
            }
            Err(other) => panic!("expected Io, got {other}"),
            Ok(_) => panic!("a missing file opened"),
        }
    }

    #[test]
    fn read_errors_keep_their_cause() {
        struct FailAfter(Cursor<Vec<u8>>);
        impl Read for FailAfter {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.read(buf)? {
                    0 => Err(io::Error::new(
                        io::ErrorKind::ConnectionReset,
                        "peer went away",
                    )),
                    n => Ok(n),
                }
            }
        }
        let bytes = pcap_file(false, false, 1, &[record(0, 0, &[1, 2])]);
        let mut source = FileSource::from_reader("socket", FailAfter(Cursor::new(bytes))).unwrap();
        let (frames, error) = drain(&mut source);
        assert_eq!(frames.len(), 1);
        match error {
            Some(CaptureError::Io { path, source }) => {
                assert_eq!(path, "socket");
                assert_eq!(source.kind(), io::ErrorKind::ConnectionReset);
                assert_eq!(source.to_string(), "peer went away");
            }
            other => panic!("expected Io, got {other:?}"),
        }
    }

    /// Offsets at which each complete record of `bytes` ends (after the file header).
    fn record_ends(frames_expected: usize, bytes: &[u8]) -> Vec<usize> {
        // Read the whole file once and recompute where records end from a stream that counts.
        let mut source = FileSource::from_reader("t", Cursor::new(bytes.to_vec())).unwrap();
        let mut ends = Vec::new();
        loop {
            match source.next_frame().unwrap() {
                Next::Frame(_) => {}
                Next::End => break,
                Next::Idle => unreachable!(),
            }
            ends.push(source.offset() as usize + source.pending_consume);
        }
        assert_eq!(ends.len(), frames_expected);
        ends
    }

    /// Cuts `bytes` at every offset: never a panic, the complete frames first, then End only at a
    /// record boundary and a Truncated error otherwise (at open if the cut is inside the file header).
    fn check_every_cut(bytes: &[u8], header_len: usize, frames_expected: usize) {
        let full = read_ok(bytes);
        let ends = record_ends(frames_expected, bytes);
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            match read_bytes(prefix) {
                Err(CaptureError::Empty { .. }) => assert_eq!(cut, 0),
                Err(CaptureError::Truncated { offset, .. }) => {
                    assert!(cut < header_len, "cut {cut}: open failed past the header");
                    assert_eq!(offset, 0);
                }
                Err(other) => panic!("cut {cut}: unexpected open error {other}"),
                Ok((frames, error)) => {
                    assert!(cut >= header_len, "cut {cut}: a cut header opened");
                    let complete = ends.iter().filter(|&&end| end <= cut).count();
                    assert_eq!(frames, full[..complete], "cut {cut}");
                    let at_boundary = cut == header_len || ends.contains(&cut);
                    match error {
                        None => assert!(at_boundary, "cut {cut}: mid-record cut ended quietly"),
                        Some(CaptureError::Truncated { offset, reason, .. }) => {
                            assert!(!at_boundary, "cut {cut}: boundary cut reported {reason}");
                            let start = if complete == 0 {
                                header_len
                            } else {
                                ends[complete - 1]
                            };
                            assert!(
                                offset as usize >= start && (offset as usize) < cut,
                                "cut {cut}: offset {offset}"
                            );
                        }
                        Some(other) => panic!("cut {cut}: expected Truncated, got {other}"),
                    }
                }
            }
        }
    }

    #[test]
    fn pcap_cut_at_every_offset() {
        let bytes = pcap_file(
            false,
            true,
            1,
            &[
                record(1, 2, &[1, 2, 3, 4, 5]),
                record(3, 4, &[]),
                record(5, 6, &[9; 17]),
            ],
        );
        check_every_cut(&bytes, 24, 3);
    }

    #[test]
    fn pcapng_cut_at_every_offset() {
        let bytes = concat(&[
            shb(true),
            idb(true, 1, 0, Some(9), None),
            epb(true, 0, 1, &[1, 2, 3], 3),
            ng_block(true, 0x1234, &[0; 5]),
            spb(true, &[4; 9]),
            epb(true, 0, 2, &[], 0),
        ]);
        // Blocks between frames (IDB, unknown) end no frame: a cut right after them reads as a clean end,
        // so they count as boundaries too.
        let shb_len = shb(true).len();
        let full = read_ok(&bytes);
        let ends = record_ends(3, &bytes);
        let idb_end = shb_len + idb(true, 1, 0, Some(9), None).len();
        let unknown_end = ends[0] + ng_block(true, 0x1234, &[0; 5]).len();
        for cut in 0..bytes.len() {
            match read_bytes(&bytes[..cut]) {
                Err(CaptureError::Empty { .. }) => assert_eq!(cut, 0),
                Err(CaptureError::Truncated { offset, .. }) => {
                    assert!(cut < shb_len, "cut {cut}");
                    assert_eq!(offset, 0);
                }
                Err(other) => panic!("cut {cut}: unexpected open error {other}"),
                Ok((frames, error)) => {
                    let complete = ends.iter().filter(|&&end| end <= cut).count();
                    assert_eq!(frames, full[..complete], "cut {cut}");
                    let boundary =
                        [shb_len, idb_end, unknown_end].contains(&cut) || ends.contains(&cut);
                    match error {
                        None => assert!(boundary, "cut {cut}: mid-block cut ended quietly"),
                        Some(CaptureError::Truncated { .. }) => assert!(!boundary, "cut {cut}"),
                        Some(other) => panic!("cut {cut}: expected Truncated, got {other}"),
                    }
                }
            }
        }
    }

    #[test]
    fn mutated_captures_never_panic() {
        // A small deterministic fuzz: flip bytes of valid files and read whatever comes out.
        let pcap = pcap_file(
            true,
            false,
            1,
            &[record(1, 2, &[1; 40]), record(3, 4, &[2; 7])],
        );
        let ng = concat(&[
            shb(false),
            idb(false, 1, 0, Some(9), Some(5)),
            epb(false, 0, 1, &[1; 21], 21),
            spb(false, &[2; 6]),
            obsolete_pb(false, 0, 3, &[3; 3]),
        ]);
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for original in [pcap, ng] {
            for _ in 0..3000 {
                let mut bytes = original.clone();
                for _ in 0..(next() % 4 + 1) {
                    let at = (next() % bytes.len() as u64) as usize;
                    bytes[at] = next() as u8;
                }
                let cut = (next() % (bytes.len() as u64 + 1)) as usize;
                bytes.truncate(cut.max(bytes.len() - 8));
                if let Ok(mut source) = FileSource::from_reader("fuzz", Cursor::new(bytes)) {
                    let (frames, _) = drain(&mut source);
                    assert!(frames.len() <= 3);
                    assert!(source.capacity <= MAX_RECORD_LEN);
                }
            }
        }
    }

    // ---- corpus and round trip ------------------------------------------------------------------

    #[test]
    fn writer_output_reads_back_through_a_file() {
        let path = std::env::temp_dir().join(format!("socklab-file-{}.pcapng", std::process::id()));
        let mut writer = CaptureWriter::create(&path).unwrap();
        let frame = Frame {
            number: 1,
            timestamp: Timestamp(1_234_567_890_123_456_789),
            link_type: LinkType::LinuxSll2,
            data: &[1, 2, 3],
            original_len: 3,
        };
        writer.write_frame(&frame, Some("hello")).unwrap();
        writer.finish().unwrap();
        let mut source = FileSource::open(&path).unwrap();
        let (frames, error) = drain(&mut source);
        std::fs::remove_file(&path).unwrap();
        assert!(error.is_none());
        assert_eq!(frames, vec![OwnedFrame::from(frame)]);
        assert_eq!(source.path(), path.display().to_string());
    }

    /// Lines of a tcpdump `-#` output that start a packet: a packet number, then the packet.
    fn count_packet_lines(output: &str) -> usize {
        output
            .lines()
            .filter(|line| {
                let first = line.split_whitespace().next().unwrap_or("");
                !first.is_empty()
                    && first.bytes().all(|b| b.is_ascii_digit())
                    && line.starts_with(' ')
            })
            .count()
    }

    #[test]
    fn tcpdump_corpus_opens_with_the_expected_frame_counts() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/pcaps"));
        let Ok(index) = std::fs::read_to_string(dir.join("INDEX.tsv")) else {
            {
                // Straight to stderr, past the test harness's capture: a skip must be seen.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: {} is absent; the tcpdump corpus was not read",
                    dir.display()
                );
            }
            return;
        };
        let mut checked = 0;
        for line in index.lines().filter(|line| !line.trim().is_empty()) {
            let mut fields = line.split('\t');
            let (Some(pcap), Some(out)) = (fields.next(), fields.next()) else {
                panic!("INDEX.tsv line without two fields: {line:?}");
            };
            let expected = count_packet_lines(&std::fs::read_to_string(dir.join(out)).unwrap());
            let mut source = FileSource::open(&dir.join(pcap)).unwrap_or_else(|e| panic!("{e}"));
            let (frames, error) = drain(&mut source);
            assert!(error.is_none(), "{pcap}: {error:?}");
            assert_eq!(frames.len(), expected, "{pcap} against {out}");
            assert!(frames
                .iter()
                .enumerate()
                .all(|(i, f)| f.number == i as u64 + 1));
            checked += 1;
        }
        // Every capture in the folder is listed in the index.
        let on_disk = std::fs::read_dir(dir)
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .map(|e| e.path().extension().is_some_and(|ext| ext == "pcap"))
                    .unwrap_or(false)
            })
            .count();
        assert_eq!(checked, on_disk);
        assert!(checked > 0);
    }

    fn corpus_captures(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        paths.retain(|p| p.extension().is_some_and(|ext| ext == "pcap"));
        paths.sort();
        paths
    }

    /// Wireshark's reading of the corpus (timestamps, lengths) and its pcapng conversion of each file
    /// (editcap: SHB, IDB with options, EPBs) must agree with ours frame for frame.
    #[test]
    fn tcpdump_corpus_agrees_with_wireshark() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/pcaps"));
        let captures = corpus_captures(dir);
        if captures.is_empty() {
            {
                // Straight to stderr, past the test harness's capture: a skip must be seen.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: {} is absent; the corpus was not compared with Wireshark",
                    dir.display()
                );
            }
            return;
        }
        let tools = ["tshark", "editcap"]
            .map(|tool| std::process::Command::new(tool).arg("--version").output());
        if tools.iter().any(Result::is_err) {
            {
                // Straight to stderr, past the test harness's capture: a skip must be seen.
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "SKIPPED: tshark or editcap is not installed; the corpus was not compared with Wireshark");
            }
            return;
        }
        for pcap in captures {
            let mut source = FileSource::open(&pcap).unwrap();
            let (ours, error) = drain(&mut source);
            assert!(error.is_none(), "{}: {error:?}", pcap.display());

            let output = std::process::Command::new("tshark")
                .arg("-r")
                .arg(&pcap)
                .args([
                    "-T",
                    "fields",
                    "-e",
                    "frame.time_epoch",
                    "-e",
                    "frame.len",
                    "-e",
                    "frame.cap_len",
                ])
                .output()
                .unwrap();
            let theirs: Vec<String> = String::from_utf8(output.stdout)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect();
            let ours_as_text: Vec<String> = ours
                .iter()
                .map(|f| {
                    let t = f.timestamp;
                    format!(
                        "{}.{:09}\t{}\t{}",
                        t.secs(),
                        t.subsec_nanos(),
                        f.original_len,
                        f.data.len()
                    )
                })
                .collect();
            assert_eq!(ours_as_text, theirs, "{}", pcap.display());

            let converted = std::env::temp_dir().join(format!(
                "socklab-corpus-{}-{}.pcapng",
                std::process::id(),
                pcap.file_stem().unwrap().to_string_lossy()
            ));
            let status = std::process::Command::new("editcap")
                .args(["-F", "pcapng"])
                .arg(&pcap)
                .arg(&converted)
                .status()
                .unwrap();
            assert!(status.success());
            let mut source = FileSource::open(&converted).unwrap();
            let (from_ng, error) = drain(&mut source);
            std::fs::remove_file(&converted).unwrap();
            assert!(error.is_none(), "{}: {error:?}", converted.display());
            assert_eq!(from_ng, ours, "{} converted to pcapng", pcap.display());
        }
    }

    #[test]
    fn tcpdump_corpus_nanosecond_file_keeps_nanoseconds() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/pcaps/tcp-handshake-nano.pcap"
        ));
        if !path.exists() {
            {
                // Straight to stderr, past the test harness's capture: a skip must be seen.
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "SKIPPED: {} is absent", path.display());
            }
            return;
        }
        let mut source = FileSource::open(path).unwrap();
        let (frames, _) = drain(&mut source);
        // tcpdump --nano prints 17:16:09.924505488 for the first packet.
        assert_eq!(frames[0].timestamp.subsec_nanos(), 924_505_488);
        assert_eq!(frames[0].timestamp.secs() % 86_400, 17 * 3600 + 16 * 60 + 9);
    }
}
