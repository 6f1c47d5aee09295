//! C# (ASP.NET Core).

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{CheckError, CommentSyntax, FileKind, Format, RuleContext};
use crate::source::SourceFile;

pub struct CSharpFormat;

impl Format for CSharpFormat {
    fn kind(&self) -> FileKind {
        FileKind::CSharp
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn matches_path(&self, path: &Path) -> bool {
        super::file_name(path).ends_with(".cs")
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["//"], trailing: true }
    }

    fn check(&self, _source: &SourceFile, _ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        // TODO: parser and rules not written yet.
        Ok(Vec::new())
    }
}
