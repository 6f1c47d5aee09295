//! The subcommands: check, fix, rules, explain. Each returns the process exit code:
//! 0 when nothing is left to report, 1 when findings remain (or `fix --diff` is not empty),
//! 2 on any error (unreadable or unparsable input, a bad config, an internal error).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::engine::{FileResult, FixMode, Problem};
use crate::report::{self, Summary};
use crate::{catalog, formats, run, write_results, RunOptions, StdinInput};

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Concise,
    Json,
    Sarif,
    Github,
}

/// Options shared by `check` and `fix`.
#[derive(Debug, Clone)]
pub struct CheckArgs {
    pub paths: Vec<PathBuf>,
    pub unsafe_fixes: bool,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub output_format: OutputFormat,
    pub exit_zero: bool,
    pub config: Option<PathBuf>,
    pub stdin_filename: Option<PathBuf>,
}

impl CheckArgs {
    fn reads_stdin(&self) -> bool {
        self.paths.len() == 1 && self.paths[0] == Path::new("-")
    }
}

/// Runs the engine, or prints the error that stopped it and returns `None`. Also returns the
/// bytes read from standard input, if any.
fn execute(args: &CheckArgs, mode: FixMode) -> Option<(Vec<FileResult>, Option<Vec<u8>>)> {
    if args.paths.iter().any(|p| p == Path::new("-")) && !args.reads_stdin() {
        eprintln!("cinch: `-` (standard input) cannot be combined with other paths");
        return None;
    }
    if args.stdin_filename.is_some() && !args.reads_stdin() {
        eprintln!("cinch: --stdin-filename names standard input, so it needs `-` as the only path");
        return None;
    }
    if let Some(unknown) = unknown_rule_patterns(args).first() {
        eprintln!("cinch: `{unknown}` matches no rule id; run `cinch rules` to list them");
        return None;
    }
    let stdin = if args.reads_stdin() {
        let mut bytes = Vec::new();
        if let Err(error) = std::io::stdin().read_to_end(&mut bytes) {
            eprintln!("cinch: cannot read standard input: {error}");
            return None;
        }
        Some(StdinInput { filename: args.stdin_filename.clone(), bytes })
    } else {
        None
    };
    let stdin_bytes = stdin.as_ref().map(|input| input.bytes.clone());
    let options = RunOptions {
        paths: if stdin.is_some() { Vec::new() } else { args.paths.clone() },
        config: args.config.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        mode,
        stdin,
    };
    match run(&options) {
        Ok(results) => Some((results, stdin_bytes)),
        Err(error) => {
            eprintln!("cinch: {error}");
            None
        }
    }
}

/// Returns the `--select`/`--ignore` entries that match no registered rule.
fn unknown_rule_patterns(args: &CheckArgs) -> Vec<String> {
    let ids = formats::rule_ids();
    args.select
        .iter()
        .flatten()
        .chain(args.ignore.iter())
        .filter(|pattern| pattern.as_str() != "ALL" && !ids.iter().any(|(id, _)| id.starts_with(pattern.as_str())))
        .cloned()
        .collect()
}

/// Prints problems on stderr: errors and skips, one line each.
fn print_problems(results: &[FileResult]) {
    let mut stderr = std::io::stderr().lock();
    for result in results {
        for problem in &result.problems {
            let (Problem::Error { message } | Problem::Skip { message }) = problem;
            let prefix = if matches!(problem, Problem::Error { .. }) { "error" } else { "note" };
            let _ = writeln!(stderr, "{prefix}: {message}");
        }
    }
}

