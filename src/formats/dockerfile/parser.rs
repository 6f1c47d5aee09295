//! A lossless Dockerfile parser.
//!
//! The text is cut into contiguous [`Piece`]s (parser directives, comments, blank lines and
//! instructions) whose ranges, joined in order, give back the input byte for byte. An instruction
//! piece covers its continuation lines, the comment and blank lines BuildKit skips inside a
//! continuation, and the bodies of its heredocs up to and including each terminator line.
//!
//! What BuildKit does and this parser copies:
//! - Parser directives (`# escape=`, `# syntax=`, `# check=`) are recognised only before the first
//!   comment, blank line or instruction, and only when `#` is the first character of the line.
//! - A line continues when its last character other than spaces and tabs is the escape character
//!   (`\` unless `# escape=` sets a backtick). Comment lines and empty lines inside a continuation
//!   are skipped. An escape character on the last line of the file just ends the instruction.
//! - Heredocs (`<<EOF`, `<<-EOF`, `<<'EOF'`, `<<"EOF"`, several per instruction) belong to `RUN`,
//!   `COPY` and `ADD` in shell form. Their bodies follow the instruction's last line, one after
//!   the other, and are opaque data: a body line that reads `USER root` is no instruction.
//! - Instruction keywords are case-insensitive.

use std::ops::Range;

use crate::rule::ParseError;

/// The instructions BuildKit accepts.
const KEYWORDS: &[&str] = &[
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
];

/// Parser directives that may appear only once.
const DIRECTIVES: &[&str] = &["escape", "syntax", "check"];

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The parsed text, which every range points into.
    pub text: String,
    /// The escape character: `\` or a backtick.
    pub escape: char,
    /// Contiguous pieces covering the whole text.
    pub pieces: Vec<Piece>,
    pub instructions: Vec<Instruction>,
    /// `ARG` instructions before the first `FROM`: names with their default values.
    pub global_args: Vec<ArgDefault>,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    Directive,
    Comment,
    Blank,
    /// An instruction, by index into [`Dockerfile::instructions`].
    Instruction(usize),
}

/// A contiguous part of the text, line breaks included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub kind: PieceKind,
    pub range: Range<usize>,
}

/// One instruction.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// The keyword in upper case (`RUN`), whatever its case in the file.
    pub keyword: String,
    /// The keyword as written.
    pub keyword_range: Range<usize>,
    /// Everything the instruction covers: continuation lines, skipped comments, heredoc bodies
    /// and the final line break.
    pub range: Range<usize>,
    /// From the first argument character to the end of the last continuation line's content,
    /// heredoc bodies excluded. Empty (at the keyword's end) when there are no arguments.
    pub args_range: Range<usize>,
    /// The arguments as BuildKit reads them: continuation escapes and line breaks removed,
    /// comment lines inside the continuation dropped, outer whitespace trimmed.
    pub args: String,
    pub heredocs: Vec<Heredoc>,
    /// 0-based line of the keyword.
    pub line: usize,
    /// Whether the file ends while the instruction's last line still ends with the escape character.
    /// Any line added after such an instruction would become part of it.
    pub open_continuation: bool,
}

impl Instruction {
    /// Returns the arguments as a list of strings when they are in JSON (exec) form. Like
    /// BuildKit, text that starts with `[` but is no JSON array of strings is shell form.
    pub fn json_args(&self) -> Option<Vec<String>> {
        let trimmed = self.args.trim();
        if !trimmed.starts_with('[') {
            return None;
        }
        serde_json::from_str::<Vec<String>>(trimmed).ok()
    }

    /// Returns the flags (`--platform=linux/amd64`, `--chown=app`) at the start of the arguments
    /// and the arguments after them, split on whitespace.
    pub fn flags_and_words(&self) -> (Vec<String>, Vec<String>) {
        let mut flags = Vec::new();
        let mut words = Vec::new();
        for word in self.args.split_whitespace() {
            if words.is_empty() && word.starts_with("--") {
                flags.push(word.to_string());
            } else {
                words.push(word.to_string());
            }
        }
        (flags, words)
    }

    /// Returns the value of flag `--name=value`, if present.
    pub fn flag(&self, name: &str) -> Option<String> {
        let prefix = format!("--{name}=");
        self.flags_and_words().0.into_iter().find_map(|flag| flag.strip_prefix(&prefix).map(str::to_string))
    }
}

/// One heredoc of an instruction.
#[derive(Debug, Clone)]
pub struct Heredoc {
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from body lines and from the terminator.
    pub strip_tabs: bool,
    /// `<<'EOF'` or `<<"EOF"`: the body is not expanded.
    pub quoted: bool,
    /// The body lines, line breaks included, without the terminator line.
    pub body: Range<usize>,
}

