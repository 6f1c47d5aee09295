//! Adding array directives (`add_header`, `proxy_set_header`) to a level without changing what
//! that level inherits.
//!
//! nginx inherits these directives only into levels that declare none of their own. A level that
//! gets its first one therefore stops inheriting the set above it, so the new lines must carry a
//! copy of that set.

use super::model::{header_key, Doc, Level};

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
