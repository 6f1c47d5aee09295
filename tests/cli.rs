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

const ROOT_DOCKERFILE: &str = "FROM debian:bookworm-slim\nRUN apt-get update\nCMD [\"app\"]\n";

#[test]
fn findings_exit_one_and_exit_zero_overrides() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), ROOT_DOCKERFILE).unwrap();
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Dockerfile:1:1: DKR001 "), "{stdout}");
    assert!(stdout.contains("1 more with --unsafe-fixes"), "{stdout}");
    let output = cinch(&["check", "--exit-zero", "."], dir.path());
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn fixable_marker_follows_unsafe_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), ROOT_DOCKERFILE).unwrap();
    let safe = String::from_utf8_lossy(&cinch(&["check", "."], dir.path()).stdout).into_owned();
    assert!(!safe.contains("[*]"), "{safe}");
    let unsafe_fixes = String::from_utf8_lossy(&cinch(&["check", "--unsafe-fixes", "."], dir.path()).stdout).into_owned();
    assert!(unsafe_fixes.contains("DKR001 [*]"), "{unsafe_fixes}");
}

#[test]
fn diff_exit_code_and_no_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    std::fs::write(&path, ROOT_DOCKERFILE).unwrap();
    let output = cinch(&["fix", "--diff", "--unsafe-fixes", "."], dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let patch = String::from_utf8_lossy(&output.stdout);
    assert!(patch.starts_with("diff --git a/Dockerfile b/Dockerfile\n"), "{patch}");
    assert!(patch.contains("+USER 10001:10001"), "{patch}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), ROOT_DOCKERFILE, "--diff must not write");
}

#[test]
fn fix_writes_and_second_run_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    std::fs::write(&path, ROOT_DOCKERFILE).unwrap();
    let first = cinch(&["fix", "--unsafe-fixes", "."], dir.path());
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert!(fixed.contains("USER 10001:10001\nCMD"), "{fixed}");
    let second = cinch(&["fix", "--diff", "--unsafe-fixes", "."], dir.path());
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(second.stdout.is_empty());
}

#[test]
fn safe_fix_leaves_review_fix_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    std::fs::write(&path, ROOT_DOCKERFILE).unwrap();
    let output = cinch(&["fix", "."], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), ROOT_DOCKERFILE);
}

#[test]
fn stdin_fix_prints_fixed_text() {
    let output = cinch_stdin(&["fix", "--unsafe-fixes", "--stdin-filename", "Dockerfile", "-"], ROOT_DOCKERFILE.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("USER 10001:10001"), "{stdout}");
}

#[test]
fn stdin_check_names_the_file() {
    let output = cinch_stdin(&["check", "--stdin-filename", "build/Dockerfile", "-"], ROOT_DOCKERFILE.as_bytes());
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("build/Dockerfile:1:1: DKR001"));
}

#[test]
fn select_and_ignore_filter_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), ROOT_DOCKERFILE).unwrap();
    assert_eq!(cinch(&["check", "--select", "PGH", "."], dir.path()).status.code(), Some(0));
    assert_eq!(cinch(&["check", "--ignore", "DKR001", "."], dir.path()).status.code(), Some(0));
    assert_eq!(cinch(&["check", "--select", "DKR", "."], dir.path()).status.code(), Some(1));
}

#[test]
fn machine_formats_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), ROOT_DOCKERFILE).unwrap();
    for format in ["json", "sarif"] {
        let output = cinch(&["check", "--output-format", format, "."], dir.path());
        assert_eq!(output.status.code(), Some(1));
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{format} output is not JSON: {e}"));
        let text = value.to_string();
        assert!(text.contains("DKR001"), "{format}: {text}");
    }
    let github = cinch(&["check", "--output-format", "github", "."], dir.path());
    let text = String::from_utf8_lossy(&github.stdout);
    assert!(text.starts_with("::warning file=Dockerfile,line=1,col=1,"), "{text}");
}

#[test]
fn rules_and_explain_list_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rules = String::from_utf8_lossy(&cinch(&["rules"], dir.path()).stdout).into_owned();
    for (id, _) in cinch::formats::rule_ids() {
        assert!(rules.contains(id), "`cinch rules` misses {id}");
        let explain = cinch(&["explain", id], dir.path());
        assert_eq!(explain.status.code(), Some(0), "explain {id}");
        assert!(String::from_utf8_lossy(&explain.stdout).starts_with(id));
    }
}

