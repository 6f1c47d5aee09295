//! A lossless tokenizer and block tree for nginx configuration files.
//!
//! The tokenizer follows nginx's own reader (`ngx_conf_read_token` in nginx 1.22). A word ends at
//! whitespace, `;` or `{`, but a `{` right after `$` belongs to a `${name}` variable. `}` and `#`
//! are special only at the start of a token, and a backslash escapes the next character. The bodies of `*_block` directives (`content_by_lua_block` and
//! the other Lua hooks) are kept as one raw token, with Lua strings and comments skipped while
//! looking for the closing brace. Every byte of the input belongs to exactly one token.

use std::ops::Range;

use crate::rule::ParseError;

/// Blocks nested deeper than this are rejected, which keeps the recursive passes off the end of
/// the stack on hostile input.
pub const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Space,
    Comment,
    Word,
    Quoted,
    Semicolon,
    Open,
    Close,
    /// The body of a raw block, between its braces.
    Raw,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Range<usize>,
}

/// One argument (or the name) of a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub span: Range<usize>,
    /// The value with quotes removed and escapes resolved.
    pub value: String,
    /// The quote character, for a quoted argument.
    pub quote: Option<char>,
}

/// The block context a directive sits in, named after the directive that opens the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Main,
    Events,
    Http,
    Server,
    Location,
    If,
    /// `if` inside `location`: the only `if` that accepts `add_header`.
    IfInLocation,
    LimitExcept,
    Upstream,
    Map,
    Types,
    Stream,
    StreamServer,
    Mail,
    /// A Lua or other raw block; its body is not parsed.
    Raw,
    /// Any other block (`geo`, `split_clients`, `match`, ...), or a snippet whose context is unknown.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Offset of `{`.
    pub open: usize,
    /// Offset of `}`.
    pub close: usize,
    pub context: Context,
    pub children: Vec<Directive>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: Arg,
    pub args: Vec<Arg>,
    /// From the name to the `;` or `}` that ends it, inclusive.
    pub span: Range<usize>,
    pub block: Option<Block>,
}

impl Directive {
    pub fn is(&self, name: &str) -> bool {
        self.name.value == name
    }

    pub fn arg(&self, index: usize) -> Option<&str> {
        self.args.get(index).map(|arg| arg.value.as_str())
    }

    /// Returns the end of the directive's head: after its last argument, or after the name.
    pub fn head_end(&self) -> usize {
        self.args.last().map(|arg| arg.span.end).unwrap_or(self.name.span.end)
    }
}

/// A parsed file: its tokens, which joined give back the text, and its top-level directives.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub tokens: Vec<Token>,
    pub children: Vec<Directive>,
}

impl Parsed {
    /// Joins the token texts; equals the input for every parse.
    pub fn reassemble(&self, text: &str) -> String {
        self.tokens.iter().map(|token| &text[token.span.clone()]).collect()
    }
}

/// Parses `text` into tokens and a block tree. Contexts are set by [`assign_contexts`] later,
/// once the top-level context is known; until then every block has [`Context::Other`].
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let tokens = tokenize(text)?;
    let mut builder = TreeBuilder { text, tokens: &tokens, position: 0 };
    let children = builder.directives(0, None)?;
    Ok(Parsed { tokens, children })
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether a directive keeps its block body as raw text (`content_by_lua_block` and the like).
pub fn is_raw_block_name(name: &str) -> bool {
    name.ends_with("_block")
}