/// A build argument's name and its default value, if it has one.
pub type ArgDefault = (String, Option<String>);

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Index of the `FROM` instruction.
    pub from: usize,
    /// The image reference as written (`node:20`, `${BASE}`, `build`).
    pub image: String,
    /// The name given with `AS`, lowercased as BuildKit compares stage names.
    pub name: Option<String>,
    pub platform: Option<String>,
    /// Indexes of the instructions after `FROM`, in order.
    pub instructions: Vec<usize>,
}

/// One line of the text.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    /// End of the content, before `\r\n` or `\n`.
    content_end: usize,
    /// Start of the next line.
    end: usize,
}

fn split_lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let (content_end, end) = match text[start..].find('\n') {
            Some(at) => {
                let newline = start + at;
                let content_end = if newline > start && bytes[newline - 1] == b'\r' { newline - 1 } else { newline };
                (content_end, newline + 1)
            }
            None => (text.len(), text.len()),
        };
        lines.push(Line { start, content_end, end });
        start = end;
    }
    lines
}

/// Parses `text` (without a BOM).
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let lines = split_lines(text);
    let mut escape = '\\';
    let mut pieces = Vec::new();
    let mut instructions = Vec::new();
    let mut seen_directives: Vec<String> = Vec::new();
    let mut directives_open = true;
    let mut index = 0;

    while index < lines.len() {
        let line = lines[index];
        let content = &text[line.start..line.content_end];

        if directives_open {
            if let Some((key, value)) = parse_directive(content) {
                if DIRECTIVES.contains(&key.as_str()) {
                    if seen_directives.contains(&key) {
                        return Err(ParseError::at(line.start, format!("the `# {key}=` parser directive appears twice; keep only one")));
                    }
                    seen_directives.push(key.clone());
                }
                if key == "escape" {
                    escape = match value.as_str() {
                        "\\" => '\\',
                        "`" => '`',
                        _ => {
                            return Err(ParseError::at(
                                line.start,
                                format!("invalid escape character `{value}` in the `# escape=` directive: use `\\` or a backtick"),
                            ))
                        }
                    };
                }
                pieces.push(Piece { kind: PieceKind::Directive, range: line.start..line.end });
                index += 1;
                continue;
            }
            directives_open = false;
        }

        let trimmed = content.trim_start();
        if trimmed.trim().is_empty() {
            pieces.push(Piece { kind: PieceKind::Blank, range: line.start..line.end });
            index += 1;
        } else if trimmed.starts_with('#') {
            pieces.push(Piece { kind: PieceKind::Comment, range: line.start..line.end });
            index += 1;
        } else {
            let (instruction, next) = parse_instruction(text, &lines, index, escape)?;
            pieces.push(Piece { kind: PieceKind::Instruction(instructions.len()), range: instruction.range.clone() });
            instructions.push(instruction);
            index = next;
        }
    }

    let (global_args, stages) = build_stages(&instructions)?;
    Ok(Dockerfile { text: text.to_string(), escape, pieces, instructions, global_args, stages })
}

/// Reads `# key=value` as BuildKit's directive pattern does: `#` first on the line, a key of
/// letters and digits starting with a letter, `=`, and a non-empty value. Keys are lowercased.
fn parse_directive(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?.trim_start_matches([' ', '\t']);
    let key_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    let key = &rest[..key_len];
    if key.is_empty() || !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest[key_len..].trim_start_matches([' ', '\t']).strip_prefix('=')?.trim_matches([' ', '\t']);
    if value.is_empty() {
        return None;
    }
    Some((key.to_ascii_lowercase(), value.to_string()))
}

/// Returns `line` without its continuation escape (and the spaces or tabs after it), or `None`
/// when the line does not continue.
fn strip_continuation(line: &str, escape: char) -> Option<&str> {
    line.trim_end_matches([' ', '\t']).strip_suffix(escape)
}

