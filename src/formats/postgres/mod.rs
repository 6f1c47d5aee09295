//! PostgreSQL: `pg_hba.conf` records and `postgresql.conf` settings.

use std::path::{Path, PathBuf};

use crate::edit::{Applicability, Fix};
use crate::finding::Finding;
use crate::rule::{run_rules, CheckError, CommentSyntax, FileKind, Format, ParseError, Rule, RuleContext};
use crate::source::SourceFile;

pub mod conf;
pub mod hba;
mod md5_password_encryption;
mod open_client_address;
mod trust_auth_over_network;
mod unencrypted_host_connection;
mod weak_password_auth;

use hba::{HbaError, HbaFile, Rewrite};

pub struct PgHbaFormat;

impl PgHbaFormat {
    fn rules() -> [&'static dyn Rule<HbaFile>; 4] {
        [
            &weak_password_auth::WeakPasswordAuth,
            &trust_auth_over_network::TrustAuthOverNetwork,
            &open_client_address::OpenClientAddress,
            &unencrypted_host_connection::UnencryptedHostConnection,
        ]
    }
}

impl Format for PgHbaFormat {
    fn kind(&self) -> FileKind {
        FileKind::PgHba
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        PgHbaFormat::rules().iter().map(|rule| rule.id()).collect()
    }

    fn matches_path(&self, path: &Path) -> bool {
        let name = super::file_name(path);
        name == "pg_hba.conf" || name.ends_with(".hba")
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: true }
    }

    fn check(&self, source: &SourceFile, ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        let file = match hba::parse(&source.text) {
            Ok(file) => file,
            Err(HbaError::Parse(error)) => return Err(CheckError::Parse(error)),
            Err(HbaError::Template(message)) => return Err(CheckError::Skip(message)),
        };
        run_rules(&PgHbaFormat::rules(), &file, ctx)
    }

    fn round_trip(&self, source: &SourceFile) -> Option<Result<String, ParseError>> {
        Some(match hba::parse(&source.text) {
            Ok(file) => Ok(file.pieces.iter().map(|piece| &file.text[piece.range.clone()]).collect()),
            Err(HbaError::Parse(error)) => Err(error),
            Err(HbaError::Template(message)) => Err(ParseError::new(message, None)),
        })
    }
}

pub struct PostgresqlConfFormat;

impl PostgresqlConfFormat {
    fn rules() -> [&'static dyn Rule<conf::ConfFile>; 1] {
        [&md5_password_encryption::Md5PasswordEncryption]
    }
}

impl Format for PostgresqlConfFormat {
    fn kind(&self) -> FileKind {
        FileKind::PostgresqlConf
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        PostgresqlConfFormat::rules().iter().map(|rule| rule.id()).collect()
    }

    /// Claims `postgresql.conf` only: `postgresql.auto.conf` belongs to `ALTER SYSTEM`, which
    /// rewrites it whole, so cinch never edits it.
    fn matches_path(&self, path: &Path) -> bool {
        super::file_name(path) == SERVER_CONF
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: true }
    }

    fn check(&self, source: &SourceFile, ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        let file = conf::parse(&source.text)?;
        run_rules(&PostgresqlConfFormat::rules(), &file, ctx)
    }

    fn round_trip(&self, source: &SourceFile) -> Option<Result<String, ParseError>> {
        Some(conf::parse(&source.text).map(|file| file.pieces.iter().map(|piece| &source.text[piece.range.clone()]).collect()))
    }
}

/// Returns whether `path` is a file the PostgreSQL rules read without checking it:
/// `postgresql.auto.conf`, which `ALTER SYSTEM` writes and whose settings override postgresql.conf.
pub fn is_context_file(path: &Path) -> bool {
    super::file_name(path) == AUTO_CONF
}

const SERVER_CONF: &str = "postgresql.conf";
pub(crate) const AUTO_CONF: &str = "postgresql.auto.conf";

/// One setting and the file it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfSetting {
    pub path: PathBuf,
    /// The value with quotes removed, in lower case.
    pub value: String,
}

/// The settings the rules need, as one postgresql.conf or postgresql.auto.conf gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConfFacts {
    /// The file parses; each setting is the last one in the file.
    Parsed { ssl: Option<ConfSetting>, password_encryption: Option<ConfSetting> },
    /// The file does not parse, so any setting may be in it.
    Unreadable,
}

