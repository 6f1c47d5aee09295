//! Atomic in-place writes.
//!
//! The new content goes to a temporary file in the same directory, is flushed to disk, gets the
//! original's owner and permissions, and is renamed over the original. A reader or a crash at any
//! moment sees either the old file or the complete new one. The owner is copied only where the
//! user may set it, because only root can give a file to another user or to a group it is not in.

use std::fs;
use std::io::Write;
use std::path::Path;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("not written: it is a symbolic link, and cinch never writes through links; run cinch on the file it points to")]
    Symlink,
    #[error("not written: it has {0} hard links, and replacing it would split them; pass --allow-hardlinks to replace this name only")]
    HardLinked(u64),
    #[error("not written: the file changed on disk after cinch read it; run cinch again")]
    Changed,
    #[error("not written: the file is read-only; make it writable (chmod u+w) to let cinch fix it")]
    ReadOnly,
    #[error("not written: cannot create a temporary file in {dir}: {source}; cinch needs write access to the directory to replace the file atomically")]
    Directory { dir: String, source: std::io::Error },
    #[error("not written: {0}")]
    Io(#[from] std::io::Error),
}

/// Replaces the file at `path` with `new`, provided it still contains `expected`.
pub fn write_atomic(path: &Path, expected: &[u8], new: &[u8], allow_hardlinks: bool) -> Result<(), WriteError> {
    let metadata = fs::symlink_metadata(path)?;
    if metadata.file_type().is_symlink() {
        return Err(WriteError::Symlink);
    }
    let links = hard_link_count(&metadata);
    if links > 1 && !allow_hardlinks {
        return Err(WriteError::HardLinked(links));
    }
    if metadata.permissions().readonly() {
        return Err(WriteError::ReadOnly);
    }
    if fs::read(path)? != expected {
        return Err(WriteError::Changed);
    }

    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".cinch-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|source| WriteError::Directory { dir: crate::source::display_path(dir), source })?;
    temporary.write_all(new)?;
    temporary.as_file().sync_all()?;
    // The owner goes first: changing it clears the setuid and setgid bits that the mode restores.
    copy_owner(temporary.path(), &metadata);
    fs::set_permissions(temporary.path(), metadata.permissions())?;

    // A last check narrows the window in which another writer's change could be lost.
    if fs::read(path)? != expected {
        return Err(WriteError::Changed);
    }
    temporary.persist(path).map_err(|e| WriteError::Io(e.error))?;
    if let Ok(directory) = fs::File::open(dir) {
        // Makes the rename itself durable; some file systems reject fsync on a directory.
        let _ = directory.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn hard_link_count(metadata: &fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    metadata.nlink()
}

#[cfg(not(unix))]
fn hard_link_count(_metadata: &fs::Metadata) -> u64 {
    1
}

#[cfg(unix)]
fn copy_owner(path: &Path, metadata: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    // Only root may give a file away; for anyone else the owner is already the same user.
    let _ = std::os::unix::fs::chown(path, Some(metadata.uid()), Some(metadata.gid()));
}

#[cfg(not(unix))]
fn copy_owner(_path: &Path, _metadata: &fs::Metadata) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&path, b"old", b"new", false).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }

    #[test]
    fn changed_file_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "edited meanwhile").unwrap();
        assert!(matches!(write_atomic(&path, b"old", b"new", false), Err(WriteError::Changed)));
        assert_eq!(fs::read(&path).unwrap(), b"edited meanwhile");
    }

    #[cfg(unix)]
    #[test]
    fn read_only_file_is_not_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        assert!(matches!(write_atomic(&path, b"old", b"new", false), Err(WriteError::ReadOnly)));
        assert_eq!(fs::read(&path).unwrap(), b"old");
    }

    #[cfg(unix)]
    #[test]
    fn setuid_bit_survives() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o4751)).unwrap();
        write_atomic(&path, b"old", b"new", false).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o7777, 0o4751);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        let link = dir.path().join("link");
        fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(write_atomic(&link, b"old", b"new", false), Err(WriteError::Symlink)));
        assert_eq!(fs::read(&target).unwrap(), b"old");
    }

    #[cfg(unix)]
    #[test]
    fn hard_link_needs_permission() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a");
        let second = dir.path().join("b");
        fs::write(&first, "old").unwrap();
        fs::hard_link(&first, &second).unwrap();
        assert!(matches!(write_atomic(&first, b"old", b"new", false), Err(WriteError::HardLinked(2))));
        write_atomic(&first, b"old", b"new", true).unwrap();
        assert_eq!(fs::read(&first).unwrap(), b"new");
        assert_eq!(fs::read(&second).unwrap(), b"old");
    }
}
