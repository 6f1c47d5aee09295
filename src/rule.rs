//! The interface between the engine and the formats.
//!
//! A [`Format`] parses one kind of file and runs its rules on the parsed tree. Each format keeps
//! its tree type private and exposes its rules through [`Rule<T>`], run by [`run_rules`], which
//! skips disabled rules and turns a panic in one rule into a [`CheckError::RulePanicked`].

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

use crate::config::Settings;
use crate::context::ProjectContext;
use crate::finding::Finding;
use crate::source::SourceFile;

/// The kinds of file cinch understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Dockerfile,
    Kubernetes,
    Nginx,
    PgHba,
    PostgresqlConf,
    JavaScript,
    CSharp,
}

impl FileKind {
    /// Returns the name used in messages, in `transforms/*.toml` (`format = "..."`) and in `--stdin-filename`
    /// help.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "dockerfile",
            FileKind::Kubernetes => "kubernetes",
            FileKind::Nginx => "nginx",
            FileKind::PgHba => "pg_hba",
            FileKind::PostgresqlConf => "postgresql_conf",
            FileKind::JavaScript => "javascript",
            FileKind::CSharp => "csharp",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The comment syntax of a format, used to find suppression comments.
#[derive(Debug, Clone, Copy)]
pub struct CommentSyntax {
    /// Prefixes that start a line comment (`#`, `//`). Empty when the format has no comments
    /// (JSON manifests).
    pub line_prefixes: &'static [&'static str],
    /// Whether a comment may follow code on the same line. Dockerfiles have none: a `#` inside
    /// an instruction is an argument.
    pub trailing: bool,
}

/// A parse failure, with the byte offset where it was detected when known.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    pub offset: Option<usize>,
}

impl ParseError {
    pub fn new(message: impl Into<String>, offset: Option<usize>) -> Self {
        ParseError { message: message.into(), offset }
    }

    pub fn at(offset: usize, message: impl Into<String>) -> Self {
        ParseError::new(message, Some(offset))
    }
}

/// The reason a format produced no findings for a file.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CheckError {
    /// The text does not parse: an error, exit code 2.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The file is not for this format after all (a Helm template, a YAML file that is no
    /// Kubernetes manifest): reported on stderr, exit code unchanged.
    #[error("{0}")]
    Skip(String),
    /// A rule panicked: an internal error naming the rule.
    #[error("rule {rule} panicked: {message}")]
    RulePanicked { rule: &'static str, message: String },
}

/// The inputs a rule may consult besides the tree: the resolved settings for this file's path, the
/// read-only index of the walked tree, and which rules are enabled.
pub struct RuleContext<'a> {
    pub path: &'a Path,
    pub settings: &'a Settings,
    pub project: &'a ProjectContext,
    pub enabled: &'a dyn Fn(&str) -> bool,
}

impl RuleContext<'_> {
    pub fn is_enabled(&self, rule: &str) -> bool {
        (self.enabled)(rule)
    }
}

/// One rule of a format whose parsed tree has type `T`.
pub trait Rule<T: ?Sized>: Send + Sync {
    /// The rule id, which must have a `transforms/<ID>.toml`.
    fn id(&self) -> &'static str;
    fn check(&self, tree: &T, ctx: &RuleContext) -> Vec<Finding>;
}

/// A file format: which paths it claims, how it parses, which rules it runs.
pub trait Format: Send + Sync {
    fn kind(&self) -> FileKind;

    /// Ids of the format's rules, in catalog order (the order that breaks ties between fixes).
    fn rule_ids(&self) -> Vec<&'static str>;

    /// Returns true when a file at `path` is a candidate for this format, judged by its name alone.
    fn matches_path(&self, path: &Path) -> bool;

    /// Returns true when the content confirms the kind that the name suggested. A walk drops files that
    /// return false without a message; explicit file arguments get a skip message instead.
    fn accepts(&self, _source: &SourceFile) -> bool {
        true
    }

    fn comment_syntax(&self, path: &Path) -> CommentSyntax;

    /// Parses `source` and joins the parsed pieces back into text, for the lossless-parser checks
    /// of the property tests and fuzz targets. `None` when the format keeps no pieces of its own
    /// (tree-sitter trees are lossless by construction).
    fn round_trip(&self, _source: &SourceFile) -> Option<Result<String, ParseError>> {
        None
    }

    /// Parses `source` and runs the enabled rules. An `Err(CheckError::Parse)` from this call on
    /// text produced by fixes makes the engine revert them.
    fn check(&self, source: &SourceFile, ctx: &RuleContext) -> Result<Vec<Finding>, CheckError>;
}

/// Runs each enabled rule on `tree`, catching a panic in any one of them.
pub fn run_rules<T: ?Sized>(
    rules: &[&dyn Rule<T>],
    tree: &T,
    ctx: &RuleContext,
) -> Result<Vec<Finding>, CheckError> {
    let mut findings = Vec::new();
    for rule in rules {
        if !ctx.is_enabled(rule.id()) {
            continue;
        }
        let result = catch_unwind(AssertUnwindSafe(|| rule.check(tree, ctx)));
        match result {
            Ok(found) => findings.extend(found),
            Err(payload) => {
                return Err(CheckError::RulePanicked { rule: rule.id(), message: panic_message(&*payload) });
            }
        }
    }
    Ok(findings)
}

/// Extracts the text of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic payload".to_string()
    }
}
