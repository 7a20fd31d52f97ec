//! Splits the small languages inside lesson strings (calls like `send("hello")`, packets like
//! `client > server S. seq 0`) into tokens that remember where they were, so errors can point at them.

/// One token and its byte range within the string it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A name or a word: `connect`, `SO_LINGER`, `client2`, `port-unreachable`, `S.`, `...`.
    Word(String),
    Number(u64),
    /// A quoted string, escapes resolved.
    Bytes(Vec<u8>),
    /// `(`, `)`, `,` or `>`.
    Punct(char),
}

/// A problem at a byte range of the string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

impl Problem {
    pub fn new(start: usize, end: usize, message: impl Into<String>) -> Problem {
        Problem {
            start,
            end,
            message: message.into(),
        }
    }

    pub fn at(token: &Token, message: impl Into<String>) -> Problem {
        Problem::new(token.start, token.end, message)
    }
}

/// Characters that may appear in a word besides letters and digits (flags use `.`, `?`; names use `-`).
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '?' | ':')
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, Problem> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if matches!(c, '(' | ')' | ',' | '>') {
            chars.next();
            tokens.push(Token {
                kind: TokenKind::Punct(c),
                start,
                end: start + 1,
            });
            continue;
        }
        if c == '"' {
            chars.next();
            let mut bytes = Vec::new();
            let mut end = None;
            while let Some((index, c)) = chars.next() {
                match c {
                    '"' => {
                        end = Some(index + 1);
                        break;
                    }
                    '\\' => {
                        let Some((escape_at, escaped)) = chars.next() else {
                            break;
                        };
                        match escaped {
                            'n' => bytes.push(b'\n'),
                            't' => bytes.push(b'\t'),
                            'r' => bytes.push(b'\r'),
                            '0' => bytes.push(0),
                            '\\' => bytes.push(b'\\'),
                            '"' => bytes.push(b'"'),
                            other => {
                                return Err(Problem::new(
                                    index,
                                    escape_at + other.len_utf8(),
                                    format!("`\\{other}` is not an escape this string understands; use \\n, \\t, \\r, \\0, \\\\ or \\\"."),
                                ))
                            }
                        }
                    }
                    other => {
                        let mut buffer = [0u8; 4];
                        bytes.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
                    }
                }
            }
            let Some(end) = end else {
                return Err(Problem::new(
                    start,
                    text.len(),
                    "This quoted text has no closing quote (\").",
                ));
            };
            tokens.push(Token {
                kind: TokenKind::Bytes(bytes),
                start,
                end,
            });
            continue;
        }
        if word_char(c) {
            let mut end = start;
            while let Some(&(index, c)) = chars.peek() {
                if !word_char(c) {
                    break;
                }
                end = index + c.len_utf8();
                chars.next();
            }
            let word = &text[start..end];
            let kind = if word.bytes().all(|b| b.is_ascii_digit()) {
                match word.parse::<u64>() {
                    Ok(number) => TokenKind::Number(number),
                    Err(_) => {
                        return Err(Problem::new(
                            start,
                            end,
                            format!("The number {word} is too large."),
                        ))
                    }
                }
            } else {
                TokenKind::Word(word.to_string())
            };
            tokens.push(Token { kind, start, end });
            continue;
        }
        return Err(Problem::new(
            start,
            start + c.len_utf8(),
            format!("The character `{c}` does not belong here."),
        ));
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|token| token.kind)
            .collect()
    }

    #[test]
    fn calls_and_packets_split_into_words_numbers_strings_and_punctuation() {
        assert_eq!(
            kinds("send(\"hi\\n\")"),
            vec![
                TokenKind::Word("send".into()),
                TokenKind::Punct('('),
                TokenKind::Bytes(b"hi\n".to_vec()),
                TokenKind::Punct(')'),
            ]
        );
        assert_eq!(
            kinds("server > client S. seq 0 ack ..."),
            vec![
                TokenKind::Word("server".into()),
                TokenKind::Punct('>'),
                TokenKind::Word("client".into()),
                TokenKind::Word("S.".into()),
                TokenKind::Word("seq".into()),
                TokenKind::Number(0),
                TokenKind::Word("ack".into()),
                TokenKind::Word("...".into()),
            ]
        );
        let tokens = tokenize("bind( echo )").unwrap();
        assert_eq!((tokens[2].start, tokens[2].end), (6, 10));
    }

    #[test]
    fn bad_strings_and_characters_are_located() {
        assert_eq!(tokenize("send(\"hi").unwrap_err().start, 5);
        assert_eq!(tokenize("send(\"\\q\")").unwrap_err().start, 6);
        assert_eq!(tokenize("recv(1024) ;").unwrap_err().start, 11);
        assert!(tokenize("99999999999999999999999").is_err());
    }
}