/// Parses the instruction that starts on line `first`. Returns it and the index of the line
/// after it.
fn parse_instruction(text: &str, lines: &[Line], first: usize, escape: char) -> Result<(Instruction, usize), ParseError> {
    let line = lines[first];
    let content = &text[line.start..line.content_end];
    let indent = content.len() - content.trim_start().len();
    let keyword_start = line.start + indent;
    let keyword_len = text[keyword_start..line.content_end]
        .find(|c: char| c.is_whitespace() || c == escape)
        .unwrap_or(line.content_end - keyword_start);
    let keyword_range = keyword_start..keyword_start + keyword_len;
    let keyword_text = &text[keyword_range.clone()];
    let keyword = keyword_text.to_ascii_uppercase();
    if !KEYWORDS.contains(&keyword.as_str()) {
        let word = text[keyword_start..line.content_end].split_whitespace().next().unwrap_or("");
        return Err(ParseError::at(keyword_start, format!("unknown instruction `{word}`: expected a Dockerfile instruction such as `FROM` or `RUN`")));
    }

    // Join the continuation lines into the logical arguments.
    let mut args = String::new();
    let mut args_start: Option<usize> = None;
    let mut args_end = keyword_range.end;
    let mut index = first;
    let mut segment_start = keyword_range.end;
    let mut open_continuation = false;
    loop {
        let current = lines[index];
        let segment = &text[segment_start..current.content_end];
        let is_skippable = index > first && (segment.trim().is_empty() || segment.trim_start().starts_with('#'));
        if !is_skippable {
            if args_start.is_none() {
                let leading = segment.len() - segment.trim_start().len();
                if leading < segment.len() {
                    args_start = Some(segment_start + leading);
                }
            }
            match strip_continuation(segment, escape) {
                Some(joined) => {
                    args.push_str(joined);
                    args_end = current.content_end;
                }
                None => {
                    args.push_str(segment);
                    args_end = current.content_end;
                    index += 1;
                    break;
                }
            }
        }
        index += 1;
        if index >= lines.len() {
            open_continuation = true;
            break;
        }
        segment_start = lines[index].start;
    }
    let args_start = args_start.unwrap_or(keyword_range.end).min(args_end);
    let args = args.trim().to_string();

    // Heredoc bodies follow the instruction's last line, in the order their markers appear.
    let mut heredocs = Vec::new();
    let is_json = args.starts_with('[') && serde_json::from_str::<Vec<String>>(&args).is_ok();
    let takes_heredocs = matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") && !is_json;
    if takes_heredocs {
        for marker in heredoc_markers(&args, escape) {
            let body_start = lines.get(index).map_or(text.len(), |l| l.start);
            let mut terminated = false;
            while index < lines.len() {
                let body_line = &text[lines[index].start..lines[index].content_end];
                let candidate = if marker.strip_tabs { body_line.trim_start_matches('\t') } else { body_line };
                if candidate == marker.delimiter {
                    terminated = true;
                    break;
                }
                index += 1;
            }
            if !terminated {
                return Err(ParseError::at(
                    keyword_start,
                    format!(
                        "unterminated heredoc: `{keyword_text}` opens `<<{}` but no line `{}` closes it",
                        marker.delimiter, marker.delimiter
                    ),
                ));
            }
            let body_end = lines[index].start;
            heredocs.push(Heredoc { delimiter: marker.delimiter, strip_tabs: marker.strip_tabs, quoted: marker.quoted, body: body_start..body_end });
            index += 1;
        }
    }

    let end = if index == 0 { 0 } else { lines[index - 1].end };
    let instruction = Instruction {
        keyword,
        keyword_range,
        range: line.start..end,
        args_range: args_start..args_end,
        args,
        heredocs,
        line: first,
        open_continuation,
    };
    Ok((instruction, index))
}

struct HeredocMarker {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

/// Finds the heredoc markers in shell-form arguments the way BuildKit does. The arguments are
/// split into words on whitespace outside quotes. A word is a marker when it reads `<<NAME`,
/// `<<-NAME`, `<<'NAME'` or `<<"NAME"` with no further `<`, optionally after a file descriptor
/// (`3<<EOF`). So `cat<<EOF`, `$((1<<2))`, `'<<EOF'` and the here-string `<<<` are no
/// heredocs.
fn heredoc_markers(args: &str, escape: char) -> Vec<HeredocMarker> {
    shell_words(args, escape).iter().filter_map(|word| heredoc_marker(word)).collect()
}

/// Splits `args` on whitespace outside quotes, keeping quotes and escapes in the words.
fn shell_words(args: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = args.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                word.push(c);
                if c == q {
                    quote = None;
                } else if q == '"' && c == escape {
                    word.extend(chars.next());
                }
            }
            None if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            None => {
                word.push(c);
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == escape {
                    word.extend(chars.next());
                }
            }
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn heredoc_marker(word: &str) -> Option<HeredocMarker> {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit()).strip_prefix("<<")?;
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(after) => (true, after),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let quoted = rest.contains(['\'', '"']);
    let delimiter: String = rest.chars().filter(|&c| c != '\'' && c != '"').collect();
    if delimiter.is_empty() {
        return None;
    }
    Some(HeredocMarker { delimiter, strip_tabs, quoted })
}

