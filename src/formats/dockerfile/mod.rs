//! Dockerfiles: a lossless parser and the rule that keeps the final stage from running as root.

mod container_runs_as_root;
pub mod images;
pub mod parser;
mod shell;

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{run_rules, CheckError, CommentSyntax, FileKind, Format, ParseError, Rule, RuleContext};
use crate::source::SourceFile;

use container_runs_as_root::ContainerRunsAsRoot;
use parser::Dockerfile;

pub struct DockerfileFormat;

static RULES: &[&dyn Rule<Dockerfile>] = &[&ContainerRunsAsRoot];

impl Format for DockerfileFormat {
    fn kind(&self) -> FileKind {
        FileKind::Dockerfile
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        RULES.iter().map(|rule| rule.id()).collect()
    }

    fn matches_path(&self, path: &Path) -> bool {
        let name = super::file_name(path);
        name == "Dockerfile"
            || name == "Containerfile"
            || name.starts_with("Dockerfile.")
            || name.ends_with(".Dockerfile")
            || name.ends_with(".dockerfile")
    }

    /// Dockerfiles have full-line `#` comments only: a `#` inside an instruction is an argument.
    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: false }
    }

    fn check(&self, source: &SourceFile, ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        let tree = parser::parse(&source.text)?;
        run_rules(RULES, &tree, ctx)
    }

    fn round_trip(&self, source: &SourceFile) -> Option<Result<String, ParseError>> {
        Some(parser::parse(&source.text).map(|tree| tree.pieces.iter().map(|piece| &tree.text[piece.range.clone()]).collect()))
    }
}

/// Checks whether `path` may be a script that an `ENTRYPOINT` runs.
pub fn is_context_file(path: &Path) -> bool {
    let name = super::file_name(path);
    name.ends_with(".sh") || name.contains("entrypoint")
}
