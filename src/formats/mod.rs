//! The formats cinch understands. Each module parses one kind of file losslessly and runs its
//! rules; the engine reaches them only through [`Format`].

use std::path::{Component, Path, PathBuf};

use crate::rule::{FileKind, Format};

pub mod csharp;
pub mod dockerfile;
pub mod javascript;
pub mod kubernetes;
pub mod nginx;
pub mod postgres;

static DOCKERFILE: dockerfile::DockerfileFormat = dockerfile::DockerfileFormat;
static KUBERNETES: kubernetes::KubernetesFormat = kubernetes::KubernetesFormat;
static NGINX: nginx::NginxFormat = nginx::NginxFormat;
static PG_HBA: postgres::PgHbaFormat = postgres::PgHbaFormat;
static POSTGRESQL_CONF: postgres::PostgresqlConfFormat = postgres::PostgresqlConfFormat;
static JAVASCRIPT: javascript::JavaScriptFormat = javascript::JavaScriptFormat;
static CSHARP: csharp::CSharpFormat = csharp::CSharpFormat;

/// Returns every format, in catalog order: the order of `cinch rules` and of tie-breaks between fixes.
pub fn all() -> [&'static dyn Format; 7] {
    [&DOCKERFILE, &KUBERNETES, &NGINX, &PG_HBA, &POSTGRESQL_CONF, &JAVASCRIPT, &CSHARP]
}

pub fn for_kind(kind: FileKind) -> &'static dyn Format {
    match kind {
        FileKind::Dockerfile => &DOCKERFILE,
        FileKind::Kubernetes => &KUBERNETES,
        FileKind::Nginx => &NGINX,
        FileKind::PgHba => &PG_HBA,
        FileKind::PostgresqlConf => &POSTGRESQL_CONF,
        FileKind::JavaScript => &JAVASCRIPT,
        FileKind::CSharp => &CSHARP,
    }
}

/// Returns the kind a file's name suggests, or `None` for files cinch does not check.
pub fn kind_for_path(path: &Path) -> Option<FileKind> {
    all().into_iter().find(|format| format.matches_path(path)).map(|format| format.kind())
}

/// Whether a file that no format checks is still kept in the project context for rules to read:
/// entrypoint scripts for the Dockerfile rule, nginx include files without a `.conf` name.
pub fn is_context_file(path: &Path) -> bool {
    dockerfile::is_context_file(path) || nginx::is_context_file(path) || postgres::is_context_file(path) || kubernetes::is_context_file(path)
}

/// Returns every registered rule id with its format, in catalog order.
pub fn rule_ids() -> Vec<(&'static str, FileKind)> {
    all().into_iter().flat_map(|format| format.rule_ids().into_iter().map(move |id| (id, format.kind()))).collect()
}

/// Returns the catalog position of rule `id`; unknown ids sort last.
pub fn catalog_index(id: &str) -> usize {
    rule_ids().iter().position(|(known, _)| *known == id).unwrap_or(usize::MAX)
}

/// Returns the file name of `path` as text, or an empty string.
pub(crate) fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|name| name.to_str()).unwrap_or("")
}

/// Returns true when any directory component of `path` satisfies `predicate`.
pub(crate) fn has_dir(path: &Path, predicate: impl Fn(&str) -> bool) -> bool {
    path.parent()
        .map(|parent| parent.components().any(|c| c.as_os_str().to_str().is_some_and(&predicate)))
        .unwrap_or(false)
}

/// Returns `path` with `.` components removed and `..` applied lexically (without touching the
/// file system), so that paths written in different ways compare equal.
pub fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
