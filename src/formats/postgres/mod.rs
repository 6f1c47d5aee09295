//! PostgreSQL: `pg_hba.conf` records and `postgresql.conf` settings.

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{CheckError, CommentSyntax, FileKind, Format, RuleContext};
use crate::source::SourceFile;

pub struct PgHbaFormat;

impl Format for PgHbaFormat {
    fn kind(&self) -> FileKind {
        FileKind::PgHba
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn matches_path(&self, path: &Path) -> bool {
        let name = super::file_name(path);
        name == "pg_hba.conf" || name.ends_with(".hba")
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: true }
    }

    fn check(&self, _source: &SourceFile, _ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        // TODO: parser and rules not written yet.
        Ok(Vec::new())
    }
}

pub struct PostgresqlConfFormat;

impl Format for PostgresqlConfFormat {
    fn kind(&self) -> FileKind {
        FileKind::PostgresqlConf
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn matches_path(&self, path: &Path) -> bool {
        super::file_name(path) == "postgresql.conf"
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: true }
    }

    fn check(&self, _source: &SourceFile, _ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        // TODO: parser and rules not written yet.
        Ok(Vec::new())
    }
}
