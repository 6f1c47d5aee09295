//! Kubernetes manifests.

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{CheckError, CommentSyntax, FileKind, Format, RuleContext};
use crate::source::SourceFile;

pub struct KubernetesFormat;

impl Format for KubernetesFormat {
    fn kind(&self) -> FileKind {
        FileKind::Kubernetes
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn matches_path(&self, path: &Path) -> bool {
        { let name = super::file_name(path); name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") }
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: true }
    }

    fn check(&self, _source: &SourceFile, _ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        // TODO: parser and rules not written yet.
        Ok(Vec::new())
    }
}
