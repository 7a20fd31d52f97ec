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

/// `N` bytes of `piece` repeated, built at compile time: a run to write slices of.
const fn run<const N: usize>(piece: &str) -> [u8; N] {
    let piece = piece.as_bytes();
    let mut bytes = [0u8; N];
    let mut at = 0;
    while at < N {
        bytes[at] = piece[at % piece.len()];
        at += 1;
    }
    bytes
}

/// Enough of each repeated piece for one line of a wide terminal in one write.
const RUN_PIECES: usize = 128;
static SPACE_RUN: [u8; RUN_PIECES] = run(" ");
static DASH_RUN: [u8; 3 * RUN_PIECES] = run("─");
static DOTTED_RUN: [u8; 3 * RUN_PIECES] = run("╌");

/// Writes `count` pieces from `run`, a run of `piece_len`-byte pieces.
fn write_run<W: Write + ?Sized>(
    out: &mut W,
    run: &[u8],
    piece_len: usize,
    count: usize,
) -> io::Result<()> {
    let per_write = run.len() / piece_len;
    let mut left = count;
    while left > 0 {
        let now = left.min(per_write);
        out.write_all(&run[..now * piece_len])?;
        left -= now;
    }
    Ok(())
}

pub(crate) fn spaces<W: Write + ?Sized>(out: &mut W, count: usize) -> io::Result<()> {
    write_run(out, &SPACE_RUN, 1, count)
}

/// `count` box-drawing dashes, "─".
pub(crate) fn dashes<W: Write + ?Sized>(out: &mut W, count: usize) -> io::Result<()> {
    write_run(out, &DASH_RUN, "─".len(), count)
}

/// `count` dotted dashes, "╌".
pub(crate) fn dotted<W: Write + ?Sized>(out: &mut W, count: usize) -> io::Result<()> {
    write_run(out, &DOTTED_RUN, "╌".len(), count)
}

/// Appends `value` in decimal, as `Display` writes it: two digits at a time, each pair copied from a
/// table (most numbers on a ladder are short).
pub(crate) fn push_decimal(text: &mut String, value: u64) {
    if value < 10 {
        text.push(char::from(b'0' + value as u8));
        return;
    }
    if value >= 100 {
        push_decimal(text, value / 100);
    }
    push_two_digits(text, value % 100);
}

/// Appends `value` (below 100) as two digits, zero-padded.
pub(crate) fn push_two_digits(text: &mut String, value: u64) {
    let pair = (value % 100) as usize * 2;
    text.push_str(DIGIT_PAIRS.get(pair..pair + 2).unwrap_or_default());
}

