//! TCP: the header through etherparse's `TcpSlice`; the options read here, by hand, into our
//! fixed-size `TcpOptions`.
//!
//! The options are read by hand because etherparse's `TcpOptionsIterator` cost about as much as the
//! rest of decoding together (it builds a `TcpOptionElement`, SACK blocks included, per option). The
//! reading is the iterator's, byte for byte: same lengths accepted, same errors, same recovery; a
//! test compares both on every short option string and on random ones.

use super::error::{cold_error, Bytes, DecodeError, FrameEndsInto, Layer};
use super::packet::{TcpFlags, TcpOptions, TcpSegment};
use etherparse::TcpSlice;

pub const TCP_MIN_HEADER_LEN: usize = 20;
/// Byte 12 holds the data offset in its upper 4 bits (and the NS flag in its lowest bit).
const DATA_OFFSET_AT: usize = 12;

/// Option kinds socklab names (RFC 793, 7323, 2018), and the fixed lengths of those that have one.
const KIND_END: u8 = 0;
const KIND_NOP: u8 = 1;
const KIND_MSS: u8 = 2;
const KIND_WINDOW_SCALE: u8 = 3;
const KIND_SACK_PERMITTED: u8 = 4;
const KIND_SACK: u8 = 5;
const KIND_TIMESTAMPS: u8 = 8;
const LEN_MSS: usize = 4;
const LEN_WINDOW_SCALE: usize = 3;
const LEN_SACK_PERMITTED: usize = 2;
const LEN_TIMESTAMPS: usize = 10;
/// A SACK option: kind, length, then 8 bytes per block.
const SACK_BLOCK_LEN: usize = 8;

/// Decodes the TCP segment starting at frame offset `offset`.
///
/// `bytes` are the captured segment bytes (never beyond what IP declares); `declared_len` is the segment
/// length the IP header declares, which exceeds `bytes.len()` when the snap length cut the frame.
#[inline(always)]
pub fn decode_tcp(
    bytes: &[u8],
    offset: usize,
    declared_len: usize,
) -> Result<TcpSegment<'_>, DecodeError> {
    let data_offset = bytes.get(DATA_OFFSET_AT).map(|byte| byte >> 4);
    let header_len = data_offset.map(|units| usize::from(units) * 4);
    if let (Some(units), Some(len)) = (data_offset, header_len) {
        if len < TCP_MIN_HEADER_LEN {
            return Err(cold_error(|| {
                DecodeError::new(
                    Layer::Tcp,
                    offset + DATA_OFFSET_AT,
                    format!(
                        "the TCP data offset is {units}, which would make the header {len} bytes long; the \
                         smallest TCP header is {TCP_MIN_HEADER_LEN} bytes (data offset 5)"
                    ),
                )
            }));
        }
    }
    if declared_len < TCP_MIN_HEADER_LEN {
        return Err(cold_error(|| {
            DecodeError::new(
                Layer::Tcp,
                offset,
                format!(
                    "the IP header leaves only {} for the TCP segment, but a TCP header is at least \
                     {TCP_MIN_HEADER_LEN} bytes long",
                    Bytes(declared_len)
                ),
            )
        }));
    }
    if let (Some(units), Some(len)) = (data_offset, header_len) {
        if len > declared_len {
            return Err(cold_error(|| {
                DecodeError::new(
                    Layer::Tcp,
                    offset + DATA_OFFSET_AT,
                    format!(
                        "the TCP header says it is {len} bytes long (data offset {units}), but the IP \
                         header leaves only {} for the whole TCP segment",
                        Bytes(declared_len)
                    ),
                )
            }));
        }
    }
    let needed = header_len.unwrap_or(TCP_MIN_HEADER_LEN);
    if bytes.len() < needed {
        return Err(cold_error(|| {
            let claim = match (data_offset, header_len) {
                (Some(units), Some(len)) if units > 5 => {
                    format!("the TCP header says it is {len} bytes long (data offset {units})")
                }
                _ => format!("a TCP header is at least {TCP_MIN_HEADER_LEN} bytes long"),
            };
            DecodeError::new(
                Layer::Tcp,
                offset,
                format!("{claim}, but {}", FrameEndsInto(bytes.len())),
            )
        }));
    }
    let tcp = TcpSlice::from_slice(bytes).map_err(|error| {
        cold_error(|| {
            DecodeError::new(
                Layer::Tcp,
                offset,
                format!("the TCP header could not be read: {error}"),
            )
        })
    })?;
    Ok(segment(&tcp, declared_len))
}

