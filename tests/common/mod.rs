//! Shared test harness: runs one fixture through the engine and renders what a reviewer needs
//! to see (the findings, then the diff), and checks the invariants every fix must keep.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cinch::config::{Config, Settings};
use cinch::context::{ContextFile, ProjectContext};
use cinch::engine::{process, FileResult, FixMode};
use cinch::formats;
use cinch::report;
use cinch::source::SourceFile;

/// Returns the settings a `cinch.toml` with `toml` gives a file at `path`.
pub fn settings(toml: &str, path: &str) -> Settings {
    Config::parse(Path::new("cinch.toml"), toml).expect("test config parses").settings_for(Path::new(path))
}

/// Builds a project context from `(path, text)` pairs, kinds detected by name.
pub fn project(files: &[(&str, &str)]) -> ProjectContext {
    let entries = files.iter().map(|(path, text)| {
        let path = PathBuf::from(path);
        let kind = formats::kind_for_path(&path);
        let source = SourceFile::from_bytes(path.clone(), text.as_bytes()).expect("fixture is UTF-8");
        (path, ContextFile { kind, source: Arc::new(source) })
    });
    ProjectContext::new(vec![PathBuf::from(".")], entries)
}

/// Runs the engine on `text` as the file `path`, with `config` as cinch.toml and `others` as the
/// rest of the project.
pub fn run_in(path: &str, text: &str, config: &str, mode: FixMode, others: &[(&str, &str)]) -> FileResult {
    let path_buf = PathBuf::from(path);
    let kind = formats::kind_for_path(&path_buf).unwrap_or_else(|| panic!("no format claims {path}"));
    let source = SourceFile::from_bytes(path_buf, text.as_bytes()).expect("fixture is UTF-8");
    let mut all: Vec<(&str, &str)> = others.to_vec();
    all.push((path, text));
    let project = project(&all);
    process(formats::for_kind(kind), source, &settings(config, path), &project, mode)
}

pub fn run(path: &str, text: &str, config: &str, mode: FixMode) -> FileResult {
    run_in(path, text, config, mode, &[])
}

/// Returns the text after fixes (the input when nothing changed).
pub fn fixed_text(result: &FileResult) -> String {
    result.fixed.clone().unwrap_or_else(|| result.original.as_ref().map(|s| s.text.clone()).unwrap_or_default())
}

/// Renders a fixture for a snapshot: the findings `cinch check` reports (with notes), the
/// problems, then the diff that `mode` produces.
pub fn render(path: &str, text: &str, config: &str, mode: FixMode, others: &[(&str, &str)]) -> String {
    let unsafe_fixes = mode == FixMode::Unsafe;
    let checked = run_in(path, text, config, FixMode::None, others);
    let fixed = run_in(path, text, config, mode, others);
    let mut out = String::from("# findings\n");
    out.push_str(&report::text(std::slice::from_ref(&checked), unsafe_fixes, false));
    for problem in checked.problems.iter().chain(fixed.problems.iter()) {
        out.push_str(&format!("problem: {problem:?}\n"));
    }
    out.push_str("\n# diff\n");
    out.push_str(&String::from_utf8_lossy(&report::diff_all(std::slice::from_ref(&fixed))));
    out
}

/// Asserts the invariants of every fix: the fixed text parses, a second run changes nothing,
/// no error was reported, and a file with nothing to fix comes out byte-identical.
pub fn assert_invariants(path: &str, text: &str, config: &str, mode: FixMode, others: &[(&str, &str)]) {
    let first = run_in(path, text, config, mode, others);
    assert!(!first.has_error(), "{path}: errors on first run: {:?}", first.problems);
    let fixed = fixed_text(&first);
    if first.fixed_findings.is_empty() {
        let output = first.fixed_bytes().or_else(|| first.original.as_ref().map(|s| s.to_bytes())).unwrap_or_default();
        assert_eq!(output, text.as_bytes(), "{path}: bytes changed without any fix applied");
    }
    let second = run_in(path, &fixed, config, mode, others);
    assert!(!second.has_error(), "{path}: fixed output does not parse: {:?}", second.problems);
    assert!(second.fixed.is_none(), "{path}: second run changed the file again:\n{}", fixed_text(&second));
}

/// Asserts a snapshot stored under `snapshots/` at the repository root.
#[macro_export]
macro_rules! assert_fixture_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

/// Returns every file below `dir`, sorted by path; an unreadable directory gives none.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().expect("local address").port()
}

/// Splits an HTTP/1.1 response into its status line and headers (names in lower case).
pub fn http_head(response: &str) -> (String, Vec<(String, String)>) {
    let head = response.split("\r\n\r\n").next().unwrap_or("");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or("").to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    (status, headers)
}