#[test]
fn empty_and_comment_only_files_are_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        ("Dockerfile", ""),
        ("pg_hba.conf", ""),
        ("postgresql.conf", "# nothing\n"),
        ("nginx/nginx.conf", "# nothing here\n"),
        ("deploy.yaml", ""),
        ("app.js", "// nothing\n"),
        ("db/pg_hba.conf", "# only comments\n\n# more\n"),
        ("other/Dockerfile", "# syntax=docker/dockerfile:1\n# a comment\n"),
    ];
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(0), "stdout: {}\nstderr: {}", String::from_utf8_lossy(&output.stdout), stderr(&output));
}

#[cfg(unix)]
#[test]
fn hard_linked_file_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    std::fs::write(&path, ROOT_DOCKERFILE).unwrap();
    std::fs::hard_link(&path, dir.path().join("copy-of-dockerfile")).unwrap();
    let output = cinch(&["fix", "--unsafe-fixes", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--allow-hardlinks"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), ROOT_DOCKERFILE);
    let allowed = cinch(&["fix", "--unsafe-fixes", "--allow-hardlinks", "."], dir.path());
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    assert!(std::fs::read_to_string(&path).unwrap().contains("USER"));
}

#[cfg(unix)]
#[test]
fn symlinked_file_is_read_but_not_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real.Dockerfile"), ROOT_DOCKERFILE).unwrap();
    std::os::unix::fs::symlink("real.Dockerfile", dir.path().join("Dockerfile")).unwrap();
    let output = cinch(&["fix", "--unsafe-fixes", "Dockerfile"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("symbolic link"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(dir.path().join("real.Dockerfile")).unwrap(), ROOT_DOCKERFILE);
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pg_hba.conf"), b"\xff\xfe").unwrap();
    std::fs::create_dir(dir.path().join("svc")).unwrap();
    std::fs::write(dir.path().join("svc/Dockerfile"), ROOT_DOCKERFILE).unwrap();
    let output = cinch(&["fix", "--unsafe-fixes", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(std::fs::read_to_string(dir.path().join("svc/Dockerfile")).unwrap().contains("USER"));
}

#[test]
fn file_named_twice_is_checked_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), ROOT_DOCKERFILE).unwrap();
    let output = cinch(&["check", "Dockerfile", ".", "./Dockerfile"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.matches("DKR001").count(), 1, "{stdout}");
    let fixed = cinch(&["fix", "--unsafe-fixes", "Dockerfile", "."], dir.path());
    assert_eq!(fixed.status.code(), Some(0), "{}", stderr(&fixed));
}

#[test]
fn diff_with_machine_format_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let output = cinch(&["fix", "--diff", "--output-format", "json", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--diff"), "{}", stderr(&output));
}

#[test]
fn stdin_fix_echoes_undecodable_input() {
    let input = b"FROM alpine\n\xff\n";
    let output = cinch_stdin(&["fix", "--stdin-filename", "Dockerfile", "-"], input);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(output.stdout, input);
}

#[test]
fn stdin_respects_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cinch.toml"), "[limits]\nmax_file_size = 5\n").unwrap();
    let output = cinch_stdin(&["check", "--config", &dir.path().join("cinch.toml").to_string_lossy(), "--stdin-filename", "Dockerfile", "-"], ROOT_DOCKERFILE.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("limits.max_file_size"), "{}", stderr(&output));
}

#[test]
fn stdin_filename_needs_dash() {
    let dir = tempfile::tempdir().unwrap();
    let output = cinch(&["check", "--stdin-filename", "Dockerfile", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn config_select_typo_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cinch.toml"), "[rules]\nselect = [\"DKR01X\"]\n").unwrap();
    std::fs::write(dir.path().join("Dockerfile"), ROOT_DOCKERFILE).unwrap();
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("rules.select"), "{}", stderr(&output));
}

#[test]
fn config_error_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cinch.toml"), "[user]\nuid = \"x\"\n").unwrap();
    for name in ["a", "b", "c"] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join("Dockerfile"), ROOT_DOCKERFILE).unwrap();
    }
    let output = cinch(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output).matches("invalid config").count(), 1, "{}", stderr(&output));
}

#[test]
fn failed_write_reports_original_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("h")).unwrap();
    std::fs::write(dir.path().join("h/pg_hba.conf"), "host all all 10.0.0.0/8 password\n").unwrap();
    std::fs::hard_link(dir.path().join("h/pg_hba.conf"), dir.path().join("other")).unwrap();
    let output = cinch(&["fix", "h"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("`password`"), "{stdout}");
    assert!(!stdout.contains("`md5` authentication"), "reports the fixed text: {stdout}");
}
