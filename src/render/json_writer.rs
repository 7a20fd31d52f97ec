//! A serde `Serializer` that appends compact JSON to a `Vec<u8>`: the same bytes `serde_json::to_writer`
//! writes, produced with fewer instructions.
//!
//! Why: a packet record has about sixty keys and short values. serde_json escapes every key byte by byte
//! and issues a separate write for each quote, key, colon and value, which made those records the
//! largest cost of a JSON replay. Here keys and values without characters to escape are copied whole,
//! and integers are formatted in place. Floats (only in the summary) are left to serde_json, so their
//! format is its own. A test checks byte equality with serde_json on every shape the records use.

use serde::ser::{self, Serialize};
use std::fmt::{self, Write as _};

/// Appends `value` as compact JSON to `out`.
pub(super) fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut JsonWriter { out })
}

#[derive(Debug)]
pub(super) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

impl From<Error> for std::io::Error {
    fn from(error: Error) -> Self {
        std::io::Error::other(error)
    }
}

struct JsonWriter<'a> {
    out: &'a mut Vec<u8>,
}

/// serde_json's escape for each byte below 0x20; `u` means `\u00XX`.
const CONTROL_ESCAPES: [u8; 32] = *b"uuuuuuuubtnufruuuuuuuuuuuuuuuuuu";

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Whether any byte needs an escape, eight bytes at a time (most strings here are short keys).
#[inline]
fn any_needs_escape(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if word_needs_escape(u64::from_le_bytes(word)) {
            return true;
        }
    }
    // The tail, byte by byte (padding it to a word would cost a call to `memcpy`).
    chunks.remainder().iter().any(|&byte| needs_escape(byte))
}

/// Exact "does any byte of `word` need an escape": a byte below 0x20, a quote or a backslash.
#[inline(always)]
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Sets a byte's high bit if that byte is below `n` (n <= 128) and its own high bit is clear.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGHS;
    below(word, 0x20) | below(word ^ (ONES * 0x22), 1) | below(word ^ (ONES * 0x5c), 1) != 0
}

/// Appends the contents of a JSON string (no quotes) with serde_json's escapes.
#[inline]
pub(super) fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if any_needs_escape(bytes) {
        escape_each(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
}

#[cold]
#[inline(never)]
fn escape_each(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if !needs_escape(byte) {
            continue;
        }
        out.extend_from_slice(&bytes[start..index]);
        start = index + 1;
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            _ => match CONTROL_ESCAPES[usize::from(byte)] {
                b'u' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(byte >> 4)]);
                    out.push(HEX[usize::from(byte & 0xf)]);
                }
                letter => out.extend_from_slice(&[b'\\', letter]),
            },
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

#[inline]
pub(super) fn string_into(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    escape_into(out, text);
    out.push(b'"');
}

/// Appends the decimal digits of `value`. Most values in a record are small: those take a shortcut
/// written in place at each call.
#[inline(always)]
pub(super) fn unsigned_into(out: &mut Vec<u8>, value: u64) {
    if value < 10 {
        out.push(b'0' + value as u8);
    } else if value < 100 {
        let pair = value as usize * 2;
        out.extend_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        large_unsigned_into(out, value);
    }
}

/// [`unsigned_into`] for values of three digits or more (kept out of line: it is called from dozens of
/// places).
#[inline(never)]
fn large_unsigned_into(out: &mut Vec<u8>, value: u64) {
    match u32::try_from(value) {
        Ok(value) => u32_into(out, value),
        Err(_) => u64_into(out, value),
    }
}

