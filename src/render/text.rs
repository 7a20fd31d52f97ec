//! Terminal text by display width: Chinese characters take two columns, so padding and wrapping count
//! columns (unicode-width), not bytes or chars. Nothing here allocates.

use std::io::{self, Write};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `text` takes in a terminal.
pub(crate) fn width(text: &str) -> usize {
    // Most of what is measured is printable ASCII, one column a byte; a fold (not `all`) checks many
    // bytes per instruction.
    let printable = text
        .bytes()
        .fold(true, |all, byte| all & is_printable_ascii(byte));
    if printable {
        text.len()
    } else {
        UnicodeWidthStr::width(text)
    }
}

fn is_printable_ascii(byte: u8) -> bool {
    byte.wrapping_sub(0x20) < 0x5f
}

/// Columns of one character: printable ASCII without a table lookup.
fn char_width(c: char) -> usize {
    if u8::try_from(c).is_ok_and(is_printable_ascii) {
        1
    } else {
        c.width().unwrap_or(0)
    }
}

/// Writes `count` copies of `piece` (a space, a box-drawing dash), a few dozen per write.
pub(crate) fn repeat<W: Write + ?Sized>(out: &mut W, piece: &str, count: usize) -> io::Result<()> {
    const CHUNK: usize = 128;
    let piece = piece.as_bytes();
    if piece.is_empty() || piece.len() > CHUNK {
        for _ in 0..count {
            out.write_all(piece)?;
        }
        return Ok(());
    }
    let per_chunk = CHUNK / piece.len();
    let mut chunk = [0u8; CHUNK];
    for copy in chunk.chunks_exact_mut(piece.len()).take(per_chunk) {
        copy.copy_from_slice(piece);
    }
    let mut left = count;
    while left > 0 {
        let now = left.min(per_chunk);
        out.write_all(&chunk[..now * piece.len()])?;
        left -= now;
    }
    Ok(())
}

pub(crate) fn spaces<W: Write + ?Sized>(out: &mut W, count: usize) -> io::Result<()> {
    const SPACES: &[u8; 32] = b"                                ";
    let mut left = count;
    while left > 0 {
        let chunk = left.min(SPACES.len());
        out.write_all(&SPACES[..chunk])?;
        left -= chunk;
    }
    Ok(())
}

/// Characters a line must not start with (closing punctuation), in Chinese and in English.
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '》'
            | '”'
            | '’'
            | ','
            | '.'
            | ';'
            | ':'
            | ')'
            | '!'
            | '?'
    )
}

/// Characters a line must not end with (opening punctuation).
fn no_line_end(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '《' | '“' | '‘' | '(')
}

/// Splits text into lines of at most `max` columns: at spaces, and between wide (CJK) characters, which
/// need no spaces. A word longer than a line is cut. Explicit newlines are kept.
pub(crate) fn wrap(text: &str, max: usize) -> Wrap<'_> {
    Wrap {
        rest: text,
        max: max.max(1),
    }
}

pub(crate) struct Wrap<'a> {
    rest: &'a str,
    max: usize,
}

impl Wrap<'_> {
    /// Changes the width for the lines still to come (hanging indents make them narrower).
    pub fn set_max(&mut self, max: usize) {
        self.max = max.max(1);
    }
}

impl<'a> Wrap<'a> {
    /// The next line, when its printable-ASCII start decides it: there every character is one column
    /// and only spaces are break points, so the line is found without measuring characters. `None`
    /// when a later character (non-ASCII, a newline) matters. Gives what the general loop below gives.
    fn ascii_line(&mut self, rest: &'a str) -> Option<&'a str> {
        let bytes = rest.as_bytes();
        // Only the start of the text can matter: the line ends near `max` (a few spaces may hang past it).
        let scan = bytes.len().min(self.max.saturating_add(64));
        let prefix = bytes[..scan]
            .iter()
            .position(|&byte| !is_printable_ascii(byte))
            .unwrap_or(scan);
        // The first character that does not fit; spaces may hang past the edge.
        let overflow = bytes[..prefix]
            .iter()
            .skip(self.max)
            .position(|&byte| byte != b' ')
            .map(|offset| offset + self.max);
        match overflow {
            Some(at) => {
                let (end, resume) = match bytes[..at].iter().rposition(|&byte| byte == b' ') {
                    Some(space) => (space, space + 1),
                    // No space: cut the word (`at` >= max >= 1, so the line is not empty).
                    None => (at, at),
                };
                self.rest = &rest[resume..];
                Some(rest[..end].trim_end())
            }
            None if prefix == bytes.len() => {
                self.rest = "";
                Some(rest.trim_end())
            }
            None => None,
        }
    }
}

impl<'a> Iterator for Wrap<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest.trim_start_matches(' ');
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        if let Some(line) = self.ascii_line(rest) {
            return Some(line);
        }
        Some(self.general_line(rest))
    }
}