/// Prints findings in the chosen format and returns whether any remain.
fn print_findings(results: &[FileResult], args: &CheckArgs, mode: FixMode, summary_to_stderr: bool) {
    let mut stdout = std::io::stdout().lock();
    let summary = Summary::of(results);
    match args.output_format {
        OutputFormat::Text | OutputFormat::Concise => {
            let concise = args.output_format == OutputFormat::Concise;
            let body = report::text(results, args.unsafe_fixes, concise);
            let line = format!("{} ({} checked)", summary.line_for(mode, args.unsafe_fixes, summary_to_stderr && mode != FixMode::None && !args.reads_stdin()), plural_files(summary.files));
            if summary_to_stderr {
                eprint!("{body}");
                eprintln!("{line}");
            } else {
                let _ = write!(stdout, "{body}");
                let _ = writeln!(stdout, "{line}");
            }
        }
        OutputFormat::Json => {
            let _ = write!(stdout, "{}", report::json(results));
        }
        OutputFormat::Sarif => {
            let _ = write!(stdout, "{}", report::sarif(results));
        }
        OutputFormat::Github => {
            let _ = write!(stdout, "{}", report::github(results));
        }
    }
}

fn plural_files(count: usize) -> String {
    if count == 1 {
        "1 file".to_string()
    } else {
        format!("{count} files")
    }
}

fn exit_code(results: &[FileResult], findings_remain: bool, exit_zero: bool) -> u8 {
    if results.iter().any(FileResult::has_error) {
        EXIT_ERROR
    } else if findings_remain && !exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

pub fn check(args: CheckArgs) -> u8 {
    let Some((results, _)) = execute(&args, FixMode::None) else {
        return EXIT_ERROR;
    };
    print_problems(&results);
    print_findings(&results, &args, FixMode::None, false);
    let remain = results.iter().any(|r| !r.remaining.is_empty());
    exit_code(&results, remain, args.exit_zero)
}

pub fn fix(args: CheckArgs, diff: bool, allow_hardlinks: bool) -> u8 {
    let mode = if args.unsafe_fixes { FixMode::Unsafe } else { FixMode::Safe };
    if diff && !matches!(args.output_format, OutputFormat::Text | OutputFormat::Concise) {
        eprintln!("cinch: --diff prints a patch on standard output, so it cannot be combined with a machine-readable --output-format; run `cinch check --output-format ...` separately");
        return EXIT_ERROR;
    }
    let Some((mut results, stdin_bytes)) = execute(&args, mode) else {
        return EXIT_ERROR;
    };

    if diff {
        let patch = report::diff_all(&results);
        let _ = std::io::stdout().lock().write_all(&patch);
        print_problems(&results);
        print_findings(&results, &args, mode, true);
        let remain = !patch.is_empty() || results.iter().any(|r| !r.remaining.is_empty());
        return exit_code(&results, remain, args.exit_zero);
    }

    if args.reads_stdin() {
        // Fixed standard input goes to stdout; everything else to stderr.
        // Editors replace their buffer with stdout, so it always carries the whole file: the fixed
        // text, or the input unchanged when it could not be read or fixed.
        if let Some(result) = results.first() {
            let bytes = match (result.fixed_bytes(), &result.original) {
                (Some(fixed), _) => fixed,
                (None, Some(original)) => original.to_bytes(),
                (None, None) => stdin_bytes.clone().unwrap_or_default(),
            };
            let _ = std::io::stdout().lock().write_all(&bytes);
        }
        print_problems(&results);
        print_findings(&results, &args, mode, true);
    } else {
        write_results(&mut results, allow_hardlinks);
        print_problems(&results);
        print_findings(&results, &args, mode, false);
    }
    let remain = results.iter().any(|r| !r.remaining.is_empty());
    exit_code(&results, remain, args.exit_zero)
}

pub fn rules(markdown: bool) -> u8 {
    let mut stdout = std::io::stdout().lock();
    if markdown {
        let _ = write!(stdout, "{}", catalog::markdown_table());
        return EXIT_CLEAN;
    }
    for doc in catalog::docs() {
        let _ = writeln!(stdout, "{:<7} {:<16} {:<7} {:<34} {}", doc.id, doc.format, doc.fix, doc.name, doc.summary);
    }
    EXIT_CLEAN
}

pub fn explain(rule: &str) -> u8 {
    match catalog::doc(rule) {
        Some(doc) => {
            let _ = write!(std::io::stdout().lock(), "{}", catalog::explain(doc));
            EXIT_CLEAN
        }
        None => {
            eprintln!("cinch: no rule `{rule}`; run `cinch rules` to list them");
            EXIT_ERROR
        }
    }
}
