//! A lossless line parser for `postgresql.conf`: `name = value` settings (the `=` is optional),
//! single-quoted values (a quote inside is written `''` or `\'`), `#` comments, and the
//! `include`, `include_if_exists` and `include_dir` directives, which are kept as settings and
//! not followed.

use std::ops::Range;

use crate::rule::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    Blank,
    Newline,
    Comment,
    Name,
    Equals,
    Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub kind: PieceKind,
    pub range: Range<usize>,
}

/// One `name = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The name in lower case (PostgreSQL matches parameter names case-insensitively).
    pub name: String,
    pub name_range: Range<usize>,
    /// The value with quotes and escapes removed.
    pub value: String,
    /// The value as written, quotes included.
    pub value_range: Range<usize>,
    pub quoted: bool,
}

#[derive(Debug, Clone)]
pub struct ConfFile {
    pub pieces: Vec<Piece>,
    pub settings: Vec<Setting>,
}

impl ConfFile {
    /// Returns the setting of `name` that takes effect: the last one in the file.
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.name == name)
    }

    /// Returns the effective `ssl` setting, `None` when the file does not set it or sets a value
    /// that is not a boolean.
    pub fn ssl(&self) -> Option<bool> {
        self.get("ssl").and_then(|s| parse_bool(&s.value))
    }

    /// Returns the effective `password_encryption`, in lower case.
    pub fn password_encryption(&self) -> Option<String> {
        self.get("password_encryption").map(|s| s.value.to_ascii_lowercase())
    }
}

/// Parses a boolean the way PostgreSQL does: `on`, `off`, `true`, `false`, `yes`, `no`, `1`, `0`
/// and unambiguous prefixes of the words, in any case.
pub fn parse_bool(value: &str) -> Option<bool> {
    let lower = value.trim().to_ascii_lowercase();
    match lower.as_str() {
        "1" | "on" => return Some(true),
        "0" | "off" | "of" => return Some(false),
        "" | "o" => return None,
        _ => {}
    }
    let is_prefix = |word: &str| word.starts_with(lower.as_str());
    if is_prefix("true") || is_prefix("yes") {
        Some(true)
    } else if is_prefix("false") || is_prefix("no") {
        Some(false)
    } else {
        None
    }
}

/// Parses `text` as a postgresql.conf.
pub fn parse(text: &str) -> Result<ConfFile, ParseError> {
    let bytes = text.as_bytes();
    let mut file = ConfFile { pieces: Vec::new(), settings: Vec::new() };
    let mut at = 0;
    while at < bytes.len() {
        at = parse_line(text, at, &mut file)?;
    }
    Ok(file)
}

fn push(file: &mut ConfFile, kind: PieceKind, range: Range<usize>) {
    if !range.is_empty() {
        file.pieces.push(Piece { kind, range });
    }
}

fn skip_blanks(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && (bytes[at] == b' ' || bytes[at] == b'\t' || (bytes[at] == b'\r' && bytes.get(at + 1) != Some(&b'\n'))) {
        at += 1;
    }
    at
}

