//! Zeek's connection `history` string, kept inline so recording a letter never allocates.
//!
//! Letters (<https://docs.zeek.org/en/master/scripts/base/protocols/conn/main.zeek.html>):
//! S SYN without ACK, H SYN-ACK, A pure ACK, D payload, F FIN, R RST, T retransmitted payload,
//! W zero window, I FIN+RST, Q SYN with FIN or RST, ^ direction flipped. Upper case when the
//! originator (client) sent it, lower case for the responder (server).
//!
//! Simplification, documented: each letter is recorded at most once per direction. Zeek repeats
//! S/H/F/R when the sequence number differs and C/T/W on each power of ten; a lesson needs only
//! "did this happen", and the bound keeps the history within [`CAPACITY`] bytes.

use super::annotation::Role;

/// Nine slots per direction (S and H share one) plus '^'.
const CAPACITY: usize = 19;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Letter {
    Syn,
    SynAck,
    Ack,
    Data,
    Fin,
    Rst,
    Retransmission,
    ZeroWindow,
    FinRst,
    MultiFlag,
}

impl Letter {
    fn upper(self) -> u8 {
        match self {
            Letter::Syn => b'S',
            Letter::SynAck => b'H',
            Letter::Ack => b'A',
            Letter::Data => b'D',
            Letter::Fin => b'F',
            Letter::Rst => b'R',
            Letter::Retransmission => b'T',
            Letter::ZeroWindow => b'W',
            Letter::FinRst => b'I',
            Letter::MultiFlag => b'Q',
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct History {
    letters: [u8; CAPACITY],
    len: u8,
    /// The letters already in `letters`, one bit each (see [`bit`]): every packet records a
    /// letter, and nearly always one already there, so that test must be cheap.
    seen: u32,
}

/// The bit of `letter` from `from` in [`History::seen`]. S and H share one bit per direction.
fn bit(from: Role, letter: Letter) -> u32 {
    let slot = match letter {
        Letter::Syn | Letter::SynAck => 0,
        Letter::Ack => 1,
        Letter::Data => 2,
        Letter::Fin => 3,
        Letter::Rst => 4,
        Letter::Retransmission => 5,
        Letter::ZeroWindow => 6,
        Letter::FinRst => 7,
        Letter::MultiFlag => 8,
    };
    let direction = match from {
        Role::Client => 0,
        Role::Server => 1,
    };
    1 << (slot * 2 + direction)
}

/// The bit of '^', after every letter's.
const FLIP_BIT: u32 = 1 << 18;

impl History {
    /// Records `letter` from `from`, unless that direction already has it. As in Zeek, S and H
    /// share one "SYN seen" slot per direction.
    pub fn record(&mut self, from: Role, letter: Letter) {
        let bit = bit(from, letter);
        if self.seen & bit != 0 {
            return;
        }
        let byte = match from {
            Role::Client => letter.upper(),
            Role::Server => letter.upper().to_ascii_lowercase(),
        };
        self.push(byte, bit);
    }

    /// Zeek's '^': the roles were swapped from "sender of the first packet" (a SYN-ACK came first).
    pub fn record_flip(&mut self) {
        if self.seen & FLIP_BIT == 0 {
            self.push(b'^', FLIP_BIT);
        }
    }

    fn push(&mut self, byte: u8, bit: u32) {
        if let Some(slot) = self.letters.get_mut(self.len as usize) {
            *slot = byte;
            self.len += 1;
            self.seen |= bit;
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever pushed.
        std::str::from_utf8(&self.letters[..self.len as usize]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_follows_direction_and_letters_are_kept_once() {
        let mut history = History::default();
        history.record(Role::Client, Letter::Syn);
        history.record(Role::Server, Letter::SynAck);
        history.record(Role::Client, Letter::Ack);
        history.record(Role::Client, Letter::Data);
        history.record(Role::Server, Letter::Ack);
        history.record(Role::Client, Letter::Data);
        history.record(Role::Server, Letter::Data);
        history.record(Role::Client, Letter::Fin);
        history.record(Role::Server, Letter::Fin);
        history.record(Role::Client, Letter::Ack);
        assert_eq!(history.as_str(), "ShADadFf");
    }

    #[test]
    fn syn_and_syn_ack_share_a_slot() {
        let mut history = History::default();
        history.record(Role::Client, Letter::Syn);
        history.record(Role::Client, Letter::SynAck);
        history.record_flip();
        history.record_flip();
        assert_eq!(history.as_str(), "S^");
    }

    #[test]
    fn every_letter_in_both_directions_fits() {
        let letters = [
            Letter::Syn,
            Letter::Ack,
            Letter::Data,
            Letter::Fin,
            Letter::Rst,
            Letter::Retransmission,
            Letter::ZeroWindow,
            Letter::FinRst,
            Letter::MultiFlag,
        ];
        let mut history = History::default();
        history.record_flip();
        for letter in letters {
            history.record(Role::Client, letter);
            history.record(Role::Server, letter);
        }
        assert_eq!(history.as_str(), "^SsAaDdFfRrTtWwIiQq");
    }
}
