//! Stable output: the same run gives the same text every time, so lessons can be snapshot-tested.
//!
//! Live runs differ in ephemeral ports, initial sequence numbers and times. Relative sequence numbers
//! already hide the ISNs; [`StableNames`] hides the rest at the renderer: every socket address of the run
//! is shown by a name (`client:ephemeral`, `server:echo`), and wall-clock times give way to step numbers.

use std::fmt::Write as _;
use std::net::SocketAddr;

/// Names for the run's socket addresses, and the switch that turns a renderer's stable mode on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StableNames {
    names: Vec<(SocketAddr, String)>,
}

impl StableNames {
    pub fn new() -> Self {
        Self::default()
    }

    /// Names `address` (a later name for the same address replaces the earlier one).
    pub fn insert(&mut self, address: SocketAddr, name: impl Into<String>) {
        let name = name.into();
        match self.names.iter_mut().find(|(known, _)| *known == address) {
            Some(entry) => entry.1 = name,
            None => self.names.push((address, name)),
        }
    }

    /// The name of `address`, if it has one.
    pub fn name(&self, address: SocketAddr) -> Option<&str> {
        self.names
            .iter()
            .find(|(known, _)| *known == address)
            .map(|(_, name)| name.as_str())
    }

    /// The name of a port of the run, whatever the address.
    pub fn port_name(&self, port: u16) -> Option<&str> {
        self.names
            .iter()
            .find(|(known, _)| known.port() == port)
            .map(|(_, name)| name.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Writes `address` as its name, or as itself when it has none.
    pub fn write_address(&self, out: &mut String, address: SocketAddr) {
        match self.name(address) {
            Some(name) => out.push_str(name),
            None => {
                let _ = write!(out, "{address}");
            }
        }
    }

    /// Replaces every named address in `text` ("127.0.0.1:43210", "[::1]:43210") by its name, and every
    /// named port that follows the word "port" or "端口" ("port 43210") by its name too.
    pub fn rewrite(&self, text: &mut String) {
        if self.names.is_empty() {
            return;
        }
        let mut changed = false;
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        'scan: while !rest.is_empty() {
            for (address, name) in &self.names {
                let shown = address.to_string();
                if rest.starts_with(&shown) && !continues_number(&rest[shown.len()..]) {
                    out.push_str(name);
                    rest = &rest[shown.len()..];
                    changed = true;
                    continue 'scan;
                }
            }
            for word in ["port ", "端口 "] {
                if let Some(after) = rest.strip_prefix(word) {
                    let digits =
                        after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                    let name = after[..digits]
                        .parse::<u16>()
                        .ok()
                        .and_then(|port| self.port_name(port));
                    if let Some(name) = name {
                        out.push_str(word);
                        out.push_str(name);
                        rest = &after[digits..];
                        changed = true;
                        continue 'scan;
                    }
                }
            }
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
        if changed {
            *text = out;
        }
    }
}

/// True when `rest` starts with a digit: "127.0.0.1:4321" must not match inside "127.0.0.1:43210".
fn continues_number(rest: &str) -> bool {
    rest.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> StableNames {
        let mut names = StableNames::new();
        names.insert("127.0.0.1:43210".parse().unwrap(), "client:ephemeral");
        names.insert("[::1]:5000".parse().unwrap(), "server:echo");
        names
    }

    #[test]
    fn addresses_and_ports_after_the_word_port_are_named() {
        let mut text =
            "connect(127.0.0.1:43210) then [::1]:5000, nothing listens on port 5000 (端口 43210)"
                .to_string();
        names().rewrite(&mut text);
        assert_eq!(
            text,
            "connect(client:ephemeral) then server:echo, nothing listens on port server:echo (端口 client:ephemeral)"
        );
    }

    #[test]
    fn other_numbers_and_longer_ports_are_left_alone() {
        let mut text = "127.0.0.1:432100 seq=43210 port 4321 len=5000".to_string();
        names().rewrite(&mut text);
        assert_eq!(text, "127.0.0.1:432100 seq=43210 port 4321 len=5000");
    }

    #[test]
    fn no_names_means_no_change() {
        let mut text = "port 5000".to_string();
        StableNames::new().rewrite(&mut text);
        assert_eq!(text, "port 5000");
        let mut address = String::new();
        names().write_address(&mut address, "127.0.0.1:1".parse().unwrap());
        assert_eq!(address, "127.0.0.1:1");
    }
}