fn at_line_end(bytes: &[u8], at: usize) -> bool {
    at >= bytes.len() || bytes[at] == b'\n' || (bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n'))
}

/// Parses one physical line starting at `start`; returns the offset of the next line.
fn parse_line(text: &str, start: usize, file: &mut ConfFile) -> Result<usize, ParseError> {
    let bytes = text.as_bytes();
    let mut at = skip_blanks(bytes, start);
    push(file, PieceKind::Blank, start..at);

    if !at_line_end(bytes, at) && bytes[at] != b'#' {
        let name_start = at;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || matches!(bytes[at], b'_' | b'.' | b'-')) {
            at += 1;
        }
        if at == name_start || !(bytes[name_start].is_ascii_alphabetic() || bytes[name_start] == b'_') {
            return Err(ParseError::at(name_start, "expected a parameter name"));
        }
        let name = text[name_start..at].to_ascii_lowercase();
        push(file, PieceKind::Name, name_start..at);

        let blank_start = at;
        at = skip_blanks(bytes, at);
        push(file, PieceKind::Blank, blank_start..at);
        if bytes.get(at) == Some(&b'=') {
            push(file, PieceKind::Equals, at..at + 1);
            let blank_start = at + 1;
            at = skip_blanks(bytes, at + 1);
            push(file, PieceKind::Blank, blank_start..at);
        }

        let value_start = at;
        let (value, quoted) = if bytes.get(at) == Some(&b'\'') {
            let (value, end) = quoted_value(text, at)?;
            at = end;
            (value, true)
        } else {
            while !at_line_end(bytes, at) && !matches!(bytes[at], b' ' | b'\t' | b'#' | b'\r') {
                at += 1;
            }
            (text[value_start..at].to_string(), false)
        };
        if at == value_start {
            return Err(ParseError::at(value_start, format!("parameter `{name}` has no value")));
        }
        push(file, PieceKind::Value, value_start..at);
        let name_range = name_start..name_start + name.len();
        file.settings.push(Setting { name, name_range, value, value_range: value_start..at, quoted });

        let blank_start = at;
        at = skip_blanks(bytes, at);
        push(file, PieceKind::Blank, blank_start..at);
        if !at_line_end(bytes, at) && bytes[at] != b'#' {
            return Err(ParseError::at(at, "unexpected text after the value: quote a value that contains spaces"));
        }
    }

    if bytes.get(at) == Some(&b'#') {
        let comment_start = at;
        while !at_line_end(bytes, at) {
            at += 1;
        }
        push(file, PieceKind::Comment, comment_start..at);
    }
    let newline_start = at;
    if at < bytes.len() {
        at += if bytes[at] == b'\r' { 2 } else { 1 };
    }
    push(file, PieceKind::Newline, newline_start..at);
    Ok(at)
}

/// Reads a single-quoted value starting at `start`; returns it and the offset after the quote.
fn quoted_value(text: &str, start: usize) -> Result<(String, usize), ParseError> {
    let bytes = text.as_bytes();
    let mut value = String::new();
    let mut at = start + 1;
    loop {
        if at_line_end(bytes, at) {
            return Err(ParseError::at(start, "unterminated quoted value: the line ends before the closing `'`"));
        }
        match bytes[at] {
            b'\'' if bytes.get(at + 1) == Some(&b'\'') => {
                value.push('\'');
                at += 2;
            }
            b'\'' => return Ok((value, at + 1)),
            b'\\' if !at_line_end(bytes, at + 1) => {
                let ch = text[at + 1..].chars().next().expect("char boundary");
                value.push(ch);
                at += 1 + ch.len_utf8();
            }
            _ => {
                let ch = text[at..].chars().next().expect("char boundary");
                value.push(ch);
                at += ch.len_utf8();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> ConfFile {
        let file = parse(text).unwrap_or_else(|e| panic!("parse failed: {e:?}"));
        let joined: String = file.pieces.iter().map(|p| &text[p.range.clone()]).collect();
        assert_eq!(joined, text, "pieces do not join back to the input");
        file
    }

    #[test]
    fn settings_and_comments() {
        let file = parsed("# comment\nssl = on\t# TLS\r\npassword_encryption 'MD5'\nSSL=off\ninclude 'extra.conf'\n\n   \nport = 5432");
        assert_eq!(file.ssl(), Some(false));
        assert_eq!(file.password_encryption().as_deref(), Some("md5"));
        let setting = file.get("password_encryption").unwrap();
        assert!(setting.quoted);
        assert_eq!(setting.name_range, 26..45);
        assert_eq!(file.get("include").unwrap().value, "extra.conf");
        assert_eq!(file.get("port").unwrap().value, "5432");
    }

    #[test]
    fn quoted_escapes() {
        let file = parsed("a = 'it''s \\'here\\''\n");
        assert_eq!(file.get("a").unwrap().value, "it's 'here'");
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("on"), Some(true));
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("y"), Some(true));
        assert_eq!(parse_bool("of"), Some(false));
        assert_eq!(parse_bool("o"), None);
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn errors() {
        assert!(parse("ssl = 'on\n").is_err());
        assert!(parse("ssl =\n").is_err());
        assert!(parse("ssl = on off\n").is_err());
        assert!(parse("= on\n").is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_round_trips_any_text(text in "[ \t\r\n#'\\\\=a-z0-9_.-]{0,160}") {
            if let Ok(file) = parse(&text) {
                let joined: String = file.pieces.iter().map(|p| &text[p.range.clone()]).collect();
                proptest::prop_assert_eq!(joined, text);
            }
        }
    }
}
