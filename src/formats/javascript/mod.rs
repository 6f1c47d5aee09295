//! JavaScript and TypeScript (Express).

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{CheckError, CommentSyntax, FileKind, Format, RuleContext};
use crate::source::SourceFile;

pub struct JavaScriptFormat;

impl Format for JavaScriptFormat {
    fn kind(&self) -> FileKind {
        FileKind::JavaScript
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn matches_path(&self, path: &Path) -> bool {
        { let name = super::file_name(path); [".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx"].iter().any(|ext| name.ends_with(ext)) && !name.ends_with(".d.ts") && !name.ends_with(".min.js") }
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["//"], trailing: true }
    }

    fn check(&self, _source: &SourceFile, _ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        // TODO: parser and rules not written yet.
        Ok(Vec::new())
    }
}
