//! The project context: a read-only index of the walked tree, built once before any rule runs.
//!
//! Some facts live in other files (a `postgresql.conf` beside a pg_hba.conf, the RBAC bindings
//! of a service account, what an nginx `include` brings in, what an entrypoint script does).
//! Rules read those files from here and never open files themselves. Facts that are costly to
//! derive are computed once per run through [`ProjectContext::memo`].

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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

/// The walked tree's readable text files, keyed by path as walked.
#[derive(Default)]
pub struct ProjectContext {
    files: BTreeMap<PathBuf, ContextFile>,
    roots: Vec<PathBuf>,
    memo: Mutex<HashMap<MemoKey, Arc<dyn Any + Send + Sync>>>,
}

impl ProjectContext {
    /// An empty context, as for standard input.
    pub fn empty() -> Self {
        ProjectContext::default()
    }

    pub fn new(roots: Vec<PathBuf>, files: impl IntoIterator<Item = (PathBuf, ContextFile)>) -> Self {
        ProjectContext { files: files.into_iter().collect(), roots, memo: Mutex::default() }
    }

    /// The directories and files the run was started on.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    pub fn file(&self, path: &Path) -> Option<&ContextFile> {
        self.files.get(path)
    }

    pub fn source(&self, path: &Path) -> Option<&SourceFile> {
        self.files.get(path).map(|file| &*file.source)
    }

    /// Every indexed file, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = (&Path, &ContextFile)> {
        self.files.iter().map(|(path, file)| (path.as_path(), file))
    }

    /// The indexed files directly inside `dir`, sorted by path.
    pub fn files_in_dir<'a>(&'a self, dir: &'a Path) -> impl Iterator<Item = (&'a Path, &'a ContextFile)> + 'a {
        self.files().filter(move |(path, _)| path.parent() == Some(dir))
    }

    /// The indexed files of `kind`, sorted by path.
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
