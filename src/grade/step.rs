//! One step of the role socklab plays against a submission, written as a short line:
//! `accept`, `connect`, `send "hello\n"`, `recv`, `recv line`, `recv 5`, `recv eof`, `shutdown`,
//! `close`, `sendto "ping"`, `recvfrom`, `pause 100`.

use super::bytes_text::escaped;
use std::fmt;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// TCP server: wait for the submission to connect.
    Accept,
    /// TCP client: connect to the submission's port, once it listens (or gives up waiting).
    Connect,
    /// TCP: send these bytes, then wait until they are acknowledged.
    Send(Vec<u8>),
    /// TCP: read from the connection.
    Recv(RecvUntil),
    /// TCP: shutdown(SHUT_WR): send our FIN but keep reading.
    Shutdown,
    /// TCP: close the connection (FIN), waiting for the FIN to be acknowledged.
    Close,
    /// UDP: one datagram to the submission.
    SendTo(Vec<u8>),
    /// UDP: wait for one datagram from the submission.
    RecvFrom,
    /// Wait on purpose: a slow peer, so the submission sees data arrive in separate pieces.
    Pause(Duration),
}

/// How much a `recv` step reads before it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvUntil {
    /// Whatever one read returns (at least one byte).
    Any,
    /// Up to and including a newline.
    Line,
    /// Exactly this many bytes.
    Bytes(usize),
    /// Until the submission's FIN (end of stream).
    Eof,
}

/// The longest `pause` a step may ask for.
pub const MAX_PAUSE: Duration = Duration::from_secs(5);

/// A step could not be read: what is wrong, and where in the step's text (byte offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepError {
    pub offset: usize,
    pub message: String,
}

impl Step {
    pub fn parse(text: &str) -> Result<Step, StepError> {
        let trimmed_start = text.len() - text.trim_start().len();
        let body = text.trim();
        let (word, rest) = match body.find(char::is_whitespace) {
            Some(cut) => (&body[..cut], body[cut..].trim_start()),
            None => (body, ""),
        };
        let rest_offset = trimmed_start + (body.len() - rest.len());
        let no_argument = |step: Step| {
            if rest.is_empty() {
                Ok(step)
            } else {
                Err(StepError {
                    offset: rest_offset,
                    message: format!("`{word}` takes no argument, but `{rest}` follows it"),
                })
            }
        };
        match word {
            "accept" => no_argument(Step::Accept),
            "connect" => no_argument(Step::Connect),
            "shutdown" => no_argument(Step::Shutdown),
            "close" => no_argument(Step::Close),
            "recvfrom" => no_argument(Step::RecvFrom),
            "send" => quoted(rest, rest_offset).map(Step::Send),
            "sendto" => quoted(rest, rest_offset).map(Step::SendTo),
            "recv" => match rest {
                "" => Ok(Step::Recv(RecvUntil::Any)),
                "line" => Ok(Step::Recv(RecvUntil::Line)),
                "eof" => Ok(Step::Recv(RecvUntil::Eof)),
                count => match count.parse::<usize>() {
                    Ok(n) if (1..=65536).contains(&n) => Ok(Step::Recv(RecvUntil::Bytes(n))),
                    _ => Err(StepError {
                        offset: rest_offset,
                        message: format!(
                            "`recv` reads `line`, `eof`, or a byte count from 1 to 65536, not `{count}`"
                        ),
                    }),
                },
            },
            "pause" => match rest.trim_end_matches("ms").trim().parse::<u64>() {
                Ok(ms) if Duration::from_millis(ms) <= MAX_PAUSE => {
                    Ok(Step::Pause(Duration::from_millis(ms)))
                }
                _ => Err(StepError {
                    offset: rest_offset,
                    message: format!(
                        "`pause` takes milliseconds, at most {}, not `{rest}`",
                        MAX_PAUSE.as_millis()
                    ),
                }),
            },
            "" => Err(StepError {
                offset: 0,
                message: "an empty step".to_string(),
            }),
            other => Err(StepError {
                offset: trimmed_start,
                message: format!(
                    "unknown step `{other}`; steps are accept, connect, send \"…\", recv [line|eof|N], \
                     shutdown, close, sendto \"…\", recvfrom, pause MS"
                ),
            }),
        }
    }

    /// The protocol a step belongs to, to check it against the peer's kind.
    pub fn is_tcp(&self) -> bool {
        matches!(
            self,
            Step::Accept
                | Step::Connect
                | Step::Send(_)
                | Step::Recv(_)
                | Step::Shutdown
                | Step::Close
        )
    }

