//! The per-file loop: parse, run rules, apply the fixes that do not overlap, parse the result
//! again, and repeat until nothing changes.
//!
//! Output that no longer parses is never kept: the file is left as it was and reported as an
//! internal error that names the rules whose fixes broke it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Settings;
use crate::context::ProjectContext;
use crate::edit::{apply_edits, plan_pass, Applicability};
use crate::finding::Finding;
use crate::formats;
use crate::rule::{panic_message, CheckError, FileKind, Format, RuleContext};
use crate::source::{display_path, SourceFile};
use crate::suppress::Suppressions;

/// Passes after which a file whose fixes keep producing new fixes is given up on.
pub const MAX_PASSES: usize = 10;

/// The set of fixes a run applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// Report only.
    None,
    /// Apply safe fixes.
    Safe,
    /// Apply safe and review-level fixes (`--unsafe-fixes`).
    Unsafe,
}

impl FixMode {
    pub fn allows(self, applicability: Applicability) -> bool {
        match self {
            FixMode::None => false,
            FixMode::Safe => applicability == Applicability::Safe,
            FixMode::Unsafe => true,
        }
    }
}

/// A finding with its position resolved to lines and columns (1-based, columns in characters).
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    #[serde(flatten)]
    pub finding: Finding,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Diagnostic {
    pub fn resolve(finding: Finding, source: &SourceFile) -> Self {
        let (line, column) = source.line_col(finding.range.start);
        let (end_line, end_column) = source.line_col(finding.range.end);
        Diagnostic { finding, line, column, end_line, end_column }
    }
}

/// A problem with a file that is not a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Problem {
    /// Exit code 2: unreadable, undecodable or unparsable input, or an internal error.
    Error { message: String },
    /// Reported, exit code unchanged: a template, a file over the size limit, a YAML file that is
    /// not a Kubernetes manifest.
    Skip { message: String },
}

/// Everything the engine learned about one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    pub path: PathBuf,
    pub kind: Option<FileKind>,
    pub original: Option<SourceFile>,
    /// The fixed text (without BOM), when fixes changed anything.
    pub fixed: Option<String>,
    /// Findings whose fixes were applied, positioned in the text of the pass that found them.
    pub fixed_findings: Vec<Diagnostic>,
    /// Findings that remain, positioned in the final text.
    pub remaining: Vec<Diagnostic>,
    /// Findings of the first pass, positioned in the original text; reported instead of
    /// `remaining` when the fixed text cannot be written.
    pub original_findings: Vec<Diagnostic>,
    /// Problems, each message starting with the path (and line and column where known).
    pub problems: Vec<Problem>,
}

