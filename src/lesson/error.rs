//! What can go wrong with a lesson, said the way a compiler says it: `file:line:column`, a sentence, and
//! the offending line with the bad part underlined.

use crate::render::text::width;
use crate::scenario::ScenarioError;
use std::fmt;
use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("cannot read the lesson file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The lesson file is malformed: every problem found, in file order.
    #[error("{}", Diagnostics(.0))]
    Invalid(Vec<Diagnostic>),

    #[error("there is no lesson named {name:?}. The lessons are: {available}. A path to a lesson file (ending in .toml) works too.")]
    Unknown { name: String, available: String },

    /// The run did not do what the lesson says (a packet never came, an unexpected one did, a call
    /// returned something else).
    #[error("{0}")]
    Failed(Box<Diagnostic>),

    /// The engine could not run at all (no capture permission, say). Boxed: it is large.
    #[error(transparent)]
    Scenario(Box<ScenarioError>),
}

impl From<ScenarioError> for LessonError {
    fn from(error: ScenarioError) -> Self {
        LessonError::Scenario(Box::new(error))
    }
}

impl LessonError {
    /// True when the run failed only because this process may not capture.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, LessonError::Scenario(error) if error.is_permission_denied())
    }
}

/// One problem at one place of a lesson file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based line and column (in characters) of the offending text.
    pub line: usize,
    pub column: usize,
    /// A full sentence saying what is wrong.
    pub message: String,
    /// The line the problem is on, and the part of it to underline (byte range within the line).
    pub source_line: String,
    pub underline: (usize, usize),
    /// Further explanation: what was expected, what was seen, how to fix it.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A problem with the bytes `span` of `source` (a lesson file named `file`).
    pub fn at(
        file: &str,
        source: &str,
        span: (usize, usize),
        message: impl Into<String>,
    ) -> Diagnostic {
        let start = floor_char_boundary(source, span.0.min(source.len()));
        let end = floor_char_boundary(source, span.1.clamp(start, source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |newline| newline + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |newline| start + newline);
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let source_line = source[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let underline_end = end.min(line_end).max(start);
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            underline: (start - line_start, underline_end - line_start),
            source_line,
            notes: Vec::new(),
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{number} | {}", self.source_line)?;
        let (start, end) = self.underline;
        let before = self.source_line.get(..start).unwrap_or("");
        let marked = self.source_line.get(start..end).unwrap_or("");
        let carets = width(marked).max(1);
        write!(
            f,
            "{gutter} | {}{}",
            " ".repeat(width(before)),
            "^".repeat(carets)
        )?;
        for note in &self.notes {
            write!(f, "\n{gutter} = {note}")?;
        }
        Ok(())
    }
}

/// Several diagnostics, one blank line apart.
struct Diagnostics<'a>(&'a [Diagnostic]);

impl fmt::Display for Diagnostics<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        if self.0.len() > 1 {
            write!(f, "\n\n{} problems in this lesson file.", self.0.len())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_points_at_its_line_and_column() {
        let source = "id = \"x\"\n[[step]]\ncall = \"lisen(1)\"\n";
        let start = source.find("lisen").unwrap();
        let diagnostic = Diagnostic::at(
            "demo.toml",
            source,
            (start, start + 5),
            "There is no call named `lisen`.",
        )
        .note("did you mean `listen`?");
        assert_eq!((diagnostic.line, diagnostic.column), (3, 9));
        assert_eq!(
            diagnostic.to_string(),
            "demo.toml:3:9: There is no call named `lisen`.\n  |\n3 | call = \"lisen(1)\"\n  |         ^^^^^\n  = did you mean `listen`?"
        );
    }

    #[test]
    fn wide_characters_move_the_underline_by_their_width() {
        let source = "en = \"握手\" zh = 1";
        let start = source.find("zh").unwrap();
        let diagnostic = Diagnostic::at("demo.toml", source, (start, start + 2), "Bad.");
        assert_eq!(diagnostic.column, 11);
        let text = diagnostic.to_string();
        let last = text.lines().last().unwrap();
        assert_eq!(last, format!("  | {}^^", " ".repeat(12)));
    }

    #[test]
    fn spans_past_the_end_or_inside_a_character_do_not_panic() {
        let source = "名字";
        let diagnostic = Diagnostic::at("x", source, (1, 99), "Bad.");
        assert_eq!((diagnostic.line, diagnostic.column), (1, 1));
        let diagnostic = Diagnostic::at("x", "", (5, 9), "Empty.");
        assert_eq!(diagnostic.line, 1);
    }
}
