//! Dockerfiles.

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{CheckError, CommentSyntax, FileKind, Format, RuleContext};
use crate::source::SourceFile;

pub struct DockerfileFormat;

impl Format for DockerfileFormat {
    fn kind(&self) -> FileKind {
        FileKind::Dockerfile
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn matches_path(&self, path: &Path) -> bool {
        { let name = super::file_name(path); name == "Dockerfile" || name == "Containerfile" || name.starts_with("Dockerfile.") || name.ends_with(".Dockerfile") || name.ends_with(".dockerfile") }
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: false }
    }

    fn check(&self, _source: &SourceFile, _ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        // TODO: parser and rules not written yet.
        Ok(Vec::new())
    }
}

/// Whether `path` may be a script that an `ENTRYPOINT` runs.
pub fn is_context_file(path: &Path) -> bool {
    let name = super::file_name(path);
    name.ends_with(".sh") || name.contains("entrypoint")
}
