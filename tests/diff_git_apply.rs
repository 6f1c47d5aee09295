//! The unified diff applies with `git apply` byte for byte, including CRLF files, files without
//! a final newline, and files with a lone carriage return inside a line.

use std::path::Path;
use std::process::Command;

use cinch::report::diff::unified_diff;

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git").args(args).current_dir(dir).output().expect("git runs")
}

/// Writes `old`, applies the diff to `new` with `git apply`, and returns the resulting bytes.
fn apply(old: &[u8], new: &[u8]) -> Vec<u8> {
    apply_named("target.conf", old, new)
}

fn apply_named(name: &str, old: &[u8], new: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(dir.path().join(name), old).unwrap();
    let patch = unified_diff(name, old, new);
    std::fs::write(dir.path().join("fix.patch"), &patch).unwrap();
    let output = git(dir.path(), &["apply", "--whitespace=nowarn", "fix.patch"]);
    assert!(output.status.success(), "git apply failed: {}\npatch:\n{}", String::from_utf8_lossy(&output.stderr), String::from_utf8_lossy(&patch));
    std::fs::read(dir.path().join(name)).unwrap()
}

fn git_available() -> bool {
    Command::new("git").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn diffs_apply_byte_for_byte() {
    if !git_available() {
        assert!(std::env::var_os("CI").is_none(), "git is required in CI");
        eprintln!("skipped: git is not installed");
        return;
    }
    let cases: &[(&str, &[u8], &[u8])] = &[
        ("lf insert", b"a\nb\nc\n", b"a\nb\nX\nc\n"),
        ("crlf insert", b"a\r\nb\r\nc\r\n", b"a\r\nb\r\nX\r\nc\r\n"),
        ("no final newline, append", b"a\nb", b"a\nb\nc"),
        ("no final newline, add one", b"a\nb", b"a\nb\n"),
        ("remove final newline", b"a\nb\n", b"a\nb"),
        ("lone carriage return", b"key\rvalue\nnext\n", b"key\rvalue\nnew\nnext\n"),
        ("lone carriage return at end", b"a\nb\r", b"a\nX\nb\r"),
        ("empty to content", b"", b"line\n"),
        ("change first line", b"first\nsecond\n", b"FIRST\nsecond\n"),
        ("bom kept", b"\xEF\xBB\xBFa\nb\n", b"\xEF\xBB\xBFa\nX\nb\n"),
        ("tabs and trailing spaces", b"\tkey value  \n\tother\n", b"\tkey value  \n\tnew\n\tother\n"),
        ("crlf without final newline", b"a\r\nb", b"a\r\nb\r\nc"),
    ];
    for (name, old, new) in cases {
        assert_eq!(apply(old, new), *new, "case: {name}");
    }
}

#[test]
fn distant_edits_apply() {
    if !git_available() {
        assert!(std::env::var_os("CI").is_none(), "git is required in CI");
        eprintln!("skipped: git is not installed");
        return;
    }
    let old: String = (1..=60).map(|n| format!("line {n}\n")).collect();
    let new = old.replace("line 3\n", "line 3\nadded\n").replace("line 40\n", "changed 40\n").replace("line 60\n", "line 60\ntail\n");
    assert_eq!(apply(old.as_bytes(), new.as_bytes()), new.as_bytes());
}

#[test]
fn unusual_file_names_apply() {
    if !git_available() {
        assert!(std::env::var_os("CI").is_none(), "git is required in CI");
        eprintln!("skipped: git is not installed");
        return;
    }
    for name in ["with space.conf", "tab\there.conf", "quote\"d.conf", "back\\slash.conf", "ünïcode.conf"] {
        assert_eq!(apply_named(name, b"a\n", b"a\nb\n"), b"a\nb\n", "name: {name:?}");
    }
}
