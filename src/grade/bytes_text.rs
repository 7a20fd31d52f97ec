//! Bytes shown to a person: quoted, with invisible bytes escaped, and where two byte strings first differ.

use std::fmt;

/// Displays bytes as a double-quoted string: printable text as is, `\n` `\r` `\t` `\0` `\\` `\"`, other
/// bytes as `\xHH`. Valid UTF-8 text (Chinese, for example) is shown as text.
pub fn escaped(bytes: &[u8]) -> Escaped<'_> {
    Escaped(bytes)
}

pub struct Escaped<'a>(&'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for chunk in self.0.utf8_chunks() {
            for ch in chunk.valid().chars() {
                match ch {
                    '\n' => f.write_str("\\n")?,
                    '\r' => f.write_str("\\r")?,
                    '\t' => f.write_str("\\t")?,
                    '\0' => f.write_str("\\0")?,
                    '\\' => f.write_str("\\\\")?,
                    '"' => f.write_str("\\\"")?,
                    c if c.is_control() => {
                        let mut buffer = [0u8; 4];
                        for byte in c.encode_utf8(&mut buffer).bytes() {
                            write!(f, "\\x{byte:02x}")?;
                        }
                    }
                    c => write!(f, "{c}")?,
                }
            }
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

/// Shows at most `limit` bytes, saying how many more there were.
pub fn escaped_capped(bytes: &[u8], limit: usize) -> String {
    if bytes.len() <= limit {
        escaped(bytes).to_string()
    } else {
        format!(
            "{}… (+{} more bytes)",
            escaped(&bytes[..limit]),
            bytes.len() - limit
        )
    }
}

/// The first byte position where `got` differs from `expected`, if any.
pub fn first_difference(expected: &[u8], got: &[u8]) -> Option<usize> {
    let common = expected
        .iter()
        .zip(got)
        .take_while(|(left, right)| left == right)
        .count();
    if common == expected.len() && common == got.len() {
        None
    } else {
        Some(common)
    }
}

/// The byte at `index` for a diff line: `"\n" (0x0a)`, or "end of data".
pub fn byte_at(bytes: &[u8], index: usize, end: &str) -> String {
    match bytes.get(index) {
        Some(byte) => format!("{} (0x{byte:02x})", escaped(std::slice::from_ref(byte))),
        None => end.to_string(),
    }
}

/// Where `needle` occurs in `haystack`, if it does.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_bytes_are_escaped_and_text_stays_text() {
        assert_eq!(escaped(b"hi\n").to_string(), "\"hi\\n\"");
        assert_eq!(escaped(b"a\"b\\").to_string(), "\"a\\\"b\\\\\"");
        assert_eq!(escaped(&[0xff, b'x', 0x01]).to_string(), "\"\\xffx\\x01\"");
        assert_eq!(escaped("收到".as_bytes()).to_string(), "\"收到\"");
        // GBK bytes are not UTF-8: shown byte by byte.
        assert_eq!(escaped(&[0xca, 0xd5]).to_string(), "\"\\xca\\xd5\"");
        assert_eq!(escaped_capped(b"abcdef", 3), "\"abc\"… (+3 more bytes)");
    }

    #[test]
    fn differences_are_located() {
        assert_eq!(first_difference(b"hello\n", b"hello"), Some(5));
        assert_eq!(first_difference(b"hello", b"hello"), None);
        assert_eq!(first_difference(b"hello", b"Hello"), Some(0));
        assert_eq!(byte_at(b"hello\n", 5, "end"), "\"\\n\" (0x0a)");
        assert_eq!(byte_at(b"hello", 5, "end"), "end");
        assert_eq!(find(b"say hello", b"hello"), Some(4));
        assert_eq!(find(b"say", b"hello"), None);
    }
}
