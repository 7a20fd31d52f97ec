//! The `call` of a lesson step, parsed: `listen(1)`, `connect(server)`, `send("hello")`, `send(1000 bytes)`,
//! `sendto("ping", server)`, `recvfrom(MSG_DONTWAIT)`, `shutdown(WR)`, `setsockopt(SO_LINGER, 0)`, ...
//!
//! Parentheses may be left out (`send "hello"`, `shutdown WR`). Actor names stay names here; the validator
//! resolves them.

use super::lexer::{tokenize, Problem, Token, TokenKind};
use super::model::{Payload, PortArg, ShutdownHow, SocketOption};

/// The largest payload or buffer a lesson may ask for.
pub(crate) const MAX_BYTES: u64 = 65_536;

/// An actor name inside a call, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NameRef {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParsedAction {
    Socket,
    Bind(PortArg),
    Listen(u32),
    Connect(NameRef),
    Accept,
    Send(Payload),
    Recv(usize),
    SendTo(Payload, NameRef),
    RecvFrom { capacity: usize, dontwait: bool },
    Shutdown(ShutdownHow),
    Close { listener: bool },
    SetOption(SocketOption),
}

pub(crate) const CALLS: [&str; 12] = [
    "socket",
    "bind",
    "listen",
    "connect",
    "accept",
    "send",
    "recv",
    "sendto",
    "recvfrom",
    "shutdown",
    "close",
    "setsockopt",
];

/// Parses a call; a problem's offsets are byte offsets within `text`.
pub(crate) fn parse_call(text: &str) -> Result<ParsedAction, Problem> {
    let tokens = tokenize(text)?;
    let Some(first) = tokens.first() else {
        return Err(Problem::new(
            0,
            text.len(),
            format!("The call is empty; write one of: {}.", CALLS.join(", ")),
        ));
    };
    let TokenKind::Word(name) = &first.kind else {
        return Err(Problem::at(
            first,
            "A call starts with its name, such as connect or send.",
        ));
    };
    if !CALLS.contains(&name.as_str()) {
        let hint = match closest(name, &CALLS) {
            Some(close) => format!(" Did you mean `{close}`?"),
            None => String::new(),
        };
        return Err(Problem::at(
            first,
            format!(
                "There is no call named `{name}`.{hint} The calls are: {}.",
                CALLS.join(", ")
            ),
        ));
    }
    let args = arguments(text, &tokens[1..])?;
    let call = Call {
        name,
        args,
        whole: (first.start, text.len()),
    };
    match name.as_str() {
        "socket" => call.none().map(|()| ParsedAction::Socket),
        "bind" => call.one().and_then(port).map(ParsedAction::Bind),
        "listen" => {
            let arg = call.one()?;
            let backlog = number(arg, "the backlog", 0, 4096)?;
            Ok(ParsedAction::Listen(backlog as u32))
        }
        "connect" => call.one().and_then(name_ref).map(ParsedAction::Connect),
        "accept" => call.none().map(|()| ParsedAction::Accept),
        "send" => call.one().and_then(payload).map(ParsedAction::Send),
        "recv" => match call.args.as_slice() {
            [] => Ok(ParsedAction::Recv(1024)),
            [arg] => Ok(ParsedAction::Recv(
                number(arg, "the buffer size", 1, MAX_BYTES)? as usize,
            )),
            _ => Err(call.too_many(1)),
        },
        "sendto" => match call.args.as_slice() {
            [data, to] => Ok(ParsedAction::SendTo(payload(data)?, name_ref(to)?)),
            _ => Err(call.wrong_count("two arguments: the data and the actor to send to, as in sendto(\"ping\", server)")),
        },
        "recvfrom" => {
            let mut capacity = 1024;
            let mut dontwait = false;
            if call.args.len() > 2 {
                return Err(call.too_many(2));
            }
            for arg in &call.args {
                match arg.tokens.as_slice() {
                    [Token {
                        kind: TokenKind::Word(word),
                        ..
                    }] if word == "MSG_DONTWAIT" => dontwait = true,
                    [Token {
                        kind: TokenKind::Number(_),
                        ..
                    }] => capacity = number(arg, "the buffer size", 1, MAX_BYTES)? as usize,
                    _ => {
                        return Err(arg.problem(
                            "`recvfrom` takes a buffer size and/or MSG_DONTWAIT, as in recvfrom(1024, MSG_DONTWAIT).",
                        ))
                    }
                }
            }
            Ok(ParsedAction::RecvFrom { capacity, dontwait })
        }
        "shutdown" => {
            let arg = call.one()?;
            let how = match arg.word() {
                Some("WR" | "SHUT_WR") => ShutdownHow::Write,
                Some("RD" | "SHUT_RD") => ShutdownHow::Read,
                Some("RDWR" | "SHUT_RDWR") => ShutdownHow::Both,
                _ => {
                    return Err(arg.problem(
                        "`shutdown` takes WR (stop sending), RD (stop receiving) or RDWR (both).",
                    ))
                }
            };
            Ok(ParsedAction::Shutdown(how))
        }
        "close" => match call.args.as_slice() {
            [] => Ok(ParsedAction::Close { listener: false }),
            [arg] if arg.word() == Some("listener") => Ok(ParsedAction::Close { listener: true }),
            [arg] => Err(arg.problem(
                "`close` takes no argument, or `listener` to close the listening socket rather than the connection.",
            )),
            _ => Err(call.too_many(1)),
        },
        "setsockopt" => match call.args.as_slice() {
            [option, value] => socket_option(option, value).map(ParsedAction::SetOption),
            _ => Err(call.wrong_count(
                "two arguments: the option and its value, as in setsockopt(SO_LINGER, 0)",
            )),
        },
        _ => Err(Problem::at(first, "This call is not supported.")),
    }
}