fn tokenize(text: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    // Tracks the words of the current directive, to know when a `{` opens a raw block.
    let mut directive_start = true;
    let mut raw_pending = false;
    while at < bytes.len() {
        let start = at;
        let byte = bytes[at];
        let kind = if is_space(byte) {
            while at < bytes.len() && is_space(bytes[at]) {
                at += 1;
            }
            TokenKind::Space
        } else if byte == b'#' {
            while at < bytes.len() && bytes[at] != b'\n' {
                at += 1;
            }
            // A comment keeps the `\r` of a CRLF line break, and the `\n` becomes a space token.
            // Both are kept verbatim, so nothing is lost.
            TokenKind::Comment
        } else if byte == b';' {
            at += 1;
            directive_start = true;
            raw_pending = false;
            TokenKind::Semicolon
        } else if byte == b'{' {
            at += 1;
            tokens.push(Token { kind: TokenKind::Open, span: start..at });
            directive_start = true;
            if raw_pending {
                raw_pending = false;
                let end = raw_body_end(text, at)?;
                if end > at {
                    tokens.push(Token { kind: TokenKind::Raw, span: at..end });
                }
                tokens.push(Token { kind: TokenKind::Close, span: end..end + 1 });
                at = end + 1;
            }
            continue;
        } else if byte == b'}' {
            at += 1;
            directive_start = true;
            raw_pending = false;
            TokenKind::Close
        } else if byte == b'"' || byte == b'\'' {
            at += 1;
            loop {
                match bytes.get(at) {
                    None => return Err(ParseError::at(start, "unterminated quoted string")),
                    Some(b'\\') => at += 2,
                    Some(&b) if b == byte => {
                        at += 1;
                        break;
                    }
                    Some(_) => at += 1,
                }
            }
            if at > bytes.len() {
                return Err(ParseError::at(start, "unterminated quoted string"));
            }
            if let Some(&next) = bytes.get(at) {
                // nginx also accepts `)` right after a quote, as in `if ($a = "b")`.
                if !is_space(next) && !matches!(next, b';' | b'{' | b'}' | b')') {
                    return Err(ParseError::at(at, "unexpected character after a quoted string; add a space"));
                }
            }
            if directive_start {
                raw_pending = false;
                directive_start = false;
            }
            TokenKind::Quoted
        } else {
            let mut variable = false;
            while at < bytes.len() {
                let b = bytes[at];
                if b == b'{' && variable {
                    at += 1;
                    variable = false;
                    continue;
                }
                variable = false;
                if b == b'\\' {
                    at = (at + 2).min(bytes.len());
                    continue;
                }
                if b == b'$' {
                    variable = true;
                    at += 1;
                    continue;
                }
                if is_space(b) || b == b';' || b == b'{' {
                    break;
                }
                at += 1;
            }
            if directive_start {
                raw_pending = is_raw_block_name(&text[start..at]);
                directive_start = false;
            }
            TokenKind::Word
        };
        tokens.push(Token { kind, span: start..at });
    }
    Ok(tokens)
}

/// Returns the offset of the `}` that closes a raw (Lua) body starting at `from`, skipping Lua
/// strings, long brackets and comments.
fn raw_body_end(text: &str, from: usize) -> Result<usize, ParseError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'{' => depth += 1,
            b'}' => {
                if depth == 0 {
                    return Ok(at);
                }
                depth -= 1;
            }
            b'"' | b'\'' => {
                let quote = bytes[at];
                at += 1;
                while at < bytes.len() && bytes[at] != quote && bytes[at] != b'\n' {
                    if bytes[at] == b'\\' {
                        at += 1;
                    }
                    at += 1;
                }
            }
            b'-' if bytes.get(at + 1) == Some(&b'-') => {
                at += 2;
                if let Some(end) = long_bracket_end(bytes, at) {
                    at = end;
                    continue;
                }
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
                continue;
            }
            b'[' => {
                if let Some(end) = long_bracket_end(bytes, at) {
                    at = end;
                    continue;
                }
            }
            _ => {}
        }
        at += 1;
    }
    Err(ParseError::at(from.saturating_sub(1), "unterminated Lua block: no closing `}`"))
}

/// If a Lua long bracket (`[[`, `[==[`) opens at `at`, returns the offset after its closing bracket.
fn long_bracket_end(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at) != Some(&b'[') {
        return None;
    }
    let mut level = 0;
    let mut cursor = at + 1;
    while bytes.get(cursor) == Some(&b'=') {
        level += 1;
        cursor += 1;
    }
    if bytes.get(cursor) != Some(&b'[') {
        return None;
    }
    let mut closing = vec![b']'];
    closing.extend(std::iter::repeat_n(b'=', level));
    closing.push(b']');
    let body = &bytes[cursor + 1..];
    let found = body.windows(closing.len()).position(|window| window == closing.as_slice());
    Some(match found {
        Some(offset) => cursor + 1 + offset + closing.len(),
        None => bytes.len(),
    })
}

/// Resolves quotes and backslash escapes the way nginx does for an argument's value.
fn unquote(raw: &str) -> (String, Option<char>) {
    let (quote, body) = match raw.chars().next() {
        Some(q @ ('"' | '\'')) if raw.len() >= 2 => (Some(q), &raw[1..raw.len() - 1]),
        _ => (None, raw),
    };
    let mut value = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ ('"' | '\'' | '\\')) => value.push(next),
                Some('t') => value.push('\t'),
                Some('r') => value.push('\r'),
                Some('n') => value.push('\n'),
                Some(other) => {
                    value.push('\\');
                    value.push(other);
                }
                None => value.push('\\'),
            }
        } else {
            value.push(c);
        }
    }
    (value, quote)
}

