//! An expected packet, written as packetdrill and tcpdump write them:
//!
//! ```text
//! client > server S seq 0                  a SYN (no other flag), any ack
//! server > client S. seq 0 ack 1           SYN-ACK with relative seq 0 and ack 1
//! client > server P. seq 1 ack 1 len 5     5 bytes of data with PSH and ACK
//! server > client . ack ... optional       a bare ACK, any ack number, which may not come
//! client > server udp len 4                a 4-byte datagram
//! server > client icmp port-unreachable
//! ```
//!
//! Flags: S (SYN), F (FIN), R (RST), P (PSH), `.` (ACK); a letter followed by `?` may or may not be set;
//! every other of these five must be clear (ECN and URG are ignored). Numbers are relative (0 is the ISN);
//! `...` accepts any value. A TCP packet without `len` carries no data; a datagram without `len` any.

use super::action::NameRef;
use super::lexer::{tokenize, Problem, Token, TokenKind};
use super::model::PacketKind;
use crate::decode::TcpFlags;

/// The five flags a pattern speaks about.
pub(crate) const MEANINGFUL: u16 =
    TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST | TcpFlags::PSH | TcpFlags::ACK;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedPacket {
    pub from: NameRef,
    pub to: NameRef,
    pub kind: PacketKind,
    /// Where the kind (flags, `udp`, `icmp`) was written.
    pub kind_at: (usize, usize),
    pub seq: Option<u32>,
    pub ack: Option<u32>,
    pub len: Option<u32>,
    pub optional: bool,
}

const SHAPE: &str = "A packet is written `from > to` and then its flags (S, F, R, P and . for ACK), `udp` or `icmp port-unreachable`, as in `client > server S. seq 1 ack 1 len 5`.";

pub(crate) fn parse_packet(text: &str) -> Result<ParsedPacket, Problem> {
    let tokens = tokenize(text)?;
    let mut at = tokens.iter();
    let from = endpoint(at.next(), text, "who sends the packet")?;
    match at.next() {
        Some(Token {
            kind: TokenKind::Punct('>'),
            ..
        }) => {}
        Some(other) => return Err(Problem::at(other, format!("Expected `>` here. {SHAPE}"))),
        None => return Err(Problem::new(0, text.len(), SHAPE)),
    }
    let to = endpoint(at.next(), text, "who receives it")?;
    let Some(kind_token) = at.next() else {
        return Err(Problem::new(
            0,
            text.len(),
            format!("The packet has no flags or kind. {SHAPE}"),
        ));
    };
    let TokenKind::Word(kind_word) = &kind_token.kind else {
        return Err(Problem::at(kind_token, SHAPE));
    };
    let kind = match kind_word.as_str() {
        "udp" => PacketKind::Udp,
        "icmp" => {
            match at.next() {
                Some(Token {
                    kind: TokenKind::Word(word),
                    ..
                }) if word == "port-unreachable" => {}
                Some(other) => {
                    return Err(Problem::at(
                        other,
                        "The only ICMP message a lesson expects is `icmp port-unreachable`.",
                    ))
                }
                None => {
                    return Err(Problem::at(
                        kind_token,
                        "Say which ICMP message: `icmp port-unreachable`.",
                    ))
                }
            }
            PacketKind::IcmpPortUnreachable
        }
        flags => tcp_flags(flags, kind_token)?,
    };
    let mut packet = ParsedPacket {
        from,
        to,
        kind,
        kind_at: (kind_token.start, kind_token.end),
        seq: None,
        ack: None,
        len: match kind {
            PacketKind::Tcp { .. } => Some(0),
            _ => None,
        },
        optional: false,
    };
    let mut given: Vec<&str> = Vec::new();
    let rest: Vec<&Token> = at.collect();
    let mut index = 0;
    while let Some(token) = rest.get(index) {
        let TokenKind::Word(word) = &token.kind else {
            if let (PacketKind::Udp, TokenKind::Number(_), 0) = (kind, &token.kind, index) {
                // `udp 4` is short for `udp len 4`.
                packet.len = Some(value(Some(token), "len")?.unwrap_or(0));
                given.push("len");
                index += 1;
                continue;
            }
            return Err(Problem::at(
                token,
                "Expected a field name here: seq, ack, len or optional.",
            ));
        };
        let field = word.as_str();
        match field {
            "optional" => {
                packet.optional = true;
                index += 1;
                continue;
            }
            "seq" | "ack" | "len" => {}
            _ => {
                return Err(Problem::at(
                    token,
                    format!("`{field}` is not a field of an expected packet; write seq, ack and len (each a number, or ... for any value), and optional for a packet that may not come."),
                ))
            }
        }
        if given.contains(&field) {
            return Err(Problem::at(token, format!("`{field}` is given twice.")));
        }
        given.push(field);
        if field != "len" && !matches!(kind, PacketKind::Tcp { .. }) {
            return Err(Problem::at(
                token,
                format!("Only TCP segments have `{field}` numbers."),
            ));
        }
        if field == "len" && kind == PacketKind::IcmpPortUnreachable {
            return Err(Problem::at(
                token,
                "An ICMP error's length is not checked; leave `len` out.",
            ));
        }
        let number = value(rest.get(index + 1).copied(), field).map_err(|problem| {
            if problem.start == usize::MAX {
                Problem::at(token, problem.message)
            } else {
                problem
            }
        })?;
        match field {
            "seq" => packet.seq = number,
            "ack" => packet.ack = number,
            _ => packet.len = number,
        }
        index += 2;
    }
    if let (PacketKind::Tcp { set, .. }, Some(_)) = (kind, packet.ack) {
        if set & TcpFlags::ACK == 0 {
            let at = rest
                .iter()
                .find(|token| token.kind == TokenKind::Word("ack".into()))
                .map_or(packet.kind_at, |token| (token.start, token.end));
            return Err(Problem::new(
                at.0,
                at.1,
                "This segment has no ACK flag (`.`), so its ack number means nothing; add `.` to the flags or leave `ack` out.",
            ));
        }
    }
    Ok(packet)
}

