//! nginx configuration.

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{CheckError, CommentSyntax, FileKind, Format, RuleContext};
use crate::source::SourceFile;

pub struct NginxFormat;

impl Format for NginxFormat {
    fn kind(&self) -> FileKind {
        FileKind::Nginx
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn matches_path(&self, path: &Path) -> bool {
        { let name = super::file_name(path); name == "nginx.conf" || (name.ends_with(".conf") && super::has_dir(path, |d| d.contains("nginx") || d == "conf.d" || d.starts_with("sites-") || d == "snippets")) }
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: true }
    }

    fn check(&self, _source: &SourceFile, _ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        // TODO: parser and rules not written yet.
        Ok(Vec::new())
    }
}

/// Whether `path` may be a file that an nginx `include` names without being checked itself.
pub fn is_context_file(path: &Path) -> bool {
    let name = super::file_name(path);
    name.ends_with(".conf") || name == "mime.types" || name.ends_with("_params") || name.ends_with(".inc")
}