/// The segment a checked header slice holds, `declared_len` being the segment length IP declares
/// (at least the header's length).
#[inline(always)]
pub fn segment<'a>(tcp: &TcpSlice<'a>, declared_len: usize) -> TcpSegment<'a> {
    TcpSegment {
        src_port: tcp.source_port(),
        dst_port: tcp.destination_port(),
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        flags: flags_of(tcp.header_slice()),
        window: tcp.window_size(),
        header_len: tcp.header_len() as u8,
        urgent_ptr: tcp.urgent_pointer(),
        checksum: tcp.checksum(),
        options: parse_options(tcp.options()),
        payload_len: u32::try_from(declared_len.saturating_sub(tcp.header_len()))
            .unwrap_or(u32::MAX),
        payload: tcp.payload(),
    }
}

/// The flag bits as they lie on the wire: NS is the lowest bit of byte 12, CWR ... FIN are byte 13,
/// which is exactly [`TcpFlags`]'s layout.
fn flags_of(header: &[u8]) -> TcpFlags {
    let bits = match header.get(DATA_OFFSET_AT..DATA_OFFSET_AT + 2) {
        Some(&[ns, rest]) => u16::from_be_bytes([ns, rest]),
        _ => 0,
    };
    TcpFlags(bits & 0x01ff)
}

/// Reads TCP option bytes into [`TcpOptions`]. Never fails: `malformed_at` records the offset of the
/// first option that could not be read; reading goes on after it while its length byte can be followed.
///
/// An option of a known kind is read when its length byte is the kind's length (SACK: 10, 18, 26 or
/// 34) and that many bytes remain; otherwise it is malformed. Every option but EOL and NOP carries its
/// own length, so a malformed or unknown one is skipped by it and reading carries on, as receivers (and
/// tshark) do. Only a length that cannot be followed (below 2, or past the end) stops the reading.
#[inline(always)]
pub fn parse_options(options: &[u8]) -> TcpOptions {
    // Most segments of a connection that negotiated timestamps carry exactly NOP, NOP, timestamps
    // (RFC 7323 appendix A's layout, which Linux checks first the same way).
    const TIMESTAMPS_LENGTH_BYTE: u8 = LEN_TIMESTAMPS as u8;
    if let Ok(
        &[KIND_NOP, KIND_NOP, KIND_TIMESTAMPS, TIMESTAMPS_LENGTH_BYTE, v0, v1, v2, v3, e0, e1, e2, e3],
    ) = <&[u8; 2 + LEN_TIMESTAMPS]>::try_from(options)
    {
        return TcpOptions {
            nop_count: 2,
            timestamps: Some((
                u32::from_be_bytes([v0, v1, v2, v3]),
                u32::from_be_bytes([e0, e1, e2, e3]),
            )),
            ..TcpOptions::default()
        };
    }
    read_options(options)
}

