//! Unified diffs that `git apply` accepts byte for byte.
//!
//! Lines are split on `\n` only: git treats a lone `\r` as part of a line, while `similar`'s
//! default line splitting would break there and produce a patch git rejects as corrupt. Each
//! line keeps its own terminator (`\n` or `\r\n`), and a last line without one gets git's
//! `\ No newline at end of file` marker.

use std::fmt::Write;

use std::time::{Duration, Instant};

use similar::{capture_diff_deadline, Algorithm, DiffOp};

/// Lines of context around each change, as in `git diff`.
const CONTEXT: usize = 3;

/// Time after which the diff stops looking for the smallest edit script for one file.
const DIFF_DEADLINE: Duration = Duration::from_secs(2);

/// Splits `bytes` after every `\n`; the last piece may lack one.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' {
            lines.push(&bytes[start..=index]);
            start = index + 1;
        }
    }
    if start < bytes.len() {
        lines.push(&bytes[start..]);
    }
    lines
}

/// Returns a git-style unified diff of one file, or an empty vector when the bytes are equal.
/// `path` is written as `a/<path>` and `b/<path>`, with `/` separators.
pub fn unified_diff(path: &str, old: &[u8], new: &[u8]) -> Vec<u8> {
    if old == new {
        return Vec::new();
    }
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    // Patience anchors on lines that occur once, which keeps large files with many changes fast.
    // Past the deadline `similar` returns a coarser diff that is still correct.
    let deadline = Instant::now() + DIFF_DEADLINE;
    let ops = capture_diff_deadline(Algorithm::Patience, &old_lines, 0..old_lines.len(), &new_lines, 0..new_lines.len(), Some(deadline));

    let mut output = Vec::new();
    // Windows separators become `/`; on Unix a backslash is part of a file name.
    let path = if cfg!(windows) { path.replace('\\', "/") } else { path.to_string() };
    let (old_name, new_name) = (quote_path(&format!("a/{path}")), quote_path(&format!("b/{path}")));
    let _ = write!(Header(&mut output), "diff --git {old_name} {new_name}\n--- {old_name}\n+++ {new_name}\n");
    for hunk in group_hunks(&ops) {
        write_hunk(&mut output, &hunk, &old_lines, &new_lines);
    }
    output
}

/// Quotes a path for a diff header the way git does when it contains a double quote, a backslash
/// or a control character (a tab would otherwise end the name); other paths are written as they are.
fn quote_path(path: &str) -> String {
    if !path.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
        return path.to_string();
    }
    let mut quoted = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\t' => quoted.push_str("\\t"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => quoted.push_str(&format!("\\{:03o}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Adapts a byte vector to `fmt::Write` for the ASCII header.
struct Header<'a>(&'a mut Vec<u8>);

impl Write for Header<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// One line of a hunk: ' ', '-' or '+', with an index into the old or new lines.
#[derive(Clone, Copy)]
enum HunkLine {
    Context(usize),
    Removed(usize),
    Added(usize),
}

struct Hunk {
    old_start: usize,
    old_len: usize,
    new_start: usize,
    new_len: usize,
    lines: Vec<HunkLine>,
}

