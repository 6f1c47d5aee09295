//! The `cinch` binary end to end: exit codes, error messages, standard input, rule listing.

use std::path::Path;
use std::process::{Command, Output};

fn cinch(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cinch")).args(args).current_dir(dir).output().expect("cinch runs")
}

fn cinch_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cinch"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cinch runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn binary_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pg_hba.conf"), b"host\0all").unwrap();
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("pg_hba.conf"), "{message}");
    assert!(message.contains("NUL byte"), "{message}");
}

#[test]
fn invalid_utf8_and_utf16_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), b"FROM debian\nLABEL a=\xff\n").unwrap();
    std::fs::write(dir.path().join("nginx.conf"), b"\xff\xfes\0e\0").unwrap();
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("Dockerfile: the file is not valid UTF-8"), "{message}");
    assert!(message.contains("nginx.conf: the file is UTF-16"), "{message}");
}

#[test]
fn directory_named_dockerfile_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("Dockerfile")).unwrap();
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("Dockerfile: is a directory"), "{}", stderr(&output));
}

#[test]
fn missing_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = cinch(&["check", "no-such-dir"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no-such-dir: cannot read"), "{}", stderr(&output));
}

#[test]
fn empty_tree_exits_clean() {
    let dir = tempfile::tempdir().unwrap();
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn bad_config_names_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cinch.toml"), "[postgres]\nallowed_network = [\"10.0.0.0/8\"]\n").unwrap();
    std::fs::write(dir.path().join("pg_hba.conf"), "local all all peer\n").unwrap();
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("cinch.toml"), "{message}");
    assert!(message.contains("allowed_network"), "{message}");
}

#[test]
fn explicit_config_that_is_missing_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let output = cinch(&["check", "--config", "nope.toml", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nope.toml"), "{}", stderr(&output));
}

#[test]
fn stdin_without_filename_is_an_error() {
    let output = cinch_stdin(&["check", "-"], b"FROM debian\n");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--stdin-filename"), "{}", stderr(&output));
}

#[test]
fn unknown_rule_in_select_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let output = cinch(&["check", "--select", "NOPE1", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("NOPE1"), "{}", stderr(&output));
}

#[test]
fn explain_unknown_rule() {
    let dir = tempfile::tempdir().unwrap();
    let output = cinch(&["explain", "XYZ999"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("XYZ999"));
}

#[test]
fn unknown_explicit_file_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();
    let output = cinch(&["check", "notes.txt"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("notes.txt: skipped"), "{}", stderr(&output));
}

#[cfg(unix)]
#[test]
fn walk_does_not_follow_symlinked_directory() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("pg_hba.conf"), b"bad\0file").unwrap();
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("linked")).unwrap();
    std::fs::write(root.path().join("cinch.toml"), "[paths]\nexclude = [\"../**\"]\n").unwrap();
    let output = cinch(&["check", "."], root.path());
    // Reading the file behind the link would be an error (it has a NUL byte).
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("pg_hba.conf"), "{}", stderr(&output));
}

#[test]
fn gitignored_files_are_skipped_but_explicit_ones_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "generated/\n").unwrap();
    std::fs::create_dir(dir.path().join("generated")).unwrap();
    std::fs::write(dir.path().join("generated/pg_hba.conf"), b"\0").unwrap();
    let walked = cinch(&["check", "."], dir.path());
    assert_eq!(walked.status.code(), Some(0), "{}", stderr(&walked));
    let named = cinch(&["check", "generated/pg_hba.conf"], dir.path());
    assert_eq!(named.status.code(), Some(2), "{}", stderr(&named));
}

#[test]
fn oversized_file_is_skipped_without_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cinch.toml"), "[limits]\nmax_file_size = 10\n").unwrap();
    std::fs::write(dir.path().join("pg_hba.conf"), "local all all peer\n").unwrap();
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("limits.max_file_size"), "{}", stderr(&output));
}