/// One comma-separated argument: its tokens and where it was written.
struct Arg {
    tokens: Vec<Token>,
    start: usize,
    end: usize,
}

impl Arg {
    fn problem(&self, message: impl Into<String>) -> Problem {
        Problem::new(self.start, self.end, message)
    }

    fn word(&self) -> Option<&str> {
        match self.tokens.as_slice() {
            [Token {
                kind: TokenKind::Word(word),
                ..
            }] => Some(word),
            _ => None,
        }
    }
}

struct Call<'a> {
    name: &'a str,
    args: Vec<Arg>,
    whole: (usize, usize),
}

impl Call<'_> {
    fn none(&self) -> Result<(), Problem> {
        match self.args.first() {
            None => Ok(()),
            Some(arg) => Err(arg.problem(format!("`{}` takes no arguments.", self.name))),
        }
    }

    fn one(&self) -> Result<&Arg, Problem> {
        match self.args.as_slice() {
            [arg] => Ok(arg),
            [] => Err(Problem::new(
                self.whole.0,
                self.whole.1,
                format!(
                    "`{}` needs an argument, as in {}.",
                    self.name,
                    example(self.name)
                ),
            )),
            _ => Err(self.too_many(1)),
        }
    }

    fn too_many(&self, allowed: usize) -> Problem {
        let extra = &self.args[allowed.min(self.args.len().saturating_sub(1))..];
        let start = extra.first().map_or(self.whole.0, |arg| arg.start);
        let end = extra.last().map_or(self.whole.1, |arg| arg.end);
        Problem::new(
            start,
            end,
            format!(
                "`{}` takes at most {allowed} argument{}, as in {}.",
                self.name,
                if allowed == 1 { "" } else { "s" },
                example(self.name)
            ),
        )
    }

    fn wrong_count(&self, wanted: &str) -> Problem {
        Problem::new(
            self.whole.0,
            self.whole.1,
            format!("`{}` takes {wanted}.", self.name),
        )
    }
}

fn example(call: &str) -> &'static str {
    match call {
        "bind" => "bind(0), bind(8080) or bind(echo)",
        "listen" => "listen(1)",
        "connect" => "connect(server)",
        "send" => "send(\"hello\") or send(1000 bytes)",
        "recv" => "recv(1024)",
        "shutdown" => "shutdown(WR)",
        "close" => "close() or close(listener)",
        "recvfrom" => "recvfrom(1024, MSG_DONTWAIT)",
        _ => "the README's list of calls",
    }
}