fn endpoint(token: Option<&Token>, text: &str, what: &str) -> Result<NameRef, Problem> {
    match token {
        Some(Token {
            kind: TokenKind::Word(name),
            start,
            end,
        }) => Ok(NameRef {
            name: name.clone(),
            start: *start,
            end: *end,
        }),
        Some(other) => Err(Problem::at(
            other,
            format!("Expected the actor {what}. {SHAPE}"),
        )),
        None => Err(Problem::new(0, text.len(), SHAPE)),
    }
}

/// A field's value: a number, or `...` for any (None). A missing value is reported at `usize::MAX`
/// so the caller can point at the field's name instead.
fn value(token: Option<&Token>, field: &str) -> Result<Option<u32>, Problem> {
    let Some(token) = token else {
        return Err(Problem::new(
            usize::MAX,
            usize::MAX,
            format!("`{field}` needs a value: a number, or ... for any value."),
        ));
    };
    match &token.kind {
        TokenKind::Number(number) => u32::try_from(*number).map(Some).map_err(|_| {
            Problem::at(
                token,
                format!("`{field}` is a 32-bit number; {number} is too large."),
            )
        }),
        TokenKind::Word(word) if word == "..." => Ok(None),
        _ => Err(Problem::at(
            token,
            format!("`{field}` takes a number, or ... for any value."),
        )),
    }
}

fn tcp_flags(word: &str, token: &Token) -> Result<PacketKind, Problem> {
    let mut set = 0u16;
    let mut maybe = 0u16;
    let mut chars = word.char_indices().peekable();
    if word == "..." {
        return Err(Problem::at(
            token,
            "Flags cannot be a wildcard; write them, as in S. or P.",
        ));
    }
    while let Some((offset, c)) = chars.next() {
        let bit = match c {
            'S' => TcpFlags::SYN,
            'F' => TcpFlags::FIN,
            'R' => TcpFlags::RST,
            'P' => TcpFlags::PSH,
            '.' => TcpFlags::ACK,
            _ => {
                let start = token.start + offset;
                return Err(Problem::new(
                    start,
                    start + c.len_utf8(),
                    format!("`{word}` is not a flags pattern: `{c}` is not a TCP flag. Flags are written S (SYN), F (FIN), R (RST), P (PSH) and . (ACK), with ? after a flag that may or may not be set; a datagram is `udp`."),
                ));
            }
        };
        if (set | maybe) & bit != 0 {
            let start = token.start + offset;
            return Err(Problem::new(
                start,
                start + 1,
                format!("`{word}` is not a flags pattern: `{c}` appears twice."),
            ));
        }
        if chars.next_if(|(_, next)| *next == '?').is_some() {
            maybe |= bit;
        } else {
            set |= bit;
        }
    }
    Ok(PacketKind::Tcp {
        set,
        clear: MEANINGFUL & !set & !maybe,
    })
}