/// [`parse_options`] for any layout, one option after another.
#[inline(never)]
fn read_options(options: &[u8]) -> TcpOptions {
    let mut parsed = TcpOptions::default();
    let mut at = 0;
    while let Some(rest) = options.get(at..) {
        let Some(&kind) = rest.first() else {
            break;
        };
        let read = match kind {
            KIND_END => break,
            KIND_NOP => {
                parsed.nop_count = parsed.nop_count.saturating_add(1);
                Some(1)
            }
            KIND_MSS => fixed::<LEN_MSS>(rest).map(|&[_, _, high, low]| {
                parsed.mss = Some(u16::from_be_bytes([high, low]));
                LEN_MSS
            }),
            KIND_WINDOW_SCALE => fixed::<LEN_WINDOW_SCALE>(rest).map(|&[_, _, shift]| {
                parsed.window_scale = Some(shift);
                LEN_WINDOW_SCALE
            }),
            KIND_SACK_PERMITTED => fixed::<LEN_SACK_PERMITTED>(rest).map(|_| {
                parsed.sack_permitted = true;
                LEN_SACK_PERMITTED
            }),
            KIND_TIMESTAMPS => fixed::<LEN_TIMESTAMPS>(rest).map(|option| {
                let [_, _, v0, v1, v2, v3, e0, e1, e2, e3] = *option;
                parsed.timestamps = Some((
                    u32::from_be_bytes([v0, v1, v2, v3]),
                    u32::from_be_bytes([e0, e1, e2, e3]),
                ));
                LEN_TIMESTAMPS
            }),
            KIND_SACK => sack(rest).map(|option| {
                record_sack_blocks(&mut parsed, option);
                option.len()
            }),
            _ => None,
        };
        if let Some(len) = read {
            at += len;
            continue;
        }
        let length = rest.get(1).map_or(0, |&len| usize::from(len));
        if length < 2 || length > rest.len() {
            parsed.malformed_at.get_or_insert(saturating_u8(at));
            break;
        }
        if is_known(kind) {
            parsed.malformed_at.get_or_insert(saturating_u8(at));
        } else {
            parsed.unknown_count = parsed.unknown_count.saturating_add(1);
            parsed.first_unknown_kind.get_or_insert(kind);
        }
        at += length;
    }
    parsed
}

/// The `LEN` bytes of an option whose length byte says `LEN`, if that many remain.
fn fixed<const LEN: usize>(rest: &[u8]) -> Option<&[u8; LEN]> {
    let option = rest.first_chunk::<LEN>()?;
    (usize::from(option[1]) == LEN).then_some(option)
}

/// A SACK option with 1 to 4 blocks, whole.
fn sack(rest: &[u8]) -> Option<&[u8]> {
    let len = usize::from(*rest.get(1)?);
    if !matches!(len, 10 | 18 | 26 | 34) {
        return None;
    }
    rest.get(..len)
}

/// Appends the blocks of one SACK option (after any earlier SACK option's), up to
/// [`MAX_SACK_BLOCKS`](super::packet::MAX_SACK_BLOCKS).
fn record_sack_blocks(parsed: &mut TcpOptions, option: &[u8]) {
    let blocks = option.get(2..).unwrap_or_default();
    for block in blocks.chunks_exact(SACK_BLOCK_LEN) {
        let count = usize::from(parsed.sack_block_count);
        let (Some(slot), Ok([l0, l1, l2, l3, r0, r1, r2, r3])) = (
            parsed.sack_blocks.get_mut(count),
            <[u8; SACK_BLOCK_LEN]>::try_from(block),
        ) else {
            break;
        };
        *slot = (
            u32::from_be_bytes([l0, l1, l2, l3]),
            u32::from_be_bytes([r0, r1, r2, r3]),
        );
        parsed.sack_block_count += 1;
    }
}

/// The kinds read above; any other kind is counted as unknown and skipped.
fn is_known(kind: u8) -> bool {
    matches!(
        kind,
        KIND_END
            | KIND_NOP
            | KIND_MSS
            | KIND_WINDOW_SCALE
            | KIND_SACK_PERMITTED
            | KIND_SACK
            | KIND_TIMESTAMPS
    )
}

