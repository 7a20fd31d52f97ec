//! Colour: whether to use it (a pure decision), and which escape codes say what.
//!
//! `colored::ColoredString` decides at display time from process-global state (`control::SHOULD_COLORIZE`,
//! built from CLICOLOR, NO_COLOR and whether *stdout* is a terminal), so its output would not depend on our
//! `color` argument alone, and parallel tests would fight over it. We take only the colour codes from
//! `colored::Color` and write the escape sequences ourselves.

use colored::Color;
use std::ffi::OsStr;
use std::io::{self, IsTerminal, Write};

/// The `--color` flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Decides whether to colour. `no_color` is the value of the NO_COLOR variable, if set; any non-empty
    /// value turns colour off under `Auto` (<https://no-color.org>). An explicit `Always` wins over NO_COLOR.
    pub fn resolve(self, no_color: Option<&OsStr>, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(|value| value.is_empty()),
        }
    }

    /// [`resolve`](Self::resolve) with this process's NO_COLOR, for an output that is (or is not) a terminal.
    pub fn resolve_env(self, is_terminal: bool) -> bool {
        self.resolve(std::env::var_os("NO_COLOR").as_deref(), is_terminal)
    }

    /// [`resolve_env`](Self::resolve_env) for standard output.
    pub fn resolve_for_stdout(self) -> bool {
        self.resolve_env(io::stdout().is_terminal())
    }
}

/// What a piece of text means, which decides its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    Handshake,
    Data,
    Teardown,
    Reset,
    Udp,
    Icmp,
    /// Endpoint states: present on every TCP packet, so quiet.
    State,
    /// Secondary facts such as header sizes and the source line.
    Detail,
    Heading,
    Call,
    Warning,
    Plain,
}

impl Tone {
    /// SGR attribute (bold 1, dim 2) and foreground colour.
    fn attributes(self) -> (Option<&'static str>, Option<Color>) {
        match self {
            Tone::Handshake => (None, Some(Color::Green)),
            Tone::Data => (None, Some(Color::Cyan)),
            Tone::Teardown => (None, Some(Color::Yellow)),
            Tone::Reset => (Some("1"), Some(Color::Red)),
            Tone::Udp => (None, Some(Color::Magenta)),
            Tone::Icmp => (None, Some(Color::Red)),
            Tone::State | Tone::Detail => (Some("2"), None),
            Tone::Heading | Tone::Call => (Some("1"), None),
            Tone::Warning => (Some("1"), Some(Color::BrightRed)),
            Tone::Plain => (None, None),
        }
    }
}

/// Writes escape codes when colour is on, nothing when it is off.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Palette {
    enabled: bool,
}

impl Palette {
    pub fn new(enabled: bool) -> Self {
        Palette { enabled }
    }

    pub fn start<W: Write + ?Sized>(&self, out: &mut W, tone: Tone) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let (attribute, color) = tone.attributes();
        if attribute.is_none() && color.is_none() {
            return Ok(());
        }
        out.write_all(b"\x1b[")?;
        if let Some(attribute) = attribute {
            out.write_all(attribute.as_bytes())?;
            if color.is_some() {
                out.write_all(b";")?;
            }
        }
        if let Some(color) = color {
            // Basic colours come back borrowed, so this does not allocate.
            out.write_all(color.to_fg_str().as_bytes())?;
        }
        out.write_all(b"m")
    }

    pub fn end<W: Write + ?Sized>(&self, out: &mut W, tone: Tone) -> io::Result<()> {
        if self.enabled && tone != Tone::Plain {
            out.write_all(b"\x1b[0m")?;
        }
        Ok(())
    }

    /// Writes `text` in `tone`.
    pub fn paint<W: Write + ?Sized>(&self, out: &mut W, tone: Tone, text: &str) -> io::Result<()> {
        self.start(out, tone)?;
        out.write_all(text.as_bytes())?;
        self.end(out, tone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_needs_a_terminal_and_no_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(ColorChoice::Auto.resolve(None, true));
        assert!(!ColorChoice::Auto.resolve(None, false));
        assert!(!ColorChoice::Auto.resolve(set, true));
        // NO_COLOR set but empty does not count.
        assert!(ColorChoice::Auto.resolve(empty, true));
    }

    #[test]
    fn explicit_choices_ignore_the_environment() {
        let set = Some(OsStr::new("yes"));
        assert!(ColorChoice::Always.resolve(set, false));
        assert!(!ColorChoice::Never.resolve(None, true));
    }

    #[test]
    fn palette_writes_codes_only_when_enabled() {
        let mut on = Vec::new();
        Palette::new(true)
            .paint(&mut on, Tone::Handshake, "SYN")
            .unwrap();
        assert_eq!(on, b"\x1b[32mSYN\x1b[0m");

        let mut bold_red = Vec::new();
        Palette::new(true)
            .paint(&mut bold_red, Tone::Warning, "!")
            .unwrap();
        assert_eq!(bold_red, b"\x1b[1;91m!\x1b[0m");

        let mut off = Vec::new();
        Palette::new(false)
            .paint(&mut off, Tone::Handshake, "SYN")
            .unwrap();
        assert_eq!(off, b"SYN");
    }

    #[test]
    fn plain_text_gets_no_codes_even_when_enabled() {
        let mut out = Vec::new();
        Palette::new(true)
            .paint(&mut out, Tone::Plain, "x")
            .unwrap();
        assert_eq!(out, b"x");
    }
}