/// Groups diff operations into hunks with `CONTEXT` lines around each change, merging changes
/// whose context would touch.
fn group_hunks(ops: &[DiffOp]) -> Vec<Hunk> {
    // Flatten into a line-level script first; it keeps the grouping logic simple.
    let mut script: Vec<HunkLine> = Vec::new();
    for op in ops {
        match *op {
            DiffOp::Equal { old_index, len, .. } => {
                script.extend((0..len).map(|k| HunkLine::Context(old_index + k)));
            }
            DiffOp::Delete { old_index, old_len, .. } => script.extend((0..old_len).map(|k| HunkLine::Removed(old_index + k))),
            DiffOp::Insert { new_index, new_len, .. } => script.extend((0..new_len).map(|k| HunkLine::Added(new_index + k))),
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                script.extend((0..old_len).map(|k| HunkLine::Removed(old_index + k)));
                script.extend((0..new_len).map(|k| HunkLine::Added(new_index + k)));
            }
        }
    }

    // positions[i]: how many old and new lines come before script line i.
    let mut positions = Vec::with_capacity(script.len() + 1);
    let (mut old_count, mut new_count) = (0, 0);
    for line in &script {
        positions.push((old_count, new_count));
        match line {
            HunkLine::Context(..) => {
                old_count += 1;
                new_count += 1;
            }
            HunkLine::Removed(_) => old_count += 1,
            HunkLine::Added(_) => new_count += 1,
        }
    }
    positions.push((old_count, new_count));

    let changed: Vec<usize> =
        script.iter().enumerate().filter(|(_, line)| !matches!(line, HunkLine::Context(..))).map(|(i, _)| i).collect();
    let mut hunks = Vec::new();
    let mut index = 0;
    while index < changed.len() {
        let first = changed[index];
        let mut last = first;
        while index + 1 < changed.len() && changed[index + 1] - last <= 2 * CONTEXT + 1 {
            index += 1;
            last = changed[index];
        }
        index += 1;
        let from = first.saturating_sub(CONTEXT);
        let to = (last + CONTEXT + 1).min(script.len());
        let lines = script[from..to].to_vec();

        // Positions of the hunk's first line in the old and new files (0-based).
        let (old_pos, new_pos) = positions[from];
        let old_len = lines.iter().filter(|l| !matches!(l, HunkLine::Added(_))).count();
        let new_len = lines.iter().filter(|l| !matches!(l, HunkLine::Removed(_))).count();
        hunks.push(Hunk { old_start: old_pos, old_len, new_start: new_pos, new_len, lines });
    }
    hunks
}

fn range_header(start: usize, len: usize) -> String {
    // git writes an empty range as the line before it, and omits a length of 1.
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

fn write_hunk(output: &mut Vec<u8>, hunk: &Hunk, old_lines: &[&[u8]], new_lines: &[&[u8]]) {
    let header = format!("@@ -{} +{} @@\n", range_header(hunk.old_start, hunk.old_len), range_header(hunk.new_start, hunk.new_len));
    output.extend_from_slice(header.as_bytes());
    for line in &hunk.lines {
        let (marker, text) = match *line {
            HunkLine::Context(old) => (b' ', old_lines[old]),
            HunkLine::Removed(old) => (b'-', old_lines[old]),
            HunkLine::Added(new) => (b'+', new_lines[new]),
        };
        output.push(marker);
        output.extend_from_slice(text);
        if !text.ends_with(b"\n") {
            output.extend_from_slice(b"\n\\ No newline at end of file\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(old: &str, new: &str) -> String {
        String::from_utf8(unified_diff("f", old.as_bytes(), new.as_bytes())).unwrap()
    }

    #[test]
    fn equal_gives_nothing() {
        assert_eq!(diff("a\n", "a\n"), "");
    }

    #[test]
    fn insertion_in_middle() {
        assert_eq!(
            diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nX\n5\n6\n7\n8\n"),
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+X\n 5\n 6\n 7\n"
        );
    }

    #[test]
    fn missing_final_newline() {
        assert_eq!(
            diff("a\nb", "a\nb\nc"),
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn lone_carriage_return_stays_in_line() {
        let output = diff("a\rb\nc\n", "a\rb\nc\nd\n");
        assert!(output.contains("@@ -1,2 +1,3 @@\n a\rb\n c\n+d\n"), "{output:?}");
    }

    #[test]
    fn insertion_into_empty_file() {
        assert_eq!(diff("", "a\n"), "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+a\n");
    }

    #[test]
    fn distant_changes_make_two_hunks() {
        let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let new = old.replacen("2\n", "two\n", 1).replacen("19\n", "nineteen\n", 1);
        let output = diff(&old, &new);
        assert_eq!(output.matches("@@ -").count(), 2, "{output}");
    }
}
