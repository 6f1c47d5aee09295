//! Output formats: text, concise, JSON, SARIF, GitHub annotations, and the unified diff.
//! Reports know no file format: they read findings, fixes and positions only.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use crate::edit::Applicability;
use crate::engine::{Diagnostic, FileResult, FixMode, Problem};

pub mod diff;

pub use crate::source::display_path;

/// Returns true when a `cinch fix` run with the same `--unsafe-fixes` would apply the finding's fix.
fn is_fixable(diagnostic: &Diagnostic, unsafe_fixes: bool) -> bool {
    match diagnostic.finding.applicability() {
        Some(Applicability::Safe) => true,
        Some(Applicability::Review) => unsafe_fixes,
        None => false,
    }
}

/// Writes one finding as `path:line:col: ID [*] message`, followed by its notes unless `concise`.
fn write_finding(out: &mut String, path: &str, diagnostic: &Diagnostic, unsafe_fixes: bool, concise: bool) {
    let finding = &diagnostic.finding;
    let marker = if is_fixable(diagnostic, unsafe_fixes) { "[*] " } else { "" };
    let _ = writeln!(out, "{path}:{}:{}: {} {marker}{}", diagnostic.line, diagnostic.column, finding.rule, finding.message);
    if concise {
        return;
    }
    if finding.applicability() == Some(Applicability::Review) {
        let verb = if unsafe_fixes { "has" } else { "needs --unsafe-fixes for" };
        let _ = writeln!(out, "    note: this finding {verb} a fix that can change behaviour; review it before merging");
    }
    for note in &finding.notes {
        let _ = writeln!(out, "    note: {note}");
    }
}

/// Counts behind the closing summary.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub fixed: usize,
    pub remaining: usize,
    pub fixable_safe: usize,
    pub fixable_review: usize,
    /// Findings that a config key would make fixable, by key.
    pub needs_config: BTreeMap<String, usize>,
    pub errors: usize,
    pub skipped: usize,
    pub files: usize,
}

impl Summary {
    pub fn of(results: &[FileResult]) -> Self {
        let mut summary = Summary::default();
        for result in results {
            summary.files += 1;
            summary.fixed += result.fixed_findings.len();
            for diagnostic in &result.remaining {
                summary.remaining += 1;
                match diagnostic.finding.applicability() {
                    Some(Applicability::Safe) => summary.fixable_safe += 1,
                    Some(Applicability::Review) => summary.fixable_review += 1,
                    None => {}
                }
                if let Some(key) = &diagnostic.finding.needs_config {
                    *summary.needs_config.entry(key.clone()).or_default() += 1;
                }
            }
            for problem in &result.problems {
                match problem {
                    Problem::Error { .. } => summary.errors += 1,
                    Problem::Skip { .. } => summary.skipped += 1,
                }
            }
        }
        summary
    }

    /// Returns the closing line, such as "3 fixed, 2 more with --unsafe-fixes, 1 needs
    /// configuration: set `postgres.allowed_networks`".
    pub fn line(&self, mode: FixMode, unsafe_fixes: bool) -> String {
        self.line_for(mode, unsafe_fixes, false)
    }

    /// Returns the closing line. With `dry_run` (`--diff`), fixes were computed but not written.
    pub fn line_for(&self, mode: FixMode, unsafe_fixes: bool, dry_run: bool) -> String {
        let mut parts = Vec::new();
        if mode != FixMode::None {
            let verb = if dry_run { "would be fixed" } else { "fixed" };
            parts.push(format!("{} {verb}", self.fixed));
        }
        let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
        if self.remaining > 0 || mode == FixMode::None {
            parts.push(format!("{} remaining", plural(self.remaining, "finding")));
        }
        if mode == FixMode::None {
            let fixable = self.fixable_safe + if unsafe_fixes { self.fixable_review } else { 0 };
            if fixable > 0 {
                let command = if unsafe_fixes { "`cinch fix --unsafe-fixes`" } else { "`cinch fix`" };
                parts.push(format!("{fixable} fixable with {command}"));
            }
        }
        if !unsafe_fixes && self.fixable_review > 0 {
            parts.push(format!("{} more with --unsafe-fixes", self.fixable_review));
        }
        for (key, count) in &self.needs_config {
            let verb = if *count == 1 { "needs" } else { "need" };
            parts.push(format!("{count} {verb} configuration: set `{key}`"));
        }
        if self.errors > 0 {
            parts.push(plural(self.errors, "error"));
        }
        if self.skipped > 0 {
            parts.push(format!("{} skipped", plural(self.skipped, "file")));
        }
        parts.join(", ")
    }
}

/// Renders the remaining findings of every file as text, in path order.
pub fn text(results: &[FileResult], unsafe_fixes: bool, concise: bool) -> String {
    let mut out = String::new();
    for result in results {
        let path = display_path(&result.path);
        for diagnostic in &result.remaining {
            write_finding(&mut out, &path, diagnostic, unsafe_fixes, concise);
        }
    }
    out
}