/// Splits instructions into global `ARG`s and stages. Only `ARG` may come before the first
/// `FROM`.
fn build_stages(instructions: &[Instruction]) -> Result<(Vec<ArgDefault>, Vec<Stage>), ParseError> {
    let mut global_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for (index, instruction) in instructions.iter().enumerate() {
        if instruction.keyword == "FROM" {
            stages.push(parse_from(index, instruction)?);
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(index);
        } else if instruction.keyword == "ARG" {
            global_args.extend(parse_arg(&instruction.args));
        } else {
            return Err(ParseError::at(
                instruction.keyword_range.start,
                format!("`{}` comes before the first `FROM`; only `ARG` may", instruction.keyword),
            ));
        }
    }
    Ok((global_args, stages))
}

fn parse_from(index: usize, instruction: &Instruction) -> Result<Stage, ParseError> {
    let (flags, words) = instruction.flags_and_words();
    let platform = flags.iter().find_map(|flag| flag.strip_prefix("--platform=").map(str::to_string));
    let at = instruction.keyword_range.start;
    let (image, name) = match words.as_slice() {
        [image] => (image.clone(), None),
        [image, keyword, name] if keyword.eq_ignore_ascii_case("as") => (image.clone(), Some(name.to_ascii_lowercase())),
        [] => return Err(ParseError::at(at, "`FROM` names no image")),
        _ => return Err(ParseError::at(at, format!("invalid `FROM {}`: expected `FROM image` or `FROM image AS name`", instruction.args))),
    };
    Ok(Stage { from: index, image, name, platform, instructions: Vec::new() })
}

/// Parses the arguments of `ARG name[=default] ...`. Quotes around a default are removed.
pub fn parse_arg(args: &str) -> Vec<ArgDefault> {
    args.split_whitespace()
        .map(|word| match word.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(unquote(value).to_string())),
            None => (word.to_string(), None),
        })
        .collect()
}

