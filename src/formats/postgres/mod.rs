//! PostgreSQL: `pg_hba.conf` records and `postgresql.conf` settings.

use std::path::{Path, PathBuf};

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

use hba::{HbaError, HbaFile};

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
        super::file_name(path) == "postgresql.conf"
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

/// The settings a `postgresql.conf` in the pg_hba.conf's directory gives, when there is one and
/// it parses.
#[derive(Debug, Clone)]
pub(crate) struct ServerConf {
    pub path: PathBuf,
    pub ssl: Option<bool>,
    pub password_encryption: Option<String>,
}

/// Reads the `postgresql.conf` beside the file being checked, through the project context.
pub(crate) fn server_conf(ctx: &RuleContext) -> Option<ServerConf> {
    let dir = ctx.path.parent()?;
    let (path, _) = ctx.project.files_in_dir(dir).find(|(path, _)| super::file_name(path) == "postgresql.conf")?;
    let key = path.to_string_lossy().into_owned();
    let path = path.to_path_buf();
    let parsed = ctx.project.memo(&key, || {
        let source = ctx.project.source(&path)?;
        let file = conf::parse(&source.text).ok()?;
        Some(ServerConf { path: path.clone(), ssl: file.ssl(), password_encryption: file.password_encryption() })
    });
    (*parsed).clone()
}

/// Where cinch learned whether the server accepts TLS connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tls {
    /// `postgres.ssl = true` in cinch.toml, or `ssl = on` in the named postgresql.conf.
    On(String),
    /// `postgres.ssl = false` in cinch.toml.
    Off,
    /// Nothing says so.
    Unknown,
}

pub(crate) fn server_tls(ctx: &RuleContext) -> Tls {
    match ctx.settings.postgres.ssl {
        Some(true) => Tls::On("`postgres.ssl = true` in cinch.toml".to_string()),
        Some(false) => Tls::Off,
        None => match server_conf(ctx) {
            Some(ServerConf { ssl: Some(true), path, .. }) => Tls::On(format!("`ssl = on` in {}", path.display())),
            _ => Tls::Unknown,
        },
    }
}