    pub fn is_udp(&self) -> bool {
        matches!(self, Step::SendTo(_) | Step::RecvFrom)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Accept => f.write_str("accept"),
            Step::Connect => f.write_str("connect"),
            Step::Send(bytes) => write!(f, "send {}", escaped(bytes)),
            Step::Recv(RecvUntil::Any) => f.write_str("recv"),
            Step::Recv(RecvUntil::Line) => f.write_str("recv line"),
            Step::Recv(RecvUntil::Eof) => f.write_str("recv eof"),
            Step::Recv(RecvUntil::Bytes(n)) => write!(f, "recv {n}"),
            Step::Shutdown => f.write_str("shutdown"),
            Step::Close => f.write_str("close"),
            Step::SendTo(bytes) => write!(f, "sendto {}", escaped(bytes)),
            Step::RecvFrom => f.write_str("recvfrom"),
            Step::Pause(duration) => write!(f, "pause {}", duration.as_millis()),
        }
    }
}

/// A double-quoted string with C escapes (\n \r \t \0 \\ \" \xHH), and nothing after it.
fn quoted(text: &str, offset: usize) -> Result<Vec<u8>, StepError> {
    let error = |at: usize, message: String| StepError {
        offset: offset + at,
        message,
    };
    let Some(inner) = text.strip_prefix('"') else {
        return Err(error(
            0,
            "expected the bytes to send in double quotes, such as \"hello\\n\"".to_string(),
        ));
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((index, ch)) = chars.next() {
        let at = index + 1;
        match ch {
            '"' => {
                let after = inner[index + 1..].trim();
                if !after.is_empty() {
                    return Err(error(
                        at + 1,
                        format!("unexpected `{after}` after the closing quote"),
                    ));
                }
                return Ok(bytes);
            }
            '\\' => {
                let Some((_, escape)) = chars.next() else {
                    break;
                };
                match escape {
                    'n' => bytes.push(b'\n'),
                    'r' => bytes.push(b'\r'),
                    't' => bytes.push(b'\t'),
                    '0' => bytes.push(0),
                    '\\' => bytes.push(b'\\'),
                    '"' => bytes.push(b'"'),
                    'x' => {
                        let high = chars.next().and_then(|(_, c)| c.to_digit(16));
                        let low = chars.next().and_then(|(_, c)| c.to_digit(16));
                        match (high, low) {
                            (Some(high), Some(low)) => bytes.push((high * 16 + low) as u8),
                            _ => {
                                return Err(error(
                                    at,
                                    "\\x needs two hex digits, such as \\x0a".to_string(),
                                ))
                            }
                        }
                    }
                    other => {
                        return Err(error(
                            at,
                            format!(
                                "unknown escape \\{other}; use \\n \\r \\t \\0 \\\\ \\\" or \\xHH"
                            ),
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
    Err(error(
        text.len(),
        "the quoted bytes have no closing quote".to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_reads_and_prints_back() {
        for (text, step) in [
            ("accept", Step::Accept),
            ("connect", Step::Connect),
            ("send \"hello\\n\"", Step::Send(b"hello\n".to_vec())),
            ("recv", Step::Recv(RecvUntil::Any)),
            ("recv line", Step::Recv(RecvUntil::Line)),
            ("recv eof", Step::Recv(RecvUntil::Eof)),
            ("recv 5", Step::Recv(RecvUntil::Bytes(5))),
            ("shutdown", Step::Shutdown),
            ("close", Step::Close),
            ("sendto \"a\\0b\"", Step::SendTo(b"a\0b".to_vec())),
            ("recvfrom", Step::RecvFrom),
            ("pause 100", Step::Pause(Duration::from_millis(100))),
        ] {
            assert_eq!(Step::parse(text), Ok(step.clone()), "{text}");
            assert_eq!(step.to_string(), text);
        }
        assert_eq!(
            Step::parse("  send \"你好\"  "),
            Ok(Step::Send("你好".as_bytes().to_vec()))
        );
    }

    #[test]
    fn mistakes_point_at_the_offending_part() {
        let error = Step::parse("sned \"x\"").unwrap_err();
        assert_eq!(error.offset, 0);
        assert!(error.message.contains("unknown step `sned`"), "{error:?}");

        let error = Step::parse("send \"abc").unwrap_err();
        assert!(error.message.contains("no closing quote"), "{error:?}");

        let error = Step::parse("send \"a\\qb\"").unwrap_err();
        assert_eq!(error.offset, 7);
        assert!(error.message.contains("unknown escape \\q"), "{error:?}");

        let error = Step::parse("close now").unwrap_err();
        assert_eq!(error.offset, 6);

        assert!(Step::parse("recv -1").is_err());
        assert!(Step::parse("pause 99999").is_err());
        assert!(Step::parse("send hello").is_err());
        assert!(Step::parse("send \"a\" b").is_err());
        assert!(Step::parse("").is_err());
    }
}