/// Up to ten digits, without a loop or a branch on the number of digits (which varies from one number
/// to the next, so such branches are mispredicted): all ten digits are computed side by side in one
/// integer, shifted so the first significant digit comes first, and stored whole; the surplus is cut.
#[inline]
fn u32_into(out: &mut Vec<u8>, value: u32) {
    const ASCII_ZEROS: u128 = 0x3030_3030_3030_3030_3030;
    let len = decimal_len(u64::from(value)).clamp(1, 10);
    let top = value / 100_000_000;
    // Byte i holds the i-th of the ten digits (zero-padded), first digit in the lowest byte.
    let digits = u128::from(top / 10)
        | u128::from(top % 10) << 8
        | u128::from(eight_digits(value % 100_000_000)) << 16;
    let text = ((digits | ASCII_ZEROS) >> (8 * (10 - len))).to_le_bytes();
    let start = out.len();
    out.extend_from_slice(&text);
    out.truncate(start + len);
}

/// The eight decimal digits of `value` (below 100,000,000, zero-padded) as the bytes 0 to 9 of a
/// `u64`, the first digit in the lowest byte: the four-digit halves, then the two-digit quarters, then
/// the digits, each step on all lanes at once (multiplications by 10486 / 2^20 and 103 / 2^10 divide
/// by 100 and by 10 exactly in these ranges). After Paul Khuong's "encode_ten_thousands".
#[inline]
fn eight_digits(value: u32) -> u64 {
    let halves = u64::from(value / 10_000) | u64::from(value % 10_000) << 32;
    let hundreds = ((halves * 10_486) >> 20) & (0x7f << 32 | 0x7f);
    let quarters = ((halves - 100 * hundreds) << 16) + hundreds;
    let tens = ((quarters * 103) >> 10) & (0xf << 48 | 0xf << 32 | 0xf << 16 | 0xf);
    tens + ((quarters - 10 * tens) << 8)
}

/// How many decimal digits `value` (at least 1) has.
#[inline]
fn decimal_len(value: u64) -> usize {
    const POWERS: [u64; 20] = {
        let mut powers = [1u64; 20];
        let mut n = 1;
        while n < 20 {
            powers[n] = powers[n - 1] * 10;
            n += 1;
        }
        powers
    };
    // log10 from the bit length (1233 / 4096 is just above log10(2)), then one comparison.
    let bits = 64 - (value | 1).leading_zeros() as usize;
    let guess = (bits * 1233) >> 12;
    guess + 1 - usize::from(value < POWERS[guess])
}

/// Beyond `u32` (nanoseconds after four seconds): up to sixteen digits as two sets of eight side by
/// side, like [`u32_into`]; longer numbers four digits per division.
#[inline(never)]
fn u64_into(out: &mut Vec<u8>, value: u64) {
    const ASCII_ZEROS: u128 = 0x3030_3030_3030_3030_3030_3030_3030_3030;
    if value >= 10_000_000_000_000_000 {
        return long_u64_into(out, value);
    }
    let len = decimal_len(value).clamp(1, 16);
    // Both halves are below 100,000,000.
    let high = eight_digits((value / 100_000_000) as u32);
    let low = eight_digits((value % 100_000_000) as u32);
    let digits = u128::from(high) | u128::from(low) << 64;
    let text = ((digits | ASCII_ZEROS) >> (8 * (16 - len))).to_le_bytes();
    let start = out.len();
    out.extend_from_slice(&text);
    out.truncate(start + len);
}

/// Seventeen digits or more: four digits per division.
#[cold]
#[inline(never)]
fn long_u64_into(out: &mut Vec<u8>, mut value: u64) {
    const END: usize = 20;
    let mut digits = [0u8; 2 * END];
    let mut at = END;
    while value >= 10_000 {
        let four = (value % 10_000) as usize;
        value /= 10_000;
        at -= 4;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[four / 100 * 2..four / 100 * 2 + 2]);
        digits[at + 2..at + 4].copy_from_slice(&DIGIT_PAIRS[four % 100 * 2..four % 100 * 2 + 2]);
    }
    let mut value = value as usize;
    if value >= 100 {
        at -= 2;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[value % 100 * 2..value % 100 * 2 + 2]);
        value /= 100;
    }
    if value >= 10 {
        at -= 2;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[value * 2..value * 2 + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + value as u8;
    }
    let start = out.len();
    out.extend_from_slice(&digits[at..at + END]);
    out.truncate(start + (END - at));
}