impl FileResult {
    pub fn new(path: PathBuf, kind: Option<FileKind>) -> Self {
        FileResult {
            path,
            kind,
            original: None,
            fixed: None,
            fixed_findings: Vec::new(),
            remaining: Vec::new(),
            original_findings: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn error(path: PathBuf, kind: Option<FileKind>, message: String) -> Self {
        let mut result = FileResult::new(path, kind);
        result.problems.push(Problem::Error { message });
        result
    }

    pub fn skip(path: PathBuf, kind: Option<FileKind>, message: String) -> Self {
        let mut result = FileResult::new(path, kind);
        result.problems.push(Problem::Skip { message });
        result
    }

    pub fn has_error(&self) -> bool {
        self.problems.iter().any(|p| matches!(p, Problem::Error { .. }))
    }

    /// Returns the bytes to write, BOM included, when fixes changed the file.
    pub fn fixed_bytes(&self) -> Option<Vec<u8>> {
        let original = self.original.as_ref()?;
        self.fixed.as_ref().map(|text| crate::source::bytes_with_bom(text, original.bom))
    }
}

/// Checks one file and, depending on `mode`, fixes it in memory.
pub fn process(
    format: &dyn Format,
    source: SourceFile,
    settings: &Settings,
    project: &ProjectContext,
    mode: FixMode,
) -> FileResult {
    let path = source.path.clone();
    let mut result = FileResult::new(path.clone(), Some(format.kind()));
    let enabled = |rule: &str| settings.rule_enabled(rule);
    let ctx = RuleContext { path: &path, settings, project, enabled: &enabled };

    let mut current = source.clone();
    let mut fixed_findings: Vec<Diagnostic> = Vec::new();
    let mut last_applied_rules: Vec<&'static str> = Vec::new();
    let mut pass = 0;
    let remaining = loop {
        let findings = match run_checked(format, &current, &ctx) {
            Ok(findings) => findings,
            Err(CheckError::Parse(error)) if pass > 0 => {
                // The original parsed, so the fixes of the previous pass broke the text.
                result.problems.push(Problem::Error {
                    message: format!(
                        "{}: internal error: fixes from {} produced text that no longer parses ({}); the file was left unchanged. This is a bug in cinch: please report it with the file",
                        display_path(&path),
                        last_applied_rules.join(", "),
                        error.message
                    ),
                });
                fixed_findings.clear();
                current = source.clone();
                break unsuppressed(format, &current, &ctx);
            }
            Err(error) => {
                result.problems.push(problem_for(&path, &current, error));
                fixed_findings.clear();
                current = source.clone();
                break Vec::new();
            }
        };
        let suppressions = Suppressions::scan(&current, format.comment_syntax(&path));
        let mut findings: Vec<Finding> = findings.into_iter().filter(|f| !suppressions.covers(f)).collect();
        sort_findings(&mut findings);
        drop_no_op_edits(&mut findings, &current.text);
        if pass == 0 {
            result.original_findings = findings.iter().map(|f| Diagnostic::resolve(f.clone(), &current)).collect();
        }

        let fixable: Vec<(usize, usize)> = findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.fix.as_ref().is_some_and(|fix| mode.allows(fix.applicability)))
            .map(|(index, f)| (index, formats::catalog_index(f.rule)))
            .collect();
        if fixable.is_empty() {
            break findings;
        }
        if pass == MAX_PASSES {
            result.problems.push(Problem::Error {
                message: format!(
                    "{}: internal error: fixes did not settle after {MAX_PASSES} passes (rules still fixing: {}); the file was left unchanged. This is a bug in cinch: please report it with the file",
                    display_path(&path),
                    rule_list(fixable.iter().map(|&(i, _)| findings[i].rule))
                ),
            });
            fixed_findings.clear();
            current = source.clone();
            break unsuppressed(format, &current, &ctx);
        }

        let candidates: Vec<(usize, &crate::edit::Fix)> =
            fixable.iter().map(|&(i, catalog)| (catalog, findings[i].fix.as_ref().expect("filtered on fix"))).collect();
        let plan = plan_pass(&current.text, &candidates);
        if plan.applied.is_empty() {
            break findings;
        }
        let new_text = apply_edits(&current.text, &plan.edits);
        let applied_indexes: Vec<usize> = plan.applied.iter().map(|&k| fixable[k].0).collect();
        last_applied_rules = applied_indexes.iter().map(|&i| findings[i].rule).collect();
        last_applied_rules.sort_unstable();
        last_applied_rules.dedup();
        for &index in &applied_indexes {
            fixed_findings.push(Diagnostic::resolve(findings[index].clone(), &current));
        }
        if new_text == current.text {
            // Unreachable after `drop_no_op_edits`; kept so a no-op can never loop or hide findings.
            break findings;
        }
        current = SourceFile::with_bom(path.clone(), new_text, current.bom);
        pass += 1;
    };

    result.remaining = remaining.into_iter().map(|f| Diagnostic::resolve(f, &current)).collect();
    result.fixed_findings = fixed_findings;
    if current.text != source.text {
        result.fixed = Some(current.text.clone());
    }
    result.original = Some(source);
    result
}

/// Removes edits that would replace text with the same text, and the fixes left with no edit:
/// a fix that changes nothing must not count as fixed, and its finding stays reported.
fn drop_no_op_edits(findings: &mut [Finding], text: &str) {
    for finding in findings.iter_mut() {
        let Some(fix) = &mut finding.fix else { continue };
        fix.edits.retain(|edit| text.get(edit.range.clone()) != Some(edit.replacement.as_str()));
        if fix.edits.is_empty() {
            finding.fix = None;
        }
    }
}

/// Returns the findings on `source` that no suppression comment covers, sorted; used after a
/// revert to the original text, which is known to parse.
fn unsuppressed(format: &dyn Format, source: &SourceFile, ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = run_checked(format, source, ctx).unwrap_or_default();
    let suppressions = Suppressions::scan(source, format.comment_syntax(ctx.path));
    findings.retain(|finding| !suppressions.covers(finding));
    sort_findings(&mut findings);
    findings
}

/// Runs the format, turning a panic in its parser into an internal error.
fn run_checked(format: &dyn Format, source: &SourceFile, ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
    match catch_unwind(AssertUnwindSafe(|| format.check(source, ctx))) {
        Ok(result) => result,
        Err(payload) => Err(CheckError::RulePanicked { rule: "parser", message: panic_message(&*payload) }),
    }
}

/// Maximum number of characters of file text quoted in a message, because a parse error may
/// quote a whole (huge) line.
const MAX_QUOTED_CHARS: usize = 300;

/// Makes text from a file safe to print: invisible characters become `U+XXXX`, and long text is cut.
pub fn sanitize_message(message: &str) -> String {
    let mut out = String::new();
    for (count, c) in message.chars().enumerate() {
        if count == MAX_QUOTED_CHARS {
            out.push_str("...");
            break;
        }
        if c == '\u{feff}' || (c.is_control() && c != '\t') {
            out.push_str(&format!("U+{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn problem_for(path: &Path, source: &SourceFile, error: CheckError) -> Problem {
    let path = &display_path(path);
    match error {
        CheckError::Parse(error) => {
            let position = match error.offset {
                Some(offset) => {
                    let (line, column) = source.line_col(offset);
                    format!(":{line}:{column}")
                }
                None => String::new(),
            };
            Problem::Error { message: format!("{path}{position}: cannot parse: {}", sanitize_message(&error.message)) }
        }
        CheckError::Skip(message) => Problem::Skip { message: format!("{path}: skipped: {}", sanitize_message(&message)) },
        CheckError::RulePanicked { rule, message } => Problem::Error {
            message: format!(
                "{path}: internal error in {rule}: {}; the file was left unchanged. This is a bug in cinch: please report it with the file",
                sanitize_message(&message)
            ),
        },
    }
}

/// Orders findings by position, then catalog order, so output never depends on rule timing.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.range.start, formats::catalog_index(a.rule), &a.message).cmp(&(b.range.start, formats::catalog_index(b.rule), &b.message))
    });
}

fn rule_list<'a>(rules: impl Iterator<Item = &'a str>) -> String {
    let mut list: Vec<&str> = rules.collect();
    list.sort_unstable();
    list.dedup();
    list.join(", ")
}

/// Checks `text` as a file at `path` with default project context; the entry point for tests.
/// Returns `None` when no format claims the path.
pub fn check_text(path: &str, text: &str, settings: &Settings, mode: FixMode) -> Option<FileResult> {
    let path_buf = PathBuf::from(path);
    let kind = formats::kind_for_path(&path_buf)?;
    let source = SourceFile::from_bytes(path_buf, text.as_bytes()).ok()?;
    Some(process(formats::for_kind(kind), source, settings, &ProjectContext::empty(), mode))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Edit, Fix};
    use crate::rule::{CommentSyntax, ParseError};