/// "00" "01" ... "99", back to back.
const DIGIT_PAIRS: &str = "\
    00010203040506070809101112131415161718192021222324252627282930313233343536373839\
    40414243444546474849505152535455565758596061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

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
    /// The next line of `rest` (which starts with a non-space), when every character up to where the
    /// line ends is one column wide and no newline or control character: then only spaces are break
    /// points, and the line is found from runs of printable ASCII measured many bytes at a time, with
    /// a look at each other character. `None` when a character of another width, a control character
    /// or a newline decides the line: the general loop does. Gives what the general loop gives.
    fn narrow_line(&mut self, rest: &'a str) -> Option<&'a str> {
        let bytes = rest.as_bytes();
        // Columns before `at`, where every character so far took one.
        let mut column = 0;
        let mut at = 0;
        // The byte index of the last space before `at`.
        let mut last_space = None;
        loop {
            // The byte at column `max` if everything from `at` is ASCII: the first that may not fit.
            let edge = at + self.max.saturating_sub(column);
            let scan_end = bytes.len().min(edge + 1);
            let run_end = at + ascii_run_len(bytes.get(at..scan_end)?);
            if run_end == edge + 1 {
                // Spaces may hang past the edge: the first other character does not fit.
                let Some(offset) = bytes.get(edge..)?.iter().position(|&byte| byte != b' ') else {
                    self.rest = "";
                    return Some(rest.trim_end());
                };
                let over = edge + offset;
                if !is_printable_ascii(bytes[over]) {
                    return None;
                }
                let space = bytes
                    .get(at..over)?
                    .iter()
                    .rposition(|&byte| byte == b' ')
                    .map(|offset| at + offset)
                    .or(last_space);
                return self.cut(rest, space, over);
            }
            if let Some(offset) = bytes.get(at..run_end)?.iter().rposition(|&b| b == b' ') {
                last_space = Some(at + offset);
            }
            column += run_end - at;
            at = run_end;
            let Some(&byte) = bytes.get(at) else {
                self.rest = "";
                return Some(rest.trim_end());
            };
            // A character other than printable ASCII.
            if byte < 0x80 {
                return None;
            }
            let c = rest.get(at..)?.chars().next()?;
            if char_width(c) != 1 {
                return None;
            }
            if column >= self.max {
                return self.cut(rest, last_space, at);
            }
            column += 1;
            at += c.len_utf8();
        }
    }

    /// Ends the line at the last space before `over` (the first character that does not fit), or cuts
    /// the word there when there is no space (`over` > 0: at least one character fits a line).
    fn cut(&mut self, rest: &'a str, space: Option<usize>, over: usize) -> Option<&'a str> {
        let (end, resume) = match space {
            Some(space) => (space, space + 1),
            None => (over, over),
        };
        self.rest = rest.get(resume..)?;
        Some(rest.get(..end)?.trim_end())
    }
}

/// How many bytes at the start of `bytes` are printable ASCII, eight at a time where it can.
fn ascii_run_len(bytes: &[u8]) -> usize {
    let mut len = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let others = not_printable_ascii(u64::from_le_bytes(word));
        if others != 0 {
            // The lowest flagged byte is exact (see `not_printable_ascii`).
            return len + (others.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    let tail = words.remainder();
    len + tail
        .iter()
        .position(|&byte| !is_printable_ascii(byte))
        .unwrap_or(tail.len())
}

/// The high bit of each byte of `word` that is not printable ASCII (below 0x20, 0x7f, or 0x80 and up).
/// Borrows can also flag bytes above a flagged one, never below it: the lowest flag is exact.
#[inline(always)]
fn not_printable_ascii(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte's high bit, set when the byte (its own high bit clear) is below `n`.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGHS;
    (word & HIGHS) | below(word, 0x20) | below(word ^ (ONES * 0x7f), 1)
}

impl<'a> Iterator for Wrap<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest.trim_start_matches(' ');
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        if let Some(line) = self.narrow_line(rest) {
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
            "handshake 1/3: SYN — the client asks to connect and picks its initial sequence number (ISN)",
            "data: 5 bytes client → server",
            "tab\there, a newline\nthen more — and é, 客户端 wide, ‘quoted’ words",
            "—————————— ——— —",
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
                let mixed = format!("客户端 {text}\u{0301} x");
                let shortcut: Vec<&str> = wrap(&mixed, max).collect();
                assert_eq!(shortcut, general_lines(&mixed, max), "{mixed:?} at {max}");
            }
        }
    }

    #[test]
    fn shortcut_matches_the_loop_on_random_mixtures() {
        let alphabet = [
            "a", "b", " ", " ", "  ", "—", "→", "é", "客", "户", "，", "(", "（", ".", "\n", "\t",
            "\u{0301}", "xyzzy", "⇄",
        ];
        // A fixed linear congruential sequence: the same mixtures on every run.
        let mut state: u32 = 12345;
        let mut next = move || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as usize
        };
        for _ in 0..10_000 {
            let len = next() % 40;
            let text: String = (0..len)
                .map(|_| alphabet[next() % alphabet.len()])
                .collect();
            let max = next() % 16;
            let shortcut: Vec<&str> = wrap(&text, max).collect();
            assert_eq!(shortcut, general_lines(&text, max), "{text:?} at {max}");
        }
    }

    #[test]
    fn ascii_runs_end_at_the_first_other_byte_at_every_position() {
        for byte in 0..=255u8 {
            for len in 0..20 {
                for position in 0..len {
                    let mut bytes = vec![b'x'; len];
                    bytes[position] = byte;
                    // Bytes after it that would also end a run, so a flag above must not mislead.
                    if position + 1 < len {
                        bytes[position + 1] = 0x1f;
                    }
                    let expected = bytes
                        .iter()
                        .position(|&b| !is_printable_ascii(b))
                        .unwrap_or(len);
                    assert_eq!(
                        ascii_run_len(&bytes),
                        expected,
                        "{byte:#x} at {position} of {len}"
                    );
                }
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
    fn runs_write_any_count() {
        for count in [0, 1, 70, 127, 128, 129, 300] {
            let mut out = Vec::new();
            spaces(&mut out, count).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), " ".repeat(count));
            let mut out = Vec::new();
            dashes(&mut out, count).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), "─".repeat(count));
            let mut out = Vec::new();
            dotted(&mut out, count).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), "╌".repeat(count));
        }
    }

    #[test]
    fn decimals_as_display_writes_them() {
        let mut values: Vec<u64> = (0..10_000).collect();
        values.extend([u64::MAX, u64::MAX - 1]);
        let mut power = 1u64;
        for _ in 0..20 {
            values.extend([power - 1, power, power + 1, power.saturating_mul(7)]);
            power = power.saturating_mul(10);
        }
        for value in values {
            let mut text = String::from("x");
            push_decimal(&mut text, value);
            assert_eq!(text, format!("x{value}"));
        }
    }
}