/// "00" "01" ... "99", back to back.
static DIGIT_PAIRS: [u8; 200] = {
    let mut pairs = [0u8; 200];
    let mut n = 0;
    while n < 100 {
        pairs[2 * n] = b'0' + (n / 10) as u8;
        pairs[2 * n + 1] = b'0' + (n % 10) as u8;
        n += 1;
    }
    pairs
};

/// Appends an IPv4 address as `Ipv4Addr`'s `Display` writes it ("10.0.0.5"): the octets' digits from
/// a table, gathered in one integer and stored whole (no byte-by-byte buffer to copy from, no branch
/// on each octet's length).
#[inline]
pub(super) fn ipv4_into(out: &mut Vec<u8>, octets: [u8; 4]) {
    let mut text = 0u128;
    let mut bits = 0;
    for (index, octet) in octets.into_iter().enumerate() {
        let (digits, len) = OCTETS[usize::from(octet)];
        // A dot before every octet but the first: written, then overwritten by the digits' shift.
        let dot = if index == 0 { 0 } else { u128::from(b'.') };
        text |= (dot | u128::from(digits) << (8 * usize::from(index != 0))) << bits;
        bits += 8 * (usize::from(len) + usize::from(index != 0));
    }
    let start = out.len();
    out.extend_from_slice(&text.to_le_bytes());
    out.truncate(start + bits / 8);
}

/// Each octet's decimal digits (first digit in the lowest byte) and how many there are.
static OCTETS: [(u32, u8); 256] = {
    let mut table = [(0u32, 0u8); 256];
    let mut n = 0;
    while n < 256 {
        let (hundreds, tens, ones) = ((n / 100) as u32, (n / 10 % 10) as u32, (n % 10) as u32);
        table[n] = if n >= 100 {
            (
                (b'0' as u32 + hundreds) | (b'0' as u32 + tens) << 8 | (b'0' as u32 + ones) << 16,
                3,
            )
        } else if n >= 10 {
            ((b'0' as u32 + tens) | (b'0' as u32 + ones) << 8, 2)
        } else {
            (b'0' as u32 + ones, 1)
        };
        n += 1;
    }
    table
};

/// Appends an IPv6 address as `Ipv6Addr`'s `Display` writes it: `::ffff:a.b.c.d` for IPv4-mapped
/// addresses, otherwise lower-case hex groups with the longest run of two or more zero groups (the
/// first, on a tie) written as `::` (RFC 5952).
pub(super) fn ipv6_into(out: &mut Vec<u8>, address: std::net::Ipv6Addr) {
    if let Some(v4) = address.to_ipv4_mapped() {
        out.extend_from_slice(b"::ffff:");
        ipv4_into(out, v4.octets());
        return;
    }
    let groups = address.segments();
    // The longest run of zero groups.
    let (mut best_start, mut best_len) = (0, 0);
    let (mut start, mut len) = (0, 0);
    for (index, &group) in groups.iter().enumerate() {
        if group == 0 {
            if len == 0 {
                start = index;
            }
            len += 1;
            if len > best_len {
                (best_start, best_len) = (start, len);
            }
        } else {
            len = 0;
        }
    }
    if best_len > 1 {
        hex_groups(out, &groups[..best_start]);
        out.extend_from_slice(b"::");
        hex_groups(out, &groups[best_start + best_len..]);
    } else {
        hex_groups(out, &groups);
    }
}