/// The flags pattern as written: `S.`, `P?.`.
pub(crate) fn flags_text(set: u16, clear: u16) -> String {
    let mut text = String::new();
    for (bit, letter) in [
        (TcpFlags::SYN, 'S'),
        (TcpFlags::FIN, 'F'),
        (TcpFlags::RST, 'R'),
        (TcpFlags::PSH, 'P'),
        (TcpFlags::ACK, '.'),
    ] {
        if set & bit != 0 {
            text.push(letter);
        } else if clear & bit == 0 {
            text.push(letter);
            text.push('?');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedPacket {
        parse_packet(text).unwrap_or_else(|problem| panic!("{text}: {}", problem.message))
    }

    fn problem(text: &str) -> (String, String) {
        let problem = parse_packet(text).unwrap_err();
        (
            text[problem.start..problem.end].to_string(),
            problem.message,
        )
    }

    #[test]
    fn tcp_packets_give_flags_and_relative_numbers() {
        let syn_ack = parse("server > client S. seq 0 ack 1");
        assert_eq!(syn_ack.from.name, "server");
        assert_eq!(syn_ack.to.name, "client");
        assert_eq!(
            syn_ack.kind,
            PacketKind::Tcp {
                set: TcpFlags::SYN | TcpFlags::ACK,
                clear: TcpFlags::FIN | TcpFlags::RST | TcpFlags::PSH
            }
        );
        assert_eq!(
            (syn_ack.seq, syn_ack.ack, syn_ack.len),
            (Some(0), Some(1), Some(0))
        );
        let data = parse("client > server P?. seq ... ack 1 len 5 optional");
        assert_eq!(
            data.kind,
            PacketKind::Tcp {
                set: TcpFlags::ACK,
                clear: TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST
            }
        );
        assert_eq!(
            (data.seq, data.ack, data.len, data.optional),
            (None, Some(1), Some(5), true)
        );
        assert_eq!(
            flags_text(TcpFlags::ACK, TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST),
            "P?."
        );
        assert_eq!(parse("client > server . len ...").len, None);
    }

    #[test]
    fn datagrams_and_icmp_errors() {
        let udp = parse("client2 > server udp len 4");
        assert_eq!((udp.kind, udp.len), (PacketKind::Udp, Some(4)));
        assert_eq!(parse("client > server udp 4").len, Some(4));
        assert_eq!(parse("client > server udp").len, None);
        let icmp = parse("server > client icmp port-unreachable");
        assert_eq!(icmp.kind, PacketKind::IcmpPortUnreachable);
    }

    #[test]
    fn mistakes_point_at_the_offending_part() {
        let (at, message) = problem("client > server SX. seq 0");
        assert_eq!(at, "X");
        assert!(message.contains("is not a flags pattern"), "{message}");
        let (at, _) = problem("client server S");
        assert_eq!(at, "server");
        let (at, message) = problem("client > server S win 5");
        assert_eq!(at, "win");
        assert!(message.contains("not a field"), "{message}");
        let (at, message) = problem("client > server S seq");
        assert_eq!(at, "seq");
        assert!(message.contains("needs a value"), "{message}");
        let (at, _) = problem("client > server S seq 0 seq 1");
        assert_eq!(at, "seq");
        let (at, message) = problem("client > server S ack 1");
        assert_eq!(at, "ack");
        assert!(message.contains("no ACK flag"), "{message}");
        let (at, _) = problem("client > server udp seq 1");
        assert_eq!(at, "seq");
        let (at, _) = problem("client > server SS");
        assert_eq!(at, "S");
        let (at, _) = problem("client > server icmp echo");
        assert_eq!(at, "echo");
    }
}
