//! A lossless parser for `pg_hba.conf`, and the rendering of rewritten records.
//!
//! The tokenizer follows PostgreSQL's own in `hba.c`. Blanks separate fields, and a field may be
//! a comma-separated list of tokens. A double-quoted token keeps blanks, commas and `#`, and
//! writes a literal quote as `""`. An unquoted `#` starts a comment that runs to the end of the
//! record. A backslash at the very end of a physical line joins the next line to the record: the
//! backslash and line break are removed and nothing takes their place. Keywords such as `all`
//! are keywords only when unquoted. Elsewhere PostgreSQL ignores the quotes: `"host"` is a
//! connection type, `"trust"` a method, and `"10.0.0.0"` `"255.0.0.0"` an address and mask.
//!
//! Every byte of the input belongs to exactly one [`Piece`], so joining the pieces gives back
//! the input.

use std::net::IpAddr;
use std::ops::Range;

use crate::edit::Edit;
use crate::rule::ParseError;

/// Columns a tab advances to, as terminals and editors show pg_hba.conf files.
const TAB_WIDTH: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    /// Spaces, tabs and carriage returns that are not part of a line break.
    Blank,
    /// A backslash ending a physical line, with that line's break.
    Continuation,
    /// The break that ends a record or comment line (`\n` or `\r\n`).
    Newline,
    Comment,
    Field,
}

/// A run of the input with one meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub kind: PieceKind,
    pub range: Range<usize>,
}

/// One item of a field: a name, keyword, address or option, with quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub value: String,
    /// Whether any part of the token was double-quoted, which makes keywords plain names.
    pub quoted: bool,
    pub range: Range<usize>,
}

/// One whitespace-separated field: a token or a comma-separated list of tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub range: Range<usize>,
    pub tokens: Vec<Token>,
}

impl Field {
    /// Returns the value when the field is one unquoted token.
    pub fn word(&self) -> Option<&str> {
        match self.tokens.as_slice() {
            [token] if !token.quoted => Some(&token.value),
            _ => None,
        }
    }

    /// Returns the value when the field is one token, quoted or not. PostgreSQL reads the
    /// connection type, address, mask and method this way.
    pub fn value(&self) -> Option<&str> {
        match self.tokens.as_slice() {
            [token] => Some(&token.value),
            _ => None,
        }
    }