/// Groups in lower-case hex without leading zeros, separated by colons.
fn hex_groups(out: &mut Vec<u8>, groups: &[u16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (index, &group) in groups.iter().enumerate() {
        if index > 0 {
            out.push(b':');
        }
        let digits = (4 - group.leading_zeros() as usize / 4).max(1);
        for shift in (0..digits).rev() {
            out.push(HEX[usize::from((group >> (4 * shift)) & 0xf)]);
        }
    }
}

/// Appends a socket address as `SocketAddr`'s `Display` writes it: "10.0.0.5:80", "[::1]:443",
/// "[fe80::1%3]:22".
pub(super) fn socket_into(out: &mut Vec<u8>, address: std::net::SocketAddr) {
    match address {
        std::net::SocketAddr::V4(v4) => ipv4_into(out, v4.ip().octets()),
        std::net::SocketAddr::V6(v6) => {
            out.push(b'[');
            ipv6_into(out, *v6.ip());
            if v6.scope_id() != 0 {
                out.push(b'%');
                unsigned_into(out, u64::from(v6.scope_id()));
            }
            out.push(b']');
        }
    }
    out.push(b':');
    unsigned_into(out, u64::from(address.port()));
}

#[inline]
pub(super) fn signed_into(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    unsigned_into(out, value.unsigned_abs());
}

/// `fmt::Write` into a JSON string's contents, escaping as it goes (for `collect_str`).
pub(super) struct Escaping<'a>(pub(super) &'a mut Vec<u8>);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, piece: &str) -> fmt::Result {
        escape_into(self.0, piece);
        Ok(())
    }
}

/// An array or object being written: whether a comma is due before the next element.
struct Compound<'w, 'a> {
    writer: &'w mut JsonWriter<'a>,
    first: bool,
    /// Closing bytes: `]`, `}`, or `]}` / `}}` for variants wrapped in an object.
    close: &'static [u8],
}

impl Compound<'_, '_> {
    #[inline]
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.writer.out.push(b',');
        }
    }

    #[inline]
    fn key(&mut self, key: &str) {
        self.comma();
        let out = &mut *self.writer.out;
        out.reserve(key.len() + 3);
        out.push(b'"');
        escape_into(out, key);
        out.extend_from_slice(b"\":");
    }

    fn finish(self) {
        self.writer.out.extend_from_slice(self.close);
    }
}

impl<'w, 'a> JsonWriter<'a> {
    fn open(&'w mut self, open: &[u8], close: &'static [u8]) -> Compound<'w, 'a> {
        self.out.extend_from_slice(open);
        Compound {
            writer: self,
            first: true,
            close,
        }
    }

    /// `{"variant":` then the opening of the variant's content.
    fn open_variant(
        &'w mut self,
        variant: &str,
        open: u8,
        close: &'static [u8],
    ) -> Compound<'w, 'a> {
        self.out.push(b'{');
        string_into(self.out, variant);
        self.out.push(b':');
        self.out.push(open);
        Compound {
            writer: self,
            first: true,
            close,
        }
    }
}

impl<'w, 'a> ser::Serializer for &'w mut JsonWriter<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        signed_into(self.out, value);
        Ok(())
    }
    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        let _ = write!(Escaping(self.out), "{value}");
        Ok(())
    }
    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        unsigned_into(self.out, value);
        Ok(())
    }
    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        let _ = write!(Escaping(self.out), "{value}");
        Ok(())
    }
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &value).map_err(ser::Error::custom)
    }
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &value).map_err(ser::Error::custom)
    }
    fn serialize_char(self, value: char) -> Result<(), Error> {
        string_into(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        string_into(self.out, value);
        Ok(())
    }
    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        let mut seq = self.open(b"[", b"]");
        for &byte in value {
            seq.comma();
            unsigned_into(seq.writer.out, u64::from(byte));
        }
        seq.finish();
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        string_into(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Ok(self.open(b"[", b"]"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Ok(self.open(b"[", b"]"))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Ok(self.open(b"[", b"]"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Ok(self.open_variant(variant, b'[', b"]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(self.open(b"{", b"}"))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Ok(self.open(b"{", b"}"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Ok(self.open_variant(variant, b'{', b"}}"))
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.out.push(b'"');
        let _ = write!(Escaping(self.out), "{value}");
        self.out.push(b'"');
        Ok(())
    }
}

macro_rules! sequence_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.comma();
                value.serialize(&mut *self.writer)
            }
            fn end(self) -> Result<(), Error> {
                self.finish();
                Ok(())
            }
        }
    };
}