/// Renders the diff of every changed file, in path order.
pub fn diff_all(results: &[FileResult]) -> Vec<u8> {
    let mut out = Vec::new();
    for result in results {
        if let (Some(original), Some(fixed)) = (&result.original, result.fixed_bytes()) {
            out.extend(diff::unified_diff(&display_path(&result.path), &original.to_bytes(), &fixed));
        }
    }
    out
}

fn diagnostic_json(path: &str, diagnostic: &Diagnostic, fixed: bool) -> Value {
    let finding = &diagnostic.finding;
    json!({
        "path": path,
        "rule": finding.rule,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column,
        "message": finding.message,
        "notes": finding.notes,
        "fixed": fixed,
        "fix": finding.fix.as_ref().map(|fix| json!({
            "applicability": fix.applicability,
            "edits": fix.edits.iter().map(|edit| json!({
                "start": edit.range.start,
                "end": edit.range.end,
                "replacement": edit.replacement,
            })).collect::<Vec<_>>(),
        })),
        "needs_config": finding.needs_config,
    })
}

/// Renders findings, fixed findings and problems as one JSON document. Byte offsets in fix
/// edits count from the start of the text after a UTF-8 BOM, if the file has one.
pub fn json(results: &[FileResult]) -> String {
    let mut findings = Vec::new();
    let mut problems = Vec::new();
    for result in results {
        let path = display_path(&result.path);
        findings.extend(result.fixed_findings.iter().map(|d| diagnostic_json(&path, d, true)));
        findings.extend(result.remaining.iter().map(|d| diagnostic_json(&path, d, false)));
        problems.extend(result.problems.iter().map(|problem| match problem {
            Problem::Error { message } => json!({"path": path, "kind": "error", "message": message}),
            Problem::Skip { message } => json!({"path": path, "kind": "skip", "message": message}),
        }));
    }
    let document = json!({ "findings": findings, "problems": problems });
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}

/// Renders the remaining findings as SARIF 2.1.0, with every rule of the catalog in the driver.
pub fn sarif(results: &[FileResult]) -> String {
    let rules: Vec<Value> = crate::catalog::docs()
        .iter()
        .map(|doc| {
            json!({
                "id": doc.id,
                "name": doc.name,
                "shortDescription": { "text": doc.summary },
                "fullDescription": { "text": doc.why.trim() },
                "help": { "text": format!("{}\n\nRun `cinch explain {}` for details.", doc.why.trim(), doc.id) },
                "properties": { "fix": doc.fix },
            })
        })
        .collect();
    let mut sarif_results = Vec::new();
    for result in results {
        let uri = display_path(&result.path);
        for diagnostic in &result.remaining {
            let finding = &diagnostic.finding;
            let mut text = finding.message.clone();
            for note in &finding.notes {
                text.push('\n');
                text.push_str(note);
            }
            sarif_results.push(json!({
                "ruleId": finding.rule,
                "level": "warning",
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": {
                            "startLine": diagnostic.line,
                            "startColumn": diagnostic.column,
                            "endLine": diagnostic.end_line,
                            "endColumn": diagnostic.end_column,
                        }
                    }
                }],
                "properties": { "fixApplicability": finding.applicability() },
            }));
        }
    }
    // Errors (unreadable or unparsable files, internal errors) are notifications of the run.
    let notifications: Vec<Value> = results
        .iter()
        .flat_map(|result| result.problems.iter().map(move |problem| (result, problem)))
        .filter_map(|(result, problem)| match problem {
            Problem::Error { message } => Some(json!({
                "level": "error",
                "message": { "text": message },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": display_path(&result.path) } } }],
            })),
            Problem::Skip { .. } => None,
        })
        .collect();
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cinch",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": sarif_results,
        }],
    });
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}

/// Escapes a GitHub workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a GitHub workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Renders remaining findings as GitHub Actions `::warning` annotations and errors as `::error`.
pub fn github(results: &[FileResult]) -> String {
    let mut out = String::new();
    for result in results {
        let path = escape_property(&display_path(&result.path));
        for diagnostic in &result.remaining {
            let finding = &diagnostic.finding;
            let mut message = finding.message.clone();
            for note in &finding.notes {
                message.push('\n');
                message.push_str(note);
            }
            let _ = writeln!(
                out,
                "::warning file={path},line={},col={},endLine={},endColumn={},title={}::{}",
                diagnostic.line,
                diagnostic.column,
                diagnostic.end_line,
                diagnostic.end_column,
                finding.rule,
                escape_data(&message)
            );
        }
        for problem in &result.problems {
            if let Problem::Error { message } = problem {
                let _ = writeln!(out, "::error file={path}::{}", escape_data(message));
            }
        }
    }
    out
}
