//! Terminal text by display width: Chinese characters take two columns, so padding and wrapping count
//! columns (unicode-width), not bytes or chars. Nothing here allocates.

use std::io::{self, Write};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `text` takes in a terminal.
pub(crate) fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Writes `count` copies of `piece` (a space, a box-drawing dash).
pub(crate) fn repeat<W: Write + ?Sized>(out: &mut W, piece: &str, count: usize) -> io::Result<()> {
    for _ in 0..count {
        out.write_all(piece.as_bytes())?;
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

impl<'a> Iterator for Wrap<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest.trim_start_matches(' ');
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        let mut used = 0;
        // Where the line may end, and where the next one then starts.
        let mut last_break: Option<(usize, usize)> = None;
        let mut previous: Option<char> = None;
        for (index, c) in rest.char_indices() {
            if c == '\n' {
                self.rest = &rest[index + 1..];
                return Some(rest[..index].trim_end());
            }
            let columns = c.width().unwrap_or(0);
            if let Some(before) = previous {
                let wide = columns > 1 || before.width().unwrap_or(0) > 1;
                if c != ' ' && before != ' ' && wide && !no_line_start(c) && !no_line_end(before) {
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
                return Some(rest[..end].trim_end());
            }
            used += columns;
            previous = Some(c);
        }
        self.rest = "";
        Some(rest.trim_end())
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
    fn spaces_writes_any_count() {
        let mut out = Vec::new();
        spaces(&mut out, 70).unwrap();
        assert_eq!(out.len(), 70);
        assert!(out.iter().all(|&b| b == b' '));
    }
}