    /// Returns the text that writes `value` in this field's style: double-quoted when the field
    /// was. `value` must need no quoting of its own (no blanks, commas, `#` or quotes).
    pub fn styled(&self, value: &str) -> String {
        if self.tokens.iter().any(|token| token.quoted) {
            format!("\"{value}\"")
        } else {
            value.to_string()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionType {
    Local,
    Host,
    HostSsl,
    HostNoSsl,
    HostGssEnc,
    HostNoGssEnc,
}

impl ConnectionType {
    fn from_word(word: &str) -> Option<Self> {
        // PostgreSQL compares connection types case-sensitively.
        Some(match word {
            "local" => ConnectionType::Local,
            "host" => ConnectionType::Host,
            "hostssl" => ConnectionType::HostSsl,
            "hostnossl" => ConnectionType::HostNoSsl,
            "hostgssenc" => ConnectionType::HostGssEnc,
            "hostnogssenc" => ConnectionType::HostNoGssEnc,
            _ => return None,
        })
    }
}

/// The client address of a `host*` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// `all`: any address.
    All,
    /// `samehost`: any of the server's own addresses.
    SameHost,
    /// `samenet`: any address in a subnet the server is directly connected to.
    SameNet,
    /// An address with a prefix length, written as CIDR or as an address plus a mask column.
    Network { address: IpAddr, prefix: u8, mask_column: bool },
    /// A mask column that is not a contiguous run of one bits.
    IrregularMask { address: IpAddr },
    /// A host name, or a domain suffix starting with a dot.
    HostName(String),
}

impl Address {
    /// Returns the address family when the address covers all of it (prefix length 0).
    pub fn whole_family(&self) -> Option<Family> {
        match self {
            Address::Network { address, prefix: 0, .. } => Some(Family::of(address)),
            _ => None,
        }
    }

    /// Returns whether every address the record matches is on the server itself: loopback networks,
    /// `samehost` and the host name `localhost`.
    pub fn is_local_only(&self) -> bool {
        match self {
            Address::SameHost => true,
            Address::HostName(name) => name.eq_ignore_ascii_case("localhost"),
            Address::Network { address: IpAddr::V4(v4), prefix, .. } => v4.octets()[0] == 127 && *prefix >= 8,
            Address::Network { address: IpAddr::V6(v6), prefix, .. } => v6.is_loopback() && *prefix == 128,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(address: &IpAddr) -> Self {
        match address {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

/// The parts of an authentication record, as indexes into [`Record::fields`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRecord {
    pub connection: ConnectionType,
    pub database: usize,
    pub user: usize,
    /// Address field index and its meaning; `None` for `local` records.
    pub address: Option<(usize, Address)>,
    /// Index of the mask column when the address is written as address plus mask.
    pub mask: Option<usize>,
    pub method: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKind {
    /// `include`, `include_if_exists` or `include_dir` (PostgreSQL 16 and later).
    Include,
    Auth(AuthRecord),
}

/// One logical line with fields: a record, possibly spanning physical lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// From the first field to the end of the last field or trailing comment.
    pub range: Range<usize>,
    pub fields: Vec<Field>,
    pub comment: Option<Range<usize>>,
    pub kind: RecordKind,
    /// The line break that ends the record, or `None` at the end of the file.
    pub newline: Option<Range<usize>>,
}

impl Record {
    pub fn auth(&self) -> Option<&AuthRecord> {
        match &self.kind {
            RecordKind::Auth(auth) => Some(auth),
            RecordKind::Include => None,
        }
    }

    /// The authentication method with any quotes removed, as PostgreSQL reads it.
    pub fn method(&self) -> Option<&str> {
        self.auth().and_then(|auth| self.fields[auth.method].value())
    }
}

/// A parsed pg_hba.conf.
#[derive(Debug, Clone)]
pub struct HbaFile {
    pub text: String,
    pub pieces: Vec<Piece>,
    pub records: Vec<Record>,
    /// The narrowest run of spaces between two fields on one line, used when a rewritten
    /// field no longer fits before the next one.
    pub min_gap: usize,
}

/// The reason a text is not a pg_hba.conf that PostgreSQL would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HbaError {
    Parse(ParseError),
    /// The text is an unfilled template, such as PostgreSQL's own `pg_hba.conf.sample` with its
    /// `@authmethod@` placeholders that initdb replaces.
    Template(String),
}

/// Parses `text` as a pg_hba.conf.
pub fn parse(text: &str) -> Result<HbaFile, HbaError> {
    let mut lexer = Lexer { text, bytes: text.as_bytes(), pos: 0, pieces: Vec::new() };
    let mut records = Vec::new();
    while lexer.pos < text.len() {
        let line = lexer.logical_line()?;
        if !line.fields.is_empty() {
            records.push(interpret(text, line)?);
        }
    }
    let min_gap = narrowest_gap(text, &records);
    Ok(HbaFile { text: text.to_string(), pieces: lexer.pieces, records, min_gap })
}

/// The fields, comment and line break of one logical line, before interpretation.
struct LogicalLine {
    fields: Vec<Field>,
    comment: Option<Range<usize>>,
    newline: Option<Range<usize>>,
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    pieces: Vec<Piece>,
}

impl Lexer<'_> {
    /// Returns the end of a continuation (a backslash that ends a physical line) starting at
    /// `at`, if there is one. A backslash at the end of the file also counts.
    fn continuation_at(&self, at: usize) -> Option<usize> {
        if self.bytes.get(at) != Some(&b'\\') {
            return None;
        }
        match (self.bytes.get(at + 1), self.bytes.get(at + 2)) {
            (None, _) => Some(at + 1),
            (Some(b'\n'), _) => Some(at + 2),
            (Some(b'\r'), Some(b'\n')) => Some(at + 3),
            _ => None,
        }
    }

    /// Returns the end of a line break starting at `at`, if there is one.
    fn newline_at(&self, at: usize) -> Option<usize> {
        match (self.bytes.get(at), self.bytes.get(at + 1)) {
            (Some(b'\n'), _) => Some(at + 1),
            (Some(b'\r'), Some(b'\n')) => Some(at + 2),
            _ => None,
        }
    }

    fn is_blank(&self, at: usize) -> bool {
        matches!(self.bytes.get(at), Some(b' ' | b'\t' | b'\r')) && self.newline_at(at).is_none()
    }

    fn push(&mut self, kind: PieceKind, range: Range<usize>) {
        if !range.is_empty() {
            self.pieces.push(Piece { kind, range });
        }
    }

    fn logical_line(&mut self) -> Result<LogicalLine, HbaError> {
        let mut line = LogicalLine { fields: Vec::new(), comment: None, newline: None };
        while self.pos < self.bytes.len() {
            let start = self.pos;
            if let Some(end) = self.continuation_at(start) {
                self.push(PieceKind::Continuation, start..end);
                self.pos = end;
            } else if let Some(end) = self.newline_at(start) {
                self.push(PieceKind::Newline, start..end);
                self.pos = end;
                line.newline = Some(start..end);
                return Ok(line);
            } else if self.is_blank(start) {
                let mut end = start;
                while self.is_blank(end) {
                    end += 1;
                }
                self.push(PieceKind::Blank, start..end);
                self.pos = end;
            } else if self.bytes[start] == b'#' {
                let end = self.comment_end(start);
                self.push(PieceKind::Comment, start..end);
                line.comment = Some(start..end);
                self.pos = end;
            } else {
                let field = self.field(start)?;
                self.pos = field.range.end;
                self.push(PieceKind::Field, field.range.clone());
                line.fields.push(field);
            }
        }
        Ok(line)
    }

    /// Returns where a comment starting at `start` ends: before the line break that ends the
    /// logical line (a continuation inside the comment carries it onto the next line).
    fn comment_end(&self, start: usize) -> usize {
        let mut at = start;
        while at < self.bytes.len() {
            if let Some(end) = self.continuation_at(at) {
                at = end;
            } else if self.newline_at(at).is_some() {
                break;
            } else {
                at += 1;
            }
        }
        at
    }

    /// Reads one field (a token, or tokens joined by commas) starting at `start`.
    fn field(&self, start: usize) -> Result<Field, HbaError> {
        let mut tokens = Vec::new();
        let mut at = start;
        loop {
            let (token, end, trailing_comma) = self.token(at)?;
            tokens.push(token);
            at = end;
            if !trailing_comma {
                break;
            }
            // After a comma, blanks and continuations may come before the next token.
            let mut next = at;
            loop {
                if let Some(end) = self.continuation_at(next) {
                    next = end;
                } else if self.is_blank(next) {
                    next += 1;
                } else {
                    break;
                }
            }
            let ends_list = next >= self.bytes.len() || self.newline_at(next).is_some() || self.bytes[next] == b'#';
            if ends_list {
                break;
            }
            at = next;
        }
        Ok(Field { range: start..at, tokens })
    }

    /// Reads one token; returns it, the offset after it (after its comma, if any) and whether a
    /// comma ended it.
    fn token(&self, start: usize) -> Result<(Token, usize, bool), HbaError> {
        let mut value = String::new();
        let mut quoted = false;
        let mut in_quote = false;
        let mut at = start;
        while at < self.bytes.len() {
            if let Some(end) = self.continuation_at(at) {
                at = end;
                continue;
            }
            let byte = self.bytes[at];
            if self.newline_at(at).is_some() {
                break;
            }
            if !in_quote {
                if self.is_blank(at) || byte == b'#' {
                    break;
                }
                if byte == b',' {
                    let token = Token { value, quoted, range: start..at };
                    return Ok((token, at + 1, true));
                }
            }
            if byte == b'"' {
                if in_quote && self.bytes.get(at + 1) == Some(&b'"') {
                    value.push('"');
                    at += 2;
                    continue;
                }
                in_quote = !in_quote;
                quoted = true;
                at += 1;
                continue;
            }
            let ch = self.text[at..].chars().next().expect("offset is a char boundary");
            value.push(ch);
            at += ch.len_utf8();
        }
        if in_quote {
            return Err(HbaError::Parse(ParseError::at(start, "unterminated quoted string: a `\"` opens it and the line ends before the closing `\"`")));
        }
        Ok((Token { value, quoted, range: start..at }, at, false))
    }
}

/// Turns the fields of one logical line into a record, checking what PostgreSQL checks.
fn interpret(text: &str, line: LogicalLine) -> Result<Record, HbaError> {
    let LogicalLine { fields, comment, newline } = line;
    let start = fields[0].range.start;
    let end = comment.as_ref().map_or(fields[fields.len() - 1].range.end, |c| c.end);

    if let Some(token) = fields.iter().flat_map(|f| &f.tokens).find(|t| is_placeholder(&t.value)) {
        return Err(HbaError::Template(format!(
            "`{}` is a template placeholder, so this is a template rather than a pg_hba.conf",
            token.value
        )));
    }

    let type_field = &fields[0];
    if let Some(type_word @ ("include" | "include_if_exists" | "include_dir")) = type_field.word() {
        if fields.len() != 2 {
            return Err(parse_error(type_field.range.start, format!("`{type_word}` takes exactly one file or directory name")));
        }
        return Ok(Record { range: start..end, fields, comment, kind: RecordKind::Include, newline });
    }
    let Some(connection) = type_field.value().and_then(ConnectionType::from_word) else {
        let written_type = &text[type_field.range.clone()];
        return Err(parse_error(
            type_field.range.start,
            format!("invalid connection type `{written_type}`: expected local, host, hostssl, hostnossl, hostgssenc, hostnogssenc or an include directive"),
        ));
    };

    let missing = |what: &str| parse_error(end, format!("the record ends before its {what}"));
    if fields.len() < 2 {
        return Err(missing("database field"));
    }
    if fields.len() < 3 {
        return Err(missing("user field"));
    }
    let mut next = 3;
    let mut address = None;
    let mut mask = None;
    if connection != ConnectionType::Local {
        let Some(field) = fields.get(3) else {
            return Err(missing("address field"));
        };
        let (meaning, has_mask) = address_of(field, fields.get(4))?;
        address = Some((3, meaning));
        next = 4;
        if has_mask {
            mask = Some(4);
            next = 5;
        }
    }
    if fields.len() <= next {
        return Err(missing("authentication method"));
    }
    let auth = AuthRecord { connection, database: 1, user: 2, address, mask, method: next };
    Ok(Record { range: start..end, fields, comment, kind: RecordKind::Auth(auth), newline })
}

fn parse_error(offset: usize, message: String) -> HbaError {
    HbaError::Parse(ParseError::at(offset, message))
}

/// Returns whether `value` is a `@name@` placeholder, as in PostgreSQL's `pg_hba.conf.sample`
/// before initdb fills it in. A single leading `@` reads names from a file, so it does not count.
fn is_placeholder(value: &str) -> bool {
    value.len() > 2
        && value.starts_with('@')
        && value.ends_with('@')
        && value[1..value.len() - 1].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Interprets an address field; returns its meaning and whether the next field is its mask.
fn address_of(field: &Field, next: Option<&Field>) -> Result<(Address, bool), HbaError> {
    let [token] = field.tokens.as_slice() else {
        return Err(parse_error(field.range.start, "the address field takes one address, not a list".to_string()));
    };
    let value = token.value.as_str();
    if !token.quoted {
        match value {
            "all" => return Ok((Address::All, false)),
            "samehost" => return Ok((Address::SameHost, false)),
            "samenet" => return Ok((Address::SameNet, false)),
            _ => {}
        }
    }
    if let Some((address, prefix)) = value.split_once('/') {
        let invalid = || parse_error(field.range.start, format!("invalid IP address range `{value}`: expected an address, `/` and a prefix length"));
        let address: IpAddr = address.parse().map_err(|_| invalid())?;
        let prefix: u8 = prefix.parse().map_err(|_| invalid())?;
        if prefix > max_prefix(&address) {
            return Err(invalid());
        }
        return Ok((Address::Network { address, prefix, mask_column: false }, false));
    }
    let Ok(address) = value.parse::<IpAddr>() else {
        return Ok((Address::HostName(value.to_string()), false));
    };
    let Some(mask_field) = next else {
        return Err(parse_error(field.range.end, format!("the record ends before the mask of address `{value}`")));
    };
    let mask_text = mask_field.value().unwrap_or("");
    let mask: IpAddr = mask_text
        .parse()
        .map_err(|_| parse_error(mask_field.range.start, format!("invalid IP mask `{mask_text}` after address `{value}`")))?;
    if Family::of(&mask) != Family::of(&address) {
        return Err(parse_error(mask_field.range.start, format!("IP address `{value}` and mask `{mask_text}` are of different families")));
    }
    let meaning = match prefix_of_mask(&mask) {
        Some(prefix) => Address::Network { address, prefix, mask_column: true },
        None => Address::IrregularMask { address },
    };
    Ok((meaning, true))
}

pub fn max_prefix(address: &IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// Returns the prefix length of a mask made of leading one bits, or `None` for any other mask.
fn prefix_of_mask(mask: &IpAddr) -> Option<u8> {
    let (bits, width) = match mask {
        IpAddr::V4(v4) => (u128::from(u32::from(*v4)) << 96, 32),
        IpAddr::V6(v6) => (u128::from(*v6), 128),
    };
    let ones = bits.leading_ones();
    let contiguous = ones == 128 || bits << ones == 0;
    (contiguous && ones <= width).then_some(ones as u8)
}

/// Returns the mask of a prefix length, in the address family of `address`.
pub fn mask_of_prefix(address: &IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(_) => {
            let bits = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            IpAddr::V4(bits.into())
        }
        IpAddr::V6(_) => {
            let bits = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
            IpAddr::V6(bits.into())
        }
    }
}

fn narrowest_gap(text: &str, records: &[Record]) -> usize {
    let mut narrowest: Option<usize> = None;
    for record in records {
        let ends = record.fields.iter().map(|f| f.range.end);
        let starts = record.fields.iter().skip(1).map(|f| f.range.start);
        for (end, start) in ends.zip(starts) {
            let gap = &text[end..start];
            if gap.bytes().all(|b| b == b' ') {
                narrowest = Some(narrowest.map_or(gap.len(), |n| n.min(gap.len())));
            }
        }
    }
    narrowest.unwrap_or(1)
}

/// Returns the display column reached after writing `piece` from column `column`.
fn advance(mut column: usize, piece: &str) -> usize {
    for ch in piece.chars() {
        match ch {
            '\n' => column = 0,
            '\t' => column = (column / TAB_WIDTH + 1) * TAB_WIDTH,
            '\r' => {}
            _ => column += 1,
        }
    }
    column
}

/// A requested change to one record: each variant becomes one record in the output (several
/// variants turn one record into several), with the given field values in place of the old.
#[derive(Debug, Clone)]
pub struct Rewrite {
    pub record: usize,
    /// For each variant, `(field index, new text)` pairs.
    pub variants: Vec<Vec<(usize, String)>>,
}

impl HbaFile {
    /// Returns the display column of `offset` within its physical line.
    pub fn column(&self, offset: usize) -> usize {
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        advance(0, &self.text[line_start..offset])
    }

    /// Returns the line break for new records: the record's own, else the file's first.
    fn newline_for(&self, record: &Record) -> &str {
        if let Some(range) = &record.newline {
            return &self.text[range.clone()];
        }
        match self.text.find('\n') {
            Some(i) if i > 0 && self.text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }

    /// Builds one edit per rewrite, replacing the record's range.
    ///
    /// A later field stays at its original column when the text before it leaves at least one
    /// space. Otherwise it moves right, to leave the file's narrowest gap. Records rewritten
    /// together whose next unchanged field started at one column are kept aligned with each
    /// other: if any of them must move that field, all of them move it to the same column.
    /// Gaps that contain a tab or a line continuation are copied unchanged.
    pub fn render(&self, rewrites: &[Rewrite]) -> Vec<Edit> {
        // For each variant: the item after its last changed field, that item's original column,
        // and the column the item needs after the new text.
        let mut demand = Vec::new();
        for rewrite in rewrites {
            let record = &self.records[rewrite.record];
            for variant in &rewrite.variants {
                let Some(last_changed) = variant.iter().map(|(index, _)| *index).max() else { continue };
                let Some(next) = self.next_aligned_item(record, last_changed) else { continue };
                let reached = self.render_variant(record, variant, None, Some(next)).1;
                let original = self.column(self.item_ranges(record)[next].start);
                let needed = if reached < original { original } else { reached + self.min_gap };
                demand.push((next, original, needed));
            }
        }
        // Variants whose next item started at one column form a group, placed at the largest
        // column any member needs.
        let mut groups: Vec<((usize, usize), usize)> = Vec::new();
        for (next, original, needed) in demand {
            match groups.iter_mut().find(|(key, _)| *key == (next, original)) {
                Some((_, column)) => *column = (*column).max(needed),
                None => groups.push(((next, original), needed)),
            }
        }

        let mut edits = Vec::new();
        for rewrite in rewrites {
            let record = &self.records[rewrite.record];
            let indent_start = self.text[..record.range.start].rfind('\n').map_or(0, |i| i + 1);
            let separator = format!("{}{}", self.newline_for(record), &self.text[indent_start..record.range.start]);
            let mut texts = Vec::new();
            for variant in &rewrite.variants {
                let last_changed = variant.iter().map(|(index, _)| *index).max();
                let target = last_changed.and_then(|last| self.next_aligned_item(record, last)).and_then(|next| {
                    let original = self.column(self.item_ranges(record)[next].start);
                    groups.iter().find(|(key, _)| *key == (next, original)).map(|(_, column)| (next, *column))
                });
                texts.push(self.render_variant(record, variant, target, None).0);
            }
            edits.push(Edit::replace(record.range.clone(), texts.join(&separator)));
        }
        edits
    }

    /// Returns the ranges of a record's fields followed by its trailing comment.
    fn item_ranges(&self, record: &Record) -> Vec<Range<usize>> {
        let mut items: Vec<Range<usize>> = record.fields.iter().map(|f| f.range.clone()).collect();
        items.extend(record.comment.clone());
        items
    }

    /// Returns the index of the item after `changed` when only spaces separate them.
    fn next_aligned_item(&self, record: &Record, changed: usize) -> Option<usize> {
        let items = self.item_ranges(record);
        let next = items.get(changed + 1)?;
        let gap = &self.text[items[changed].end..next.start];
        gap.bytes().all(|b| b == b' ').then_some(changed + 1)
    }

    /// Renders one variant of a record. `target` places one item at a given column. With
    /// `stop_before`, rendering stops before that item; the column reached is returned too.
    fn render_variant(
        &self,
        record: &Record,
        changes: &[(usize, String)],
        target: Option<(usize, usize)>,
        stop_before: Option<usize>,
    ) -> (String, usize) {
        let items = self.item_ranges(record);
        let mut out = String::new();
        let mut column = self.column(record.range.start);
        for (index, range) in items.iter().enumerate() {
            if stop_before == Some(index) {
                return (out, column);
            }
            if index > 0 {
                let previous_end = items[index - 1].end;
                let gap = &self.text[previous_end..range.start];
                let shifted = column != self.column(previous_end);
                let targeted = target.filter(|(item, _)| *item == index).map(|(_, column)| column);
                let spaces_only = gap.bytes().all(|b| b == b' ');
                if spaces_only && (shifted || targeted.is_some()) {
                    let target_column = targeted.unwrap_or_else(|| self.column(range.start));
                    let width = if column < target_column { target_column - column } else { self.min_gap };
                    out.push_str(&" ".repeat(width));
                    column += width;
                } else {
                    out.push_str(gap);
                    column = advance(column, gap);
                }
            }
            let piece = changes
                .iter()
                .find(|(field, _)| *field == index)
                .map_or(&self.text[range.clone()], |(_, text)| text.as_str());
            out.push_str(piece);
            column = advance(column, piece);
        }
        (out, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(file: &HbaFile) -> String {
        file.pieces.iter().map(|p| &file.text[p.range.clone()]).collect()
    }

    fn parsed(text: &str) -> HbaFile {
        let file = parse(text).unwrap_or_else(|e| panic!("parse failed: {e:?}"));
        assert_eq!(joined(&file), text, "pieces do not join back to the input");
        file
    }

    #[test]
    fn record_fields() {
        let file = parsed("host  all  all  10.0.0.0/8  md5  # office\n");
        let record = &file.records[0];
        let auth = record.auth().unwrap();
        assert_eq!(auth.connection, ConnectionType::Host);
        assert_eq!(record.method(), Some("md5"));
        assert_eq!(auth.address.as_ref().unwrap().1, Address::Network { address: "10.0.0.0".parse().unwrap(), prefix: 8, mask_column: false });
        assert_eq!(&file.text[record.comment.clone().unwrap()], "# office");
        assert_eq!(file.min_gap, 2);
    }

    #[test]
    fn address_and_mask() {
        let file = parsed("host all all 0.0.0.0 0.0.0.0 md5\nhost all all 10.1.0.0 255.255.0.0 md5\n");
        let auth = file.records[0].auth().unwrap();
        assert_eq!(auth.mask, Some(4));
        assert_eq!(auth.method, 5);
        assert_eq!(auth.address.as_ref().unwrap().1.whole_family(), Some(Family::V4));
        let second = file.records[1].auth().unwrap();
        assert_eq!(second.address.as_ref().unwrap().1, Address::Network { address: "10.1.0.0".parse().unwrap(), prefix: 16, mask_column: true });
    }

    #[test]
    fn quoted_and_lists() {
        let file = parsed("host \"all\",\"we\"\"ird db\", sales \"all\" samenet md5\n");
        let record = &file.records[0];
        let values: Vec<&str> = record.fields[1].tokens.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(values, ["all", "we\"ird db", "sales"]);
        assert!(record.fields[1].tokens[0].quoted);
        assert_eq!(record.fields[2].word(), None);
        assert_eq!(record.auth().unwrap().address.as_ref().unwrap().1, Address::SameNet);
    }

    #[test]
    fn quotes_ignored_outside_keywords() {
        let file = parsed("\"hostssl\" all all \"10.0.0.0\" \"255.0.0.0\" \"trust\"\nhost all all \"all\" md\"5\"\n");
        let first = &file.records[0];
        let auth = first.auth().unwrap();
        assert_eq!(auth.connection, ConnectionType::HostSsl);
        assert_eq!(auth.address.as_ref().unwrap().1, Address::Network { address: "10.0.0.0".parse().unwrap(), prefix: 8, mask_column: true });
        assert_eq!(first.method(), Some("trust"));
        assert_eq!(first.fields[auth.method].styled("md5"), "\"md5\"");
        let second = &file.records[1];
        assert_eq!(second.auth().unwrap().address.as_ref().unwrap().1, Address::HostName("all".into()));
        assert_eq!(second.method(), Some("md5"));
        assert_eq!(second.fields[0].styled("hostssl"), "hostssl");
        assert!(matches!(parse("\"host\",local all all 10.0.0.0/8 md5\n"), Err(HbaError::Parse(_))));
        assert!(matches!(parse("\"include\" extra.conf\n"), Err(HbaError::Parse(_))));
    }

    #[test]
    fn continuation_lines() {
        let text = "host all all \\\n    10.0.0.0/8 \\\r\n    md\\\n5 # note \\\ncontinued\r\nlocal all all peer";
        let file = parsed(text);
        assert_eq!(file.records.len(), 2);
        assert_eq!(file.records[0].method(), Some("md5"));
        assert_eq!(file.records[1].method(), Some("peer"));
        assert!(file.records[1].newline.is_none());
    }

    #[test]
    fn comment_without_space() {
        let file = parsed("host all all 10.0.0.0/8 md5#x\n");
        assert_eq!(file.records[0].method(), Some("md5"));
        assert!(file.records[0].comment.is_some());
    }

    #[test]
    fn includes() {
        let file = parsed("include_dir conf.d\ninclude_if_exists \"extra.conf\"\n");
        assert!(file.records.iter().all(|r| r.kind == RecordKind::Include));
    }

    #[test]
    fn errors() {
        assert!(matches!(parse("hots all all 10.0.0.0/8 md5\n"), Err(HbaError::Parse(_))));
        assert!(matches!(parse("host all all\n"), Err(HbaError::Parse(_))));
        assert!(matches!(parse("host all all 10.0.0.0/33 md5\n"), Err(HbaError::Parse(_))));
        assert!(matches!(parse("host all all 10.0.0.0 md5\n"), Err(HbaError::Parse(_))));
        assert!(matches!(parse("host \"all all 10.0.0.0/8 md5\n"), Err(HbaError::Parse(_))));
        assert!(matches!(parse("local all all @authmethod@\n"), Err(HbaError::Template(_))));
    }

    #[test]
    fn hostnames_and_loopback() {
        let file = parsed("host all all .example.com md5\nhost all all localhost md5\nhost all all 127.0.0.1/32 md5\nhost all all ::1/128 md5\n");
        let address = |i: usize| file.records[i].auth().unwrap().address.clone().unwrap().1;
        assert_eq!(address(0), Address::HostName(".example.com".into()));
        assert!(!address(0).is_local_only());
        assert!(address(1).is_local_only());
        assert!(address(2).is_local_only());
        assert!(address(3).is_local_only());
    }

    #[test]
    fn masks() {
        assert_eq!(prefix_of_mask(&"255.255.0.0".parse().unwrap()), Some(16));
        assert_eq!(prefix_of_mask(&"0.0.0.0".parse().unwrap()), Some(0));
        assert_eq!(prefix_of_mask(&"255.0.255.0".parse().unwrap()), None);
        assert_eq!(prefix_of_mask(&"ffff:ffff::".parse().unwrap()), Some(32));
        assert_eq!(mask_of_prefix(&"10.0.0.0".parse().unwrap(), 8).to_string(), "255.0.0.0");
        assert_eq!(mask_of_prefix(&"fd00::".parse().unwrap(), 48).to_string(), "ffff:ffff:ffff::");
    }

    fn rewrite(text: &str, rewrites: &[Rewrite]) -> String {
        let file = parsed(text);
        crate::edit::apply_edits(text, &file.render(rewrites))
    }

    #[test]
    fn render_keeps_columns_when_text_fits() {
        let text = "host    all   all   0.0.0.0/0      md5   # open\n";
        let out = rewrite(text, &[Rewrite { record: 0, variants: vec![vec![(3, "10.0.0.0/8".into())]] }]);
        assert_eq!(out, "host    all   all   10.0.0.0/8     md5   # open\n");
    }

    #[test]
    fn render_moves_field_that_no_longer_fits() {
        let text = "host  all  all  10.0.0.0/8  md5   # m\n";
        let out = rewrite(text, &[Rewrite { record: 0, variants: vec![vec![(4, "scram-sha-256".into())]] }]);
        assert_eq!(out, "host  all  all  10.0.0.0/8  scram-sha-256  # m\n");
    }

    #[test]
    fn render_aligns_variants_together() {
        let text = "host  all  all  0.0.0.0/0      md5\r\nlocal  all  all  peer\r\n";
        let variants = vec![vec![(3, "10.0.0.0/8".into())], vec![(3, "fd12:3456:789a::/48".into())]];
        let out = rewrite(text, &[Rewrite { record: 0, variants }]);
        assert_eq!(out, "host  all  all  10.0.0.0/8           md5\r\nhost  all  all  fd12:3456:789a::/48  md5\r\nlocal  all  all  peer\r\n");
    }

    #[test]
    fn render_copies_tab_gaps() {
        let text = "host\tall\tall\t0.0.0.0/0\tmd5\n";
        let out = rewrite(text, &[Rewrite { record: 0, variants: vec![vec![(0, "hostssl".into())]] }]);
        assert_eq!(out, "hostssl\tall\tall\t0.0.0.0/0\tmd5\n");
    }

    proptest::proptest! {
        #[test]
        fn tokenizer_round_trips_any_text(text in "[ \t\r\n#\"\\\\,a-z0-9./:@=-]{0,160}") {
            // The tokenizer alone, because most random text is no valid record.
            let mut lexer = Lexer { text: &text, bytes: text.as_bytes(), pos: 0, pieces: Vec::new() };
            let mut complete = true;
            while lexer.pos < text.len() {
                if lexer.logical_line().is_err() {
                    complete = false;
                    break;
                }
            }
            if complete {
                let joined: String = lexer.pieces.iter().map(|p| &text[p.range.clone()]).collect();
                proptest::prop_assert_eq!(joined, text);
            }
        }

        #[test]
        fn rewritten_records_parse_again(
            gaps in proptest::collection::vec("( {1,6}|\t|\\\\\n )", 5),
            address in "(0\\.0\\.0\\.0/0|::/0|all|10\\.0\\.0\\.0/8|samehost)",
            method in "(md5|password|trust)",
            tail in "(| # note| opt=1|  opt=1   # note)",
            crlf in proptest::bool::ANY,
        ) {
            let newline = if crlf { "\r\n" } else { "\n" };
            let text = format!("host{}all{}all{}{address}{}{method}{tail}{newline}local all all peer{newline}", gaps[0], gaps[1], gaps[2], gaps[3]);
            let file = parse(&text).expect("generated record parses");
            let auth = file.records[0].auth().unwrap().clone();
            let rewrites = [Rewrite {
                record: 0,
                variants: vec![
                    vec![(0, "hostssl".to_string()), (auth.method, "scram-sha-256".to_string())],
                    vec![(auth.address.unwrap().0, "fd12:3456:789a::/48".to_string())],
                ],
            }];
            let out = crate::edit::apply_edits(&text, &file.render(&rewrites));
            let again = parse(&out).expect("rewritten text parses");
            proptest::prop_assert_eq!(again.records.len(), 3);
            proptest::prop_assert_eq!(again.records[0].method(), Some("scram-sha-256"));
            proptest::prop_assert_eq!(again.records[1].method(), Some(method.as_str()));
            let last_record = format!("local all all peer{newline}");
            proptest::prop_assert!(out.ends_with(&last_record));
        }
    }
}