fn saturating_u8(value: usize) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::TcpHeader;

    /// A TCP header with the given flags setter and raw options, followed by `payload`.
    fn segment(options: &[u8], payload: &[u8], set: impl FnOnce(&mut TcpHeader)) -> Vec<u8> {
        let mut header = TcpHeader::new(40000, 80, 0xfffffff0, 65535);
        header.set_options_raw(options).unwrap();
        set(&mut header);
        let mut bytes = header.to_bytes().to_vec();
        bytes.extend_from_slice(payload);
        bytes
    }

    #[test]
    fn header_fields_and_every_flag() {
        let bytes = segment(&[], b"hello", |h| {
            h.acknowledgment_number = 0x01020304;
            h.ns = true;
            h.fin = true;
            h.syn = true;
            h.rst = true;
            h.psh = true;
            h.ack = true;
            h.urg = true;
            h.ece = true;
            h.cwr = true;
            h.urgent_pointer = 7;
            h.checksum = 0xbeef;
        });
        let tcp = decode_tcp(&bytes, 34, bytes.len()).unwrap();
        assert_eq!(tcp.src_port, 40000);
        assert_eq!(tcp.dst_port, 80);
        assert_eq!(tcp.seq, 0xfffffff0);
        assert_eq!(tcp.ack, 0x01020304);
        assert_eq!(tcp.flags, TcpFlags(0x1ff));
        assert_eq!(tcp.window, 65535);
        assert_eq!(tcp.header_len, 20);
        assert_eq!(tcp.urgent_ptr, 7);
        assert_eq!(tcp.checksum, 0xbeef);
        assert_eq!(tcp.options, TcpOptions::default());
        assert_eq!(tcp.payload_len, 5);
        assert_eq!(tcp.payload, b"hello");
    }

    #[test]
    fn each_flag_maps_to_its_own_bit() {
        type SetFlag = fn(&mut TcpHeader);
        let cases: [(SetFlag, u16); 9] = [
            (|h| h.fin = true, TcpFlags::FIN),
            (|h| h.syn = true, TcpFlags::SYN),
            (|h| h.rst = true, TcpFlags::RST),
            (|h| h.psh = true, TcpFlags::PSH),
            (|h| h.ack = true, TcpFlags::ACK),
            (|h| h.urg = true, TcpFlags::URG),
            (|h| h.ece = true, TcpFlags::ECE),
            (|h| h.cwr = true, TcpFlags::CWR),
            (|h| h.ns = true, TcpFlags::NS),
        ];
        for (set, bit) in cases {
            let bytes = segment(&[], &[], set);
            assert_eq!(decode_tcp(&bytes, 0, 20).unwrap().flags, TcpFlags(bit));
        }
    }

    #[test]
    fn syn_options_mss_sack_permitted_timestamps_nop_window_scale() {
        // Linux's SYN: mss 1460, sackOK, TS val 2044906138 ecr 0, nop, wscale 7.
        let options = [
            2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x79, 0xe2, 0xca, 0x9a, 0, 0, 0, 0, 1, 3, 3, 7,
        ];
        let bytes = segment(&options, &[], |h| h.syn = true);
        let tcp = decode_tcp(&bytes, 0, bytes.len()).unwrap();
        assert_eq!(tcp.header_len, 40);
        assert_eq!(tcp.payload_len, 0);
        assert_eq!(
            tcp.options,
            TcpOptions {
                mss: Some(1460),
                window_scale: Some(7),
                sack_permitted: true,
                timestamps: Some((2044906138, 0)),
                nop_count: 1,
                ..TcpOptions::default()
            }
        );
    }

    #[test]
    fn nop_nop_timestamps() {
        let options = [1, 1, 8, 10, 0, 0, 0, 7, 0xff, 0, 0, 1];
        let expected = TcpOptions {
            nop_count: 2,
            timestamps: Some((7, 0xff00_0001)),
            ..TcpOptions::default()
        };
        assert_eq!(parse_options(&options), expected);
        assert_eq!(parse_options_with_etherparse(&options), expected);
        // The same layout with a wrong length byte, or one byte more, is read the long way.
        for changed in [
            &[1, 1, 8, 11, 0, 0, 0, 7, 0xff, 0, 0, 1][..],
            &[1, 1, 8, 10, 0, 0, 0, 7, 0xff, 0, 0, 1, 0][..],
            &[1, 1, 8, 10, 0, 0, 0, 7, 0xff, 0, 0, 1, 1, 1, 1, 1][..],
            &[1, 1, 8, 10, 0, 0, 0, 7, 0xff, 0, 0][..],
        ] {
            assert_eq!(
                parse_options(changed),
                parse_options_with_etherparse(changed),
                "{changed:?}"
            );
        }
    }

    #[test]
    fn sack_blocks() {
        let mut options = vec![1, 1, 5, 26];
        for edge in [100u32, 200, 300, 400, 500, 600] {
            options.extend_from_slice(&edge.to_be_bytes());
        }
        let parsed = parse_options(&options);
        assert_eq!(parsed.nop_count, 2);
        assert_eq!(parsed.sack_block_count, 3);
        assert_eq!(parsed.sack_blocks(), &[(100, 200), (300, 400), (500, 600)]);
        assert_eq!(parsed.malformed_at, None);

        let mut four = vec![5, 34];
        for edge in 1u32..=8 {
            four.extend_from_slice(&edge.to_be_bytes());
        }
        let parsed = parse_options(&four);
        assert_eq!(parsed.sack_blocks(), &[(1, 2), (3, 4), (5, 6), (7, 8)]);
    }

    #[test]
    fn unknown_options_are_counted_and_skipped() {
        // MPTCP (30, 12 bytes), then NOP, NOP, then kind 34 (TFO cookie, 2 bytes), then MSS.
        let mut options = vec![30, 12, 0x10, 0x81];
        options.extend_from_slice(&[0; 8]);
        options.extend_from_slice(&[1, 1, 34, 2, 2, 4, 0x05, 0xb4]);
        let parsed = parse_options(&options);
        assert_eq!(parsed.unknown_count, 2);
        assert_eq!(parsed.first_unknown_kind, Some(30));
        assert_eq!(parsed.nop_count, 2);
        assert_eq!(parsed.mss, Some(1460));
        assert_eq!(parsed.malformed_at, None);
    }

    #[test]
    fn end_of_option_list_stops_reading() {
        let parsed = parse_options(&[1, 0, 2, 4, 0x05, 0xb4]);
        assert_eq!(parsed.nop_count, 1);
        assert_eq!(parsed.mss, None);
        assert_eq!(parsed.malformed_at, None);
    }

    #[test]
    fn malformed_options_are_not_fatal() {
        // MSS with length 3 at offset 2.
        let parsed = parse_options(&[1, 1, 2, 3, 0, 0, 0, 0]);
        assert_eq!(parsed.nop_count, 2);
        assert_eq!(parsed.malformed_at, Some(2));

        // Unknown kind whose length runs past the options.
        let parsed = parse_options(&[1, 48, 48, 0, 0, 0, 0, 0]);
        assert_eq!(parsed.malformed_at, Some(1));
        assert_eq!(parsed.unknown_count, 0);

        // Unknown kind with length 0 or 1 would never advance.
        assert_eq!(parse_options(&[99, 0, 0, 0]).malformed_at, Some(0));
        assert_eq!(parse_options(&[1, 1, 1, 99]).malformed_at, Some(3));

        // Timestamps cut short.
        assert_eq!(parse_options(&[8, 10, 0, 0]).malformed_at, Some(0));

        // A whole segment with bad options still decodes.
        let bytes = segment(&[2, 3, 0, 0], &[], |h| h.syn = true);
        let tcp = decode_tcp(&bytes, 0, bytes.len()).unwrap();
        assert_eq!(tcp.options.malformed_at, Some(0));
        assert!(tcp.flags.syn());
    }

    #[test]
    fn a_known_option_with_a_wrong_length_is_skipped_by_its_length_byte() {
        // MSS with length 3 (tshark: "option length should be 4"), then NOP and a window scale:
        // the length byte still says where the next option starts, so those are read (as tshark does).
        let parsed = parse_options(&[2, 3, 5, 1, 3, 3, 7, 0]);
        assert_eq!(parsed.mss, None);
        assert_eq!(parsed.malformed_at, Some(0));
        assert_eq!(parsed.nop_count, 1);
        assert_eq!(parsed.window_scale, Some(7));
        // A second bad option keeps the first offset.
        let parsed = parse_options(&[4, 3, 0, 2, 3, 0, 1, 1]);
        assert_eq!((parsed.malformed_at, parsed.nop_count), (Some(0), 2));
        assert!(!parsed.sack_permitted);
    }

    #[test]
    fn snap_length_cut_keeps_the_declared_payload_length() {
        let bytes = segment(&[], &[7; 100], |h| h.psh = true);
        let tcp = decode_tcp(&bytes[..50], 0, bytes.len()).unwrap();
        assert_eq!(tcp.payload_len, 100);
        assert_eq!(tcp.payload, &[7; 30]);
    }

    #[test]
    fn data_offset_below_five_is_an_error() {
        let mut bytes = segment(&[], &[0; 20], |_| {});
        bytes[12] = 0x30;
        let error = decode_tcp(&bytes, 34, bytes.len()).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Tcp, 46));
        assert_eq!(
            error.message,
            "the TCP data offset is 3, which would make the header 12 bytes long; the smallest TCP header \
             is 20 bytes (data offset 5)"
        );
    }

    #[test]
    fn header_longer_than_the_capture_is_an_error() {
        let mut bytes = segment(&[], &[0; 40], |_| {});
        bytes[12] = 0xf0;
        let error = decode_tcp(&bytes[..30], 34, 100).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Tcp, 34));
        assert_eq!(
            error.message,
            "the TCP header says it is 60 bytes long (data offset 15), but the frame ends 30 bytes into it"
        );
        let error = decode_tcp(&bytes[..12], 34, 100).unwrap_err();
        assert_eq!(
            error.message,
            "a TCP header is at least 20 bytes long, but the frame ends 12 bytes into it"
        );
    }

    #[test]
    fn header_longer_than_ip_allows_is_an_error() {
        let mut bytes = segment(&[], &[0; 40], |_| {});
        bytes[12] = 0xf0;
        let error = decode_tcp(&bytes[..40], 34, 40).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Tcp, 46));
        assert_eq!(
            error.message,
            "the TCP header says it is 60 bytes long (data offset 15), but the IP header leaves only 40 \
             bytes for the whole TCP segment"
        );
        let error = decode_tcp(&bytes[..12], 34, 12).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Tcp, 34));
        assert_eq!(
            error.message,
            "the IP header leaves only 12 bytes for the TCP segment, but a TCP header is at least 20 bytes long"
        );
    }

    /// The reading this file replaced: etherparse's `TcpOptionsIterator`, restarted after each option it
    /// refuses. The hand-written reader must agree with it on every input.
    fn parse_options_with_etherparse(options: &[u8]) -> TcpOptions {
        use super::super::packet::MAX_SACK_BLOCKS;
        use etherparse::{TcpOptionElement, TcpOptionReadError, TcpOptionsIterator};
        let mut parsed = TcpOptions::default();
        let mut iterator = TcpOptionsIterator::from_slice(options);
        loop {
            let at = options.len() - iterator.rest().len();
            match iterator.next() {
                None => break,
                Some(Ok(element)) => match element {
                    TcpOptionElement::Noop => parsed.nop_count = parsed.nop_count.saturating_add(1),
                    TcpOptionElement::MaximumSegmentSize(mss) => parsed.mss = Some(mss),
                    TcpOptionElement::WindowScale(shift) => parsed.window_scale = Some(shift),
                    TcpOptionElement::SelectiveAcknowledgementPermitted => {
                        parsed.sack_permitted = true
                    }
                    TcpOptionElement::SelectiveAcknowledgement(first, more) => {
                        for block in std::iter::once(first).chain(more.into_iter().flatten()) {
                            let count = usize::from(parsed.sack_block_count);
                            if count < MAX_SACK_BLOCKS {
                                parsed.sack_blocks[count] = block;
                                parsed.sack_block_count += 1;
                            }
                        }
                    }
                    TcpOptionElement::Timestamp(value, echo_reply) => {
                        parsed.timestamps = Some((value, echo_reply))
                    }
                },
                Some(Err(error)) => {
                    let length = options.get(at + 1).map_or(0, |&len| usize::from(len));
                    let Some(rest) = options.get(at + length..).filter(|_| length >= 2) else {
                        parsed.malformed_at.get_or_insert(saturating_u8(at));
                        break;
                    };
                    if let TcpOptionReadError::UnknownId(kind) = error {
                        parsed.unknown_count = parsed.unknown_count.saturating_add(1);
                        parsed.first_unknown_kind.get_or_insert(kind);
                    } else {
                        parsed.malformed_at.get_or_insert(saturating_u8(at));
                    }
                    iterator = TcpOptionsIterator::from_slice(rest);
                }
            }
        }
        parsed
    }

    /// Bytes that matter to the reader: every kind it names, lengths right and wrong, and others.
    const INTERESTING: [u8; 20] = [
        0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 17, 18, 26, 33, 34, 35, 30, 254, 255, 40,
    ];

    #[test]
    fn agrees_with_etherparse_on_every_short_option_string() {
        let mut options = Vec::new();
        for len in 0..=4u32 {
            let cases = INTERESTING.len().pow(len);
            for mut case in 0..cases {
                options.clear();
                for _ in 0..len {
                    options.push(INTERESTING[case % INTERESTING.len()]);
                    case /= INTERESTING.len();
                }
                assert_eq!(
                    parse_options(&options),
                    parse_options_with_etherparse(&options),
                    "options {options:?}"
                );
            }
        }
    }

    #[test]
    fn agrees_with_etherparse_on_random_option_strings() {
        // xorshift: deterministic, no extra crate.
        let mut state = 0x0123_4567_89ab_cdefu64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut options = Vec::new();
        for _ in 0..300_000 {
            options.clear();
            let len = (next() % 300) as usize;
            while options.len() < len {
                let choice = next();
                // Mostly well-formed options, so the reading gets deep into the string.
                match choice % 8 {
                    0 => options.push(INTERESTING[(choice >> 8) as usize % INTERESTING.len()]),
                    1 => options.push((choice >> 8) as u8),
                    2 => options.extend_from_slice(&[1]),
                    3 => options.extend_from_slice(&[2, 4, (choice >> 8) as u8, 0xb4]),
                    4 => options.extend_from_slice(&[8, 10, 1, 2, 3, 4, 5, 6, 7, 8]),
                    5 => {
                        let blocks = (choice >> 8) % 5;
                        options.extend_from_slice(&[5, (2 + blocks * 8) as u8]);
                        for edge in 0..blocks * 2 {
                            options.extend_from_slice(&((edge as u32) << 20).to_be_bytes());
                        }
                    }
                    6 => options.extend_from_slice(&[3, 3, (choice >> 8) as u8 % 16]),
                    _ => {
                        let unknown_len = (choice >> 8) as u8 % 12;
                        options.extend_from_slice(&[30, unknown_len]);
                        options.extend(std::iter::repeat_n(7, usize::from(unknown_len)));
                    }
                }
            }
            assert_eq!(
                parse_options(&options),
                parse_options_with_etherparse(&options),
                "options {options:?}"
            );
        }
    }
}
