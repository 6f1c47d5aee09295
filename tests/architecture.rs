//! Layering rules that the compiler cannot check: rules never touch the file system (they read
//! other files through the project context), and reports know no file format.

mod common;

use std::path::Path;

/// Returns a source file's text before its unit tests, which may use the file system freely.
fn code_before_tests(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[test]
fn formats_do_not_touch_the_file_system() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/formats");
    for path in common::files_under(&root) {
        let code = code_before_tests(&path);
        for forbidden in ["std::fs", "fs::read", "File::open", "read_dir", "canonicalize", "symlink_metadata"] {
            assert!(!code.contains(forbidden), "{} uses `{forbidden}`; read other files through ProjectContext", path.display());
        }
    }
}

#[test]
fn reports_know_no_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report");
    for path in common::files_under(&root) {
        let code = code_before_tests(&path);
        assert!(!code.contains("formats::"), "{} depends on a format", path.display());
    }
}