/// Splits the tokens after the call's name into arguments: `(a, b)` or `a, b`.
fn arguments(text: &str, tokens: &[Token]) -> Result<Vec<Arg>, Problem> {
    let inner = match tokens.first() {
        Some(Token {
            kind: TokenKind::Punct('('),
            ..
        }) => {
            let Some(close) = tokens
                .iter()
                .position(|token| token.kind == TokenKind::Punct(')'))
            else {
                return Err(Problem::new(
                    tokens[0].start,
                    text.len(),
                    "This `(` is never closed by a `)`.",
                ));
            };
            if let Some(after) = tokens.get(close + 1) {
                return Err(Problem::new(
                    after.start,
                    text.len(),
                    "Nothing may follow the closing `)` of a call.",
                ));
            }
            &tokens[1..close]
        }
        _ => tokens,
    };
    let mut args = Vec::new();
    for group in inner.split(|token| token.kind == TokenKind::Punct(',')) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            if inner.is_empty() {
                break;
            }
            let at = inner.first().map_or(0, |token| token.start);
            return Err(Problem::new(
                at,
                text.len(),
                "An argument is missing between two commas.",
            ));
        };
        if let Some(bad) = group
            .iter()
            .find(|token| matches!(token.kind, TokenKind::Punct(_)))
        {
            return Err(Problem::at(
                bad,
                "This character does not belong in an argument.",
            ));
        }
        args.push(Arg {
            tokens: group.to_vec(),
            start: first.start,
            end: last.end,
        });
    }
    Ok(args)
}