    /// A toy format for engine tests: the text parses unless it contains `BROKEN`, and each
    /// behaviour is a "rule" chosen by a keyword in the text.
    struct Toy;

    impl Format for Toy {
        fn kind(&self) -> FileKind {
            FileKind::PgHba
        }

        fn rule_ids(&self) -> Vec<&'static str> {
            vec!["TOY001"]
        }

        fn matches_path(&self, _path: &Path) -> bool {
            true
        }

        fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
            CommentSyntax { line_prefixes: &["#"], trailing: false }
        }

        fn check(&self, source: &SourceFile, _ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
            let text = &source.text;
            if let Some(at) = text.find("BROKEN") {
                return Err(ParseError::at(at, "found BROKEN").into());
            }
            let mut findings = Vec::new();
            if text.starts_with("break") {
                findings.push(Finding::new("TOY001", 0..5, "breaks").with_fix(Fix::safe(vec![Edit::insert(0, "BROKEN ")])));
            }
            if text.starts_with("grow") {
                findings.push(Finding::new("TOY001", 0..4, "grows").with_fix(Fix::safe(vec![Edit::insert(text.len(), "+")])));
            }
            if text.starts_with("panic") {
                panic!("toy rule failed");
            }
            if text.starts_with("pair") && !text.contains("[a]") {
                findings.push(Finding::new("TOY001", 0..4, "a").with_fix(Fix::safe(vec![Edit::insert(4, "[a]")])));
            }
            if text.starts_with("pair") && !text.contains("[b]") {
                findings.push(Finding::new("TOY001", 0..4, "b").with_fix(Fix::safe(vec![Edit::insert(4, "[b]")])));
            }
            if text.starts_with("same") {
                findings.push(Finding::new("TOY001", 0..4, "rewrites itself").with_fix(Fix::safe(vec![Edit::replace(0..4, "same")])));
            }
            if text.starts_with("review") && !text.contains('!') {
                findings.push(Finding::new("TOY001", 0..6, "needs review").with_fix(Fix::review(vec![Edit::insert(6, "!")])));
            }
            Ok(findings)
        }
    }

    fn run(text: &str, mode: FixMode) -> FileResult {
        process(&Toy, SourceFile::new("toy", text), &Settings::default(), &ProjectContext::empty(), mode)
    }

    #[test]
    fn broken_output_is_reverted() {
        let result = run("break me\n", FixMode::Safe);
        assert!(result.fixed.is_none());
        assert!(result.fixed_findings.is_empty());
        assert_eq!(result.remaining.len(), 1);
        let Some(Problem::Error { message }) = result.problems.first() else { panic!("expected an error: {:?}", result.problems) };
        assert!(message.contains("internal error"), "{message}");
        assert!(message.contains("TOY001"), "{message}");
    }

    #[test]
    fn endless_fixes_stop_at_pass_limit() {
        let result = run("grow\n", FixMode::Safe);
        assert!(result.fixed.is_none());
        assert!(result.has_error());
    }

    #[test]
    fn panic_is_an_internal_error() {
        let result = run("panic\n", FixMode::Safe);
        assert!(result.has_error());
        assert!(result.fixed.is_none());
    }

    #[test]
    fn same_offset_insertions_take_two_passes() {
        let result = run("pair\n", FixMode::Safe);
        // `[a]` goes first; `[b]` waits a pass and then inserts at the same offset, before `[a]`.
        assert_eq!(result.fixed.as_deref(), Some("pair[b][a]\n"));
        assert_eq!(result.fixed_findings.len(), 2);
        assert!(result.remaining.is_empty());
    }

    #[test]
    fn no_op_fix_is_not_counted_as_fixed() {
        let result = run("same\n", FixMode::Safe);
        assert!(result.fixed.is_none());
        assert!(result.fixed_findings.is_empty());
        assert_eq!(result.remaining.len(), 1);
        assert!(result.remaining[0].finding.fix.is_none());
    }

    #[test]
    fn review_fix_needs_unsafe_mode() {
        assert!(run("review\n", FixMode::Safe).fixed.is_none());
        assert_eq!(run("review\n", FixMode::Unsafe).fixed.as_deref(), Some("review!\n"));
        assert_eq!(run("review\n", FixMode::None).remaining.len(), 1);
    }

    #[test]
    fn unparsable_input_is_an_error_with_position() {
        let result = run("ok\nBROKEN\n", FixMode::Safe);
        let Some(Problem::Error { message }) = result.problems.first() else { panic!("expected an error") };
        assert!(message.starts_with("toy:2:1: cannot parse"), "{message}");
    }
}
