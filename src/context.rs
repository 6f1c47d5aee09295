//! The project context: a read-only index of the walked tree, built once before any rule runs.
//!
//! Some facts live in other files (a `postgresql.conf` beside a pg_hba.conf, the RBAC bindings
//! of a service account, what an nginx `include` brings in, what an entrypoint script does).
//! Rules read those files from here and never open files themselves. Facts that are costly to
//! derive are computed once per run through [`ProjectContext::memo`].

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::formats::normalize_path;
use crate::rule::FileKind;
use crate::source::SourceFile;

/// One file of the walked tree.
#[derive(Debug, Clone)]
pub struct ContextFile {
    /// The kind the engine checks it as, or `None` for a file kept only for other rules to read
    /// (a shell script, an nginx include without a recognised name).
    pub kind: Option<FileKind>,
    pub source: Arc<SourceFile>,
}

type MemoKey = (TypeId, String);

/// The walked tree's readable text files, keyed by path as walked, and the shape of the tree
/// (directories and symbolic links) that rules may need without touching the file system.
#[derive(Default)]
pub struct ProjectContext {
    files: BTreeMap<PathBuf, ContextFile>,
    roots: Vec<PathBuf>,
    /// Walked directories, as normalized paths.
    dirs: BTreeSet<PathBuf>,
    /// Symbolic links met by the walk (normalized path) whose target is an indexed file, mapped to
    /// that file's path as walked. The walk never follows links, so this only records where one points.
    links: BTreeMap<PathBuf, PathBuf>,
    /// Symbolic links met by the walk whose target is not an indexed file (normalized paths).
    unresolved_links: BTreeSet<PathBuf>,
    memo: Mutex<HashMap<MemoKey, Arc<dyn Any + Send + Sync>>>,
}

impl ProjectContext {
    /// Returns an empty context, as for standard input.
    pub fn empty() -> Self {
        ProjectContext::default()
    }

    pub fn new(roots: Vec<PathBuf>, files: impl IntoIterator<Item = (PathBuf, ContextFile)>) -> Self {
        ProjectContext { files: files.into_iter().collect(), roots, ..ProjectContext::default() }
    }

    /// Adds the walked directories and the links the walk met: `(link, Some(target as walked))`
    /// when the target is an indexed file, `(link, None)` otherwise.
    pub fn with_layout(mut self, dirs: impl IntoIterator<Item = PathBuf>, links: impl IntoIterator<Item = (PathBuf, Option<PathBuf>)>) -> Self {
        self.dirs = dirs.into_iter().map(|dir| normalize_path(&dir)).collect();
        for (link, target) in links {
            match target {
                Some(target) => {
                    self.links.insert(normalize_path(&link), target);
                }
                None => {
                    self.unresolved_links.insert(normalize_path(&link));
                }
            }
        }
        self
    }

    /// Returns the symbolic links directly inside `dir` whose targets are not indexed files.
    pub fn unresolved_links_in_dir<'a>(&'a self, dir: &Path) -> impl Iterator<Item = &'a Path> + 'a {
        let dir = normalize_path(dir);
        self.unresolved_links.iter().filter(move |link| link.parent() == Some(dir.as_path())).map(PathBuf::as_path)
    }

    /// Returns true when the walk entered `dir` (compared as normalized paths).
    pub fn has_dir(&self, dir: &Path) -> bool {
        self.dirs.contains(&normalize_path(dir))
    }

    /// Returns the indexed file that the symbolic link at `path` points to, as walked.
    pub fn link_target(&self, path: &Path) -> Option<&Path> {
        self.links.get(&normalize_path(path)).map(PathBuf::as_path)
    }

    /// Returns the symbolic links directly inside `dir` whose targets are indexed files, as
    /// `(normalized link path, target as walked)`.
    pub fn links_in_dir<'a>(&'a self, dir: &Path) -> impl Iterator<Item = (&'a Path, &'a Path)> + 'a {
        let dir = normalize_path(dir);
        self.links.iter().filter(move |(link, _)| link.parent() == Some(dir.as_path())).map(|(link, target)| (link.as_path(), target.as_path()))
    }

    /// Returns the directories and files the run was started on.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    pub fn file(&self, path: &Path) -> Option<&ContextFile> {
        self.files.get(path)
    }

    pub fn source(&self, path: &Path) -> Option<&SourceFile> {
        self.files.get(path).map(|file| &*file.source)
    }

    /// Returns every indexed file, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = (&Path, &ContextFile)> {
        self.files.iter().map(|(path, file)| (path.as_path(), file))
    }

    /// Returns the indexed files directly inside `dir`, sorted by path.
    pub fn files_in_dir<'a>(&'a self, dir: &'a Path) -> impl Iterator<Item = (&'a Path, &'a ContextFile)> + 'a {
        self.files().filter(move |(path, _)| path.parent() == Some(dir))
    }

    /// Returns the indexed files of `kind`, sorted by path.
    pub fn files_of_kind(&self, kind: FileKind) -> impl Iterator<Item = (&Path, &ContextFile)> {
        self.files().filter(move |(_, file)| file.kind == Some(kind))
    }

    /// Returns the value cached under `key` for type `T`, computing it with `compute` on first use.
    /// Two threads asking at once may both compute; one result is kept.
    pub fn memo<T, F>(&self, key: &str, compute: F) -> Arc<T>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> T,
    {
        let memo_key = (TypeId::of::<T>(), key.to_string());
        if let Some(found) = self.memo.lock().unwrap_or_else(|e| e.into_inner()).get(&memo_key) {
            if let Ok(value) = Arc::clone(found).downcast::<T>() {
                return value;
            }
        }
        let value: Arc<T> = Arc::new(compute());
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        let stored = memo.entry(memo_key).or_insert_with(|| value.clone() as Arc<dyn Any + Send + Sync>);
        Arc::clone(stored).downcast::<T>().unwrap_or(value)
    }
}