fn number(arg: &Arg, what: &str, min: u64, max: u64) -> Result<u64, Problem> {
    match arg.tokens.as_slice() {
        [Token {
            kind: TokenKind::Number(value),
            ..
        }] if (min..=max).contains(value) => Ok(*value),
        [Token {
            kind: TokenKind::Number(value),
            ..
        }] => Err(arg.problem(format!(
            "{} must be between {min} and {max}, not {value}.",
            capitalize(what)
        ))),
        _ => Err(arg.problem(format!("{} must be a number.", capitalize(what)))),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn port(arg: &Arg) -> Result<PortArg, Problem> {
    match arg.tokens.as_slice() {
        [Token {
            kind: TokenKind::Number(0),
            ..
        }] => Ok(PortArg::Ephemeral),
        [Token {
            kind: TokenKind::Number(port),
            ..
        }] => u16::try_from(*port)
            .map(PortArg::Literal)
            .map_err(|_| arg.problem(format!("A port is a number from 0 to 65535, not {port}."))),
        [Token {
            kind: TokenKind::Word(name),
            ..
        }] if is_name(name) => Ok(PortArg::Named(name.clone())),
        _ => Err(arg.problem(
            "`bind` takes a port: 0 (the kernel picks one), a number, or a name such as `echo` (the kernel picks one the first time, and later binds of the name ask for the same port).",
        )),
    }
}

/// Lower-case letters, digits and hyphens, starting with a letter.
pub(crate) fn is_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

fn name_ref(arg: &Arg) -> Result<NameRef, Problem> {
    match arg.tokens.as_slice() {
        [Token {
            kind: TokenKind::Word(name),
            start,
            end,
        }] => Ok(NameRef {
            name: name.clone(),
            start: *start,
            end: *end,
        }),
        _ => Err(arg.problem("Name the actor to talk to, as in connect(server).")),
    }
}

fn payload(arg: &Arg) -> Result<Payload, Problem> {
    match arg.tokens.as_slice() {
        [Token {
            kind: TokenKind::Bytes(bytes),
            ..
        }] if bytes.is_empty() => Err(arg.problem("There is nothing to send in an empty string.")),
        [Token {
            kind: TokenKind::Bytes(bytes),
            ..
        }] => Ok(Payload {
            bytes: bytes.clone(),
            quoted: true,
        }),
        [Token {
            kind: TokenKind::Number(count),
            ..
        }, Token {
            kind: TokenKind::Word(unit),
            ..
        }] if matches!(unit.as_str(), "bytes" | "byte" | "B") => {
            if !(1..=MAX_BYTES).contains(count) {
                return Err(arg.problem(format!(
                    "A lesson sends from 1 to {MAX_BYTES} bytes at once, not {count}."
                )));
            }
            // Printable filler, so a learner can read it in a capture: "abcdefghij..." repeating.
            let bytes = (0..*count).map(|index| b'a' + (index % 26) as u8).collect();
            Ok(Payload {
                bytes,
                quoted: false,
            })
        }
        _ => Err(arg
            .problem("Write the data as quoted text (\"hello\") or as a byte count (1000 bytes).")),
    }
}

fn socket_option(option: &Arg, value: &Arg) -> Result<SocketOption, Problem> {
    let parsed = match option.word() {
        Some("SO_LINGER") => SocketOption::LingerZero,
        Some("TCP_NODELAY") => SocketOption::NoDelay,
        Some("SO_REUSEADDR") => SocketOption::ReuseAddr,
        Some("TCP_QUICKACK") => SocketOption::QuickAck,
        _ => {
            return Err(option.problem(
                "The socket options a lesson can set are SO_LINGER, TCP_NODELAY, SO_REUSEADDR and TCP_QUICKACK.",
            ))
        }
    };
    let wanted = if parsed == SocketOption::LingerZero {
        0
    } else {
        1
    };
    match value.tokens.as_slice() {
        [Token {
            kind: TokenKind::Number(number),
            ..
        }] if *number == wanted => Ok(parsed),
        _ if parsed == SocketOption::LingerZero => Err(value.problem(
            "Only SO_LINGER 0 is supported: a linger time of zero makes close() abort the connection with RST.",
        )),
        _ => Err(value.problem(format!(
            "{} is switched on with the value 1.",
            parsed.c_name()
        ))),
    }
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedAction {
        parse_call(text).unwrap_or_else(|problem| panic!("{text}: {}", problem.message))
    }

    fn problem(text: &str) -> (String, String) {
        let problem = parse_call(text).unwrap_err();
        (
            text[problem.start..problem.end].to_string(),
            problem.message,
        )
    }

    #[test]
    fn every_call_parses_with_and_without_parentheses() {
        assert_eq!(parse("socket"), ParsedAction::Socket);
        assert_eq!(parse("bind(0)"), ParsedAction::Bind(PortArg::Ephemeral));
        assert_eq!(
            parse("bind(8080)"),
            ParsedAction::Bind(PortArg::Literal(8080))
        );
        assert_eq!(
            parse("bind echo"),
            ParsedAction::Bind(PortArg::Named("echo".into()))
        );
        assert_eq!(parse("listen(5)"), ParsedAction::Listen(5));
        assert!(
            matches!(parse("connect(server)"), ParsedAction::Connect(NameRef { ref name, start: 8, end: 14 }) if name == "server")
        );
        assert_eq!(parse("accept()"), ParsedAction::Accept);
        assert_eq!(
            parse("send \"hi\""),
            ParsedAction::Send(Payload {
                bytes: b"hi".to_vec(),
                quoted: true
            })
        );
        match parse("send(30 bytes)") {
            ParsedAction::Send(payload) => {
                assert_eq!(payload.bytes.len(), 30);
                assert!(payload.bytes.starts_with(b"abcdefghijklmnopqrstuvwxyzabcd"));
                assert!(!payload.quoted);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse("recv"), ParsedAction::Recv(1024));
        assert_eq!(parse("recv(16)"), ParsedAction::Recv(16));
        assert!(matches!(
            parse("sendto(\"ping\", server)"),
            ParsedAction::SendTo(_, _)
        ));
        assert_eq!(
            parse("recvfrom(MSG_DONTWAIT)"),
            ParsedAction::RecvFrom {
                capacity: 1024,
                dontwait: true
            }
        );
        assert_eq!(
            parse("shutdown(WR)"),
            ParsedAction::Shutdown(ShutdownHow::Write)
        );
        assert_eq!(
            parse("close(listener)"),
            ParsedAction::Close { listener: true }
        );
        assert_eq!(
            parse("setsockopt(SO_LINGER, 0)"),
            ParsedAction::SetOption(SocketOption::LingerZero)
        );
        assert_eq!(
            parse("setsockopt(TCP_QUICKACK, 1)"),
            ParsedAction::SetOption(SocketOption::QuickAck)
        );
    }

    #[test]
    fn mistakes_point_at_the_offending_part() {
        let (at, message) = problem("lisen(1)");
        assert_eq!(at, "lisen");
        assert!(message.contains("Did you mean `listen`?"), "{message}");
        let (at, message) = problem("listen(x)");
        assert_eq!(at, "x");
        assert!(message.contains("must be a number"), "{message}");
        let (at, _) = problem("bind(70000)");
        assert_eq!(at, "70000");
        let (at, message) = problem("setsockopt(SO_LINGER, 5)");
        assert_eq!(at, "5");
        assert!(message.contains("Only SO_LINGER 0"), "{message}");
        let (at, _) = problem("connect(server, client)");
        assert_eq!(at, "client");
        let (at, message) = problem("listen");
        assert_eq!(at, "listen");
        assert!(message.contains("needs an argument"), "{message}");
        let (at, _) = problem("send(\"a\") x");
        assert_eq!(at, "x");
        let (_, message) = problem("");
        assert!(message.contains("empty"));
    }

    #[test]
    fn typos_find_their_nearest_call() {
        assert_eq!(closest("conect", &CALLS), Some("connect"));
        assert_eq!(closest("zzzzzz", &CALLS), None);
    }
}