struct TreeBuilder<'a> {
    text: &'a str,
    tokens: &'a [Token],
    position: usize,
}

impl TreeBuilder<'_> {
    /// Reads directives until the `}` that closes the block opened at `open` (or the end of the
    /// file at top level).
    fn directives(&mut self, depth: usize, open: Option<usize>) -> Result<Vec<Directive>, ParseError> {
        let mut children = Vec::new();
        let mut words: Vec<Arg> = Vec::new();
        while self.position < self.tokens.len() {
            let token = &self.tokens[self.position];
            self.position += 1;
            match token.kind {
                TokenKind::Space | TokenKind::Comment => {}
                TokenKind::Word | TokenKind::Quoted => {
                    let (value, quote) = unquote(&self.text[token.span.clone()]);
                    words.push(Arg { span: token.span.clone(), value, quote });
                }
                TokenKind::Semicolon => {
                    if words.is_empty() {
                        return Err(ParseError::at(token.span.start, "unexpected `;` without a directive"));
                    }
                    let name = words.remove(0);
                    let span = name.span.start..token.span.end;
                    children.push(Directive { name, args: std::mem::take(&mut words), span, block: None });
                }
                TokenKind::Open => {
                    if words.is_empty() {
                        return Err(ParseError::at(token.span.start, "unexpected `{` without a directive name"));
                    }
                    if depth + 1 > MAX_DEPTH {
                        return Err(ParseError::at(token.span.start, format!("blocks are nested more than {MAX_DEPTH} levels deep")));
                    }
                    let name = words.remove(0);
                    let open_at = token.span.start;
                    let inner = if is_raw_block_name(&name.value) {
                        // The tokenizer emitted the raw body (if any) and the closing brace.
                        while self.position < self.tokens.len() && self.tokens[self.position].kind == TokenKind::Raw {
                            self.position += 1;
                        }
                        self.position += 1;
                        Vec::new()
                    } else {
                        self.directives(depth + 1, Some(open_at))?
                    };
                    let close = self.tokens[self.position - 1].span.start;
                    let context = if is_raw_block_name(&name.value) { Context::Raw } else { Context::Other };
                    let span = name.span.start..close + 1;
                    children.push(Directive {
                        name,
                        args: std::mem::take(&mut words),
                        span,
                        block: Some(Block { open: open_at, close, context, children: inner }),
                    });
                }
                TokenKind::Close => {
                    if let Some(word) = words.first() {
                        return Err(ParseError::at(word.span.start, format!("directive `{}` is not terminated by `;`", word.value)));
                    }
                    if open.is_none() {
                        return Err(ParseError::at(token.span.start, "unexpected `}` without a matching `{`"));
                    }
                    return Ok(children);
                }
                TokenKind::Raw => {}
            }
        }
        if let Some(word) = words.first() {
            return Err(ParseError::at(word.span.start, format!("directive `{}` is not terminated by `;`", word.value)));
        }
        if let Some(open) = open {
            return Err(ParseError::at(open, "block opened here is never closed: missing `}`"));
        }
        Ok(children)
    }
}

/// Returns the context of a block opened by `name` inside a block of context `parent`.
pub fn child_context(parent: Context, name: &str) -> Context {
    match (parent, name) {
        (_, n) if is_raw_block_name(n) => Context::Raw,
        (Context::Main, "http") => Context::Http,
        (Context::Main, "events") => Context::Events,
        (Context::Main, "stream") => Context::Stream,
        (Context::Main, "mail") => Context::Mail,
        (Context::Http, "server") => Context::Server,
        (Context::Stream, "server") => Context::StreamServer,
        (Context::Http | Context::Stream, "upstream") => Context::Upstream,
        (Context::Http | Context::Stream, "map") => Context::Map,
        (Context::Http | Context::Server | Context::Location, "types") => Context::Types,
        (Context::Server | Context::Location, "location") => Context::Location,
        (Context::Server, "if") => Context::If,
        (Context::Location | Context::IfInLocation, "if") => Context::IfInLocation,
        (Context::Location, "limit_except") => Context::LimitExcept,
        _ => Context::Other,
    }
}

/// Sets the context of every block below `children`, which sit in `context`.
pub fn assign_contexts(children: &mut [Directive], context: Context) {
    for directive in children {
        if let Some(block) = &mut directive.block {
            block.context = child_context(context, &directive.name.value);
            assign_contexts(&mut block.children, block.context);
        }
    }
}