impl<'a> Wrap<'a> {
    /// The next line of `rest` (which starts with a non-space), character by character.
    fn general_line(&mut self, rest: &'a str) -> &'a str {
        let mut used = 0;
        // Where the line may end, and where the next one then starts.
        let mut last_break: Option<(usize, usize)> = None;
        // The previous character and its width.
        let mut previous: Option<(char, usize)> = None;
        for (index, c) in rest.char_indices() {
            if c == '\n' {
                self.rest = &rest[index + 1..];
                return rest[..index].trim_end();
            }
            let columns = char_width(c);
            if let Some((before, before_columns)) = previous {
                let wide = columns > 1 || before_columns > 1;
                if wide && c != ' ' && before != ' ' && !no_line_start(c) && !no_line_end(before) {
                    last_break = Some((index, index));
                }
            }
            if c == ' ' {
                last_break = Some((index, index + 1));
            } else if used + columns > self.max {
                let (end, resume) = match last_break {
                    Some(point) => point,
                    // No break point: cut the word (always taking at least one character).
                    None if index == 0 => (c.len_utf8(), c.len_utf8()),
                    None => (index, index),
                };
                self.rest = &rest[resume..];
                return rest[..end].trim_end();
            }
            used += columns;
            previous = Some((c, columns));
        }
        self.rest = "";
        rest.trim_end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, max: usize) -> Vec<&str> {
        wrap(text, max).collect()
    }

    #[test]
    fn chinese_characters_are_two_columns() {
        assert_eq!(width("客户端"), 6);
        assert_eq!(width("client"), 6);
        assert_eq!(width("──▶"), 3);
    }

    #[test]
    fn the_ascii_shortcut_agrees_with_unicode_width() {
        for byte in 0..=127u8 {
            let text = String::from(char::from(byte));
            assert_eq!(
                width(&text),
                UnicodeWidthStr::width(text.as_str()),
                "{byte:#x}"
            );
            assert_eq!(
                char_width(char::from(byte)),
                char::from(byte).width().unwrap_or(0),
                "{byte:#x}"
            );
        }
        assert_eq!(width("SYN — ack"), 9);
    }

    /// Lines from the general loop alone, to compare the ASCII shortcut with.
    fn general_lines(text: &str, max: usize) -> Vec<&str> {
        let mut wrap = wrap(text, max);
        let mut out = Vec::new();
        loop {
            let rest = wrap.rest.trim_start_matches(' ');
            if rest.is_empty() {
                return out;
            }
            out.push(wrap.general_line(rest));
        }
    }

    #[test]
    fn shortcut_matches_the_loop() {
        let texts = [
            "the client asks to connect and picks its initial sequence number (ISN)",
            "abcdefgh ij",
            "a  b   c    d     e",
            "word      ",
            "   leading spaces then words that wrap",
            "Ethernet 14 + IPv4 20 + TCP 32 + 1448 B",
            "x",
            "supercalifragilisticexpialidocious and more",
        ];
        for text in texts {
            for max in 0..40 {
                let shortcut: Vec<&str> = wrap(text, max).collect();
                assert_eq!(shortcut, general_lines(text, max), "{text:?} at {max}");
                // A non-ASCII character later on: the shortcut decides the lines before it, or defers.
                let mixed = format!("{text} — 客户端");
                let shortcut: Vec<&str> = wrap(&mixed, max).collect();
                assert_eq!(shortcut, general_lines(&mixed, max), "{mixed:?} at {max}");
            }
        }
    }

    #[test]
    fn wraps_english_at_spaces() {
        assert_eq!(
            lines("the client asks to connect and picks its ISN", 20),
            ["the client asks to", "connect and picks", "its ISN"]
        );
    }

    #[test]
    fn wraps_chinese_between_characters_within_the_width() {
        let text = "客户端请求建立连接，并选择自己的初始序号。";
        let wrapped = lines(text, 10);
        assert!(wrapped.iter().all(|line| width(line) <= 10), "{wrapped:?}");
        assert_eq!(wrapped.concat(), text);
        // Closing punctuation never starts a line.
        assert!(
            wrapped.iter().all(|line| !line.starts_with('，')),
            "{wrapped:?}"
        );
    }

    #[test]
    fn cuts_words_longer_than_a_line() {
        assert_eq!(lines("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
    }

    #[test]
    fn keeps_explicit_newlines_and_drops_empty_tails() {
        assert_eq!(lines("one\ntwo  ", 10), ["one", "two"]);
        assert!(lines("   ", 10).is_empty());
    }

    #[test]
    fn never_loops_on_zero_width() {
        assert_eq!(lines("ab", 0), ["a", "b"]);
    }

    #[test]
    fn repeat_writes_any_count_of_any_piece() {
        for count in [0, 1, 42, 43, 100, 300] {
            let mut out = Vec::new();
            repeat(&mut out, "─", count).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), "─".repeat(count));
            let mut out = Vec::new();
            repeat(&mut out, "ab", count).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), "ab".repeat(count));
        }
    }

    #[test]
    fn spaces_writes_any_count() {
        let mut out = Vec::new();
        spaces(&mut out, 70).unwrap();
        assert_eq!(out.len(), 70);
        assert!(out.iter().all(|&b| b == b' '));
    }
}