/// Removes one pair of matching outer quotes.
pub fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(text: &str) -> String {
        let parsed = parse(text).expect("parses");
        let mut out = String::new();
        let mut at = 0;
        for piece in &parsed.pieces {
            assert_eq!(piece.range.start, at, "pieces are contiguous");
            out.push_str(&text[piece.range.clone()]);
            at = piece.range.end;
        }
        out
    }

    #[test]
    fn round_trip_mixed() {
        let text = "# syntax=docker/dockerfile:1\n\nARG V=1\nfrom alpine:${V} as base\r\nRUN a \\\n  # note\n\n  b\nCMD x";
        assert_eq!(joined(text), text);
    }

    #[test]
    fn continuation_joins_args() {
        let parsed = parse("RUN echo a \\\n  # skipped\n  && echo b\n").unwrap_err();
        assert!(parsed.message.contains("before the first `FROM`"));
        let parsed = parse("FROM x\nRUN echo a \\\n  # skipped\n  && echo b\n").unwrap();
        assert_eq!(parsed.instructions[1].args, "echo a   && echo b");
        assert_eq!(parsed.instructions[1].range.end, parsed.pieces.last().unwrap().range.end);
    }

    #[test]
    fn backtick_escape() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n  C:\\ \nCMD x\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.escape, '`');
        assert_eq!(parsed.instructions[1].args, "dir   C:\\");
        assert_eq!(parsed.instructions.len(), 3);
    }

    #[test]
    fn heredoc_bodies_are_opaque() {
        let text = "FROM x\nRUN <<-A cat <<'B'\n\tUSER root\n\tA\nUser y\nB\nCMD z\n";
        let parsed = parse(text).unwrap();
        let keywords: Vec<&str> = parsed.instructions.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(keywords, ["FROM", "RUN", "CMD"]);
        let heredocs = &parsed.instructions[1].heredocs;
        assert_eq!(heredocs.len(), 2);
        assert!(heredocs[0].strip_tabs);
        assert!(heredocs[1].quoted);
        assert_eq!(&text[heredocs[1].body.clone()], "User y\n");
    }

    #[test]
    fn heredoc_edge_forms() {
        let text = "FROM x\nADD <<EOF /empty\nEOF\nCOPY <<no-docs <<no-man /etc/dpkg/\npath-exclude /usr/share/doc/*\nno-docs\npath-exclude /usr/share/man/*\nno-man\nCMD y\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.instructions.len(), 4);
        assert!(parsed.instructions[1].heredocs[0].body.is_empty());
        let names: Vec<&str> = parsed.instructions[2].heredocs.iter().map(|h| h.delimiter.as_str()).collect();
        assert_eq!(names, ["no-docs", "no-man"]);
    }

    #[test]
    fn heredoc_after_shell_test_bracket() {
        let parsed = parse("FROM x\nRUN [ -d /srv ] && cat <<EOF > /srv/motd\nUSER root\nEOF\nCMD y\n").unwrap();
        assert_eq!(parsed.instructions.len(), 3);
        assert_eq!(parsed.instructions[1].heredocs.len(), 1);
    }

    #[test]
    fn unterminated_heredoc_fails() {
        let error = parse("FROM x\nRUN <<EOF\necho\n").unwrap_err();
        assert!(error.message.contains("unterminated heredoc"), "{}", error.message);
        assert_eq!(error.offset, Some(7));
    }

    #[test]
    fn here_string_and_quoted_marker_are_not_heredocs() {
        let parsed = parse("FROM x\nRUN cat <<< hi && echo '<<EOF' \"a <<B\" $((1<<2)) cat<<C\nCMD y\n").unwrap();
        assert!(parsed.instructions[1].heredocs.is_empty());
        assert_eq!(parsed.instructions.len(), 3);
    }

    #[test]
    fn heredoc_marker_forms() {
        let parsed = parse("FROM x\nRUN 3<<\"A\" python3 - <<-B\nbody\nA\n\tB\nCMD y\n").unwrap();
        let heredocs = &parsed.instructions[1].heredocs;
        assert_eq!(heredocs.len(), 2);
        assert_eq!(heredocs[0].delimiter, "A");
        assert!(heredocs[0].quoted);
        assert_eq!(heredocs[1].delimiter, "B");
        assert!(heredocs[1].strip_tabs);
        assert_eq!(parsed.instructions.len(), 3);
    }

    #[test]
    fn directives_only_at_top() {
        let parsed = parse("# escape=`\n# comment\n# escape=\\\nFROM x\n").unwrap();
        assert_eq!(parsed.escape, '`');
        assert_eq!(parsed.pieces[0].kind, PieceKind::Directive);
        assert_eq!(parsed.pieces[2].kind, PieceKind::Comment);
    }

    #[test]
    fn bad_directive_and_keyword() {
        assert!(parse("# escape=x\nFROM a\n").unwrap_err().message.contains("invalid escape"));
        assert!(parse("# escape=`\n# escape=`\nFROM a\n").unwrap_err().message.contains("twice"));
        assert!(parse("FROM a\nRUNN b\n").unwrap_err().message.contains("unknown instruction `RUNN`"));
    }

    #[test]
    fn from_forms() {
        let parsed = parse("ARG B=x\nFROM --platform=$BUILDPLATFORM ${B} AS Build\nFROM build\n").unwrap();
        assert_eq!(parsed.global_args, vec![("B".to_string(), Some("x".to_string()))]);
        assert_eq!(parsed.stages[0].name.as_deref(), Some("build"));
        assert_eq!(parsed.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
        assert_eq!(parsed.stages[1].image, "build");
        assert!(parse("FROM\n").unwrap_err().message.contains("names no image"));
        assert!(parse("FROM a b\n").unwrap_err().message.contains("invalid `FROM"));
    }

    #[test]
    fn json_and_shell_forms() {
        let parsed = parse("FROM a\nCMD [\"x\", \"y\"]\nCMD [\"x, y]\n").unwrap();
        assert_eq!(parsed.instructions[1].json_args(), Some(vec!["x".to_string(), "y".to_string()]));
        assert_eq!(parsed.instructions[2].json_args(), None);
    }

    #[test]
    fn malformed_inputs_do_not_panic() {
        for text in ["", "\n", "# only\n# comments", "FROM a\nRUN x \\", "FROM a\nRUN x \\\n", "\\", "FROM a\nRUN <<", "FROM a\nRUN <<'EOF", "FROM a\nRUN <<-\n", "\r\n\r", "FROM a\nCMD [\"unclosed\n"] {
            let _ = parse(text);
        }
        assert!(parse("").unwrap().stages.is_empty());
        assert!(parse("# only\n# comments").unwrap().stages.is_empty());
        assert_eq!(parse("FROM a\nRUN x \\").unwrap().instructions[1].args, "x");
        assert!(parse("FROM a\nRUN x \\\n").unwrap().instructions[1].open_continuation);
        assert!(!parse("FROM a\nRUN x \\\n y").unwrap().instructions[1].open_continuation);
        assert!(parse("\\").unwrap_err().message.contains("unknown instruction"));
    }
}
