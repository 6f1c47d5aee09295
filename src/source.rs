//! A file's text with the facts that every format needs to place an edit: where lines start,
//! which line ending and indentation the file uses, and whether it starts with a byte order mark.
//!
//! Offsets are byte offsets into [`SourceFile::text`], which excludes a UTF-8 BOM. The BOM is
//! kept in [`SourceFile::bom`] and written back in front of the text, so edits never see it.

use std::path::{Path, PathBuf};

use thiserror::Error;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The reason a file's bytes cannot be handled as text.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the file is UTF-16 encoded (it starts with a UTF-16 byte order mark); convert it to UTF-8 to check it")]
    Utf16,
    #[error("the file contains a NUL byte at offset {0}, so it looks binary; cinch only reads text files")]
    Binary(usize),
    #[error("the file is not valid UTF-8 (invalid byte at offset {0}); convert it to UTF-8 to check it")]
    InvalidUtf8(usize),
}

/// The line terminator a file uses, decided by its first line break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

/// A decoded text file and its line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given or found by the walk; used in messages and diffs.
    pub path: PathBuf,
    /// The text after the BOM, if there was one.
    pub text: String,
    /// Whether the original bytes started with a UTF-8 byte order mark.
    pub bom: bool,
    /// Byte offset of the start of every line; the first entry is 0.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Decodes `bytes` as UTF-8 text, rejecting UTF-16, binary content and invalid UTF-8.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
            return Err(DecodeError::Utf16);
        }
        let (bom, body) = match bytes.strip_prefix(UTF8_BOM) {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        if let Some(at) = body.iter().position(|&b| b == 0) {
            return Err(DecodeError::Binary(at + usize::from(bom) * 3));
        }
        let text = std::str::from_utf8(body)
            .map_err(|e| DecodeError::InvalidUtf8(e.valid_up_to() + usize::from(bom) * 3))?;
        Ok(Self::with_bom(path, text.to_string(), bom))
    }

    /// Builds a source from text that is already decoded (the BOM, if any, already removed).
    pub fn with_bom(path: impl Into<PathBuf>, text: String, bom: bool) -> Self {
        let line_starts = line_starts(&text);
        SourceFile { path: path.into(), text, bom, line_starts }
    }

    /// Builds a source with no BOM, as tests and fuzzers do.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self::with_bom(path, text.into(), false)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the bytes as they go to disk: the BOM, if the original had one, then the text.
    pub fn to_bytes(&self) -> Vec<u8> {
        bytes_with_bom(&self.text, self.bom)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Returns the 0-based line that contains byte `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Returns the 1-based line and 1-based column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let column = self.text[start..floor_char_boundary(&self.text, offset)].chars().count();
        (line + 1, column + 1)
    }

    /// Returns the byte offset of the start of 0-based `line`, or the text length past the end.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// Returns the byte offset just past the line break of 0-based `line` (the next line's start).
    pub fn line_end_with_break(&self, line: usize) -> usize {
        self.line_start(line + 1)
    }

    /// Returns the byte offset where 0-based `line`'s content ends, before `\r\n` or `\n`.
    pub fn line_content_end(&self, line: usize) -> usize {
        let end = self.line_end_with_break(line);
        let bytes = self.text.as_bytes();
        let mut end = end;
        if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
            if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
        }
        end
    }

    /// Returns 0-based `line` without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_start(line)..self.line_content_end(line)]
    }

    /// Converts a 0-based line and a 0-based column counted in characters into a byte offset.
    /// A column past the line's end gives the end of the line's content.
    pub fn offset_of(&self, line: usize, column_chars: usize) -> usize {
        let start = self.line_start(line);
        let content = self.line_text(line);
        match content.char_indices().nth(column_chars) {
            Some((at, _)) => start + at,
            None => start + content.len(),
        }
    }

    /// Returns the leading spaces and tabs of 0-based `line`.
    pub fn indentation(&self, line: usize) -> &str {
        let text = self.line_text(line);
        let width = text.len() - text.trim_start_matches([' ', '\t']).len();
        &text[..width]
    }

    /// Returns the file's line ending: the one its first line break uses, or `\n` when there is none.
    pub fn line_ending(&self) -> LineEnding {
        match self.text.find('\n') {
            Some(at) if at > 0 && self.text.as_bytes()[at - 1] == b'\r' => LineEnding::CrLf,
            _ => LineEnding::Lf,
        }
    }

    /// Returns the line break to write in new text: the file's own.
    pub fn newline(&self) -> &'static str {
        self.line_ending().as_str()
    }

    /// Returns true when the text ends with a line break (an empty file counts as ending with one).
    pub fn ends_with_newline(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }

    /// Guesses the indentation unit: a tab when indented lines start with tabs, otherwise the
    /// most common positive difference between consecutive indentation depths, or `default`.
    pub fn indent_unit(&self, default: &str) -> String {
        let mut tabs = 0usize;
        let mut spaces = 0usize;
        let mut step_counts = [0usize; 9];
        let mut previous_width = 0usize;
        for line in 0..self.line_count() {
            let text = self.line_text(line);
            if text.trim().is_empty() {
                continue;
            }
            let indent = self.indentation(line);
            if indent.starts_with('\t') {
                tabs += 1;
            } else if !indent.is_empty() {
                spaces += 1;
            }
            let width = indent.len();
            if width > previous_width && !indent.starts_with('\t') {
                let step = width - previous_width;
                if step < step_counts.len() {
                    step_counts[step] += 1;
                }
            }
            previous_width = width;
        }
        if tabs > spaces {
            return "\t".to_string();
        }
        let best = (1..step_counts.len()).max_by_key(|&step| (step_counts[step], std::cmp::Reverse(step)));
        match best {
            Some(step) if step_counts[step] > 0 => " ".repeat(step),
            _ => default.to_string(),
        }
    }
}

/// Returns a path as messages and diffs show it: relative to the current directory when it is
/// inside it, with `/` separators and no leading `./`.
pub fn display_path(path: &Path) -> String {
    let relative = match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => path.strip_prefix(&cwd).unwrap_or(path),
        _ => path,
    };
    let text = relative.to_string_lossy().replace('\\', "/");
    let trimmed = text.trim_start_matches("./");
    if trimmed.is_empty() { ".".to_string() } else { trimmed.to_string() }
}

/// Returns the bytes of `text` preceded by a UTF-8 BOM when `bom` is set.
pub fn bytes_with_bom(text: &str, bom: bool) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() + 3);
    if bom {
        bytes.extend_from_slice(UTF8_BOM);
    }
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
    starts
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_kept_apart() {
        let source = SourceFile::from_bytes("a", b"\xEF\xBB\xBFkey: 1\n").unwrap();
        assert!(source.bom);
        assert_eq!(source.text, "key: 1\n");
        assert_eq!(source.to_bytes(), b"\xEF\xBB\xBFkey: 1\n");
    }

    #[test]
    fn decode_errors() {
        assert_eq!(SourceFile::from_bytes("a", b"\xFF\xFEa\0").unwrap_err(), DecodeError::Utf16);
        assert_eq!(SourceFile::from_bytes("a", b"ab\0c").unwrap_err(), DecodeError::Binary(2));
        assert_eq!(SourceFile::from_bytes("a", b"ab\xC3(").unwrap_err(), DecodeError::InvalidUtf8(2));
    }

    #[test]
    fn line_col_counts_characters() {
        let source = SourceFile::new("a", "é\r\nxé y\nlast");
        assert_eq!(source.line_col(0), (1, 1));
        assert_eq!(source.line_col(4), (2, 1));
        assert_eq!(source.line_col(8), (2, 4));
        assert_eq!(source.line_text(1), "xé y");
        assert_eq!(source.line_text(2), "last");
        assert_eq!(source.line_ending(), LineEnding::CrLf);
        assert!(!source.ends_with_newline());
        assert_eq!(source.offset_of(1, 2), 7);
    }

    #[test]
    fn lone_carriage_return_is_not_a_line_break() {
        let source = SourceFile::new("a", "a\rb\nc\n");
        assert_eq!(source.line_count(), 3);
        assert_eq!(source.line_text(0), "a\rb");
        assert_eq!(source.line_ending(), LineEnding::Lf);
    }

    #[test]
    fn indent_unit_guesses() {
        assert_eq!(SourceFile::new("a", "a:\n    b:\n        c: 1\n").indent_unit("  "), "    ");
        assert_eq!(SourceFile::new("a", "a {\n\tb;\n}\n").indent_unit("    "), "\t");
        assert_eq!(SourceFile::new("a", "flat\n").indent_unit("  "), "  ");
    }
}
