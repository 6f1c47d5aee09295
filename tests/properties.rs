//! Property tests. Every fixture is reformatted at random: CRLF line endings, a BOM, a missing
//! final newline, extra blank lines and comment lines. Each variant must go through check and fix
//! without a panic or an internal error, the parser's pieces must join back to the input, a fix's
//! output must parse again, and a second run must change nothing. The case count is small so the
//! suite stays fast.

mod common;

use std::path::{Path, PathBuf};

use cinch::engine::{FixMode, Problem};
use cinch::formats;
use cinch::rule::FileKind;
use cinch::source::SourceFile;
use proptest::prelude::*;

/// A config that lets every fix run.
const CONFIG: &str = cinch::invariants::PIPELINE_CONFIG;

/// One input: the name that selects its format, and its text.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    text: String,
    comment: Option<&'static str>,
}

/// Collects every fixture file that a format claims, under the name it is checked as.
fn samples() -> Vec<Sample> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let files = common::files_under(&root);
    let mut samples = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Some(name) = checked_name(&path) else { continue };
        let Some(kind) = formats::kind_for_path(Path::new(&name)) else { continue };
        let comment = match kind {
            FileKind::JavaScript | FileKind::CSharp => Some("//"),
            FileKind::Kubernetes if name.ends_with(".json") => None,
            _ => Some("#"),
        };
        samples.push(Sample { name, text, comment });
    }
    samples
}


/// Returns the file name a fixture is checked as: its own when a format claims it, otherwise the
/// usual name of the format its folder contains (pg_hba fixtures have bare names).
fn checked_name(path: &Path) -> Option<String> {
    let own = path.file_name()?.to_str()?.to_string();
    if formats::kind_for_path(Path::new(&own)).is_some() {
        return Some(own);
    }
    let folder = path.parent()?.file_name()?.to_str()?;
    match folder {
        "postgres" => Some("pg_hba.conf".to_string()),
        "dockerfile" => Some("Dockerfile".to_string()),
        "nginx" => Some("nginx.conf".to_string()),
        _ => None,
    }
}

/// Formatting changes applied to a sample.
#[derive(Debug, Clone)]
struct Reformat {
    crlf: bool,
    bom: bool,
    drop_final_newline: bool,
    /// Line indexes (modulo the line count) before which a blank line goes.
    blank_lines: Vec<usize>,
    /// Line indexes before which a comment line goes.
    comment_lines: Vec<usize>,
}

fn reformat_strategy() -> impl Strategy<Value = Reformat> {
    (any::<bool>(), any::<bool>(), any::<bool>(), prop::collection::vec(0usize..400, 0..3), prop::collection::vec(0usize..400, 0..3))
        .prop_map(|(crlf, bom, drop_final_newline, blank_lines, comment_lines)| Reformat { crlf, bom, drop_final_newline, blank_lines, comment_lines })
}

fn apply(sample: &Sample, change: &Reformat) -> Vec<u8> {
    let mut lines: Vec<String> = sample.text.lines().map(str::to_string).collect();
    if !lines.is_empty() {
        for &at in &change.blank_lines {
            lines.insert(at % lines.len(), String::new());
        }
        if let Some(marker) = sample.comment {
            for &at in &change.comment_lines {
                lines.insert(at % lines.len(), format!("{marker} reformatted by the property test"));
            }
        }
    }
    let newline = if change.crlf { "\r\n" } else { "\n" };
    let mut text = lines.join(newline);
    if !change.drop_final_newline {
        text.push_str(newline);
    }
    let mut bytes = Vec::new();
    if change.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn check_invariants(sample: &Sample, bytes: &[u8]) -> Result<(), TestCaseError> {
    let source = SourceFile::from_bytes(PathBuf::from(&sample.name), bytes).expect("generated text is UTF-8");
    let kind = formats::kind_for_path(Path::new(&sample.name)).expect("sample has a format");
    let format = formats::for_kind(kind);

    if let Some(Ok(joined)) = format.round_trip(&source) {
        prop_assert_eq!(&joined, &source.text, "{}: parsed pieces do not join back to the input", sample.name);
    }

    let first = common::run(&sample.name, &source.text, CONFIG, FixMode::Unsafe);
    for problem in &first.problems {
        if let Problem::Error { message } = problem {
            prop_assert!(!message.contains("internal error"), "{}: {}", sample.name, message);
        }
    }
    if let Some(fixed) = &first.fixed {
        let second = common::run(&sample.name, fixed, CONFIG, FixMode::Unsafe);
        prop_assert!(!second.has_error(), "{}: fixed output has errors: {:?}", sample.name, second.problems);
        prop_assert!(second.fixed.is_none(), "{}: second run changed the file again", sample.name);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn reformatted_fixtures_keep_invariants(index in any::<prop::sample::Index>(), change in reformat_strategy()) {
        let all = samples();
        prop_assume!(!all.is_empty());
        let sample = &all[index.index(all.len())];
        check_invariants(sample, &apply(sample, &change))?;
    }
}

#[test]
fn every_fixture_round_trips() {
    for sample in samples() {
        let source = SourceFile::from_bytes(PathBuf::from(&sample.name), sample.text.as_bytes()).unwrap();
        let format = formats::for_kind(formats::kind_for_path(Path::new(&sample.name)).unwrap());
        if let Some(Ok(joined)) = format.round_trip(&source) {
            assert_eq!(joined, source.text, "{}", sample.name);
        }
    }
}