sequence_impl!(SerializeSeq, serialize_element);
sequence_impl!(SerializeTuple, serialize_element);
sequence_impl!(SerializeTupleStruct, serialize_field);
sequence_impl!(SerializeTupleVariant, serialize_field);

macro_rules! struct_impl {
    ($trait:ident) => {
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.key(key);
                value.serialize(&mut *self.writer)
            }
            fn end(self) -> Result<(), Error> {
                self.finish();
                Ok(())
            }
        }
    };
}

struct_impl!(SerializeStruct);
struct_impl!(SerializeStructVariant);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(MapKey {
            out: self.writer.out,
        })?;
        self.writer.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), Error> {
        self.finish();
        Ok(())
    }
}

/// Map keys are JSON strings: serde_json quotes numbers and booleans, and refuses containers.
struct MapKey<'a> {
    out: &'a mut Vec<u8>,
}

impl MapKey<'_> {
    fn quoted(self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), Error> {
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
        Ok(())
    }
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".to_string())
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(|out| out.extend_from_slice(if value { b"true" } else { b"false" }))
    }
    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        self.quoted(|out| signed_into(out, value))
    }
    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        self.quoted(|out| {
            let _ = write!(Escaping(out), "{value}");
        })
    }
    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        self.quoted(|out| unsigned_into(out, value))
    }
    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        self.quoted(|out| {
            let _ = write!(Escaping(out), "{value}");
        })
    }
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(value))
    }
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(Error("float key must be finite".to_string()));
        }
        self.quoted(|out| {
            let _ = serde_json::to_writer(out, &value);
        })
    }
    fn serialize_char(self, value: char) -> Result<(), Error> {
        string_into(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        string_into(self.out, value);
        Ok(())
    }
    fn serialize_bytes(self, _value: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.out.push(b'"');
        let _ = write!(Escaping(self.out), "{value}");
        self.out.push(b'"');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;
    use std::net::{IpAddr, SocketAddr};

    fn same_as_serde_json<T: Serialize>(value: &T) {
        let expected = serde_json::to_vec(value).unwrap();
        let mut ours = Vec::new();
        write(&mut ours, value).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&expected)
        );
    }

    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        Unit,
        Fields { a: u8, b: Option<i32> },
    }

    #[derive(Serialize)]
    enum External {
        Unit,
        Newtype(u16),
        Tuple(u8, &'static str),
        Struct { x: bool },
    }

    #[derive(Serialize)]
    struct Newtype(u64);

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Everything {
        #[serde(rename = "type")]
        kind: &'static str,
        numbers: (u8, u16, u32, u64, i8, i16, i32, i64, u128, i128),
        extremes: [i64; 3],
        floats: (f64, f64, f32, f64),
        none: Option<u8>,
        some: Option<Option<u8>>,
        text: String,
        character: char,
        pairs: Vec<(u32, u32)>,
        empty: Vec<u8>,
        bytes: &'static serde_bytes_like::Bytes,
        tagged: Vec<Tagged>,
        external: Vec<External>,
        newtype: Newtype,
        unit: (),
        unit_struct: Unit,
        map: BTreeMap<u16, &'static str>,
        string_map: BTreeMap<&'static str, bool>,
        addresses: (IpAddr, IpAddr, SocketAddr, SocketAddr),
        displayed: Displayed,
    }

    /// `collect_str`, as the annotation sentences use it.
    struct Displayed;

    impl Serialize for Displayed {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(&format_args!(
                "{} \"{}\"\n{}",
                "握手 1/3", "quoted", '\u{7}'
            ))
        }
    }

    mod serde_bytes_like {
        /// Serialized with `serialize_bytes`.
        pub struct Bytes(pub [u8; 3]);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(&self.0)
            }
        }
    }

    static BYTES: serde_bytes_like::Bytes = serde_bytes_like::Bytes([0, 7, 255]);

    #[test]
    fn writes_what_serde_json_writes() {
        let mut text = String::from("plain, \"quoted\", back\\slash, tab\t, nl\n, cr\r, ");
        text.extend([
            '\u{0}', '\u{8}', '\u{c}', '\u{1f}', '\u{7f}', 'é', '—', '客', '🦀',
        ]);
        same_as_serde_json(&Everything {
            kind: "packet",
            numbers: (
                u8::MAX,
                u16::MAX,
                u32::MAX,
                u64::MAX,
                i8::MIN,
                i16::MIN,
                i32::MIN,
                i64::MIN,
                u128::MAX,
                i128::MIN,
            ),
            extremes: [0, -1, i64::MAX],
            floats: (97.1, 0.0, 1.5, f64::NAN),
            none: None,
            some: Some(None),
            text,
            character: '"',
            pairs: vec![(1, 2), (3, u32::MAX)],
            empty: Vec::new(),
            bytes: &BYTES,
            tagged: vec![Tagged::Unit, Tagged::Fields { a: 1, b: Some(-5) }],
            external: vec![
                External::Unit,
                External::Newtype(80),
                External::Tuple(1, "x"),
                External::Struct { x: true },
            ],
            newtype: Newtype(42),
            unit: (),
            unit_struct: Unit,
            map: BTreeMap::from([(1, "one"), (65535, "max")]),
            string_map: BTreeMap::from([("a\"b", true), ("", false)]),
            addresses: (
                "10.0.0.1".parse().unwrap(),
                "2001:db8::1".parse().unwrap(),
                "127.0.0.1:8080".parse().unwrap(),
                "[::1]:443".parse().unwrap(),
            ),
            displayed: Displayed,
        });
    }

    #[test]
    fn the_word_test_finds_every_byte_that_needs_an_escape_at_every_position() {
        for byte in 0..=255u8 {
            for position in 0..11 {
                let mut bytes = [b'x'; 11];
                bytes[position] = byte;
                let expected = bytes.iter().any(|&b| needs_escape(b));
                assert_eq!(
                    any_needs_escape(&bytes),
                    expected,
                    "{byte:#x} at {position}"
                );
                assert_eq!(any_needs_escape(&bytes[..position + 1]), expected);
            }
        }
        assert!(!any_needs_escape(b""));
    }

    #[test]
    fn addresses_are_written_as_display_writes_them() {
        let mut addresses: Vec<std::net::Ipv6Addr> = [
            "::",
            "::1",
            "1::",
            "2001:db8::1",
            "2001:db8:0:0:1:0:0:1",
            "2001:0:0:1:0:0:0:1",
            "1:0:1:0:1:0:1:0",
            "fe80::ab:cdef",
            "::ffff:10.0.0.1",
            "::ffff:0.0.0.0",
            "::10.0.0.1",
            "64:ff9b::10.0.0.1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ]
        .iter()
        .map(|text| text.parse().unwrap())
        .collect();
        // Every pattern of zero and non-zero groups, with non-zero groups of every hex length.
        for pattern in 0..=255u32 {
            let mut groups = [0u16; 8];
            for (index, group) in groups.iter_mut().enumerate() {
                if pattern & (1 << index) != 0 {
                    *group = [0x1, 0x2f, 0x3a4, 0xbcde][(index + pattern as usize) % 4];
                }
            }
            addresses.push(std::net::Ipv6Addr::from(groups));
        }
        for address in addresses {
            let mut out = Vec::new();
            ipv6_into(&mut out, address);
            assert_eq!(String::from_utf8(out).unwrap(), address.to_string());
            for (port, scope) in [(0, 0), (443, 0), (65535, 7)] {
                let socket =
                    std::net::SocketAddr::V6(std::net::SocketAddrV6::new(address, port, 0, scope));
                let mut out = Vec::new();
                socket_into(&mut out, socket);
                assert_eq!(String::from_utf8(out).unwrap(), socket.to_string());
            }
        }
        for octets in [
            [0, 0, 0, 0],
            [255, 255, 255, 255],
            [10, 0, 0, 5],
            [1, 22, 100, 99],
        ] {
            let address = std::net::Ipv4Addr::from(octets);
            let mut out = Vec::new();
            ipv4_into(&mut out, octets);
            assert_eq!(String::from_utf8(out).unwrap(), address.to_string());
            let socket = std::net::SocketAddr::from((address, 20000));
            let mut out = Vec::new();
            socket_into(&mut out, socket);
            assert_eq!(String::from_utf8(out).unwrap(), socket.to_string());
        }
        for octet in 0..=255u8 {
            let mut out = Vec::new();
            ipv4_into(&mut out, [octet, 0, octet, 9]);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                std::net::Ipv4Addr::from([octet, 0, octet, 9]).to_string()
            );
        }
    }

    #[test]
    fn eight_digits_side_by_side_are_the_decimal_digits() {
        // Every value of each four-digit half, and the values around each power of ten.
        let mut values: Vec<u32> = (0..10_000).map(|k| k * 10_001).collect();
        values.extend((0..8).flat_map(|power| {
            let p = 10u32.pow(power);
            [p - 1, p, p + 1]
        }));
        values.push(99_999_999);
        for value in values {
            let digits = eight_digits(value).to_le_bytes().map(|digit| b'0' + digit);
            assert_eq!(
                std::str::from_utf8(&digits).unwrap(),
                format!("{value:08}"),
                "{value}"
            );
        }
    }

    #[test]
    fn numbers_of_every_length() {
        let mut value = 1u64;
        for _ in 0..20 {
            for candidate in [value - 1, value, value + 1, value.saturating_mul(9)] {
                let mut out = Vec::new();
                unsigned_into(&mut out, candidate);
                assert_eq!(String::from_utf8(out).unwrap(), candidate.to_string());
            }
            value = value.saturating_mul(10);
        }
        for value in [
            u64::from(u32::MAX) - 1,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
            100_000_000,
            4_200_000_000,
        ] {
            let mut out = Vec::new();
            unsigned_into(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), value.to_string());
        }
        let mut out = Vec::new();
        unsigned_into(&mut out, u64::MAX);
        signed_into(&mut out, i64::MIN);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{}{}", u64::MAX, i64::MIN)
        );
    }

    #[test]
    fn keys_are_quoted_or_refused_like_serde_json() {
        same_as_serde_json(&BTreeMap::from([(true, 1), (false, 2)]));
        same_as_serde_json(&BTreeMap::from([('k', 1)]));
        same_as_serde_json(&BTreeMap::from([(Some(-3i64), 1)]));
        let float_keys = FloatKeys(&[1.5, 2.0]);
        same_as_serde_json(&float_keys);
        let tuple_keys = BTreeMap::from([((1u8, 2u8), 3u8)]);
        let mut out = Vec::new();
        assert!(write(&mut out, &tuple_keys).is_err());
        assert!(serde_json::to_vec(&tuple_keys).is_err());
        let mut out = Vec::new();
        assert!(write(&mut out, &FloatKeys(&[f64::NAN])).is_err());
        assert!(serde_json::to_vec(&FloatKeys(&[f64::NAN])).is_err());
    }

    /// A map with float keys (floats are not `Ord`, so no `BTreeMap`).
    struct FloatKeys(&'static [f64]);

    impl Serialize for FloatKeys {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(self.0.len()))?;
            for key in self.0 {
                map.serialize_entry(key, "v")?;
            }
            map.end()
        }
    }
}