/// Infers the context of a file's top level from its directives. A file with `http`, `events`
/// or other main-only directives is a main file. `server` blocks mean it is included into
/// `http`, and `location` blocks mean it is included into `server`.
pub fn infer_top_context(children: &[Directive]) -> Context {
    const MAIN_ONLY: &[&str] = &[
        "http", "events", "stream", "mail", "worker_processes", "user", "pid", "load_module",
        "worker_rlimit_nofile", "daemon", "master_process", "env", "worker_cpu_affinity",
    ];
    if children.iter().any(|d| MAIN_ONLY.contains(&d.name.value.as_str())) {
        return Context::Main;
    }
    if children.iter().any(|d| d.is("server") && d.block.is_some()) {
        return Context::Http;
    }
    if children.iter().any(|d| d.is("location") && d.block.is_some()) {
        return Context::Server;
    }
    if children.iter().any(|d| d.is("listen") || d.is("server_name")) {
        return Context::Server;
    }
    Context::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) -> Parsed {
        let parsed = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        assert_eq!(parsed.reassemble(text), text);
        parsed
    }

    #[test]
    fn lossless_on_mixed_input() {
        let text = "user nginx;\r\nhttp {\r\n\tserver {  # c\r\n\t\tlisten 80;\r\n\t\tset $a \"x\\\"y\";\r\n\t\treturn 200 '${a}b';\r\n\t}\r\n}";
        let parsed = roundtrip(text);
        assert_eq!(parsed.children.len(), 2);
        let server = &parsed.children[1].block.as_ref().unwrap().children[0];
        let set = &server.block.as_ref().unwrap().children[1];
        assert_eq!(set.arg(1), Some("x\"y"));
        assert_eq!(set.args[1].quote, Some('"'));
    }

    #[test]
    fn variable_braces_stay_in_word() {
        let parsed = roundtrip("set $x ${host}abc;\n");
        assert_eq!(parsed.children[0].arg(1), Some("${host}abc"));
    }

    #[test]
    fn lua_block_is_raw() {
        let text = "location / {\n  content_by_lua_block {\n    local t = { a = \"}\" } -- }\n    ngx.say([[ } ]])\n  }\n  add_header A b;\n}\n";
        let parsed = roundtrip(text);
        let location = parsed.children[0].block.as_ref().unwrap();
        assert_eq!(location.children.len(), 2);
        assert!(location.children[1].is("add_header"));
        assert!(parsed.tokens.iter().any(|t| t.kind == TokenKind::Raw));
    }

    #[test]
    fn errors_carry_offsets() {
        assert_eq!(parse("http {\n").unwrap_err().offset, Some(5));
        assert_eq!(parse("a b;\n}\n").unwrap_err().offset, Some(5));
        assert_eq!(parse("a \"b;\n").unwrap_err().offset, Some(2));
        assert_eq!(parse("a b\n").unwrap_err().offset, Some(0));
        let deep = "a {".repeat(MAX_DEPTH + 5);
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
    }

    #[test]
    fn quote_before_parenthesis() {
        let parsed = roundtrip("if ($cors = \"true\") {\n    return 204;\n}\n");
        let args: Vec<&str> = parsed.children[0].args.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(args, ["($cors", "=", "true", ")"]);
    }

    #[test]
    fn comment_only_at_token_start() {
        let parsed = roundtrip("return 200 a#b; # tail\n");
        assert_eq!(parsed.children[0].arg(1), Some("a#b"));
    }

    #[test]
    fn contexts_follow_nesting() {
        let mut parsed = roundtrip("http { server { location / { if ($a) { } limit_except GET { } } if ($b) { } } }");
        let top = infer_top_context(&parsed.children);
        assert_eq!(top, Context::Main);
        assign_contexts(&mut parsed.children, top);
        let http = parsed.children[0].block.as_ref().unwrap();
        let server = http.children[0].block.as_ref().unwrap();
        let location = server.children[0].block.as_ref().unwrap();
        assert_eq!(http.context, Context::Http);
        assert_eq!(server.context, Context::Server);
        assert_eq!(location.context, Context::Location);
        assert_eq!(location.children[0].block.as_ref().unwrap().context, Context::IfInLocation);
        assert_eq!(location.children[1].block.as_ref().unwrap().context, Context::LimitExcept);
        assert_eq!(server.children[1].block.as_ref().unwrap().context, Context::If);
    }

    #[test]
    fn snippet_contexts() {
        assert_eq!(infer_top_context(&parse("server { }").unwrap().children), Context::Http);
        assert_eq!(infer_top_context(&parse("location / { }").unwrap().children), Context::Server);
        assert_eq!(infer_top_context(&parse("add_header A b;").unwrap().children), Context::Other);
    }
}