/// Reads the file named `name` beside the file being checked, through the project context.
pub(crate) fn conf_facts(ctx: &RuleContext, name: &str) -> Option<ConfFacts> {
    let dir = ctx.path.parent()?;
    let (path, _) = ctx.project.files_in_dir(dir).find(|(path, _)| super::file_name(path) == name)?;
    let key = path.to_string_lossy().into_owned();
    let path = path.to_path_buf();
    let facts = ctx.project.memo(&key, || {
        let Some(file) = ctx.project.source(&path).and_then(|source| conf::parse(&source.text).ok()) else {
            return ConfFacts::Unreadable;
        };
        let setting = |name: &str| {
            file.get(name).map(|setting| ConfSetting { path: path.clone(), value: setting.value.to_ascii_lowercase() })
        };
        ConfFacts::Parsed { ssl: setting("ssl"), password_encryption: setting("password_encryption") }
    });
    Some((*facts).clone())
}

/// The value of one setting that the server uses, as far as the files beside the checked one
/// show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effective {
    /// Set in this file; postgresql.auto.conf wins over postgresql.conf.
    Set(ConfSetting),
    /// Neither file sets it.
    Unset,
    /// A file that could set it does not parse.
    Unknown,
}

/// Returns the effective value of setting `name` (`ssl` or `password_encryption`) from the
/// postgresql.conf and postgresql.auto.conf in the checked file's directory.
pub(crate) fn effective_setting(ctx: &RuleContext, name: &str) -> Effective {
    let pick = |facts: &ConfFacts| match facts {
        ConfFacts::Parsed { ssl, password_encryption } => {
            let setting = if name == "ssl" { ssl } else { password_encryption };
            setting.clone().map_or(Effective::Unset, Effective::Set)
        }
        ConfFacts::Unreadable => Effective::Unknown,
    };
    match conf_facts(ctx, AUTO_CONF).map(|facts| pick(&facts)) {
        Some(Effective::Unset) | None => {}
        Some(known) => return known,
    }
    conf_facts(ctx, SERVER_CONF).map_or(Effective::Unset, |facts| pick(&facts))
}

/// The evidence on whether the server accepts TLS connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tls {
    /// `postgres.ssl = true` in cinch.toml, or an effective `ssl = on`, named in the text.
    On(String),
    /// `postgres.ssl = false` in cinch.toml, or an effective `ssl = off`, named in the text.
    Off(String),
    /// No setting shows it.
    Unknown,
}

pub(crate) fn server_tls(ctx: &RuleContext) -> Tls {
    match ctx.settings.postgres.ssl {
        Some(true) => Tls::On("`postgres.ssl = true` in cinch.toml".to_string()),
        Some(false) => Tls::Off("`postgres.ssl = false` in cinch.toml".to_string()),
        None => match effective_setting(ctx, "ssl") {
            Effective::Set(setting) => match conf::parse_bool(&setting.value) {
                Some(true) => Tls::On(format!("`ssl = on` in {}", setting.path.display())),
                Some(false) => Tls::Off(format!("`ssl = {}` in {}", setting.value, setting.path.display())),
                None => Tls::Unknown,
            },
            Effective::Unset | Effective::Unknown => Tls::Unknown,
        },
    }
}

/// Renders `rewrites` (one per finding in `fixable`, in the same order) and gives each finding
/// its edit. A finding whose edit would leave the record as it is gets no fix.
pub(crate) fn attach_fixes(file: &HbaFile, fixable: Vec<(Finding, Applicability)>, rewrites: &[Rewrite]) -> Vec<Finding> {
    fixable
        .into_iter()
        .zip(file.render(rewrites))
        .map(|((finding, applicability), edit)| {
            if file.text[edit.range.clone()] == edit.replacement {
                finding
            } else {
                finding.with_fix(Fix::new(vec![edit], applicability))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_record_gets_no_fix() {
        let file = hba::parse("host  all  all  10.0.0.0/8  md5\n").expect("parses");
        let finding = |n: usize| (Finding::new("PGH001", 0..4, format!("finding {n}")), Applicability::Safe);
        let same = Rewrite { record: 0, variants: vec![vec![(4, "md5".to_string())]] };
        let changed = Rewrite { record: 0, variants: vec![vec![(4, "scram-sha-256".to_string())]] };
        let findings = attach_fixes(&file, vec![finding(1), finding(2)], &[same, changed]);
        assert!(findings[0].fix.is_none());
        assert!(findings[1].fix.is_some());
    }

    #[test]
    fn context_files() {
        assert!(is_context_file(Path::new("data/postgresql.auto.conf")));
        assert!(!is_context_file(Path::new("data/postgresql.conf")));
        assert!(!is_context_file(Path::new("data/pg_hba.conf")));
    }
}
