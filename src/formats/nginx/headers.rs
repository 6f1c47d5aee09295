//! Adding array directives (`add_header`, `proxy_set_header`) to a level without changing what
//! that level inherits.
//!
//! nginx inherits these directives only into levels that declare none of their own. A level that
//! gets its first one therefore stops inheriting the set above it, so the new lines must carry a
//! copy of that set.

use super::model::{header_key, Doc, Level};
use super::parser::Context;

/// Returns the `add_header` lines a level needs ([`lines_with_inherited`]). When the level's
/// inheritance cannot be read only because the block that includes this snippet is not in the
/// tree (`outer_unknown`), returns `new` alone with a note that makes the fix review-level.
pub fn add_header_lines(doc: &Doc, chain: &[Level<'_>], merge: Option<&str>, new: &[String], outer_unknown: bool) -> Result<(Vec<String>, Option<String>), String> {
    match lines_with_inherited(doc, chain, "add_header", merge, new) {
        Ok(lines) => Ok((lines, None)),
        Err(_) if outer_unknown => Ok((
            new.to_vec(),
            Some(format!(
                "{}; a server that declares its first add_header stops inheriting that block's add_header lines, so copy any it has into this server",
                doc.unknown_includer()
            )),
        )),
        Err(reason) => Err(reason),
    }
}

/// Returns the lines to add to the last level of `chain`: `new`, preceded by copies of the inherited
/// `name` directives when the level declares none of its own. `Err` gives the reason the
/// inherited set is unknown.
pub fn lines_with_inherited(doc: &Doc, chain: &[Level<'_>], name: &str, merge: Option<&str>, new: &[String]) -> Result<Vec<String>, String> {
    let level = chain.last().expect("chain is never empty");
    let unresolved = doc.unresolved(level);
    if !unresolved.is_empty() {
        return Err(format!("`include {}` cannot be resolved in the tree, and it may already set this", unresolved.join(" ")));
    }
    let merges = merge.is_some_and(|merge| doc.own(level, merge).iter().any(|e| e.args.first().is_some_and(|a| a == "merge")));
    if !doc.own(level, name).is_empty() || merges {
        return Ok(new.to_vec());
    }
    let inherited = doc.effective(&chain[..chain.len() - 1], name, merge);
    if let Some(reason) = inherited.uncertain {
        return Err(reason);
    }
    let mut lines: Vec<String> = inherited.entries.iter().map(|entry| entry.text.clone()).collect();
    lines.extend(new.iter().cloned());
    Ok(lines)
}

/// Returns whether `args_of` contains a directive whose first argument is the header `header`.
pub fn has_header(args_of: &[Vec<String>], header: &str) -> bool {
    let key = header_key(header);
    args_of.iter().any(|args| args.first().is_some_and(|first| header_key(first) == key))
}

/// Formats `add_header NAME "VALUE" always;` with the file's quote style.
pub fn add_header_line(doc: &Doc, name: &str, value: &str) -> String {
    let quote = doc.value_quote;
    format!("add_header {name} {quote}{value}{quote} always;")
}

/// Returns the headers that `more_set_headers` (from the headers-more module) sets at any level
/// of `chain`, as (canonical name, line of the directive). Its `-s` and `-t` options take a
/// value; every other argument is `Name: value`.
pub fn more_set_headers(doc: &Doc, chain: &[Level<'_>]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for level in chain.iter().filter(|l| l.context != Context::Main) {
        for entry in doc.own(level, "more_set_headers") {
            let line = entry.local.map(|d| doc.source.line_index(d.span.start) + 1).unwrap_or(0);
            let mut args = entry.args.iter();
            while let Some(arg) = args.next() {
                if arg == "-s" || arg == "-t" {
                    args.next();
                    continue;
                }
                if let Some((name, _)) = arg.split_once(':') {
                    out.push((header_key(name.trim()), line));
                }
            }
        }
    }
    out
}

/// Returns a note for `header` when `more_set_headers` in `set` sets it.
pub fn more_set_note(set: &[(String, usize)], header: &str) -> Option<String> {
    let (_, line) = set.iter().find(|(name, _)| *name == header_key(header))?;
    let at = if *line > 0 { format!(" on line {line}") } else { String::new() };
    Some(format!("{header} is set by more_set_headers{at}, so no add_header is added for it; make sure it is sent on every response you need it on"))
}
