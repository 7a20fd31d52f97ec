//! Errors in an exercise file, named by file, line and column, as compilers do.

use std::fmt;
use std::ops::Range;

/// A problem at one place of a text file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    /// 1-based line and column (columns count characters, not bytes).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl FileError {
    /// Locates byte `offset` of `text`; an offset past the end points just after the last character.
    pub fn at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_column(text, offset);
        FileError {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    pub fn at_span(file: &str, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        Self::at(file, text, span.start, message)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for FileError {}

/// 1-based line and column of byte `offset`, clamped to the text and to a character boundary.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let text = "a = 1\n名字 = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 4), (1, 5));
        // "名字" is 6 bytes; the space after it is the third character.
        assert_eq!(line_column(text, 12), (2, 3));
        assert_eq!(line_column(text, 10_000), (3, 1));
        // Inside a multi-byte character: the character's own column.
        assert_eq!(line_column(text, 7), (2, 1));
    }

    #[test]
    fn display_reads_like_a_compiler_message() {
        let error = FileError::at("ex.toml", "x\ny = 2\n", 4, "bad");
        assert_eq!(error.to_string(), "ex.toml:2:3: bad");
    }
}
