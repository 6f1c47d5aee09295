//! Finding the files to check. The roots are walked in parallel with the `ignore` crate, which
//! honours `.gitignore` and `.ignore` even outside a git repository. Each file's kind comes from its
//! name, and files that no format checks but rules may read are listed for the project context.
//!
//! Explicit file arguments are always read, even when an ignore file lists them. A walk never follows
//! symbolic links, so it cannot leave the roots it was given.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::formats;
use crate::rule::FileKind;

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    pub kind: FileKind,
    /// Named on the command line rather than found by the walk.
    pub explicit: bool,
}

/// The result of a walk, sorted by path.
#[derive(Debug, Default)]
pub struct Discovery {
    pub targets: Vec<Target>,
    /// Files no format checks but rules may read (entrypoint scripts, nginx includes).
    pub context_files: Vec<PathBuf>,
    /// Directories the walk entered.
    pub dirs: Vec<PathBuf>,
    /// Symbolic links the walk met and did not follow.
    pub links: Vec<PathBuf>,
    /// Paths that could not be walked or are not files cinch can check, with the reason.
    pub errors: Vec<(PathBuf, String)>,
    /// Explicit paths that no format claims, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Walks `roots` (files or directories). `excluded` returns true for paths that match a configured
/// exclude, and excluded directories are not entered.
pub fn discover(roots: &[PathBuf], excluded: &(dyn Fn(&Path) -> bool + Sync)) -> Discovery {
    let found = Mutex::new(Discovery::default());
    let record = |update: &mut dyn FnMut(&mut Discovery)| update(&mut found.lock().unwrap_or_else(|e| e.into_inner()));

    for root in roots {
        let metadata = match std::fs::symlink_metadata(root) {
            Ok(metadata) => metadata,
            Err(error) => {
                record(&mut |d| d.errors.push((root.clone(), format!("cannot read: {error}"))));
                continue;
            }
        };
        let is_dir = if metadata.file_type().is_symlink() {
            // A symlink named on the command line is followed for reading only.
            std::fs::metadata(root).map(|m| m.is_dir()).unwrap_or(false)
        } else {
            metadata.is_dir()
        };
        if !is_dir {
            match formats::kind_for_path(root) {
                Some(kind) => record(&mut |d| d.targets.push(Target { path: root.clone(), kind, explicit: true })),
                None => record(&mut |d| {
                    d.skipped.push((root.clone(), "not a file kind cinch checks (see `cinch rules` for the formats)".to_string()))
                }),
            }
            continue;
        }

        let walker = WalkBuilder::new(root)
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build_parallel();
        walker.run(|| {
            Box::new(|entry| {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        let path = error_path(&error).unwrap_or_else(|| root.clone());
                        record(&mut |d| d.errors.push((path.clone(), format!("cannot walk: {error}"))));
                        return WalkState::Continue;
                    }
                };
                let path = entry.path();
                if entry.depth() > 0 && excluded(path) {
                    return WalkState::Skip;
                }
                let Some(file_type) = entry.file_type() else {
                    return WalkState::Continue;
                };
                if file_type.is_symlink() {
                    // Never followed: a link may point outside the tree, and writing through one
                    // would change a file the user did not name. It is recorded so that rules can
                    // tell where it points (an nginx `sites-enabled` link, say).
                    record(&mut |d| d.links.push(path.to_path_buf()));
                    return WalkState::Continue;
                }
                let kind = formats::kind_for_path(path);
                if file_type.is_dir() {
                    record(&mut |d| d.dirs.push(path.to_path_buf()));
                    if entry.depth() > 0 && kind == Some(FileKind::Dockerfile) {
                        record(&mut |d| {
                            d.errors.push((path.to_path_buf(), "is a directory named like a Dockerfile, not a file; it was not checked".to_string()))
                        });
                    }
                    return WalkState::Continue;
                }
                if !file_type.is_file() {
                    return WalkState::Continue;
                }
                match kind {
                    Some(kind) => record(&mut |d| d.targets.push(Target { path: path.to_path_buf(), kind, explicit: false })),
                    None if formats::is_context_file(path) => record(&mut |d| d.context_files.push(path.to_path_buf())),
                    None => {}
                }
                WalkState::Continue
            })
        });
    }

    let mut discovery = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // One file named twice (`Dockerfile .`, `./Dockerfile`) is checked and written once: the first
    // spelling in path order wins.
    discovery.targets.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen = std::collections::HashSet::new();
    discovery.targets.retain(|target| seen.insert(identity(&target.path)));
    discovery.context_files.sort();
    discovery.context_files.dedup();
    discovery.dirs.sort();
    discovery.links.sort();
    discovery.errors.sort();
    discovery.skipped.sort();
    discovery
}

/// Returns what makes two paths the same file: the canonical path, or the path itself when it
/// cannot be resolved.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}
