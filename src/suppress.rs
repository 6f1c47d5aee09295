//! Inline suppression comments: `cinch: ignore[RULE] reason` on the line above a finding's
//! position (or on its own line where the format has trailing comments), and
//! `cinch: ignore-file[RULE] reason` anywhere in the file. A reason is required, so a comment
//! without one suppresses nothing.

use crate::finding::Finding;
use crate::rule::CommentSyntax;
use crate::source::SourceFile;

const LINE_MARKER: &str = "cinch: ignore[";
const FILE_MARKER: &str = "cinch: ignore-file[";

/// The suppression comments of one text.
pub struct Suppressions<'a> {
    source: &'a SourceFile,
    syntax: CommentSyntax,
    file_rules: Vec<String>,
}

impl<'a> Suppressions<'a> {
    pub fn scan(source: &'a SourceFile, syntax: CommentSyntax) -> Self {
        let mut file_rules = Vec::new();
        if !syntax.line_prefixes.is_empty() {
            for line in 0..source.line_count() {
                if let Some(comment) = comment_of(source.line_text(line), syntax, true) {
                    file_rules.extend(rules_after(comment, FILE_MARKER));
                }
            }
        }
        Suppressions { source, syntax, file_rules }
    }

    /// Returns true when a comment suppresses `finding`.
    pub fn covers(&self, finding: &Finding) -> bool {
        if self.syntax.line_prefixes.is_empty() {
            return false;
        }
        if self.file_rules.iter().any(|rule| matches(rule, finding.rule)) {
            return true;
        }
        let line = self.source.line_index(finding.range.start);
        let mut candidates = Vec::new();
        if line > 0 {
            candidates.push((line - 1, false));
        }
        if self.syntax.trailing {
            candidates.push((line, true));
        }
        candidates.into_iter().any(|(index, trailing)| {
            comment_of(self.source.line_text(index), self.syntax, trailing)
                .is_some_and(|comment| rules_after(comment, LINE_MARKER).iter().any(|rule| matches(rule, finding.rule)))
        })
    }
}

/// Returns the comment text of `line`: the whole line when it starts with a comment prefix, or,
/// when `trailing` is allowed, the text after the first prefix that follows whitespace.
fn comment_of(line: &str, syntax: CommentSyntax, trailing: bool) -> Option<&str> {
    let trimmed = line.trim_start();
    for prefix in syntax.line_prefixes {
        if let Some(rest) = trimmed.strip_prefix(prefix) {
            return Some(rest);
        }
    }
    if !trailing {
        return None;
    }
    syntax.line_prefixes.iter().find_map(|prefix| {
        let needle = format!(" {prefix}");
        line.find(&needle).map(|at| &line[at + needle.len()..])
    })
}

/// Returns the rule ids listed after `marker` in `comment`, if a reason follows the bracket.
fn rules_after(comment: &str, marker: &str) -> Vec<String> {
    let Some(start) = comment.find(marker) else {
        return Vec::new();
    };
    let rest = &comment[start + marker.len()..];
    let Some(close) = rest.find(']') else {
        return Vec::new();
    };
    let reason = rest[close + 1..].trim();
    if reason.is_empty() {
        return Vec::new();
    }
    rest[..close].split(',').map(|rule| rule.trim().to_string()).filter(|rule| !rule.is_empty()).collect()
}

fn matches(pattern: &str, rule: &str) -> bool {
    pattern == "ALL" || rule.starts_with(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: CommentSyntax = CommentSyntax { line_prefixes: &["#"], trailing: true };
    const HASH_NO_TRAILING: CommentSyntax = CommentSyntax { line_prefixes: &["#"], trailing: false };

    fn finding_at(source: &SourceFile, line: usize, rule: &'static str) -> Finding {
        Finding::new(rule, source.line_start(line)..source.line_start(line) + 1, "m")
    }

    #[test]
    fn line_above_with_reason() {
        let source = SourceFile::new("a", "# cinch: ignore[PGH003] replicas span regions\nhost all all 0.0.0.0/0 md5\n");
        let suppressions = Suppressions::scan(&source, HASH);
        assert!(suppressions.covers(&finding_at(&source, 1, "PGH003")));
        assert!(!suppressions.covers(&finding_at(&source, 1, "PGH001")));
    }

    #[test]
    fn reason_is_required() {
        let source = SourceFile::new("a", "# cinch: ignore[PGH003]\nhost all all 0.0.0.0/0 md5\n");
        assert!(!Suppressions::scan(&source, HASH).covers(&finding_at(&source, 1, "PGH003")));
    }

    #[test]
    fn trailing_comment_only_where_allowed() {
        let source = SourceFile::new("a", "x\nhost all all 0.0.0.0/0 md5 # cinch: ignore[PGH] lab only\n");
        assert!(Suppressions::scan(&source, HASH).covers(&finding_at(&source, 1, "PGH003")));
        assert!(!Suppressions::scan(&source, HASH_NO_TRAILING).covers(&finding_at(&source, 1, "PGH003")));
    }

    #[test]
    fn file_level() {
        let source = SourceFile::new("a", "FROM x\n# cinch: ignore-file[DKR001] runs as root by design\nCMD y\n");
        assert!(Suppressions::scan(&source, HASH_NO_TRAILING).covers(&finding_at(&source, 0, "DKR001")));
    }
}
